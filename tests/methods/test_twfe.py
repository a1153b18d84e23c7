"""Tests of the two-way fixed-effects DiD / event study (analysis.methods.twfe).

The reference is OLS with explicit unit and period dummies in statsmodels
(``smf.ols("y ~ treated + C(unit) + C(time)")`` with ``cov_type="cluster"``):
by Frisch-Waugh-Lovell the absorbed model must give the same coefficients, and
with ``fixef_k="full"`` the same CR1 standard errors.
"""

from __future__ import annotations

import doctest
import importlib

import matplotlib
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from analysis.methods.twfe import TwfeResult, twfe  # noqa: E402

# ``analysis.methods.twfe`` the attribute is the function (re-exported by the
# package), so fetch the module itself for its doctests.
twfe_module = importlib.import_module("analysis.methods.twfe")

EFFECT = 1.5


def make_panel(
    n_units: int = 60,
    n_periods: int = 8,
    *,
    seed: int = 0,
    effect: float = EFFECT,
    noise: float = 1.0,
) -> pd.DataFrame:
    """Balanced staggered panel, constant effect, unit and time effects, regions."""
    rng = np.random.default_rng(seed)
    starts = rng.choice([3, 5, 6, 0], size=n_units)  # 0 = never treated
    unit = np.repeat(np.arange(n_units), n_periods)
    time = np.tile(np.arange(1, n_periods + 1), n_units) + 2000
    start = np.repeat(starts, n_periods)
    treated = ((start > 0) & (time - 2000 >= start)).astype(int)
    alpha_i = np.repeat(rng.normal(0, 2, n_units), n_periods)
    lambda_t = np.tile(np.linspace(0, 3, n_periods), n_units)
    y = alpha_i + lambda_t + effect * treated + rng.normal(0, noise, len(unit))
    return pd.DataFrame(
        {
            "practice": unit,
            "year": time,
            "pilot": treated,
            "visits": y,
            "region": unit % 12,
            "first": np.where(start > 0, start + 2000, 0),
        }
    )


def dummy_ols(df: pd.DataFrame, terms: list[str], groups: str = "practice"):
    formula = f"visits ~ {' + '.join(terms)} + C(practice) + C(year)"
    return smf.ols(formula, data=df).fit(
        cov_type="cluster", cov_kwds={"groups": df[groups].to_numpy()}
    )


def event_dummies(df: pd.DataFrame, lo: int, hi: int) -> tuple[pd.DataFrame, list[str]]:
    """Relative-time dummies built independently of the module (consecutive years)."""
    out = df.copy()
    first = out.loc[out["pilot"] == 1].groupby("practice")["year"].min()
    out["first_treated"] = out["practice"].map(first)
    rel = (out["year"] - out["first_treated"]).clip(lo, hi)
    names = []
    for k in range(lo, hi + 1):
        if k == -1:
            continue
        name = f"ev_m{-k}" if k < 0 else f"ev_p{k}"
        out[name] = ((rel == k) & out["first_treated"].notna()).astype(float)
        names.append(name)
    return out, names


def test_recovers_constant_effect():
    df = make_panel(n_units=200, seed=1)
    res = twfe(df, outcome="visits", unit="practice", time="year", treated="pilot")
    row = res.effects.iloc[0]
    assert row["term"] == "treated"
    assert abs(row["estimate"] - EFFECT) < 4 * row["std_error"]
    assert abs(row["estimate"] - EFFECT) < 0.15
    assert row["ci_low"] < EFFECT < row["ci_high"]
    assert res.n_obs == len(df)
    assert res.n_clusters == 200
    assert isinstance(res, TwfeResult)
    assert list(res.effects.columns) == [
        "term",
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "p_value",
    ]


def test_event_study_recovers_constant_effect_and_flat_pretrends():
    df = make_panel(n_units=300, seed=2, noise=0.5)
    res = twfe(
        df, outcome="visits", unit="practice", time="year", treated="pilot", event_window=(-3, 2)
    )
    eff = res.effects.set_index("event_time")
    assert eff.index.tolist() == [-3, -2, 0, 1, 2]
    assert eff.index.dtype.kind == "i"
    np.testing.assert_allclose(eff.loc[[-3, -2], "estimate"], 0, atol=0.2)
    np.testing.assert_allclose(eff.loc[[0, 1, 2], "estimate"], EFFECT, atol=0.2)


