"""JupyterLab on the study's notebooks, started the same way by ``make lab`` and the tests.

``workbench lab`` (which ``make lab`` calls) starts JupyterLab on ``notebooks/``
with the ``pilot-workbench`` kernel as the default for new notebooks, prints the
address to open (with its token) and how to stop it, and then becomes the
JupyterLab process, so Ctrl-C stops it as JupyterLab's own Ctrl-C does.

- As root (many lab servers and containers), ``--allow-root`` is added;
  JupyterLab refuses to start as root without it.
- The token is generated here and handed over in ``JUPYTER_TOKEN`` (the
  environment, not the command line, where ``ps`` would show it).
- The port is checked to be free first and JupyterLab may not move to
  another, so the printed address is the one it serves.
- Paired notebooks: the jupytext server extension (installed with jupytext)
  opens and saves ``.ipynb`` + ``.py:percent`` pairs, and
  ``notebooks/jupytext.toml`` pairs every new notebook.
- JupyterLab settings (``lab_settings/overrides.json``): a double click on a
  ``.py`` opens it as a notebook (the *Jupytext Notebook* viewer), and
  JupyterLab neither fetches news nor checks for updates (lab servers are
  often closed networks).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sys
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from analysis.errors import WorkbenchError
from analysis.reporting.batch import KERNEL_NAME

DEFAULT_PORT = 8888
LOCALHOST = "127.0.0.1"


def settings_dir() -> Path:
    """Folder of the JupyterLab settings the workbench sets (``overrides.json``)."""
    return Path(str(files("analysis") / "lab_settings"))


def lab_command(
    notebooks_dir: Path,
    *,
    port: int,
    ip: str = LOCALHOST,
    open_browser: bool = True,
    as_root: bool | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The command line that starts JupyterLab on ``notebooks_dir``.

    Parameters
    ----------
    notebooks_dir
        Folder JupyterLab shows (its root).
    port, ip
        Where it listens; it fails rather than move to another port.
    open_browser
        Let JupyterLab open a browser tab.
    as_root
        Add ``--allow-root``; by default when the current user is root.
    extra
        Further JupyterLab options, appended as given.

    Examples
    --------
    >>> command = lab_command(Path("/study/notebooks"), port=8890, as_root=True)
    >>> options = [a for a in command if a.startswith("--") and "dir" not in a]
    >>> options  # doctest: +NORMALIZE_WHITESPACE
    ['--port=8890', '--ServerApp.port_retries=0', '--ip=127.0.0.1',
     '--MappingKernelManager.default_kernel_name=pilot-workbench', '--allow-root']
    """
    if as_root is None:
        as_root = os.geteuid() == 0
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={notebooks_dir}",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ip={ip}",
        f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}",
        f"--LabApp.app_settings_dir={settings_dir()}",
    ]
    if as_root:
        command.append("--allow-root")
    if not open_browser:
        command.append("--no-browser")
    return [*command, *extra]


def lab_url(port: int, token: str, *, ip: str = LOCALHOST, path: str = "lab") -> str:
    """Address of a page of the JupyterLab started on ``ip:port``, with its token.

    Examples
    --------
    >>> lab_url(8888, "abc", path="lab/tree/explore_region.ipynb")
    'http://127.0.0.1:8888/lab/tree/explore_region.ipynb?token=abc'
    """
    host = "127.0.0.1" if ip in ("0.0.0.0", "", "*") else ip
    return f"http://{host}:{port}/{path}?token={token}"


def new_token() -> str:
    """A random token for one JupyterLab session."""
    return secrets.token_hex(24)


def lab_environment(token: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment JupyterLab starts with: ``base`` (default: ours) and the token."""
    return {**(os.environ if base is None else base), "JUPYTER_TOKEN": token}


def port_is_free(port: int, ip: str = LOCALHOST) -> bool:
    """True when nothing listens on ``ip:port``."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        try:
            probe.bind((ip, port))
        except OSError:
            return False
    return True


def free_port(preferred: int = DEFAULT_PORT, ip: str = LOCALHOST, *, tries: int = 50) -> int:
    """``preferred`` when free, else the next free port above it.

    Raises
    ------
    WorkbenchError
        When none of ``tries`` ports is free.
    """
    for port in range(preferred, preferred + tries):
        if port_is_free(port, ip):
            return port
    raise WorkbenchError(
        f"ports {preferred}-{preferred + tries - 1} are all in use. Fix: stop another "
        "JupyterLab, or choose a port with `workbench lab --port N`"
    )


def require_kernel(name: str = KERNEL_NAME) -> None:
    """Refuse to start when the notebooks' kernel is not installed.

    Raises
    ------
    WorkbenchError
        Saying how to install it.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    if name not in KernelSpecManager().find_kernel_specs():
        raise WorkbenchError(
            f"the Jupyter kernel '{name}' is not installed. Fix: run `make setup`, or "
            f"`{sys.executable} -m ipykernel install --sys-prefix --name {name}`"
        )


def instructions(notebooks_dir: Path, url: str, *, as_root: bool) -> str:
    """What ``workbench lab`` prints before JupyterLab starts: where, how to open, how to stop."""
    who = " (as root: with --allow-root)" if as_root else ""
    return (
        f"JupyterLab on {notebooks_dir}, kernel '{KERNEL_NAME}'{who}\n"
        f"  open:  {url}\n"
        "  stop:  Ctrl-C here, then y (or Ctrl-C twice); kernels are shut down with it\n"
        "  start with notebooks/explore_region.ipynb; see docs/researcher.md"
    )
