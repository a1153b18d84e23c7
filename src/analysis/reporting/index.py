"""The landing page ``reports/index.html``: one row per region."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from analysis.reporting.batch import RegionJob, RegionOutcome
from analysis.reporting.files import atomic_write_text, read_json

MONITOR_NOTEBOOK = "region_monitor"
LABELS = {
    "en": {
        "title": "pilot evaluation reports",
        "generated": "Generated",
        "regions": "regions",
        "synthesis": "Synthesis across regions",
        "region": "Region",
        "pilot": "Pilot (start)",
        "status": "Status",
        "last_run": "Last run",
        "duration": "Duration (s)",
        "headline": "Clear effects (primary estimate, 95% interval)",
        "links": "Open",
        "report": "evaluation report",
        "notebook": "executed notebook",
        "monitor": "monitor",
    },
    "nl": {
        "title": "evaluatierapporten",
        "generated": "Gemaakt op",
        "regions": "regio's",
        "synthesis": "Synthese over regio's",
        "region": "Regio",
        "pilot": "Pilot (start)",
        "status": "Status",
        "last_run": "Laatste run",
        "duration": "Duur (s)",
        "headline": "Duidelijke effecten (primaire schatting, 95%-interval)",
        "links": "Openen",
        "report": "evaluatierapport",
        "notebook": "uitgevoerd notebook",
        "monitor": "monitor",
    },
}


@dataclass(frozen=True)
class IndexRow:
    """What the landing page shows for one region."""

    region_id: str
    name: str
    pilot: str
    status: str
    finished: str
    duration: str
    error: str | None
    effects: list[str]
    report: str | None
    executed: str | None
    monitor: str | None


def format_effect(result: dict, language: str = "en") -> str:
    """One result of ``results.json`` as short text, e.g. ``Referrals ... -19% (-25% to -13%)``.

    Ratios read as percentage changes, shares as percentage points.
    """
    from analysis.evaluation.findings import TEXT, as_change, format_number, outcome_label

    to = TEXT[language]["to"]
    label = outcome_label(result["outcome"], language, title=True)
    scale = result.get("scale", "difference")
    values, decimals = as_change(scale, result["estimate"], result["ci_low"], result["ci_high"])
    est, low, high = (format_number(v, decimals, language, sign=True) for v in values)
    if scale == "ratio":
        return f"{label}: {est}% ({low}% {to} {high}%)"
    return f"{label}: {est} pp ({low} {to} {high})"


def _excludes_null(result: dict) -> bool:
    null = 1.0 if result.get("scale") == "ratio" else 0.0
    return not (result["ci_low"] <= null <= result["ci_high"])


def _headline(results: object, language: str, limit: int = 4) -> list[str]:
    """The primary effects whose interval excludes no change, largest first."""
    if not isinstance(results, list):
        return []
    primary = [r for r in results if r.get("primary") and r.get("ci_low") is not None]
    clear = sorted(
        (r for r in primary if _excludes_null(r)),
        key=lambda r: -abs(math.log(r["estimate"]) if r["scale"] == "ratio" else r["estimate"]),
    )
    return [format_effect(r, language) for r in clear[:limit]]


def _link(path: Path, base: Path) -> str | None:
    return os.path.relpath(path, base) if path.is_file() else None


def index_rows(
    jobs: Sequence[RegionJob],
    outcomes: Sequence[RegionOutcome],
    names: dict[str, str],
    reports_dir: Path,
    language: str = "en",
    pilots: dict[str, str] | None = None,
) -> list[IndexRow]:
    """Build the rows from each job's run record and ``results.json``.

    ``names`` maps region ids to names, ``pilots`` to a short description of
    the region's interventions.
    """
    by_region = {o.region_id: o for o in outcomes}
    rows = []
    for job in sorted(jobs, key=lambda j: j.region_id):
        record, outcome = job.last_record(), by_region.get(job.region_id)
        status = outcome.status if outcome else record.get("status", "not run")
        if status == "cached":
            status = "ok (cached)"
        rows.append(
            IndexRow(
                region_id=job.region_id,
                name=names.get(job.region_id, job.region_id),
                pilot=(pilots or {}).get(job.region_id, ""),
                status=status,
                finished=str(record.get("finished", "")).replace("T", " ")[:16],
                duration=f"{record.get('duration', 0):.0f}",
                error=record.get("error"),
                effects=_headline(read_json(job.workdir / "results.json"), language),
                report=_link(job.html_path, reports_dir),
                executed=_link(job.executed_path, reports_dir),
                monitor=_link(job.workdir / f"{MONITOR_NOTEBOOK}.html", reports_dir),
            )
        )
    return rows


def write_index(
    reports_dir: Path,
    rows: Sequence[IndexRow],
    *,
    study: str,
    language: str = "en",
    synthesis: Path | None = None,
) -> Path:
    """Write ``index.html`` into ``reports_dir`` (atomically) and return its path."""
    env = Environment(
        loader=PackageLoader("analysis", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    page = env.get_template("index.html.j2").render(
        study=study,
        language=language,
        t=LABELS[language],
        rows=rows,
        generated=datetime.now().isoformat(timespec="minutes"),
        synthesis=_link(synthesis, reports_dir) if synthesis else None,
    )
    return atomic_write_text(reports_dir / "index.html", page)
