"""``run_chart`` and ``xmr_chart`` apply the published rules exactly.

Sources:

* [qicharts2] the qicharts2 vignette "Quality Improvement Charts" (J. Anhøj,
  anhoej.github.io/qicharts2), Appendix 2 "Critical values for longest run and
  number of crossings": the table R prints from ``round(log2(n) + 3)`` and
  ``qbinom(0.05, n - 1, 0.5)`` for n = 10..100 (copied below), and the rule text
  "Data points that fall on the centre line neither break nor contribute to the
  run"; qicharts2 source ``R/helper.functions.R`` (``runs.analysis``). The rules
  are those of Anhøj & Olesen (2014), PLoS ONE 9(11): e113825.
* [NHSR] R NHSRplotthedots (github.com/nhs-r-community/NHSRplotthedots):
  ``R/ptd_spc_standard.R`` (limits, moving-range screening),
  ``R/ptd_calculate_point_type.R`` (rules), the snapshot
  ``tests/testthat/_snaps/ptd_spc_standard.md`` (printed limits for
  ``set.seed(123); rnorm(20)``, whose first values the snapshot also prints)
  and the test "it only reports special cause for 2 of 3 points close to limits
  when they are on the same side of the mean" in ``test-ptd_spc_standard.R``.

NHSRplotthedots uses runs of 7 for both the shift and the trend rule (a trend
is 7 points each strictly above, or below, the previous one), so the edge
cases below test 7 against 6 points.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.methods.spc import run_chart, xmr_chart

pytestmark = pytest.mark.reference

# [qicharts2] Appendix 2: useful observations, upper limit for longest run,
# lower limit for number of crossings (R output, copied verbatim).
QICHARTS2_TABLE = """
10 6 2   11 6 2   12 7 3   13 7 3   14 7 4   15 7 4   16 7 4   17 7 5   18 7 5   19 7 6
20 7 6   21 7 6   22 7 7   23 8 7   24 8 8   25 8 8   26 8 8   27 8 9   28 8 9   29 8 10
30 8 10  31 8 11  32 8 11  33 8 11  34 8 12  35 8 12  36 8 13  37 8 13  38 8 14  39 8 14
40 8 14  41 8 15  42 8 15  43 8 16  44 8 16  45 8 17  46 9 17  47 9 17  48 9 18  49 9 18
50 9 19  51 9 19  52 9 20  53 9 20  54 9 21  55 9 21  56 9 21  57 9 22  58 9 22  59 9 23
60 9 23  61 9 24  62 9 24  63 9 25  64 9 25  65 9 25  66 9 26  67 9 26  68 9 27  69 9 27
70 9 28  71 9 28  72 9 29  73 9 29  74 9 29  75 9 30  76 9 30  77 9 31  78 9 31  79 9 32
80 9 32  81 9 33  82 9 33  83 9 34  84 9 34  85 9 34  86 9 35  87 9 35  88 9 36  89 9 36
90 9 37  91 10 37  92 10 38  93 10 38  94 10 39  95 10 39  96 10 39  97 10 40  98 10 40
99 10 41  100 10 41
"""
_ROWS = np.array(QICHARTS2_TABLE.split(), dtype=int).reshape(-1, 3)
TABLE = {int(n): (int(lr), int(cr)) for n, lr, cr in _ROWS}


def alternating(n: int) -> list[float]:
    """n useful points around a frozen median of 0.5 (baseline = first 2 points)."""
    return [float(i % 2) for i in range(n)]


def r_qbinom_05(size: int) -> int:
    """R ``qbinom(0.05, size, 0.5)``: smallest x with P(X <= x) >= 0.05, in exact integers."""
    cum = 0
    for x in range(size + 1):
        cum += math.comb(size, x)
        if 20 * cum >= 2**size:
            return x
    return size


def r_round(x: float) -> int:
    """R ``round()`` (IEC 60559 half to even), written out independently of Python's."""
    lower = math.floor(x)
    frac = x - lower
    if frac == 0.5:
        return lower if lower % 2 == 0 else lower + 1
    return lower + (frac > 0.5)


# ----------------------------------------------------------------------- Anhøj limits


def test_published_table_is_the_formula_with_r_semantics():
    assert sorted(TABLE) == list(range(10, 101))
    for n, (longest, crossings) in TABLE.items():
        assert r_round(math.log2(n) + 3) == longest
        assert r_qbinom_05(n - 1) == crossings


@pytest.mark.parametrize("n", range(10, 101))
def test_run_chart_limits_match_qicharts2_table(n):
    res = run_chart(alternating(n), baseline=2)
    assert res.n_useful == n
    assert (res.longest_run_limit, res.crossings_limit) == TABLE[n]


