"""The ``workbench`` command line: demo data, ingest, region runs, full report.

Every user mistake ends with a one-paragraph message and exit code 2, never a
traceback; see :class:`analysis.errors.WorkbenchError`.
"""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from analysis.config import StudyConfig, load_config
from analysis.errors import ENVIRONMENT_ERRNOS, WorkbenchError, environment_error

app = typer.Typer(
    help="Pilot Workbench: evaluate primary-care pilots region by region.\n\n"
    "`workbench report` runs the whole job (demo data if data/raw is empty, ingest, one "
    "evaluation report per pilot region, synthesis, planning pages, reports/index.html).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
console = Console(stderr=True, highlight=False, soft_wrap=True)  # one message, one line
F = TypeVar("F", bound=Callable[..., object])
EXIT_USER_ERROR = 2


def user_errors_exit_2(command: F) -> F:
    """Turn a :class:`WorkbenchError`, or an environment's OS error, into one line and exit 2.

    Ctrl-C and SIGTERM (see :func:`analysis.reporting.lifetime.raise_on_sigterm`)
    end with one line and exit code 128 + the signal's number.
    """

    @functools.wraps(command)
    def wrapper(*args: object, **kwargs: object) -> object:
        try:
            return command(*args, **kwargs)
        except WorkbenchError as exc:
            _print_error(str(exc))
            raise typer.Exit(EXIT_USER_ERROR) from None
        except OSError as exc:  # a full disk or a read-only folder is not a bug
            if exc.errno not in ENVIRONMENT_ERRNOS:
                raise
            _print_error(str(environment_error(exc)))
            raise typer.Exit(EXIT_USER_ERROR) from None
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            console.print(
                f"[bold red]stopped[/] by {signal.Signals(signum).name}: the work in progress "
                "was abandoned, outputs finished before are kept. Rerun the command to go on "
                "(finished regions are cached).",
                soft_wrap=True,
            )
            raise typer.Exit(128 + signum) from None

    return wrapper  # type: ignore[return-value]


def _print_error(message: str) -> None:
    """``error: <message>`` on one line; the message is text, never markup (``[run]``)."""
    console.print(Text.assemble(("error:", "bold red"), " ", message))


def _config() -> StudyConfig:
    return load_config()


@app.command()
@user_errors_exit_2
def demo(
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed writes the same bytes.")
    ] = 42,
    scale: Annotated[
        str,
        typer.Option(
            help="'small' (minutes, used by `make report`) or "
            "'national' (about 50 million contacts, benchmarks)."
        ),
    ] = "small",
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder [default: data/raw of the study configuration]."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write into a folder holding files (overwrites demo files)."),
    ] = False,
) -> None:
    """Write the synthetic demo data (NL and BE pilots with known effects) into an empty folder."""
    from analysis.data.demo import generate_demo

    if scale not in ("small", "national"):
        raise WorkbenchError(f"--scale {scale!r} is not known. Fix: use 'small' or 'national'")
    target = out or _config().raw_dir
    generate_demo(target, seed=seed, scale=scale, force=force)  # type: ignore[arg-type]
    console.print(
        f"demo data written to {target} (ground truth: {target / 'ground_truth.json'})",
        markup=False,
    )


@app.command()
@user_errors_exit_2
def ingest(
    raw: Annotated[
        Path | None, typer.Option(help="Raw data folder [default: from workbench.toml].")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Processed data folder [default: from workbench.toml].")
    ] = None,
) -> None:
    """Validate the raw tables and build the practice x month and region x month panels."""
    from analysis.data.ingest import ingest as run_ingest

    raw_dir, out_dir = raw, out
    if raw_dir is None or out_dir is None:
        config = _config()
        raw_dir, out_dir = raw_dir or config.raw_dir, out_dir or config.processed_dir
    summary = run_ingest(raw_dir, out_dir)
    console.print(f"processed data written to {out_dir}:\n{summary}", markup=False)


LanguageOption = Annotated[
    list[str] | None,
    typer.Option(
        "--language",
        help="Report language, 'nl' or 'en'; repeat for both [default: [study] languages of "
        "workbench.toml, Dutch when unset]. Other languages' reports are left as they are.",
    ),
]


ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        metavar="NAME=VALUE",
        help="A value for one of the notebook's own parameters (repeat for several); "
        'VALUE is read as JSON when it parses (24, true, \'["a", "b"]\'), else as text. '
        "A name the notebook does not declare is refused.",
    ),
]


