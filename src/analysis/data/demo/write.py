"""Writing the demo: checks on the target folder, staging, and every file in a fixed order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from analysis.data import staging
from analysis.data.demo.events import write_events
from analysis.data.demo.logs import action_log, interventions_table, survey_table
from analysis.data.demo.planning import planning_tables
from analysis.data.demo.scenario import SCALES, ScaleConfig
from analysis.data.demo.simulate import (
    capacity,
    draw_practices,
    effect_arrays,
    ground_truth,
    practice_start_months,
    practices_table,
    regions_table,
    seasons,
)
from analysis.data.readers import raw_folder_is_empty
from analysis.errors import WorkbenchError

Scale = Literal["small", "national"]


def write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.10g", date_format="%Y-%m-%d")


#: Name prefix of the staging folder of :func:`generate_demo` (inside the target folder).
DEMO_STAGING = ".demo-staging"


def _check_demo_target(out_dir: Path, seed: object, scale: str, force: bool) -> None:
    """Refuse a seed or scale that cannot work, and a folder holding data, before writing."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise WorkbenchError(
            f"seed {seed!r} cannot seed the demo. Fix: use a whole number of 0 or more, e.g. 42"
        )
    if scale not in SCALES:
        raise WorkbenchError(f"scale {scale!r} is not known. Fix: use one of {', '.join(SCALES)}")
    if out_dir.exists() and not out_dir.is_dir():
        raise WorkbenchError(f"{out_dir} is a file. Fix: choose a folder for the demo data")
    if not force and not raw_folder_is_empty(out_dir):
        held = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
        raise WorkbenchError(
            f"{out_dir} already holds files ({', '.join(held[:5])}"
            f"{', ...' if len(held) > 5 else ''}); the demo data are written only into an empty "
            "folder, so that they never replace or mix with real data. Fix: choose an empty "
            "folder, or add --force to overwrite the demo's files in it"
        )


def generate_demo(
    out_dir: Path, *, seed: int = 42, scale: Scale = "small", force: bool = False
) -> Path:
    """Write the synthetic demo raw data set and its ``ground_truth.json``.

    The files are generated in a staging folder inside ``out_dir`` and each
    complete file is then moved into place, so a killed run never leaves a
    truncated file where the ingest would read it; a staging folder left by a
    killed run is removed at the next call.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing). It must be empty (a README
        and hidden files aside) unless ``force`` is set.
    seed
        Random seed (a whole number >= 0); the same seed and scale give
        byte-identical files.
    scale
        ``"small"`` (a few practices per region, a few million events; for the
        demo reports and tests) or ``"national"`` (about 50 million contacts;
        for the ingest benchmark).
    force
        Write into a folder that holds files, overwriting the demo's own file
        names (other files are left alone).

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    WorkbenchError
        For a negative seed, an unknown scale, a folder holding files (without
        ``force``), or a disk that is full or not writable.
    """
    out_dir = Path(out_dir)
    _check_demo_target(out_dir, seed, scale, force)
    with staging.environment_errors(out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        staging.remove_stale(out_dir, DEMO_STAGING)
        stage = staging.staging_folder(out_dir, DEMO_STAGING)
        try:
            _write_demo(stage, seed, SCALES[scale])
            for path in sorted(stage.iterdir(), key=lambda p: p.name == "ground_truth.json"):
                if path.name != staging.MARKER:
                    path.replace(out_dir / path.name)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return out_dir


def _write_demo(out_dir: Path, seed: int, cfg: ScaleConfig) -> None:
    """Generate every demo file into ``out_dir``."""
    rng = np.random.default_rng(seed)
    regions = regions_table(cfg, rng)
    pr = draw_practices(regions, cfg, rng)
    starts = practice_start_months(pr, rng)
    cap = capacity(pr, starts, rng)
    eff = effect_arrays(cap, starts)
    season = seasons(rng)

    write_csv(regions, out_dir / "regions.csv")
    write_csv(practices_table(pr), out_dir / "practices.csv")
    public = cap.drop(columns=[c for c in cap.columns if c.startswith("_")])
    public["accepting_new_patients"] = public["accepting_new_patients"].map(
        {True: "true", False: "false"}
    )
    write_csv(public, out_dir / "practice_months.csv")
    write_csv(interventions_table(pr, starts), out_dir / "interventions.csv")
    write_csv(action_log(regions, cap, pr, rng), out_dir / "events.csv")
    survey, survey_truth = survey_table(cap, pr, starts, rng)
    write_csv(survey, out_dir / "survey.csv")
    write_events(out_dir, cap, pr, eff, season, seed, cfg.chunk_events)
    for name, table in planning_tables(regions, pr, cap, seed).items():
        write_csv(table, out_dir / f"{name}.csv")
    truth = ground_truth(cap, pr, starts, season) + survey_truth
    (out_dir / "ground_truth.json").write_text(
        json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
