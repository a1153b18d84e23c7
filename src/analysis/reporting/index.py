"""The landing pages (``reports/index.html``, one per language) and the researchers' page.

Both are built from the run records on disk (:class:`ReportLayout`), not from the
last run: a run of two regions, or of another notebook, never drops a region
from the index. Stakeholder pages link reports only; executed notebooks, run
errors and durations are on the researchers' page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from analysis.reporting.batch import outputs_intact
from analysis.reporting.files import atomic_write_text, read_json
from analysis.reporting.layout import PLANNING_ID, PLANNING_NOTEBOOKS, SYNTHESIS_ID, ReportLayout
from analysis.words import Words, words_for

MONITOR_NOTEBOOK = "region_monitor"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
#: Clear effects listed per region on the landing page; more are summed up with a link.
SHOWN_EFFECTS = 4


@dataclass(frozen=True)
class Link:
    """A link on a page: its words and its (relative, percent-encoded) target."""

    text: str
    href: str


@dataclass(frozen=True)
class IndexRow:
    """What a landing page shows for one region."""

    region_id: str
    name: str
    pilot: str
    effects: list[str]
    report: Link | None
    monitor: Link | None
    other_languages: list[Link] = field(default_factory=list)
    earlier_monitors: list[Link] = field(default_factory=list)
    outdated: str | None = None
    more_effects: str | None = None


@dataclass(frozen=True)
class RunRow:
    """One run record, as the researchers' page shows it."""

    region_id: str
    notebook: str
    language: str
    status: str
    finished: str
    duration: str
    error: str | None
    report: str | None
    executed: str | None
    edition: str | None = None


def format_effect(result: dict, words: Words) -> str:
    """One result of ``results.json`` as short text, e.g. ``Referrals ...: -19% (-25% to -13%)``.

    Ratios read as percentage changes, shares as percentage points: the notation
    of every page.
    """
    try:
        label = words.indicator(result["outcome"]).title()
    except KeyError:  # a result from an outcome the catalogue no longer has
        label = str(result["outcome"]).replace("_", " ")
    change = words.change(
        result.get("scale", "difference"), result["estimate"], result["ci_low"], result["ci_high"]
    )
    return f"{label}: {change}"


def _excludes_null(result: dict) -> bool:
    null = 1.0 if result.get("scale") == "ratio" else 0.0
    return not (result["ci_low"] <= null <= result["ci_high"])


def clear_effects(results: object, words: Words) -> list[str]:
    """The primary effects whose interval excludes no change, largest first, in words."""
    if not isinstance(results, list):
        return []
    primary = [
        r
        for r in results
        if isinstance(r, dict) and r.get("primary") and r.get("ci_low") is not None
    ]
    clear = sorted(
        (r for r in primary if _excludes_null(r)),
        key=lambda r: -abs(math.log(r["estimate"]) if r["scale"] == "ratio" else r["estimate"]),
    )
    return [format_effect(r, words) for r in clear]


def current_results(layout: ReportLayout, region_id: str, notebook: str) -> object:
    """The region's ``results.json`` if a successful run published it and it is unchanged.

    Results of a run that later failed were withdrawn; results edited or left
    behind by hand are not shown as current.
    """
    path = layout.results(region_id)
    relative = path.relative_to(layout.root).as_posix()
    for record_path in layout.region_dir(region_id).glob(f".{notebook}.*.run.json"):
        record = read_json(record_path, default={})
        if (
            isinstance(record, dict)
            and record.get("status") == "ok"
            and relative in record.get("published", [])
            and outputs_intact(layout.root, {relative: record["outputs"][relative]})
        ):
            return read_json(path)
    return None


def _record(layout: ReportLayout, region_id: str, notebook: str, language: str) -> dict:
    record = read_json(layout.record(region_id, notebook, language), default={})
    return record if isinstance(record, dict) else {}


def _report_link(
    layout: ReportLayout, region_id: str, notebook: str, language: str, page: Path, text: str
) -> Link | None:
    path = layout.report(region_id, notebook, language)
    return Link(text, layout.link(path, page)) if path.is_file() else None


