"""Notebook parameters: what a notebook declares, what a run gives it, and the check between.

papermill reads the parameters a notebook declares from its cell tagged
``parameters`` and injects a run's values in a cell right after it, but a name
the notebook does not declare only earns a warning: a misspelt
``-p region NL-GOR`` runs the default region and says so nowhere in the
report. The workbench refuses such a name, with one message, in both ways a
notebook is run:

- ``workbench run --param NAME=VALUE`` checks the names against the notebook
  before anything runs (:func:`require_declared`, called by the pipeline);
- a report notebook's validation cell, the cell after the parameters cell,
  calls :func:`check_parameters`, which compares the names papermill injected
  in this kernel with the names the parameters cell declares.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from analysis.errors import WorkbenchError, did_you_mean

#: First line of the cell papermill injects (``papermill.translators``, comment "Parameters").
INJECTED_HEADER = "# Parameters"


class ParameterError(WorkbenchError):
    """A run gives a notebook a parameter it does not declare, or a malformed one."""


def declared_parameters(path: Path | str) -> dict[str, str]:
    """Parameters a notebook declares, with their help comments, as papermill reads them.

    Parameters
    ----------
    path
        The ``.ipynb`` file.

    Returns
    -------
    dict
        Parameter name -> its help text (the comment after the default), in the
        notebook's order.
    """
    import papermill as pm

    return {name: info["help"] for name, info in pm.inspect_notebook(str(path)).items()}


def unknown_parameters(given: Iterable[str], declared: Iterable[str]) -> list[str]:
    """The names in ``given`` that ``declared`` does not hold, in the order given.

    Examples
    --------
    >>> unknown_parameters(["region", "language"], ["region_id", "language"])
    ['region']
    """
    known = set(declared)
    return [name for name in dict.fromkeys(given) if name not in known]


def require_declared(given: Iterable[str], declared: Sequence[str], notebook: str) -> None:
    """Refuse parameter names the notebook does not declare.

    Parameters
    ----------
    given
        Names a run gives the notebook.
    declared
        Names its parameters cell declares (:func:`declared_parameters`).
    notebook
        The notebook's name, for the message.

    Raises
    ------
    ParameterError
        One line naming the first unknown parameter, the nearest declared name
        and every declared one.

    Examples
    --------
    >>> require_declared(["region"], ["region_id", "language"], "region_evaluation")
    Traceback (most recent call last):
    ...
    analysis.notebooks.ParameterError: region_evaluation has no parameter 'region'. Fix: did \
you mean 'region_id'? Its parameters are: region_id, language
    """
    unknown = unknown_parameters(given, declared)
    if not unknown:
        return
    name = unknown[0]
    suggestion = did_you_mean(name, declared)
    listed = ", ".join(declared) if declared else "none (it has no cell tagged 'parameters')"
    others = f" (also unknown: {', '.join(unknown[1:])})" if len(unknown) > 1 else ""
    raise ParameterError(
        f"{notebook} has no parameter '{name}'{others}. Fix: {suggestion}"
        f"Its parameters are: {listed}"
    )


def parse_assignment(text: str) -> tuple[str, object]:
    """``NAME=VALUE`` as a name and a value: JSON when VALUE parses as JSON, else the string.

    Numbers, ``true``/``false``, lists (``["a", "b"]``) and objects are read as
    JSON; anything else (``NL-GOR``, ``2024-01``) stays text.

    Examples
    --------
    >>> parse_assignment("months=24")
    ('months', 24)
    >>> parse_assignment('indicators=["gp_minutes"]')
    ('indicators', ['gp_minutes'])
    >>> parse_assignment("label=before and after")
    ('label', 'before and after')
    """
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise ParameterError(
            f"--param {text!r} is not NAME=VALUE. Fix: write e.g. --param months=24 or "
            """--param 'indicators=["gp_minutes"]'"""
        )
    try:
        value: object = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name, value


def parse_assignments(texts: Iterable[str]) -> dict[str, object]:
    """Several ``NAME=VALUE`` texts as a dict (a repeated name keeps its last value)."""
    return dict(parse_assignment(text) for text in texts)


def check_parameters(history: Sequence[str] | None = None) -> None:
    """In a notebook: refuse a parameter papermill injected that the notebook does not declare.

    Call it first thing in the cell right after the parameters cell. When
    papermill ran the notebook with parameters, the kernel's input history ends
    with the parameters cell, the cell papermill injected (it starts with
    ``# Parameters``) and this cell; the names assigned in the injected cell must
    be declared in the parameters cell. Without injected parameters (JupyterLab,
    nbval, papermill without ``-p``) there is nothing to check.

    Parameters
    ----------
    history
        The inputs executed so far, the current cell last; by default the IPython
        kernel's (``In``). Outside IPython, without ``history``, nothing is checked.

    Raises
    ------
    ParameterError
        Naming the unknown parameter and the declared ones.

    Examples
    --------
    >>> cells = ['region_id: str = "NL-NLI"  # region', '# Parameters\\nregion = "NL-GOR"\\n', '']
    >>> check_parameters(cells)
    Traceback (most recent call last):
    ...
    analysis.notebooks.ParameterError: this notebook has no parameter 'region'. Fix: did you \
mean 'region_id'? Its parameters are: region_id
    """
    if history is None:
        history = _kernel_history()
    if len(history) < 3 or not _is_injected(history[-2]):
        return
    declared = _assigned_names(history[-3])
    require_declared(_assigned_names(history[-2]), declared, "this notebook")


def _kernel_history() -> Sequence[str]:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the kernel always has IPython
        return []
    shell = get_ipython()
    return shell.history_manager.input_hist_raw if shell is not None else []


def _is_injected(source: str) -> bool:
    return source.lstrip().startswith(INJECTED_HEADER + "\n")


def _assigned_names(source: str) -> list[str]:
    """Names a cell assigns, read as papermill reads a parameters cell."""
    from papermill.translators import PythonTranslator

    return [p.name for p in PythonTranslator.inspect({"source": source})]
