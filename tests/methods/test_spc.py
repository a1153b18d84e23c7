"""API behaviour of :func:`run_chart` and :func:`xmr_chart`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.methods.spc import RunChartResult, XmrChartResult, run_chart, xmr_chart

MONTHS = pd.date_range("2023-01-01", periods=24, freq="MS")
REFERRALS = pd.Series(
    [
        31,
        29,
        33,
        30,
        32,
        28,
        31,
        30,
        34,
        29,
        31,
        30,
        27,
        26,
        25,
        27,
        24,
        26,
        25,
        23,
        25,
        24,
        26,
        24,
    ],
    index=MONTHS,
    name="referrals per 1,000",
    dtype=float,
)


# ----------------------------------------------------------------------- run chart


def test_run_chart_result_and_per_point_table():
    res = run_chart(REFERRALS)
    assert isinstance(res, RunChartResult)
    assert list(res.data.columns) == [
        "value",
        "median",
        "baseline",
        "side",
        "useful",
        "run",
        "run_length",
    ]
    assert res.data.index.equals(MONTHS)
    assert res.n_useful == int(res.data["useful"].sum())
    assert res.signal == (res.runs_signal or res.crossings_signal)
    assert "Anhøj" in res.summary()


def test_run_chart_detects_the_drop_in_referrals():
    res = run_chart(REFERRALS, baseline=12)
    assert res.median == REFERRALS.iloc[:12].median()
    assert res.longest_run == 13  # December 2023 (30) and all later months below 30.5
    assert res.runs_signal and res.signal


def test_baseline_freezes_the_median():
    early = [5.0, 7.0, 6.0, 8.0, 4.0, 6.0]
    a = run_chart([*early, 100.0, 200.0, 300.0], baseline=6)
    b = run_chart([*early, -100.0, -200.0, -300.0], baseline=6)
    assert a.median == b.median == 6.0
    assert a.data["baseline"].tolist() == [True] * 6 + [False] * 3
    assert (a.data["median"] == 6.0).all()


def test_run_chart_does_not_modify_input():
    values = REFERRALS.copy()
    run_chart(values, baseline=12)
    pd.testing.assert_series_equal(values, REFERRALS)
    arr = np.array([1.0, np.nan, 3.0, 2.0])
    run_chart(arr)
    np.testing.assert_array_equal(arr, [1.0, np.nan, 3.0, 2.0])


def test_missing_values_are_kept_in_data_but_skipped():
    res = run_chart([1.0, 3.0, np.nan, 3.0, 1.0])
    assert res.n_useful == 4
    assert res.data["side"].isna().tolist() == [False, False, True, False, False]
    assert not res.data["useful"].iloc[2]


def test_constant_series_has_no_useful_points_and_no_signal():
    res = run_chart([5.0, 5.0, 5.0, 5.0])
    assert res.n_useful == 0
    assert res.longest_run_limit is None and res.crossings_limit is None
    assert not res.signal


@pytest.mark.parametrize(
    ("values", "kwargs", "match"),
    [
        ([1.0], {}, "at least 2"),
        ([], {}, "at least 2"),
        ([1.0, np.nan, np.nan], {}, "at least 2"),
        ([1.0, 2.0, 3.0], {"baseline": 1}, "baseline must be between 2"),
        ([1.0, 2.0, 3.0], {"baseline": 4}, "baseline must be between 2"),
        ([1.0, 2.0, 3.0], {"baseline": 2.5}, "baseline must be an integer"),
        ([1.0, np.inf, 3.0], {}, "finite"),
        ([[1.0, 2.0], [3.0, 4.0]], {}, "one-dimensional"),
        (["a", "b"], {}, "numeric"),
    ],
)
def test_run_chart_bad_input(values, kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_chart(values, **kwargs)


def test_run_chart_plot_with_dates_and_pdsa_annotations():
    res = run_chart(REFERRALS, baseline=12)
    fig = res.plot(
        annotations=[
            ("2024-01-01", "PDSA 1: longer consults"),
            (pd.Timestamp("2024-06-01"), "PDSA 2"),
        ],
        title="Referrals",
        ylabel="per 1,000",
    )
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "Referrals"
    assert [t.get_text() for t in ax.texts] == ["PDSA 1: longer consults", "PDSA 2"]


def test_run_chart_plot_with_text_labels_and_positions():
    res = run_chart([3.0, 5.0, 4.0, 6.0, 2.0])
    labels = ["jan", "feb", "mar", "apr", "may"]
    assert isinstance(res.plot(dates=labels, annotations=[("mar", "PDSA")]), Figure)
    assert isinstance(res.plot(annotations=[(3, "PDSA")]), Figure)  # default x is 1..n
    with pytest.raises(ValueError, match="not one of the chart's x labels"):
        res.plot(dates=labels, annotations=[("jun", "PDSA")])
    with pytest.raises(ValueError, match="dates has 2 entries"):
        res.plot(dates=["a", "b"])


# ----------------------------------------------------------------------- XmR chart


def test_xmr_result_and_per_point_table():
    res = xmr_chart(REFERRALS, improvement="decrease")
    assert isinstance(res, XmrChartResult)
    for col in [
        "value",
        "mean",
        "lower_limit",
        "upper_limit",
        "lower_near_limit",
        "upper_near_limit",
        "moving_range",
        "outside_limits",
        "trend",
        "two_of_three",
        "shift",
        "special_cause",
        "variation",
    ]:
        assert col in res.data.columns
    assert res.data.index.equals(MONTHS)
    assert np.isnan(res.data["moving_range"].iloc[0])
    assert res.data["moving_range"].iloc[1] == 2.0
    assert res.signal == res.data["special_cause"].any()
    assert "Making Data Count" in res.summary()


def test_xmr_fall_in_referrals_is_improvement_when_decrease_is_better():
    res = xmr_chart(REFERRALS, baseline=12, improvement="decrease")
    later = res.data.iloc[12:]
    assert later["shift"].all()
    assert later["variation"].eq("special_cause_improvement").all()
    concern = xmr_chart(REFERRALS, baseline=12, improvement="increase")
    assert concern.data["variation"].iloc[12:].eq("special_cause_concern").all()


def test_xmr_baseline_freezes_mean_and_limits():
    early = [10.0, 12.0, 11.0, 13.0, 10.0, 12.0]
    a = xmr_chart([*early, 50.0, 60.0], baseline=6)
    b = xmr_chart([*early, -50.0, 0.0], baseline=6)
    assert a.mean == b.mean == np.mean(early)
    assert (a.lower_limit, a.upper_limit) == (b.lower_limit, b.upper_limit)
    assert a.data["outside_limits"].iloc[6:].all()


def test_xmr_does_not_modify_input():
    values = REFERRALS.copy()
    xmr_chart(values, baseline=12, improvement="decrease")
    pd.testing.assert_series_equal(values, REFERRALS)


@pytest.mark.parametrize(
    ("values", "kwargs", "match"),
    [
        ([1.0], {}, "at least 2"),
        ([1.0, np.nan, 2.0], {}, "missing values at positions \\[1\\]"),
        ([1.0, 2.0, 3.0], {"improvement": "up"}, "improvement must be"),
        ([1.0, 2.0, 3.0], {"baseline": 1}, "baseline must be between 2"),
        ([1.0, np.inf], {}, "finite"),
    ],
)
def test_xmr_bad_input(values, kwargs, match):
    with pytest.raises(ValueError, match=match):
        xmr_chart(values, **kwargs)


def test_xmr_constant_series_has_zero_width_limits_and_no_signal():
    res = xmr_chart([4.0] * 8)
    assert res.mean_moving_range == 0.0
    assert res.lower_limit == res.upper_limit == 4.0
    assert not res.signal


def test_xmr_plot_returns_figure_with_annotations():
    res = xmr_chart(REFERRALS, baseline=12, improvement="decrease")
    fig = res.plot(annotations=[("2024-01-01", "PDSA 1")], title="Referrals")
    assert isinstance(fig, Figure)
    assert [t.get_text() for t in fig.axes[0].texts] == ["PDSA 1"]
    assert isinstance(xmr_chart([1.0, 3.0, 2.0]).plot(dates=["a", "b", "c"]), Figure)