def index_rows(
    layout: ReportLayout,
    language: str,
    languages: Sequence[str],
    *,
    evaluation_notebook: str,
    names: dict[str, str],
    pilots: dict[str, list[tuple[str, object]]],
    page: Path,
    countries: dict[str, str] | None = None,
) -> list[IndexRow]:
    """One row per region with a run record on disk, in ``language``.

    Each region's effects and interventions are in the words of its country
    (Flemish for a Flemish region).
    """
    t = Words(language).section("index")  # type: ignore[arg-type]
    rows = []
    for rid in layout.region_ids():
        words = words_for(language, (countries or {}).get(rid))  # type: ignore[arg-type]
        record = _record(layout, rid, evaluation_notebook, language)
        outdated = None
        if record.get("status") == "failed" and record.get("last_ok"):
            outdated = t["outdated"].format(date=str(record["last_ok"]).replace("T", " ")[:16])
        others = [
            link
            for other in languages
            if other != language
            and (
                link := _report_link(
                    layout, rid, evaluation_notebook, other, page, LANGUAGE_NAMES[other]
                )
            )
        ]
        effects = clear_effects(current_results(layout, rid, evaluation_notebook), words)
        monitors = monitor_links(layout, rid, language, page, words)
        more = len(effects) - SHOWN_EFFECTS
        rows.append(
            IndexRow(
                region_id=rid,
                name=names.get(rid, rid),
                pilot=_pilot_text(pilots.get(rid, []), words),
                effects=effects[:SHOWN_EFFECTS],
                more_effects=t["and_more"].format(n=more) if more > 0 else None,
                report=_report_link(layout, rid, evaluation_notebook, language, page, t["report"]),
                monitor=monitors[0] if monitors else None,
                earlier_monitors=monitors[1:],
                other_languages=others,
                outdated=outdated,
            )
        )
    return rows


def monitor_links(
    layout: ReportLayout, region_id: str, language: str, page: Path, words: Words
) -> list[Link]:
    """The region's monitor editions in ``language``, latest first: the first is the current one.

    The latest reads "maandmonitor (juni 2025)", earlier ones by their month only.
    """
    months = list(reversed(layout.editions(region_id, MONITOR_NOTEBOOK, language)))
    links = []
    for k, month in enumerate(months):
        path = layout.report(region_id, MONITOR_NOTEBOOK, language, edition=month)
        name = words.month(pd.Timestamp(f"{month}-01"))
        text = f"{words.text('index.monitor')} ({name})" if k == 0 else name
        links.append(Link(text, layout.link(path, page)))
    return links


def _pilot_text(starts: Sequence[tuple[str, object]], words: Words) -> str:
    """``longer consultations (January 2016); welfare coach (July 2017)``."""
    return "; ".join(f"{words.intervention(code)} ({words.month(month)})" for code, month in starts)


def programme_groups(
    rows: Sequence[IndexRow], programmes: dict[str, str], words: Words
) -> list[tuple[str, list[IndexRow]]]:
    """Rows grouped by programme (the region's first intervention), regions without last."""
    groups: dict[str, list[IndexRow]] = {}
    for row in rows:
        code = programmes.get(row.region_id)
        heading = words.intervention(code) if code else words.text("index.no_programme")
        groups.setdefault(words.capital(heading), []).append(row)
    without = words.capital(words.text("index.no_programme"))
    return sorted(groups.items(), key=lambda item: (item[0] == without, item[0]))


