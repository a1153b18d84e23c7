"""Plots shared by the ATT(g,t) and aggregated results (R ``ggdid``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import plotting


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
    pairs = ((~post, plotting.REFERENCE, labels[0]), (post, plotting.ESTIMATE, labels[1]))
    for mask, colour, label in pairs:
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
    ax.axhline(0.0, color=plotting.REFERENCE, linewidth=0.8, zorder=0)
    # below the axes: a legend never covers an estimate
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize="small", frameon=False
    )
