"""Inside a warm kernel: give the next notebook a namespace as fresh as a new kernel's.

:mod:`analysis.reporting.kernels` runs :func:`start_notebook` in a kernel it
reuses, before each notebook. It imports nothing heavy: it runs in the kernel.
"""

from __future__ import annotations

import os


def start_notebook(workdir: str) -> None:
    """Delete every name the previous notebook made, forget its outputs, move to ``workdir``.

    What ``%reset -f`` does to the namespace, without the full garbage
    collection it forces (a few tenths of a second after a report; Python's own
    collector frees the previous notebook's objects as the next one runs): the
    numbered outputs and inputs (``_5``, ``_i5``), the output history (``Out``,
    ``_``) and every name IPython did not define go; ``In``, ``get_ipython``
    and the imported modules stay. pyplot's figures are closed.
    """
    from IPython import get_ipython

    shell = get_ipython()
    namespace, hidden, hook = shell.user_ns, shell.user_ns_hidden, shell.displayhook
    for n in range(1, shell.execution_count + 1):
        for name in (f"_{n}", f"_i{n}"):
            hidden.pop(name, None)
            namespace.pop(name, None)
    namespace["_oh"].clear()  # Out
    for name in ("_", "__", "___"):
        setattr(hook, name, "")  # the display hook's own references to the last outputs
    for name in [n for n in namespace if n not in hidden]:
        del namespace[name]
    namespace.update(dict.fromkeys(("_", "__", "___", "_i", "_ii", "_iii"), ""))
    import matplotlib.pyplot as plt

    plt.close("all")
    os.chdir(workdir)
