"""Render executed notebooks to stakeholder HTML, in-process, with code hidden."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML

from analysis.reporting.files import atomic_write_text

#: Cell tags a notebook author can use to keep things out of the HTML.
REMOVE_CELL_TAGS = ("remove-cell", "parameters", "injected-parameters")
REMOVE_INPUT_TAGS = ("remove-input",)


@dataclass(frozen=True)
class ReportHeader:
    """What a reader sees above the report, in the report's ``language``."""

    study: str
    region: str
    data_period: str
    generated: str
    language: str = "en"

    @property
    def words(self) -> dict[str, str]:
        """The frame's words in the report's language."""
        from analysis.words import Words

        return Words(self.language).section("frame")  # type: ignore[arg-type]


#: What a report may contain in Markdown and HTML outputs once sanitised: text markup,
#: tables (pandas Styler, with its ``<style>`` block), figures; no script, no event
#: handler, no ``javascript:`` link, no frame or form.
ALLOWED_TAGS = [
    *("a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd"),
    *("details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4"),
    *("h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "small", "span", "strong"),
    *("style", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr"),
    "ul",
]
ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "style", "title", "lang", "colspan", "rowspan", "role", "aria-label"],
    "a": ["href", "title", "hreflang"],
    "img": ["src", "alt", "width", "height"],
}


#: nbconvert templates of the workbench; ``workbench`` is JupyterLab's without CDN scripts.
TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "nbconvert"


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name="workbench",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    remover = TagRemovePreprocessor(
        remove_cell_tags=set(REMOVE_CELL_TAGS),
        remove_input_tags=set(REMOVE_INPUT_TAGS),
        enabled=True,
    )
    exporter.register_preprocessor(remover, enabled=True)
    # Second line of defence: data text is escaped where it enters a report
    # (analysis.reporting.escape); whatever slipped through cannot run as script.
    sanitizer = SanitizeHTML(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, enabled=True)
    exporter.register_preprocessor(sanitizer, enabled=True)
    return exporter


def _markdown_cell(text: str, tag: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [tag]
    return cell


def header_markdown(header: ReportHeader) -> str:
    """Markdown block shown at the top of every report."""
    words = header.words
    return (
        f"<div class='workbench-header'><b>{html.escape(header.study)}</b><br>"
        f"{words['region']}: <b>{html.escape(header.region)}</b> &middot; "
        f"{words['period']} {html.escape(header.data_period)} &middot; "
        f"{words['generated']} {html.escape(header.generated)}</div>"
    )


def footer_markdown(provenance: dict[str, object], language: str = "en") -> str:
    """Markdown block with the provenance of the report.

    On screen it is folded away (``<details>``); printed, it is spelled out, since a
    printed report cannot be unfolded.
    """
    from analysis.words import Words

    title = Words(language).text("frame.provenance")  # type: ignore[arg-type]
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in provenance.items()
    )
    return (
        f"<hr><details class='workbench-provenance'><summary>{title}</summary>"
        f"<table>{rows}</table></details>"
        f"<div class='workbench-print-only'><b>{title}</b><table>{rows}</table></div>"
    )


def page_title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """The report's title: the first level-1 heading it shows, as plain text.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Zorg \\_ &amp; co")])
    >>> page_title(nb, "Notebook")
    'Zorg _ & co'
    """
    for cell in notebook.cells:
        if "remove-cell" in cell.metadata.get("tags", []):
            continue
        texts = [cell.source] if cell.cell_type == "markdown" else []
        for output in cell.get("outputs", []):
            texts.append(output.get("data", {}).get("text/markdown", ""))
        for text in texts:
            for line in str(text).splitlines():
                if line.startswith("# "):
                    plain = re.sub(r"\\(.)", r"\1", line[2:].strip())
                    return html.unescape(plain.replace("**", ""))
    return fallback


def render_html(
    executed: Path,
    destination: Path,
    *,
    header: ReportHeader | None = None,
    provenance: dict[str, object] | None = None,
) -> Path:
    """Render an executed notebook to HTML without code cells.

    Parameters
    ----------
    executed
        The executed notebook (``.ipynb``).
    destination
        The HTML file to write; written to a temporary file first, then renamed.
    header
        Study, region, data period and time, shown above the report.
    provenance
        Key-value pairs (commit, versions, data hash, parameters) shown at the end.

    Returns
    -------
    pathlib.Path
        ``destination``.
    """
    notebook = nbformat.read(executed, as_version=4)
    fallback = f"{header.study}: {header.region}" if header is not None else executed.stem
    notebook.metadata["title"] = page_title(notebook, fallback)
    if header is not None:
        notebook.cells.insert(0, _markdown_cell(header_markdown(header), "workbench-header"))
    if provenance is not None:
        language = header.language if header is not None else "en"
        footer = footer_markdown(provenance, language)
        notebook.cells.append(_markdown_cell(footer, "workbench-footer"))
    exporter = _exporter()
    exporter.language_code = header.language if header is not None else "en"
    body, _ = exporter.from_notebook_node(notebook)
    atomic_write_text(destination, body)
    return destination
