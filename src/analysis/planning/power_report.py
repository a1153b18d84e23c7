"""The pilot-power page: how many practices a pilot needs, from the data's own variance.

Thin over :mod:`analysis.methods.power` and :mod:`analysis.methods.power_simulation`
(the methods and their verification are documented there and in ``docs/methods.md``):
:func:`plan_power` measures the outcome's variance and serial correlation in the
processed panel on the region reports' scale, finds the number of pilot
practices that reaches the target power (t and normal quantiles), draws the
power curve, and simulates the reports' own estimator at a few sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from analysis.data.processed import read_processed
from analysis.errors import WorkbenchError
from analysis.evaluation.estimate import outcome_scale
from analysis.methods import power, report_covariance, required_practices, simulated_power_curve
from analysis.methods.power import PeriodCovariance, mde
from analysis.planning.charts import plot_power_curve
from analysis.words import Words

__all__ = ["PowerPlan", "plan_power", "power_figure", "power_summary", "power_table"]


@dataclass(frozen=True)
class PowerPlan:
    """A planned pilot's power, analytic and simulated.

    Attributes
    ----------
    outcome, scale, effect, target, alpha, country
        What is planned: the outcome, its scale (``"ratio"``: ``effect`` is a
        relative change; ``"difference"``: in the outcome's units), the power
        aimed for, the test level and the country whose data were used.
    covariance
        Quarterly covariance of the outcome on the reports' scale.
    monthly_sd, monthly_ar1
        AR(1) noise fitted to the monthly data (the simulation's input).
    until
        Last month of the data the variance was measured in (the months before the
        country's first pilot, when they cover the design).
    quarters
        Quarters after the start over which the effect is averaged.
    n_control
        Comparison practices (0: as many as pilot practices).
    required_t, required_normal
        Pilot practices needed with t and normal quantiles (``None``: not reachable).
    curve
        ``n_treated``, ``n_control``, ``power_t``, ``power_normal``, ``mde_t`` per size.
    simulated
        ``n_treated``, ``n_control``, ``power``, ``mc_se`` of the simulated pilots.
    """

    outcome: str
    scale: str
    effect: float
    target: float
    alpha: float
    country: str
    covariance: PeriodCovariance
    monthly_sd: float
    monthly_ar1: float
    until: pd.Timestamp
    quarters: int
    n_control: int
    required_t: int | None
    required_normal: int | None
    curve: pd.DataFrame
    simulated: pd.DataFrame


def _required(effect: float, n_control: int, target: float, design: dict) -> int | None:
    try:
        return required_practices(
            effect, n_control=n_control or None, target=target, max_practices=5_000, **design
        )
    except ValueError:
        return None


def plan_power(
    processed_dir: Path | str,
    outcome: str,
    *,
    effect: float,
    country: str,
    target: float = 0.8,
    alpha: float = 0.05,
    months_post: int = 12,
    n_control: int = 0,
    practices: Sequence[int] = (10, 20, 40),
    simulate_at: Sequence[int] = (),
    n_replicates: int = 100,
    seed: int = 0,
) -> PowerPlan:
    """How many practices a pilot needs to detect ``effect`` with ``target`` power.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest``.
    outcome
        A practice-month panel column (``referral_rate_medical_specialist``).
    effect
        The effect to detect: a relative change for rates and counts (-0.10 =
        10% fewer), a difference for shares (-0.05 = 5 percentage points).
    country
        Whose practices' variance to use (``"NL"`` or ``"BE"``).
    target, alpha
        Power aimed for and the level of the two-sided test.
    months_post
        Months after the start the evaluation covers (whole quarters count).
    n_control
        Comparison practices; 0: as many as pilot practices.
    practices
        Numbers of pilot practices for the curve (it runs from 2 to the largest
        of these and the number needed).
    simulate_at, n_replicates, seed
        Numbers of pilot practices at which to simulate the reports' estimator.

    Returns
    -------
    PowerPlan
    """
    quarters = months_post // 3
    if quarters < 1:
        raise WorkbenchError(f"months_post must be at least 3 (one quarter), not {months_post}")
    if not 0 < target < 1 or not 0 < alpha < 1:
        raise WorkbenchError("target_power and alpha must lie between 0 and 1")
    regions = read_processed(processed_dir, "regions", ["region_id", "country"])
    panel = read_processed(processed_dir, "practice_month")
    if outcome not in panel.columns:
        raise WorkbenchError(
            f"outcome {outcome!r} is not a column of the practice-month panel. Fix: use one of "
            "the outcomes of docs/data-contract.md, e.g. referral_rate_medical_specialist"
        )
    mine = panel[panel["region_id"].isin(regions.loc[regions["country"] == country, "region_id"])]
    if mine.empty:
        raise WorkbenchError(f"no practices of country {country!r}. Fix: use 'NL' or 'BE'")
    columns = ["practice_id", "month", "first_treated_month", outcome]
    mine = mine[columns]
    # Months before the country's first pilot: every practice observed, none treated; if
    # they are too few for the design, every practice-month without an intervention.
    starts = pd.to_datetime(mine["first_treated_month"]).dropna()
    before = starts.min() if not starts.empty else None
    quarterly = report_covariance(mine, outcome, before=before)
    if quarterly.n_periods < 1 + quarters and before is not None:
        before = None
        quarterly = report_covariance(mine, outcome)
    if quarterly.n_periods < 1 + quarters:
        raise WorkbenchError(
            f"the data hold {quarterly.n_periods} complete quarters without a pilot; a design "
            f"of 1 quarter before and {quarters} after needs more. Fix: plan fewer months_post"
        )
    monthly = report_covariance(mine, outcome, before=before, period="month")
    monthly_sd, monthly_ar1 = monthly.fit_ar1()
    scale = outcome_scale(outcome)
    design = {"covariance": quarterly, "periods_pre": 1, "periods_post": quarters, "alpha": alpha}
    need_t = _required(effect, n_control, target, {**design, "distribution": "t"})
    need_normal = _required(effect, n_control, target, {**design, "distribution": "normal"})
    top = max([*practices, need_t or 0, need_normal or 0, *simulate_at])
    t_design = {**design, "distribution": "t"}
    rows = []
    for n in range(2, top + 1):
        arms = {"n_treated": n, "n_control": n_control or n}
        rows.append(
            {
                **arms,
                "power_t": power(effect=effect, **arms, **t_design),
                "power_normal": power(effect=effect, **arms, **design),
                "mde_t": mde(power=target, **arms, **t_design),
            }
        )
    simulated = (
        simulated_power_curve(
            effect,
            list(simulate_at),
            n_control=n_control or None,
            months_pre=12,
            months_post=quarters * 3,
            sd=monthly_sd,
            ar1=monthly_ar1,
            scale=scale,
            alpha=alpha,
            n_replicates=n_replicates,
            seed=seed,
        )
        if simulate_at
        else pd.DataFrame(columns=["n_treated", "n_control", "power", "mc_se"])
    )
    return PowerPlan(
        outcome=outcome,
        scale=scale,
        effect=effect,
        target=target,
        alpha=alpha,
        country=country,
        covariance=quarterly,
        monthly_sd=monthly_sd,
        monthly_ar1=monthly_ar1,
        until=pd.Timestamp(monthly.matrix.index.max()),
        quarters=quarters,
        n_control=n_control,
        required_t=need_t,
        required_normal=need_normal,
        curve=pd.DataFrame(rows),
        simulated=simulated,
    )


def _size(plan: PowerPlan, value: float, words: Words) -> str:
    """An effect size without sign: ``10%`` (relative) or ``5,0 pp`` (shares)."""
    if plan.scale == "ratio":
        return words.percent(abs(value), 0)
    return f"{words.number(100 * abs(value), 1)} pp"


def power_summary(plan: PowerPlan, words: Words, *, threshold: int) -> str:
    """The answer first, then how sure it is and what it rests on."""
    indicator = words.indicator(plan.outcome)
    fields = {
        "direction": words.text("power_plan.drop" if plan.effect < 0 else "power_plan.rise"),
        "size": _size(plan, plan.effect, words),
        "outcome": indicator.name,
        "power": words.percent(plan.target, 0),
        "quarters": plan.quarters,
    }
    if plan.required_t is None:
        text = [words.md("power_plan.unreachable", n_control=plan.n_control, **fields)]
    else:
        control = (
            words.text("power_plan.as_many")
            if not plan.n_control
            else words.text("power_plan.fixed_control", n=plan.n_control)
        )
        text = [words.md("power_plan.answer", n=plan.required_t, control=control, **fields)]
        if plan.required_normal is not None:
            text.append(words.md("power_plan.range", n_normal=plan.required_normal))
    for row in plan.simulated.itertuples():
        text.append(
            words.md(
                "power_plan.simulated",
                n=int(row.n_treated),
                power=words.percent(row.power, 0),
                se=words.percent(1.96 * row.mc_se, 0),
                analytic=words.percent(_at(plan, int(row.n_treated), "power_t"), 0),
            )
        )
    corr = plan.covariance.autocorrelation
    text.append(
        words.md(
            "power_plan.data",
            n_units=words.count_in_words(plan.covariance.n_units, threshold),
            country=words.country_name(plan.country),
            n_periods=plan.covariance.n_periods,
            until=words.month(plan.until),
            sd=_size(plan, plan.covariance.sd, words),
            rho=words.number(float(corr.iloc[1]) if len(corr) > 1 else 0.0, 2),
            ar1=words.number(plan.monthly_ar1, 2),
        )
    )
    return "\n\n".join(text)


def _at(plan: PowerPlan, n: int, column: str) -> float:
    row = plan.curve.loc[plan.curve["n_treated"] == n, column]
    return float(row.iloc[0]) if not row.empty else float("nan")


def power_table(plan: PowerPlan, practices: Sequence[int], words: Words) -> pd.DataFrame:
    """Per planned number of pilot practices: power (t, normal, simulated) and the MDE."""
    simulated = plan.simulated.set_index("n_treated") if not plan.simulated.empty else None
    rows = []
    for n in practices:
        sim = (
            f"{words.percent(simulated.loc[n, 'power'], 0)} "
            f"(± {words.percent(1.96 * simulated.loc[n, 'mc_se'], 0)})"
            if simulated is not None and n in simulated.index
            else None
        )
        rows.append(
            {
                words.text("power_plan.col_pilots"): words.number(n),
                words.text("power_plan.col_controls"): words.number(plan.n_control or n),
                words.text("power_plan.col_power_t"): words.percent(_at(plan, n, "power_t"), 0),
                words.text("power_plan.col_power_normal"): words.percent(
                    _at(plan, n, "power_normal"), 0
                ),
                words.text("power_plan.col_simulated"): sim,
                words.text("power_plan.col_mde", power=words.percent(plan.target, 0)): _size(
                    plan, _at(plan, n, "mde_t"), words
                ),
            }
        )
    return pd.DataFrame(rows)


def power_figure(plan: PowerPlan, words: Words) -> tuple[Figure, str]:
    """The power curve (t and normal) with the simulated points and the target."""
    indicator = words.indicator(plan.outcome)
    size = _size(plan, plan.effect, words)
    fig = plot_power_curve(
        plan.curve,
        plan.simulated,
        target=plan.target,
        required=plan.required_t,
        title=words.text("power_plan.figure_title", outcome=indicator.title(), size=size),
        xlabel=words.text("power_plan.figure_x"),
        ylabel=words.text("power_plan.figure_y"),
        labels={
            "t": words.text("power_plan.label_t"),
            "normal": words.text("power_plan.label_normal"),
            "simulated": words.text("power_plan.label_simulated"),
        },
        percent=lambda v: words.percent(v, 0),
    )
    alt = words.text(
        "power_plan.figure_alt",
        outcome=indicator.name,
        size=size,
        power=words.percent(plan.target, 0),
    )
    return fig, alt
