"""Plots shared by the ATT(g,t) and aggregated results (R ``ggdid``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def figure_axes(ax: Any) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4), layout="constrained")
    return fig, fig.subplots()


def errorbars(
    ax: Any,
    x: np.ndarray,
    eff: pd.DataFrame,
    post: np.ndarray,
    labels: tuple[str, str] = ("pre", "post"),
) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    est = eff["estimate"].to_numpy(dtype=float)
    lo, hi = eff["ci_low"].to_numpy(dtype=float), eff["ci_high"].to_numpy(dtype=float)
    for mask, colour, label in ((~post, "tab:red", labels[0]), (post, "tab:blue", labels[1])):
        if mask.any():
            ax.errorbar(
                x[mask],
                est[mask],
                yerr=[est[mask] - lo[mask], hi[mask] - est[mask]],
                fmt="o",
                color=colour,
                capsize=3,
                label=label,
            )
    ax.legend(loc="best", fontsize="small")