@pytest.mark.parametrize("drop_share", [0.0, 0.15])
def test_static_matches_statsmodels_dummy_ols(drop_share):
    df = make_panel(seed=3)
    if drop_share:  # unbalanced panel: alternating projections iterate
        df = df.sample(frac=1 - drop_share, random_state=3).sort_index()
    ref = dummy_ols(df, ["pilot"])
    res = twfe(df, outcome="visits", unit="practice", time="year", treated="pilot", fixef_k="full")
    row = res.effects.iloc[0]
    np.testing.assert_allclose(row["estimate"], ref.params["pilot"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(row["std_error"], ref.bse["pilot"], rtol=1e-8)
    np.testing.assert_allclose(row["p_value"], ref.pvalues["pilot"], rtol=1e-6)
    lo, hi = ref.conf_int().loc["pilot"]
    np.testing.assert_allclose([row["ci_low"], row["ci_high"]], [lo, hi], rtol=1e-8)
    assert res.dof_k == ref.df_model + 1


def test_nested_default_drops_unit_effects_from_k():
    """Default K as fixest/reghdfe: unit FE nested in the unit clusters are not counted."""
    df = make_panel(seed=4)
    ref = dummy_ols(df, ["pilot"])
    res = twfe(df, outcome="visits", unit="practice", time="year", treated="pilot")
    n, k_full = len(df), ref.df_model + 1
    k_nested = 1 + df["year"].nunique()
    assert res.dof_k == k_nested
    expected = ref.bse["pilot"] * np.sqrt((n - k_full) / (n - k_nested))
    np.testing.assert_allclose(res.effects["std_error"].iloc[0], expected, rtol=1e-8)
    np.testing.assert_allclose(res.effects["estimate"].iloc[0], ref.params["pilot"], rtol=1e-8)


def test_other_cluster_variable_matches_statsmodels():
    df = make_panel(seed=5)
    ref = dummy_ols(df, ["pilot"], groups="region")
    res = twfe(
        df,
        outcome="visits",
        unit="practice",
        time="year",
        treated="pilot",
        cluster="region",
        fixef_k="full",
    )
    assert res.n_clusters == 12
    np.testing.assert_allclose(res.effects["std_error"].iloc[0], ref.bse["pilot"], rtol=1e-8)


def test_event_study_matches_statsmodels_dummy_ols():
    df = make_panel(seed=6)
    lo, hi = -3, 2
    wide, names = event_dummies(df, lo, hi)
    ref = dummy_ols(wide, names)
    res = twfe(
        df,
        outcome="visits",
        unit="practice",
        time="year",
        treated="pilot",
        event_window=(lo, hi),
        fixef_k="full",
    )
    np.testing.assert_allclose(res.effects["estimate"], ref.params[names], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.effects["std_error"], ref.bse[names], rtol=1e-8)
    np.testing.assert_allclose(res.vcov, ref.cov_params().loc[names, names], rtol=1e-7, atol=1e-14)


def test_event_time_counts_periods_not_calendar_units():
    """Relative time is positional: years 2001, 2003, ... are consecutive periods."""
    df = make_panel(seed=7)
    spaced = df.assign(year=2000 + 2 * (df["year"] - 2000))
    a = twfe(
        df, outcome="visits", unit="practice", time="year", treated="pilot", event_window=(-2, 2)
    )
    b = twfe(
        spaced,
        outcome="visits",
        unit="practice",
        time="year",
        treated="pilot",
        event_window=(-2, 2),
    )
    pd.testing.assert_frame_equal(a.effects, b.effects)


def test_input_unchanged():
    df = make_panel(seed=8)
    df["pilot"] = df["pilot"].astype(bool)
    before = df.copy()
    twfe(df, outcome="visits", unit="practice", time="year", treated="pilot")
    twfe(
        df,
        outcome="visits",
        unit="practice",
        time="year",
        treated="pilot",
        event_window=(-2, 2),
        cluster="region",
    )
    pd.testing.assert_frame_equal(df, before)


def test_summary_and_plot():
    df = make_panel(seed=9)
    static = twfe(df, outcome="visits", unit="practice", time="year", treated="pilot")
    text = static.summary()
    assert "treated" in text and "clustered by practice" in text and "K = 9" in text
    es = twfe(
        df, outcome="visits", unit="practice", time="year", treated="pilot", event_window=(-3, 2)
    )
    assert "reference period: -1" in es.summary()
    for res in (static, es):
        fig = res.plot()
        assert isinstance(fig, Figure)
        plt.close(fig)


def test_docstring_examples():
    result = doctest.testmod(twfe_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outcome": "nope"}, "columns not in data"),
        ({"cluster": "nope"}, "columns not in data"),
        ({"event_window": (0, 3)}, "reference period -1"),
        ({"event_window": (-2, -1)}, "reference period -1"),
        ({"event_window": (-2.0, 2)}, "pair of integers"),
        ({"event_window": (-8, 2)}, "no observations at event times"),
        ({"fixef_k": "none"}, "fixef_k"),
        ({"alpha": 1.5}, "alpha"),
    ],
)
def test_argument_errors(change, message):
    df = make_panel(seed=10)
    kwargs = {"outcome": "visits", "unit": "practice", "time": "year", "treated": "pilot"}
    kwargs.update(change)
    with pytest.raises(ValueError, match=message):
        twfe(df, **kwargs)


def test_data_errors():
    base = make_panel(seed=11)
    kwargs = {"outcome": "visits", "unit": "practice", "time": "year", "treated": "pilot"}

    bad = base.assign(pilot=base["pilot"] * 2)
    with pytest.raises(ValueError, match="only 0 and 1"):
        twfe(bad, **kwargs)

    off = base.copy()
    unit0 = off.index[(off["practice"] == off.loc[off["pilot"] == 1, "practice"].iloc[0])]
    off.loc[unit0[-1], "pilot"] = 0  # last period back to untreated
    with pytest.raises(ValueError, match="switches from 1 back to 0"):
        twfe(off, **kwargs)

    missing = base.copy()
    missing.loc[missing.index[3], "visits"] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        twfe(missing, **kwargs)

    dup = pd.concat([base, base.iloc[[0]]])
    with pytest.raises(ValueError, match="one row per unit and period"):
        twfe(dup, **kwargs)

    never = base.assign(pilot=0)
    with pytest.raises(ValueError, match="not identified"):
        twfe(never, **kwargs)

    with pytest.raises(ValueError, match="DataFrame"):
        twfe(base.to_dict(), **kwargs)
