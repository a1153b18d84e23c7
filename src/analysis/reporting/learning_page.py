"""The programme learning page (``reports/learning.html``): what the regions learn together.

Per action-research theme, which interventions the regions tried in PDSA
cycles, how many cycles each completed, how many were *followed by* an
improvement on their intervention's indicators within ``follow_months``, and
which interventions spread from one region to others
(:mod:`analysis.evaluation.learning`), in the report language. The page shows
region and intervention names, months and numbers of cycles: no practice, no
patient and no text from the log.

The page is rebuilt only when its inputs change (the processed log, series and
interventions, the ``[monitor]`` settings, the library and the languages); its
record (``.learning.json``) holds that key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from analysis.config import MonitorSettings
from analysis.reporting.files import atomic_write_json, atomic_write_text, read_json
from analysis.reporting.layout import ReportLayout
from analysis.reporting.provenance import hash_files, hash_json, library_fingerprint
from analysis.words import Words, words_for

if TYPE_CHECKING:  # the learning module imports the monitor's statistics: only when needed
    from analysis.evaluation.learning import ProgrammeLearning

RECORD = ".learning.json"
#: The processed tables the page is made from.
INPUTS = ("events.parquet", "region_month.parquet", "interventions.parquet", "regions.parquet")


def _indicator_names(signals: Sequence, words: Words) -> str:
    names = dict.fromkeys(words.indicator(s.indicator).name for s in signals)
    return words.listing(list(names))


def theme_tables(
    learning: ProgrammeLearning, words: Words, names: Mapping[str, str]
) -> list[tuple[str, pd.DataFrame]]:
    """Per theme (no theme last): per intervention and region, cycles tried, completed, followed."""
    tables = []
    for theme in learning.themes():
        rows = learning.cycles[
            learning.cycles["theme"] == theme if theme else learning.cycles["theme"].isna()
        ]
        table = []
        for (intervention, region), cycles in rows.groupby(
            [rows["intervention"].fillna(""), "region_id"], sort=True
        ):
            followed = [c for c in cycles["followed"] if c]
            table.append(
                {
                    words.text("learning.col_intervention"): words.intervention(intervention)
                    if intervention
                    else words.text("learning.unattributed"),
                    words.text("learning.col_region"): names.get(region, region),
                    words.text("learning.col_first"): words.month(cycles["tried"].min())
                    if cycles["tried"].notna().any()
                    else "–",
                    words.text("learning.col_started"): len(cycles),
                    words.text("learning.col_completed"): int(cycles["completed"].sum()),
                    words.text("learning.col_followed"): len(followed),
                    words.text("learning.col_on"): _indicator_names(
                        [s for f in followed for s in f], words
                    )
                    or "–",
                }
            )
        heading = words.text(f"themes.{theme}") if theme else words.text("themes.none")
        tables.append((heading, pd.DataFrame(table)))
    return tables


def region_table(
    learning: ProgrammeLearning, words: Words, names: Mapping[str, str]
) -> pd.DataFrame:
    """Per region: PDSA cycles started, completed and followed by an improvement."""
    counts = learning.region_counts()
    return pd.DataFrame(
        {
            words.text("learning.col_region"): counts["region_id"].map(lambda r: names.get(r, r)),
            words.text("learning.col_started"): counts["cycles"],
            words.text("learning.col_completed"): counts["completed"],
            words.text("learning.col_followed"): counts["followed"],
        }
    )


def spread_sentences(
    learning: ProgrammeLearning, words: Words, names: Mapping[str, str]
) -> list[str]:
    """One sentence per intervention tried in more than one region: where first, who followed."""
    sentences = []
    for intervention, regions in learning.spread():
        (first, month), later = regions[0], regions[1:]
        others = [f"{names.get(r, r)} ({words.month(m)})" for r, m in later]
        sentences.append(
            words.text(
                "learning.spread_item",
                intervention=words.intervention(intervention),
                first=names.get(first, first),
                month=words.month(month),
                others=words.listing(others),
            )
        )
    return sentences


def _key(
    processed_dir: Path,
    settings: MonitorSettings,
    languages: Sequence[str],
    study: str,
    indicators: Mapping,
) -> str:
    return hash_json(
        {
            "data": hash_files(
                processed_dir / name for name in INPUTS if (processed_dir / name).is_file()
            ),
            "settings": settings,
            "languages": list(languages),
            "study": study,
            "indicators": indicators,
            "library": library_fingerprint(),
        }
    )


def write_learning_pages(
    layout: ReportLayout,
    processed_dir: Path,
    *,
    study: str,
    languages: Sequence[str],
    settings: MonitorSettings,
    names: Mapping[str, str],
    indicator_words: Mapping[str, Mapping] | None = None,
    index_pages: Mapping[str, Path] | None = None,
) -> dict[str, Path]:
    """Write the learning page in every language (the first is ``learning.html``).

    Returns language -> page. Nothing is computed when the pages exist and their
    inputs are unchanged; nothing is written without an action log.
    """
    if not (processed_dir / "events.parquet").is_file():
        return {}
    pages = {lang: layout.learning(lang, primary=i == 0) for i, lang in enumerate(languages)}
    key = _key(processed_dir, settings, languages, study, dict(indicator_words or {}))
    record = read_json(layout.root / RECORD, default={})
    if (
        isinstance(record, dict)
        and record.get("key") == key
        and all(p.is_file() for p in pages.values())
    ):
        return pages
    env = Environment(
        loader=PackageLoader("analysis", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    from analysis.evaluation.learning import programme_learning

    learning = None
    for language, page in pages.items():
        words = words_for(language, None, indicator_words)  # type: ignore[arg-type]
        if learning is None:
            learning = programme_learning(
                processed_dir,
                words,
                indicators=list(settings.indicators) or _default_indicators(),
                intervention_indicators=settings.intervention_indicators,
                follow_months=settings.follow_months,
            )
        t = words.section("learning")
        html = env.get_template("learning.html.j2").render(
            study=study,
            language=language,
            t=t,
            intro=words.text("learning.intro", n=learning.follow_months),
            themes=[(h, _table(tab)) for h, tab in theme_tables(learning, words, names)],
            regions=_table(region_table(learning, words, names)),
            spread=spread_sentences(learning, words, names),
            index=layout.link(index_pages[language], page)
            if index_pages and language in index_pages
            else None,
        )
        atomic_write_text(page, html)
    atomic_write_json(layout.root / RECORD, {"key": key})
    return pages


def _default_indicators() -> list[str]:
    from analysis.evaluation.monitor.series import MONITOR_INDICATORS

    return list(MONITOR_INDICATORS)


def _table(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """A table as header and rows of text, for the template (which escapes every cell)."""
    return [str(c) for c in table.columns], [[str(v) for v in row] for row in table.to_numpy()]