def test_limits_quoted_in_the_text():
    # [qicharts2] "with 24 data points a run of more than round(log2(24) + 3) = 8 ...
    # fewer than qbinom(0.05, 24 - 1, 0.5) = 8 crossings would suggest ... shifting"
    res = run_chart(alternating(24), baseline=2)
    assert (res.longest_run_limit, res.crossings_limit) == (8, 8)
    # and the brief's spot checks n = 10, 20, 30
    assert TABLE[10] == (6, 2) and TABLE[20] == (7, 6) and TABLE[30] == (8, 10)


# ----------------------------------------------------------------------- runs analysis


def test_points_on_the_median_neither_break_nor_contribute_to_a_run():
    # baseline median 5; the 5s sit on the median
    values = [4, 6, 7, 5, 7, 8, 5, 5, 6, 4, 3, 5, 4, 6]
    res = run_chart(values, baseline=2)
    assert res.median == 5
    assert res.n_useful == 10
    # useful sides: - + + + + + - - - +  -> runs 1, 5, 3, 1
    assert res.longest_run == 5
    assert res.crossings == 3
    assert res.data.loc[[3, 6, 7, 11], "useful"].eq(False).all()
    assert res.data["run_length"].iloc[4] == 5


def test_missing_values_are_skipped_like_qicharts2():
    with_gap = run_chart([1, 3, 3, np.nan, 3, 1, 1, 3, 1, 3], baseline=2)
    without = run_chart([1, 3, 3, 3, 1, 1, 3, 1, 3], baseline=2)
    assert with_gap.n_useful == without.n_useful == 9
    assert (with_gap.longest_run, with_gap.crossings) == (without.longest_run, without.crossings)


def test_longest_run_at_the_limit_is_no_signal_one_more_is():
    # 20 useful points around the frozen median 0.5: limit 7 (signal if longest run > 7)
    at_limit = [0.0] + [1.0] * 7 + [0.0, 1.0] * 6
    over = [0.0] + [1.0] * 8 + [0.0, 1.0] * 5 + [0.0]
    res_at = run_chart(at_limit, baseline=2)
    res_over = run_chart(over, baseline=2)
    assert res_at.n_useful == res_over.n_useful == 20
    assert res_at.longest_run == 7 and not res_at.runs_signal
    assert res_over.longest_run == 8 and res_over.runs_signal and res_over.signal


def from_runs(lengths: list[int]) -> list[float]:
    """Series of ±1 with the given run lengths, starting above the median."""
    return [float((-1) ** i) for i, n in enumerate(lengths) for _ in range(n)]


def test_too_few_crossings_signal_without_a_long_run():
    # 20 points, 10 above and 10 below (median 0): limit 6 crossings
    five = run_chart(from_runs([4, 3, 3, 4, 3, 3]))
    assert (five.median, five.n_useful, five.longest_run) == (0.0, 20, 4)
    assert five.crossings == 5 and five.crossings_limit == 6
    assert five.crossings_signal and not five.runs_signal and five.signal
    # six crossings is at the limit: no signal
    six = run_chart(from_runs([3, 4, 3, 3, 2, 3, 2]))
    assert (six.median, six.n_useful, six.crossings) == (0.0, 20, 6)
    assert not six.crossings_signal and not six.signal


# ----------------------------------------------------------------------- XmR: limits

# set.seed(123); rnorm(20) in R; the [NHSR] snapshot prints these values
RNORM_123 = np.array(
    [
        -0.56047565,
        -0.23017749,
        1.55870831,
        0.07050839,
        0.12928774,
        1.71506499,
        0.46091621,
        -1.26506123,
        -0.68685285,
        -0.44566197,
        1.22408180,
        0.35981383,
        0.40077145,
        0.11068272,
        -0.55584113,
        1.78691314,
        0.49785048,
        -1.96661716,
        0.70135590,
        -0.47279141,
    ]
)


def test_xmr_limits_match_nhsrplotthedots_snapshot():
    res = xmr_chart(RNORM_123)
    assert res.mean == pytest.approx(0.1416238, abs=1e-7)
    assert res.lower_limit == pytest.approx(-3.01138, abs=1e-5)
    assert res.upper_limit == pytest.approx(3.294627, abs=1e-6)
    assert not res.data["outside_limits"].any()
    assert res.data["relative_to_mean"].tolist()[:15] == [
        -1,
        -1,
        1,
        -1,
        -1,
        1,
        1,
        -1,
        -1,
        -1,
        1,
        1,
        1,
        -1,
        -1,
    ]


def test_xmr_moving_range_screening_matches_nhsrplotthedots_snapshot():
    y = RNORM_123.copy()
    y[14] = 10  # data$y[15] <- 10 in the R test
    screened = xmr_chart(y)
    assert screened.mean == pytest.approx(0.6694159, abs=1e-7)
    assert (screened.lower_limit, screened.upper_limit) == pytest.approx(
        (-2.383666, 3.722497), abs=1e-6
    )
    # the two moving ranges into and out of the outlier are dropped
    assert screened.data["moving_range_excluded"].tolist().count(True) == 2
    unscreened = xmr_chart(y, screen_outliers=False)
    assert (unscreened.lower_limit, unscreened.upper_limit) == pytest.approx(
        (-4.596625, 5.935457), abs=1e-6
    )


