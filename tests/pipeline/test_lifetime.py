"""A stopped or killed run takes its workers and kernels along and writes nothing more."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
WORKBENCH = Path(sys.executable).parent / "workbench"
KERNEL_MODULE = "ipykernel_launcher"


def start_run(project: Path, log: Path) -> subprocess.Popen:
    """``workbench run --workers 2 --force`` in its own process group, as from a terminal."""
    with log.open("w") as output:
        return subprocess.Popen(
            [str(WORKBENCH), "run", "--workers", "2", "--force"],
            cwd=project,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_kernels(run: subprocess.Popen, count: int, timeout: float = 180) -> list:
    """The run's process tree once ``count`` kernels are running in it."""
    parent = psutil.Process(run.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert run.poll() is None, "the run ended before its kernels started"
        tree = parent.children(recursive=True)
        kernels = [p for p in tree if _is_kernel(p)]
        if len(kernels) >= count:
            return tree
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} kernels after {timeout} s")


def _is_kernel(process: psutil.Process) -> bool:
    try:
        return KERNEL_MODULE in process.cmdline()
    except psutil.Error:
        return False


def alive(processes: list) -> list:
    def running(process: psutil.Process) -> bool:
        try:
            return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    return [p for p in processes if running(p)]


def files_of(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize(
    ("how", "signum", "exit_code"),
    [
        ("parent", signal.SIGKILL, -signal.SIGKILL),
        ("parent", signal.SIGTERM, 128 + signal.SIGTERM),
        ("group", signal.SIGINT, 128 + signal.SIGINT),  # Ctrl-C in a terminal
    ],
    ids=["kill-9", "sigterm", "ctrl-c"],
)
def test_a_stopped_run_leaves_no_worker_or_kernel_and_writes_nothing_more(
    project, tmp_path, how, signum, exit_code
):
    log = tmp_path / "run.log"
    run = start_run(project, log)
    tree: list = []
    try:
        tree = wait_for_kernels(run, count=2)
        workers = [p for p in tree if "multiprocessing.spawn" in " ".join(p.cmdline())]
        assert len(workers) == 2 and all(w.ppid() == run.pid for w in workers)
        if how == "group":
            os.killpg(run.pid, signum)
        else:
            run.send_signal(signum)
        assert run.wait(timeout=30) == exit_code
        deadline = time.monotonic() + 5
        while alive(tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = alive(tree)
        assert not left, f"still running: {[(p.pid, p.cmdline()[-3:]) for p in left]}"
    finally:
        kill_all(run, tree)
    reports = project / "reports"
    before = files_of(reports)
    time.sleep(2)
    assert files_of(reports) == before, "a report was written after the run was stopped"
    output = log.read_text()
    assert "Traceback" not in output
    if signum != signal.SIGKILL:
        assert f"stopped by {signal.Signals(signum).name}" in output, output[-2000:]


def kill_all(run: subprocess.Popen, tree: list) -> None:
    """Whatever a failed test left running: the run and every process it started."""
    for process in alive(tree):
        process.kill()
    if run.poll() is None:
        run.kill()
        run.wait(timeout=30)