def run_rows(layout: ReportLayout, page: Path) -> list[RunRow]:
    """Every run record under the reports folder, for the researchers' page."""
    rows = []
    for rid in [*layout.region_ids(), SYNTHESIS_ID, PLANNING_ID]:
        for path in layout.records(rid):
            record = read_json(path, default={})
            if not isinstance(record, dict) or "notebook" not in record:
                continue
            notebook, language = record["notebook"], record.get("language", "")
            edition = record.get("edition")
            report = layout.report(rid, notebook, language, edition=edition)
            executed = layout.executed(rid, notebook, language, edition=edition)
            rows.append(
                RunRow(
                    region_id=rid,
                    notebook=notebook,
                    language=language,
                    status=str(record.get("status", "")),
                    finished=str(record.get("finished", "")).replace("T", " ")[:16],
                    duration=f"{record.get('duration', 0):.0f}",
                    error=record.get("error"),
                    report=layout.link(report, page) if report.is_file() else None,
                    executed=layout.link(executed, page) if executed.is_file() else None,
                    edition=edition,
                )
            )
    return rows


@dataclass(frozen=True)
class PlanningLink:
    """A planning page on the landing page: its title, what it answers, its link."""

    text: str
    about: str
    href: str


def planning_links(layout: ReportLayout, language: str, page: Path) -> list[PlanningLink]:
    """The planning pages built in ``language``, in :data:`PLANNING_NOTEBOOKS` order."""
    words = Words(language).section("planning")  # type: ignore[arg-type]
    return [
        PlanningLink(words[name], words[f"{name}_about"], layout.link(path, page))
        for name in PLANNING_NOTEBOOKS
        if (path := layout.planning(name, language)).is_file()
    ]


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("analysis", "templates"), autoescape=select_autoescape(["html", "j2"])
    )


def write_index_pages(
    layout: ReportLayout,
    *,
    study: str,
    languages: Sequence[str],
    evaluation_notebook: str,
    names: dict[str, str],
    pilots: dict[str, list[tuple[str, object]]],
    data_quality: dict[str, Path] | None = None,
    learning: dict[str, Path] | None = None,
    countries: dict[str, str] | None = None,
) -> list[Path]:
    """Write the landing page of every language and the researchers' page (atomically).

    ``pilots`` maps a region to its interventions and their start months, in
    order; the first names the region's programme, by which the page groups.
    ``data_quality`` maps a language to its data-quality page, if written, and
    ``learning`` to its programme learning page.

    ``reports/index.html`` is in the first (primary) language; every other
    language gets ``index.<lang>.html``. Returns the paths written.
    """
    env = _environment()
    generated = datetime.now()
    written = []
    languages = list(dict.fromkeys([*languages, *layout.languages()]))
    pages = {
        language: layout.index(language, primary=i == 0) for i, language in enumerate(languages)
    }
    programmes = {rid: starts[0][0] for rid, starts in pilots.items() if starts}
    for language, page in pages.items():
        words = Words(language)  # type: ignore[arg-type]
        synthesis = layout.synthesis(language)
        rows = index_rows(
            layout,
            language,
            languages,
            evaluation_notebook=evaluation_notebook,
            names=names,
            pilots=pilots,
            page=page,
            countries=countries,
        )
        quality = (data_quality or {}).get(language)
        lessons = (learning or {}).get(language)
        html = env.get_template("index.html.j2").render(
            study=study,
            language=language,
            t=words.section("index"),
            groups=programme_groups(rows, programmes, words),
            n_regions=len(rows),
            data_quality=layout.link(quality, page) if quality and quality.is_file() else None,
            learning=layout.link(lessons, page) if lessons and lessons.is_file() else None,
            generated=words.moment(generated),
            synthesis=layout.link(synthesis, page) if synthesis.is_file() else None,
            planning=planning_links(layout, language, page),
            p=words.section("planning"),
            researchers=layout.link(layout.researchers, page),
            languages=[
                Link(LANGUAGE_NAMES[other], layout.link(other_page, page))
                for other, other_page in pages.items()
                if other != language
            ],
        )
        written.append(atomic_write_text(page, html))
    primary = languages[0]
    html = env.get_template("researchers.html.j2").render(
        study=study,
        language=primary,
        t=Words(primary).section("index"),  # type: ignore[arg-type]
        runs=run_rows(layout, layout.researchers),
        generated=Words(primary).moment(generated),  # type: ignore[arg-type]
        index=layout.link(pages[primary], layout.researchers),
    )
    written.append(atomic_write_text(layout.researchers, html))
    return written