def test_near_limits_are_two_thirds_of_the_process_limits():
    res = xmr_chart(RNORM_123)
    half_width = res.upper_limit - res.mean
    assert res.upper_limit - res.mean == pytest.approx(2.66 * res.mean_moving_range)
    assert res.upper_near_limit - res.mean == pytest.approx(2 / 3 * half_width)
    assert res.mean - res.lower_near_limit == pytest.approx(2 / 3 * half_width)


# ----------------------------------------------------------------------- XmR: rules

# Frozen baseline: mean 10, every moving range 2 -> limits 10 ± 5.32,
# near limits 10 ± 3.5467. It ends below the mean so that what follows starts a run.
BASE = [11.0, 9.0] * 4


def chart(tail: list[float], **kwargs):
    return xmr_chart(BASE + tail, baseline=len(BASE), **kwargs).data.iloc[len(BASE) :]


def test_frozen_baseline_gives_the_designed_limits():
    res = xmr_chart([*BASE, 11.0], baseline=len(BASE))
    assert (res.mean, res.mean_moving_range) == (10.0, 2.0)
    assert (res.lower_limit, res.upper_limit) == pytest.approx((4.68, 15.32))


def test_shift_needs_seven_points_on_one_side():
    seven = chart([11.0] * 7 + [9.0])
    assert seven["shift"].tolist() == [True] * 7 + [False]
    six = chart([11.0] * 6 + [9.0])
    assert not six["shift"].any()


def test_point_on_the_mean_breaks_a_shift():
    on_mean = chart([11.0, 11.0, 11.0, 10.0, 11.0, 11.0, 11.0, 9.0])
    assert not on_mean["shift"].any()
    assert on_mean["relative_to_mean"].iloc[3] == 0


def test_trend_needs_seven_strictly_monotone_points():
    seven = chart([8.6, 9.0, 9.4, 9.8, 10.2, 10.6, 11.0, 10.4])
    assert seven["trend"].tolist() == [True] * 7 + [False]
    assert set(seven["rule"].iloc[:7]) == {"trend"}
    six = chart([8.7, 9.1, 9.5, 10.3, 10.7, 11.1, 10.5])
    assert not six["trend"].any()


def test_a_tie_breaks_a_trend():
    tie = chart([8.6, 9.0, 9.4, 9.4, 9.8, 10.2, 10.6, 11.0, 10.4])
    assert not tie["trend"].any()


def test_decreasing_trend_is_concern_when_increase_is_improvement():
    down = chart([11.4, 11.0, 10.6, 10.2, 9.8, 9.4, 9.0, 9.6], improvement="increase")
    assert down["variation"].iloc[:7].eq("special_cause_concern").all()
    assert down["variation"].iloc[7] == "common_cause"


def test_two_of_three_near_the_limit_on_the_same_side():
    res = chart([14.0, 10.5, 14.0, 10.5, 9.0])
    assert res["near_limits"].tolist() == [True, False, True, False, False]
    # only the points near the limit are flagged, not the one in between
    assert res["two_of_three"].tolist() == [True, False, True, False, False]


def test_two_of_three_needs_all_three_on_the_same_side_of_the_mean():
    # the middle point is below the mean: no signal (NHSRplotthedots requires
    # |sum of sides| == 3 over the three points)
    middle_below = chart([14.0, 9.5, 14.0, 9.0])
    assert not middle_below["two_of_three"].any()
    opposite = chart([14.0, 6.0, 11.0, 9.0])
    assert opposite["near_limits"].tolist()[:2] == [True, True]
    assert not opposite["two_of_three"].any()


def test_nhsr_published_case_near_limits_on_opposite_sides_is_common_cause():
    # [NHSR] test-ptd_spc_standard.R: rep(c(1, -1), 8) with points 15, 16 = 5.5, -5.5
    data = np.tile([1.0, -1.0], 8)
    data[14], data[15] = 5.5, -5.5
    res = xmr_chart(data, improvement="increase")
    assert res.data["variation"].tail(2).tolist() == ["common_cause", "common_cause"]
    assert res.data["near_limits"].tail(2).all()


def test_outside_limits_is_strict():
    upper = 10.0 + 2.66 * 2.0  # the designed upper limit, same arithmetic
    res = xmr_chart([*BASE, upper, upper + 0.01], baseline=len(BASE))
    assert res.data["outside_limits"].tail(2).tolist() == [False, True]


def test_variation_labels_follow_the_improvement_direction():
    tail = [16.0, 9.0]
    assert chart(tail, improvement="increase")["variation"].iloc[0] == ("special_cause_improvement")
    assert chart(tail, improvement="decrease")["variation"].iloc[0] == "special_cause_concern"
    assert chart(tail)["variation"].iloc[0] == "special_cause_neutral_high"
    assert chart([4.0, 9.0])["variation"].iloc[0] == "special_cause_neutral_low"
