"""API behaviour of :func:`analysis.methods.meta.pool`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.methods.meta import PoolResult, pool

Y = np.array([-0.30, -0.12, -0.25, 0.05, -0.40])
V = np.array([0.010, 0.020, 0.015, 0.030, 0.025])


@pytest.mark.parametrize("method", ["REML", "DL", "PM"])
def test_homogeneous_studies_give_tau2_zero_and_the_fixed_effect_result(method):
    y = np.array([0.20, 0.21, 0.19, 0.20, 0.22])
    v = np.array([0.04, 0.05, 0.03, 0.06, 0.05])
    res = pool(y, v, method=method)
    w = 1 / v
    assert res.tau2 == 0.0
    assert res.i2 == 0.0
    assert res.h2 == 1.0
    assert res.estimate == pytest.approx(np.sum(w * y) / np.sum(w))
    assert res.std_error == pytest.approx(np.sqrt(1 / np.sum(w)))
    # with tau^2 = 0 the prediction interval equals the confidence interval
    assert (res.pi_low, res.pi_high) == pytest.approx((res.ci_low, res.ci_high))


def test_inputs_are_not_modified():
    y = pd.Series(Y.copy(), index=list("abcde"))
    v = V.copy()
    labels = ["a", "b", "c", "d", "e"]
    pool(y, v, labels=labels, knapp_hartung=True)
    pd.testing.assert_series_equal(y, pd.Series(Y, index=list("abcde")))
    np.testing.assert_array_equal(v, V)
    assert labels == ["a", "b", "c", "d", "e"]


def test_result_fields_and_effects_table():
    res = pool(list(Y), list(V), labels=["N1", "N2", "N3", "N4", "N5"])
    assert isinstance(res, PoolResult)
    assert res.k == 5
    assert list(res.effects.columns) == [
        "label",
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "p_value",
        "weight_pct",
    ]
    assert res.effects["label"].tolist() == ["N1", "N2", "N3", "N4", "N5"]
    assert res.effects["weight_pct"].sum() == pytest.approx(100)
    assert res.ci_low < res.estimate < res.ci_high
    assert res.pi_low <= res.ci_low and res.pi_high >= res.ci_high
    assert res.overall.as_dict()["estimate"] == res.estimate


def test_series_index_gives_default_labels():
    res = pool(pd.Series(Y, index=[f"region {i}" for i in range(5)]), V)
    assert res.effects["label"].iloc[0] == "region 0"


def test_knapp_hartung_uses_t_with_k_minus_1_df():
    z = pool(Y, V, method="DL")
    kh = pool(Y, V, method="DL", knapp_hartung=True)
    assert kh.estimate == z.estimate
    w = 1 / (V + z.tau2)
    scale = np.sum(w * (Y - z.estimate) ** 2) / (len(Y) - 1)
    assert kh.std_error == pytest.approx(z.std_error * np.sqrt(scale))


def test_summary_is_text():
    text = pool(Y, V).summary()
    assert "tau^2" in text and "I^2" in text and "prediction interval" in text


@pytest.mark.parametrize("exponentiate", [False, True])
def test_forest_plot_returns_figure(exponentiate):
    fig = pool(Y, V).forest_plot(exponentiate=exponentiate, title="Referrals")
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "Referrals"


def test_forest_plot_words_can_be_another_language():
    from analysis.evaluation.synthesis import change_tick, forest_words
    from analysis.words import Words

    words = Words("nl")
    fit = pool(Y, V, method="DL")
    ax = fit.forest_plot(
        words=forest_words(words), exponentiate=True, tick_label=change_tick(words, ratio=True)
    ).axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["voorspellingsinterval", "samengenomen effect"]
    assert ax.get_yticklabels()[-1].get_text() == "Samengenomen effect"
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "0%" in ticks and all(t.endswith("%") for t in ticks), ticks
    assert len(set(ticks)) == len(ticks), f"every tick says something else: {ticks}"
    english = pool(Y, V).forest_plot().axes[0].get_legend().get_texts()
    assert [t.get_text() for t in english] == ["prediction interval", "pooled estimate"]


@pytest.mark.parametrize(
    ("estimates", "variances", "kwargs", "match"),
    [
        (Y, V[:4], {}, "differ in length"),
        (Y, np.r_[V[:4], -0.01], {}, "variances must be > 0"),
        (Y, np.r_[V[:4], 0.0], {}, "variances must be > 0"),
        (np.r_[Y[:4], np.nan], V, {}, "finite"),
        (Y[:1], V[:1], {}, "at least 2"),
        (Y, V, {"method": "ML"}, "method must be one of"),
        (Y, V, {"alpha": 1.5}, "alpha"),
        (Y, V, {"labels": ["a", "b"]}, "labels has 2 entries"),
        (np.ones((2, 3)), np.ones((2, 3)), {}, "one-dimensional"),
    ],
)
def test_bad_input_raises_value_error(estimates, variances, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pool(estimates, variances, **kwargs)
