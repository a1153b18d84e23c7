"""A real JupyterLab, started by ``workbench lab`` as ``make lab`` starts it, and stopped again.

The server runs in a study project of the test's own, with a home folder of
its own (Jupyter's runtime files, settings and workspaces go there, not into
yours), as the current user or as another one (root only).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

WORKBENCH = Path(sys.executable).parent / "workbench"
START_TIMEOUT = 90  # seconds; JupyterLab starts in a few on an idle machine


@dataclass
class LabServer:
    """A running JupyterLab: its process, address and token, and what it printed."""

    process: subprocess.Popen
    port: int
    token: str
    home: Path
    log: Path

    def url(self, path: str = "lab") -> str:
        """Address of a page or API path, with the token."""
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def get(self, path: str) -> bytes:
        """The body of a GET on an API path (raises for an HTTP error)."""
        with urllib.request.urlopen(self.url(path), timeout=30) as response:
            return response.read()

    def request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        """Any request on an API path, JSON body (raises for an HTTP error)."""
        request = urllib.request.Request(
            self.url(path), data=body, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()

    def printed(self) -> str:
        """Everything ``workbench lab`` and JupyterLab printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """Stop the server with SIGTERM, as ``kill PID`` does; its exit code.

        (Ctrl-C asks for confirmation on a terminal; without one JupyterLab
        treats SIGTERM as the clean stop.)
        """
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode


def any_free_port() -> int:
    """A port the system just handed out as free."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    """True when something accepts connections on 127.0.0.1:``port``."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def can_run_as(user: str) -> bool:
    """True when ``user`` can run this environment's Python (root only)."""
    if os.geteuid() != 0:
        return False
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import analysis"], user=user, capture_output=True, timeout=60
        )
    except (KeyError, PermissionError, OSError):
        return False
    return done.returncode == 0


def give_to(folder: Path, user: str) -> None:
    """Make ``user`` the owner of ``folder`` and everything in it, and let it reach it."""
    shutil.chown(folder, user)
    for path in folder.rglob("*"):
        shutil.chown(path, user)
    for parent in folder.parents:
        if parent == Path(parent.anchor):
            break
        parent.chmod(parent.stat().st_mode | 0o011)  # search permission (x) for others


@contextmanager
def running_lab(project: Path, home: Path, *, user: str | None = None) -> Iterator[LabServer]:
    """``workbench lab --no-browser`` in ``project``, until the block ends; then it is stopped.

    Parameters
    ----------
    project
        The study project (``workbench.toml``, ``notebooks/``).
    home
        The server's home folder (``HOME``); Jupyter writes its files there.
    user
        Run as this user instead of the current one (needs root; ``project``
        and ``home`` must belong to it).
    """
    log = home / "workbench-lab.log"
    environment = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / ".ipython"),
    }
    environment.pop("JUPYTER_TOKEN", None)
    port = any_free_port()
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [str(WORKBENCH), "lab", "--no-browser", "--port", str(port)],
            cwd=project,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            user=user,
        )
    if user is not None:
        shutil.chown(log, user)
    server = LabServer(process, port, "", home, log)
    try:
        server.token = _wait_until_serving(server)
        yield server
    finally:
        server.stop()


def _wait_until_serving(server: LabServer) -> str:
    """The token from the printed address, once the server answers; fails if it exits."""
    deadline = time.monotonic() + START_TIMEOUT
    token = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"workbench lab exited:\n{server.printed()}")
        for line in server.printed().splitlines():
            if line.strip().startswith("open:"):
                address = urlparse(line.split("open:", 1)[1].strip())
                assert address.port == server.port, line
                token = parse_qs(address.query)["token"][0]
        if token:
            server.token = token
            try:
                server.get("api/status")
                return token
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer in {START_TIMEOUT} s:\n{server.printed()}")
