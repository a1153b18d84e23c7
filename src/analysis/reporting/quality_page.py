"""The data-quality page for stakeholders: what the ingest's checks found, in counts only.

The ingest writes a detailed report for researchers (``data_quality.html`` in the
processed folder, with practice ids and examples). This page says the same in
the reader's language with nothing that identifies a practice or a patient:
per check the number of practice-months concerned, below the disclosure
threshold shown as ``<k``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from analysis.reporting.files import atomic_write_text, read_json
from analysis.reporting.layout import ReportLayout
from analysis.words import Words

#: Checks of ``data_quality.json`` shown to stakeholders, in this order.
CHECKS = (
    "intervention_timing",
    "dropped",
    "missing_months",
    "practices_without_list_size",
    "months_without_contacts",
    "implausible_rates",
    "outliers",
)


def check_counts(report: dict[str, Any]) -> dict[str, int]:
    """Per check, how many cases (practice-months, rows or practices) it found."""
    counts = {}
    for check in CHECKS:
        value = report.get(check, [])
        if isinstance(value, dict):
            counts[check] = int(sum(v for v in value.values() if isinstance(v, int)))
        else:
            counts[check] = int(
                sum(
                    item.get("practice_months", item.get("practices", 1))
                    if isinstance(item, dict)
                    else 1
                    for item in value
                )
            )
    return counts


def write_quality_pages(
    layout: ReportLayout,
    processed_dir: Path,
    *,
    study: str,
    languages: list[str],
    index_pages: dict[str, Path],
    threshold: int,
) -> dict[str, Path]:
    """Write ``data_quality.<lang>.html`` per language; language -> page written.

    Nothing is written when the processed folder has no quality report.
    """
    report = read_json(processed_dir / "data_quality.json")
    if not isinstance(report, dict):
        return {}
    counts = check_counts(report)
    summary = report.get("summary", {})
    env = Environment(
        loader=PackageLoader("analysis", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    pages = {}
    for language in languages:
        words = Words(language)  # type: ignore[arg-type]
        page = layout.data_quality(language)
        t = words.section("quality_page")
        rows = [(t[check], words.count(n, threshold)) for check, n in counts.items() if n > 0]
        size = t["size"].format(
            practices=words.count(summary.get("practices", 0), threshold),
            regions=words.count(summary.get("regions", 0), threshold),
            months=words.number(summary.get("months", 0)),
            practice_months=words.count(summary.get("practice_months", 0), threshold),
        )
        html = env.get_template("data_quality.html.j2").render(
            study=study,
            language=language,
            t=t,
            intro=t["intro"].format(k=threshold),
            size=size,
            rows=rows,
            index=layout.link(index_pages[language], page) if language in index_pages else None,
        )
        pages[language] = atomic_write_text(page, html)
    return pages