def _languages(values: list[str] | None) -> tuple[str, ...] | None:
    from analysis.config import LANGUAGES

    if not values:
        return None
    unknown = [v for v in values if v not in LANGUAGES]
    if unknown:
        raise WorkbenchError(
            f"--language {unknown[0]!r} is not a report language. Fix: use "
            + " or ".join(f"'{lang}'" for lang in LANGUAGES)
        )
    return tuple(dict.fromkeys(values))


def _region_selection(regions: str | None) -> str | tuple[str, ...] | None:
    if regions is None or regions in ("all", "pilots"):
        return regions
    return tuple(r.strip() for r in regions.split(",") if r.strip())


@app.command()
@user_errors_exit_2
def run(
    regions: Annotated[
        str | None,
        typer.Option(
            help="'pilots', 'all' or comma-separated region ids [default: from workbench.toml]."
        ),
    ] = None,
    notebook: Annotated[
        str | None,
        typer.Option(
            help="Notebook in notebooks/ to run per region [default: from workbench.toml]."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Parallel local processes (or Dask "
            "workers with --scheduler local) [default: "
            "number of cores]."
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address (tcp://HOST:PORT), or 'local' to start a LocalCluster."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Run regions even when cached.")] = False,
    only_failed: Annotated[
        bool, typer.Option("--only-failed", help="Rerun only the regions whose last run failed.")
    ] = False,
    language: LanguageOption = None,
    param: ParamOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="YYYY-MM: run the monitor on the data up to that month; each month's edition "
            "is kept (reports/<region>/monitor/<YYYY-MM>.<lang>.html) [default: the latest "
            "month of data]. Only for notebooks with an as_of parameter.",
        ),
    ] = None,
) -> None:
    """Execute the evaluation notebook once per region (cached, parallel, failures isolated)."""
    from analysis import pipeline
    from analysis.notebooks import parse_assignments

    parameters = parse_assignments(param or [])
    config = _config().with_overrides(regions=_region_selection(regions), workers=workers)
    if notebook is not None:
        config.with_overrides(notebook=notebook)  # checks the name like the file's
    result = pipeline.run_regions(
        config,
        notebook=notebook,
        languages=_languages(language),
        parameters=parameters,
        scheduler=scheduler,
        force=force,
        only_failed=only_failed,
        as_of=as_of,
    )
    _finish(result)


@app.command()
@user_errors_exit_2
def report(
    workers: Annotated[
        int | None, typer.Option(help="Parallel local processes [default: number of cores].")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, or 'local'.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild everything, ignoring caches.")
    ] = False,
    language: LanguageOption = None,
) -> None:
    """The whole job: demo data if data/raw is empty, ingest, regions, synthesis, planning pages."""
    from analysis import pipeline

    config = _config().with_overrides(workers=workers)
    result = pipeline.build_reports(
        config, languages=_languages(language), scheduler=scheduler, force=force
    )
    console.print(f"landing page: {config.reports_dir / 'index.html'}", markup=False)
    _finish(result)


@app.command()
@user_errors_exit_2
def plan(
    notebook: Annotated[
        list[str] | None,
        typer.Option(
            "--notebook",
            help="A planning notebook to run: pilot_selection, pilot_power or capacity_outlook; "
            "repeat for several [default: all three].",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Run even when cached.")] = False,
    language: LanguageOption = None,
    param: ParamOption = None,
) -> None:
    """Run the planning pages for programme leads into reports/planning/, then the index."""
    from analysis import pipeline
    from analysis.notebooks import parse_assignments

    result = pipeline.run_planning(
        _config(),
        notebooks=notebook,
        languages=_languages(language),
        parameters=parse_assignments(param or []),
        force=force,
    )
    _finish(result)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@user_errors_exit_2
def lab(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option(help="Port to listen on; the next free one when it is taken.")
    ] = 8888,
    ip: Annotated[
        str,
        typer.Option(help="Address to listen on; 0.0.0.0 to reach it from other machines."),
    ] = "127.0.0.1",
    browser: Annotated[
        bool, typer.Option("--browser/--no-browser", help="Open a browser tab.")
    ] = True,
) -> None:
    """Open JupyterLab on notebooks/ with the pilot-workbench kernel (as root too).

    Prints the address to open and how to stop it; further options go to
    JupyterLab (`workbench lab -- --ServerApp.base_url=/lab/`).
    """
    import os

    from analysis import lab as jupyterlab

    config = _config()
    jupyterlab.require_kernel()
    chosen = jupyterlab.free_port(port, ip)
    token = jupyterlab.new_token()
    command = jupyterlab.lab_command(
        config.notebooks_dir, port=chosen, ip=ip, open_browser=browser, extra=ctx.args
    )
    url = jupyterlab.lab_url(chosen, token, ip=ip)
    console.print(
        jupyterlab.instructions(config.notebooks_dir, url, as_root="--allow-root" in command),
        markup=False,
    )
    sys.stderr.flush()
    os.execve(command[0], command, jupyterlab.lab_environment(token))  # Ctrl-C: JupyterLab's


log_app = typer.Typer(
    help="The action log (data/raw/events.csv): add an entry, list entries.\n\n"
    "`workbench log add` is the one command that writes into the raw folder: it appends the "
    "coach's entry to the log, checked, atomically and in the file's own format.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(log_app, name="log")


@log_app.command("add")
@user_errors_exit_2
def log_add(
    region: Annotated[str | None, typer.Option(help="Region id (regions table).")] = None,
    date: Annotated[str | None, typer.Option(help="Day of the action, YYYY-MM-DD.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="pdsa_plan, pdsa_do, pdsa_study, pdsa_act, meeting, staffing or external."
        ),
    ] = None,
    text: Annotated[str | None, typer.Option(help="What was done, in a few words.")] = None,
    cycle: Annotated[
        str | None,
        typer.Option(
            help="PDSA cycle number [default: a plan opens the next cycle, another step "
            "belongs to the open one]."
        ),
    ] = None,
    theme: Annotated[
        str | None,
        typer.Option(help="scaling_up, cross_domain, policy_room or regional_steering."),
    ] = None,
    intervention: Annotated[
        str | None, typer.Option(help="The intervention the action belongs to (name or id).")
    ] = None,
) -> None:
    """Append a checked entry to the action log; a refused entry leaves the file unchanged."""
    from analysis.data.actionlog import add_entry, make_entry

    entry = make_entry(
        region=region,
        day=date,
        kind=kind,
        text=text,
        cycle=cycle,
        theme=theme,
        intervention=intervention,
    )
    written, path = add_entry(_config().raw_dir, entry)
    cycle_text = f", cycle {written.cycle}" if written.cycle is not None else ""
    console.print(
        f"added to {path}: {written.region_id} {written.date} {written.kind}{cycle_text}",
        markup=False,
    )


@log_app.command("list")
@user_errors_exit_2
def log_list(
    region: Annotated[str | None, typer.Option(help="Only this region.")] = None,
    since: Annotated[str | None, typer.Option(help="Only from this month on, YYYY-MM.")] = None,
) -> None:
    """Print the action log as a table, oldest first."""
    from rich.table import Table

    from analysis.data.actionlog import list_entries

    log = list_entries(_config().raw_dir, region=region, since=since)
    table = Table(show_lines=False, header_style="bold")
    columns = ("date", "region_id", "kind", "cycle", "theme", "intervention", "text")
    if region is not None:
        columns = tuple(c for c in columns if c != "region_id")
    for column in columns:
        table.add_column(
            column,
            overflow="fold",
            no_wrap=column in ("date", "cycle"),
        )
    for row in log.itertuples(index=False):
        values = row._asdict()
        table.add_row(
            *(
                ""
                if values.get(c) is None or _missing(values.get(c))
                else (f"{values[c]:%Y-%m-%d}" if c == "date" else str(values[c]))
                for c in columns
            )
        )
    Console(highlight=False, soft_wrap=False).print(table)
    console.print(f"{len(log)} entries", markup=False)


def _missing(value: object) -> bool:
    """True for a missing cell (None, NaN, NaT, pandas' NA)."""
    import pandas as pd

    return bool(pd.isna(value)) if not isinstance(value, list | tuple) else False


def _finish(result: object) -> None:
    from analysis.reporting.progress import summary_table

    outcomes = result.outcomes  # type: ignore[attr-defined]
    console.print(summary_table(outcomes))
    failed = [o.region_id for o in outcomes if o.status == "failed"]
    if failed:
        console.print(
            Text.assemble(
                (f"{len(failed)} run(s) failed:", "bold red"),
                f" {', '.join(failed)}. Their executed notebooks (failing cell marked) are "
                "under reports/_executed/ and listed in reports/researchers.html; rerun them "
                "with `workbench run --only-failed`.",
            )
        )
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover - console-script entry point
    """Entry point of the ``workbench`` console script."""
    from analysis.reporting.lifetime import raise_on_sigterm

    raise_on_sigterm()
    app(prog_name="workbench")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
