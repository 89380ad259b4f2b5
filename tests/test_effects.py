"""Tests for metaan.effects.

Every expected number is one of: a published worked example (source cited in the test's docstring), a hand
computation written out in the test (normal quantiles from the standard library's ``statistics.NormalDist``,
t quantiles from a t table, quoted to 6-7 digits and checked against R ``qt``), or the output of R metafor
3.8-1 (the R call is quoted). None is produced by the code under test.
"""

from __future__ import annotations

import math
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from metaan import effects as ef
from metaan.errors import InputError, MetaanWarning

Z975 = NormalDist().inv_cdf(0.975)  # 1.959964
Z95 = NormalDist().inv_cdf(0.95)  # 1.644854
# t table values (R 4.x qt): t_{0.975, df}
T975_24, T975_38, T975_45 = 2.063899, 2.024394, 2.014103
T996_45 = 2.775545  # t_{1 - 0.008/2, 45}
T995_38 = 2.711558  # t_{1 - 0.01/2, 38}


def approx(x, rel=1e-9, abs=0.0):  # noqa: A002 - mirror pytest.approx
    return pytest.approx(x, rel=rel, abs=abs)


# ----------------------------------------------------------------------------------------------------------
# mean differences
# ----------------------------------------------------------------------------------------------------------


def test_md_borenstein_worked_example():
    """Borenstein et al. 2009, Introduction to Meta-Analysis, ch. 4 worked example (its numbers reproduced in
    H. Zhang's lecture notes, https://www.scribd.com/document/788557251/EffectSizesMeans): means 103 and 100,
    SDs 5.5 and 4.5, n = 50 each: D = 3.000, V_D = 1.0100, SE_D = 1.0050 (pooled; with equal n the unpooled
    variance 5.5²/50 + 4.5²/50 = 0.605 + 0.405 is the same number)."""
    yi, vi = ef.md_from_arms(103, 5.5, 50, 100, 4.5, 50)
    assert yi == approx(3.0)
    assert vi == approx(1.0100, abs=5e-5)
    assert math.sqrt(vi) == approx(1.0050, abs=5e-5)
    yi_p, vi_p = ef.md_from_arms(103, 5.5, 50, 100, 4.5, 50, pooled=True)
    assert (yi_p, vi_p) == (approx(3.0), approx(1.0100, abs=5e-5))


def test_md_unequal_n_welch_and_pooled_by_hand_and_metafor():
    """Hand: vi = 3.2²/8 + 2.9²/6 = 1.28 + 1.401667 = 2.681667 (Welch);
    pooled: s² = (7·3.2² + 5·2.9²)/12 = (71.68 + 42.05)/12 = 9.4775, vi = 9.4775·(1/8 + 1/6) = 2.764271.
    metafor 3.8-1: escalc("MD", m1i=2.1, m2i=0.4, sd1i=3.2, sd2i=2.9, n1i=8, n2i=6) -> vi 2.6817;
    with vtype="HO" -> 2.7643."""
    yi, vi = ef.md_from_arms(2.1, 3.2, 8, 0.4, 2.9, 6)
    assert yi == approx(1.7)
    assert vi == approx(1.28 + 8.41 / 6)
    assert vi == approx(2.6817, abs=5e-5)
    _, vi_p = ef.md_from_arms(2.1, 3.2, 8, 0.4, 2.9, 6, pooled=True)
    assert vi_p == approx(9.4775 * (1 / 8 + 1 / 6))
    assert vi_p == approx(2.7643, abs=5e-5)


def test_md_vectorised_matches_metafor():
    """metafor 3.8-1: escalc("MD", m1i=c(2.1,-1), m2i=c(0.4,0.5), sd1i=c(3.2,2), sd2i=c(2.9,1.5), n1i=c(8,12),
    n2i=c(6,15)) -> yi 1.7, -1.5; vi 2.6817, 0.4833 (second by hand: 4/12 + 2.25/15 = 0.333333 + 0.15)."""
    yi, vi = ef.md_from_arms([2.1, -1], [3.2, 2], [8, 12], [0.4, 0.5], [2.9, 1.5], [6, 15])
    assert isinstance(yi, np.ndarray)
    np.testing.assert_allclose(yi, [1.7, -1.5], rtol=1e-12)
    np.testing.assert_allclose(vi, [2.681667, 4 / 12 + 2.25 / 15], rtol=1e-6)


def test_md_from_arm_se_by_hand():
    """vi = se_t² + se_c² = 0.5² + 0.3² = 0.34; yi = 2.0 - 1.0."""
    yi, vi = ef.md_from_arm_se(2.0, 0.5, 1.0, 0.3)
    assert (yi, vi) == (approx(1.0), approx(0.34))


# ----------------------------------------------------------------------------------------------------------
# SD / SE recovery
# ----------------------------------------------------------------------------------------------------------


def test_sd_from_se_handbook_formula():
    """Cochrane Handbook 6.5.2.2: SD = SE × sqrt(N); SE 1.2 with N = 25 gives SD 6.0."""
    assert ef.sd_from_se(1.2, 25) == approx(6.0)
    np.testing.assert_allclose(ef.sd_from_se([1.0, 0.5], [16, 100]), [4.0, 5.0])


def test_sd_from_ci_handbook_t_example():
    """Cochrane Handbook 6.5.2.2 (7.7.3.2 in v5.1): for a group of 25 the t value is 2.0639 ('= tinv(1-0.95,
    25-1)') so 'the divisor, 3.92, ... would be replaced by 2 × 2.0639 = 4.128' (text read where it is quoted,
    https://metnoob.blogg.se/2022/march/calculate-standard-error-from-confidence-interval.html).
    A CI 4.128 wide from n = 25 therefore gives SD = sqrt(25) · 4.128 / 4.128 = 5."""
    assert ef.sd_from_ci(1.5, 1.5 + 4.128, 25) == approx(5.0, rel=1e-4)
    assert ef.sd_from_ci(0.0, 2 * T975_24, 25) == approx(5.0, rel=1e-6)


def test_sd_from_ci_large_sample_uses_3_92_and_other_levels():
    """Cochrane Handbook 6.5.2.2: large samples, SD = sqrt(N) × (upper - lower)/3.92; 'for 90% confidence
    intervals 3.92 should be replaced by 3.29'."""
    assert ef.sd_from_ci(10.0, 13.92, 100) == approx(10.0, rel=1e-4)
    assert ef.sd_from_ci(10.0, 13.29, 100, level=0.90) == approx(10.0, rel=2e-4)
    # exact hand versions with the normal quantile
    assert ef.sd_from_ci(0.0, 1.0, 400) == approx(20 / (2 * Z975), rel=1e-9)
    # the 'auto' rule switches at 60 per group; override with quantile=
    assert ef.sd_from_ci(0.0, 1.0, 25, quantile="normal") == approx(5 / (2 * Z975), rel=1e-9)
    assert ef.sd_from_ci(0.0, 1.0, 100, quantile="t") == approx(10 / (2 * 1.984217), rel=1e-6)  # t_{.975,99}


def test_se_from_ci_normal_t_and_log():
    """Cochrane Handbook 6.5.2.3: SE = (upper - lower)/3.92 for large trials; for small trials replace 1.96 by
    the t value with N_E + N_C - 2 df (its example: 25 and 22 -> 45 df, t = 2.0141). log=True: OR 95% CI
    0.5 to 2: SE(ln OR) = (ln 2 - ln 0.5)/(2 × 1.959964) = 1.386294/3.919928 = 0.353653."""
    assert ef.se_from_ci(-1.96, 1.96) == approx(1.96 / Z975)
    assert ef.se_from_ci(0.0, 2 * T975_45, df=45) == approx(1.0, rel=1e-6)
    assert ef.se_from_ci(0.5, 2.0, log=True) == approx(math.log(4) / (2 * Z975))
    assert ef.se_from_ci(0.5, 2.0, log=True) == approx(0.353653, rel=1e-5)
    assert ef.se_from_ci(0.0, 2 * Z95, level=0.90) == approx(1.0)


def test_se_from_p_altman_bland_difference_example():
    """Altman & Bland 2011 (BMJ 343:d2090), http://www.bmj.com/content/343/bmj.d2090: zinc trial, Est = 17
    percentage points, P = 0.032: 'z = 2.141; SE = 17/2.141 = 7.940 ... 95% CI is 1.4 to 32.6'. Their z comes
    from the approximation -0.862 + sqrt(0.743 - 2.404 log P); metaan uses the exact normal quantile
    (hand: z = Phi^-1(1 - 0.016) = 2.14441, SE = 7.92759), which agrees with the printed SE to 0.2%."""
    se = ef.se_from_p(17, 0.032)
    assert se == approx(17 / NormalDist().inv_cdf(1 - 0.032 / 2))
    assert se == approx(7.940, rel=2e-3)
    # the printed CI 1.4 to 32.6 (from the approximate z) is reproduced to 0.1 percentage point
    assert 17 - 1.96 * se == approx(1.4, abs=0.1)
    assert 17 + 1.96 * se == approx(32.6, abs=0.1)
    assert ef.se_from_p(-17, 0.032) == approx(se)  # "ignoring minus signs"


def test_se_from_p_altman_bland_ratio_example():
    """Altman & Bland 2011 (BMJ 343:d2090), part (b), relative risk 0.30 with P = 0.034; worked in R at
    https://vaszar.org/wordpress/index.php/2021/05/07/obtain-the-ci-from-a-p-value/: z = 2.116569,
    SE(ln RR) = 0.5688323, 95% CI 0.10 to 0.90 (approximate z). Exact quantile: SE = 1.203973/2.120072."""
    se = ef.se_from_p(math.log(0.30), 0.034)
    assert se == approx(abs(math.log(0.30)) / NormalDist().inv_cdf(1 - 0.017))
    assert se == approx(0.5688323, rel=3e-3)
    yi, vi = ef.log_or_from_p(0.30, 0.034)
    assert (yi, vi) == (approx(math.log(0.30)), approx(se**2))
    # the page prints the limits rounded to one decimal ("0.10 - 0.90")
    assert round(math.exp(yi - 1.96 * se), 1) == 0.1
    assert round(math.exp(yi + 1.96 * se), 1) == 0.9
    assert ef.log_hr_from_p(0.30, 0.034) == (approx(yi), approx(vi))


def test_se_from_p_handbook_t_example():
    """Cochrane Handbook 6.5.2.3 (7.7.3.3 in v5.1): MD = 3.8, P = 0.008, groups of 25 and 22: t = 2.78
    ('= tinv(0.008, 45)'), 'the standard error of the difference in means is obtained by dividing 3.8 by 2.78,
    which gives 1.37' (quoted at http://miliebay.blogg.se/2023/july/7-permute-2.html)."""
    se = ef.se_from_p(3.8, 0.008, df=45)
    assert se == approx(3.8 / T996_45, rel=1e-6)
    assert se == approx(1.37, abs=0.005)


# ----------------------------------------------------------------------------------------------------------
# standardised mean difference
# ----------------------------------------------------------------------------------------------------------


def _j_exact(m: float) -> float:
    """Hedges (1981): J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), via the standard library."""
    return math.exp(math.lgamma(m / 2) - math.lgamma((m - 1) / 2)) / math.sqrt(m / 2)


def test_smd_borenstein_worked_example():
    """Borenstein et al. 2009 ch. 4 (same source as the MD example): S_within = 5.0249, d = 0.5970,
    V_d = 0.0418, J = 1 - 3/(4·98 - 1) = 0.9923, g = 0.5924, V_g = J²·V_d = 0.0411, SE_g = 0.2028."""
    g, vg = ef.smd_hedges_g(103, 5.5, 50, 100, 4.5, 50, exact=False, variance="borenstein")
    assert g == approx(0.5924, abs=5e-5)
    assert vg == approx(0.0411, abs=5e-5)
    assert math.sqrt(vg) == approx(0.2028, abs=5e-5)


def test_smd_matches_metafor_escalc():
    """metafor 3.8-1, escalc("SMD", m1i=103, m2i=100, sd1i=5.5, sd2i=4.5, n1i=50, n2i=50):
    yi = 0.592439623034787, vi = 0.041754923534708 (exact J; vi = 1/n1 + 1/n2 + yi²/(2(n1+n2))).
    Hand: d = 3/sqrt((49·30.25 + 49·20.25)/98) = 3/5.024938; g = J(98)·d; vi = 0.04 + g²/200."""
    g, vi = ef.smd_hedges_g(103, 5.5, 50, 100, 4.5, 50)
    assert g == approx(0.592439623034787, rel=1e-10)
    assert vi == approx(0.041754923534708, rel=1e-10)
    g_hand = _j_exact(98) * 3 / math.sqrt((49 * 30.25 + 49 * 20.25) / 98)
    assert g == approx(g_hand)
    assert vi == approx(0.04 + g_hand**2 / 200)


def test_smd_unequal_n_matches_metafor():
    """metafor 3.8-1: escalc("SMD", m1i=c(2.1,-1), m2i=c(0.4,0.5), sd1i=c(3.2,2), sd2i=c(2.9,1.5),
    n1i=c(8,12), n2i=c(6,15)) -> yi 0.516833765673404, -0.836952497258906; vi 0.301206564571672,
    0.162972027456813."""
    g, vi = ef.smd_hedges_g([2.1, -1], [3.2, 2], [8, 12], [0.4, 0.5], [2.9, 1.5], [6, 15])
    np.testing.assert_allclose(g, [0.516833765673404, -0.836952497258906], rtol=1e-10)
    np.testing.assert_allclose(vi, [0.301206564571672, 0.162972027456813], rtol=1e-10)


def test_hedges_exact_j_small_sample_by_hand():
    """n = 6 + 6, m = 10: J = Gamma(5)/(sqrt(5) Gamma(4.5)) = 24/(2.236068 × 11.631728) = 0.922745;
    the approximation is 1 - 3/39 = 0.923077. Means 5 and 3, SD 2 in both arms: d = 1."""
    g_exact, _ = ef.smd_hedges_g(5, 2, 6, 3, 2, 6)
    g_approx, _ = ef.smd_hedges_g(5, 2, 6, 3, 2, 6, exact=False)
    assert g_exact == approx(24 / (math.sqrt(5) * math.gamma(4.5)))
    assert g_exact == approx(0.922745, abs=1e-6)
    assert g_approx == approx(1 - 3 / 39)


# ----------------------------------------------------------------------------------------------------------
# binary outcomes
# ----------------------------------------------------------------------------------------------------------


def test_log_or_from_counts_woolf_by_hand_and_metafor():
    """Woolf 1955: 12/30 vs 9/30 -> a=12, b=18, c=9, d=21; ln OR = ln(12·21/(18·9)) = ln(252/162);
    var = 1/12 + 1/18 + 1/9 + 1/21 = 0.297619. metafor 3.8-1 escalc("OR", ai=12, n1i=30, ci=9, n2i=30):
    yi 0.441832752279039, vi 0.297619047619048. No zero cell -> no correction, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yi, vi = ef.log_or_from_counts(12, 30, 9, 30)
    assert yi == approx(math.log(252 / 162))
    assert vi == approx(1 / 12 + 1 / 18 + 1 / 9 + 1 / 21)
    assert (yi, vi) == (approx(0.441832752279039, rel=1e-12), approx(0.297619047619048, rel=1e-12))


def test_log_or_zero_cell_correction_only0_like_metafor():
    """metafor 3.8-1 escalc("OR", ai=c(0,5,12), n1i=c(10,20,30), ci=c(3,0,9), n2i=c(12,18,30)) (to="only0"):
    yi -2.045993607612296, 2.574825980957449, 0.441832752279039; vi 2.486215538847118, 2.300388364904494,
    0.297619047619048. Hand (first): cells 0.5, 10.5, 3.5, 9.5 -> ln(0.5·9.5/(10.5·3.5)) = ln(4.75/36.75);
    var = 2 + 1/10.5 + 1/3.5 + 1/9.5. Only the tables with a zero cell are corrected."""
    with pytest.warns(MetaanWarning, match="zero cell"):
        yi, vi = ef.log_or_from_counts([0, 5, 12], [10, 20, 30], [3, 0, 9], [12, 18, 30])
    np.testing.assert_allclose(yi, [-2.045993607612296, 2.574825980957449, 0.441832752279039], rtol=1e-12)
    np.testing.assert_allclose(vi, [2.486215538847118, 2.300388364904494, 0.297619047619048], rtol=1e-12)
    assert yi[0] == approx(math.log(4.75 / 36.75))
    assert vi[0] == approx(2 + 1 / 10.5 + 1 / 3.5 + 1 / 9.5)


def test_log_or_zero_cell_needs_positive_correction():
    with pytest.raises(InputError, match="correction=0"):
        ef.log_or_from_counts(0, 10, 3, 12, correction=0)


def test_counts_from_percent_rounds_half_up_and_flags():
    """Hand: 33.3% of 30 = 9.99 -> 10 (rounded, flagged); 50% of 20 = 10 exactly (not flagged);
    12.5% of 4 = 0.5 -> 1 (half up, not numpy's half-to-even 0); 62.5% of 8 = 5 exactly."""
    events, flagged = ef.counts_from_percent([33.3, 50, 12.5, 62.5], [30, 20, 4, 8])
    np.testing.assert_array_equal(events, [10, 10, 1, 5])
    np.testing.assert_array_equal(flagged, [True, False, True, False])
    assert ef.counts_from_percent(25.0, 12) == (3.0, False)


def test_log_or_from_ci_by_hand():
    """OR 2.0, 95% CI 1.0 to 4.0: ln OR = 0.693147; SE = (ln 4 - ln 1)/(2 × 1.959964) = 0.353653."""
    yi, vi = ef.log_or_from_ci(2.0, 1.0, 4.0)
    assert yi == approx(math.log(2))
    assert vi == approx((math.log(4) / (2 * Z975)) ** 2)
    yi90, vi90 = ef.log_or_from_ci(2.0, 1.0, 4.0, level=0.90)
    assert vi90 == approx((math.log(4) / (2 * Z95)) ** 2)


# ----------------------------------------------------------------------------------------------------------
# time to event
# ----------------------------------------------------------------------------------------------------------


def test_log_hr_from_ci_parmar_by_hand():
    """Parmar 1998 / Tierney 2007: HR 0.75, 95% CI 0.60 to 0.94: ln HR = -0.287682;
    SE = (ln 0.94 - ln 0.60)/(2 × 1.959964) = 0.448950/3.919928 = 0.114530."""
    yi, vi = ef.log_hr_from_ci(0.75, 0.60, 0.94)
    assert yi == approx(math.log(0.75))
    assert math.sqrt(vi) == approx((math.log(0.94) - math.log(0.60)) / (2 * Z975))
    assert math.sqrt(vi) == approx(0.114530, abs=1e-6)


def test_log_hr_from_logrank_events_per_arm_by_hand():
    """Tierney 2007 (eq 14): V = O_t·O_c/(O_t + O_c), O - E = sqrt(V)·z(p/2). Their worked example quotes
    'a log-rank P-value of 0.075 gave a z-score of 1.78' (quoted by Wang & Zeng 2013, Trials 14:391,
    https://trialsjournal.biomedcentral.com/articles/10.1186/1745-6215-14-391). Hand with 40 and 50 events:
    V = 2000/90 = 22.2222, ln HR = -1.780464/sqrt(22.2222) = -0.377694, var = 1/V = 0.045."""
    yi, vi = ef.log_hr_from_logrank(0.075, None, -1, events_t=40, events_c=50)
    z = NormalDist().inv_cdf(1 - 0.075 / 2)
    assert z == approx(1.78, abs=0.005)
    assert yi == approx(-z / math.sqrt(2000 / 90))
    assert vi == approx(90 / 2000)
    assert abs(yi) * math.sqrt(1 / vi) == approx(1.78, abs=0.005)  # |O - E| / sqrt(V) is the printed z


def test_log_hr_from_logrank_total_events_and_ratio_by_hand():
    """Total events O with allocation ratio R: V = O·R/(1+R)². 1:1, O = 90: V = 22.5. 2:1, O = 90: V = 20.
    direction +1 ('favours_control') gives a positive ln HR. One-sided p uses z = Phi^-1(1 - p)."""
    z = NormalDist().inv_cdf(1 - 0.075 / 2)
    yi, vi = ef.log_hr_from_logrank(0.075, 90, "favours_cells")
    assert (yi, vi) == (approx(-z / math.sqrt(22.5)), approx(1 / 22.5))
    yi2, vi2 = ef.log_hr_from_logrank(0.075, 90, "favours_control", ratio=2.0)
    assert (yi2, vi2) == (approx(z / math.sqrt(20.0)), approx(1 / 20.0))
    yi1, _ = ef.log_hr_from_logrank(0.0375, 90, 1, one_sided=True)
    assert yi1 == approx(z / math.sqrt(22.5))


def test_log_hr_from_medians_exponential_by_hand():
    """Exponential survival: ln HR = ln(median_c/median_t) = ln(8/12) = -0.405465 (cells live longer);
    var = 1/20 + 1/25 = 0.09. A MetaanWarning states the exponential assumption."""
    with pytest.warns(MetaanWarning, match="exponential"):
        yi, vi = ef.log_hr_from_medians(12.0, 8.0, 20, 25)
    assert (yi, vi) == (approx(math.log(8 / 12)), approx(0.09))


# ----------------------------------------------------------------------------------------------------------
# medians / quartiles / ranges
# ----------------------------------------------------------------------------------------------------------


def test_median_range_matches_metablue_published_example():
    """CRAN metaBLUE 1.0.0 documentation examples (https://rdrr.io/cran/metaBLUE/man/Luo.mean.html and
    .../Wan.std.html): X = (1, 4, 10), n = 30, type "S1": Luo.mean -> 4.356748, Wan.std -> 2.205578.
    Hand: w = 4/(4 + 30^0.75) = 0.237815; mean = w·5.5 + (1 - w)·4; SD = 9/(2 Phi^-1(29.625/30.25))."""
    mean, sd = ef.mean_sd_from_median_range(1, 4, 10, 30)
    assert mean == approx(4.356748, abs=5e-7)
    assert sd == approx(2.205578, abs=5e-7)
    w = 4 / (4 + 30**0.75)
    assert mean == approx(w * 5.5 + (1 - w) * 4)
    assert sd == approx(9 / (2 * NormalDist().inv_cdf(29.625 / 30.25)))


@pytest.mark.parametrize(("n", "xi_table"), [(5, 2.326), (10, 3.078), (25, 3.931), (50, 4.498)])
def test_wan_eq9_close_to_exact_xi_table1(n, xi_table):
    """Wan et al. 2014 Table 1 (https://bmcmedresmethodol.biomedcentral.com/articles/10.1186/1471-2288-14-135/
    tables/1) prints the exact xi(n) of eq 7; eq 9's approximation used here is within 1.5% of it. A range
    of 1 gives SD = 1/xi(n)."""
    _, sd = ef.mean_sd_from_median_range(0.0, 0.5, 1.0, n)
    assert 1 / sd == approx(xi_table, rel=0.015)


def test_median_iqr_luo_wan_by_hand():
    """Luo 2018 S2: w = 0.7 + 0.39/n; Wan 2014 eq 16: SD = IQR/(2 Phi^-1((0.75n - 0.125)/(n + 0.25))).
    q1 = 2, m = 4, q3 = 7, n = 30: w = 0.713, mean = 0.713·4.5 + 0.287·4 = 4.3565;
    SD = 5/(2 Phi^-1(22.375/30.25))."""
    mean, sd = ef.mean_sd_from_median_iqr(2, 4, 7, 30)
    assert mean == approx(0.713 * 4.5 + 0.287 * 4)
    assert mean == approx(4.3565)
    assert sd == approx(5 / (2 * NormalDist().inv_cdf(22.375 / 30.25)))
    # a normal sample: the IQR of N(0, 1) is 1.34898 and the estimator should return ~1 for large n
    _, sd_big = ef.mean_sd_from_median_iqr(-0.674490, 0.0, 0.674490, 10_000)
    assert sd_big == approx(1.0, abs=1e-3)


def test_five_numbers_luo_wan_by_hand():
    """Luo 2018 S3: w1 = 2.2/(2.2 + n^0.75), w2 = 0.7 - 0.72/n^0.55; Wan 2014 eq 13:
    SD = range/(4 Phi^-1((n - .375)/(n + .25))) + IQR/(4 Phi^-1((.75n - .125)/(n + .25))).
    (1, 2, 4, 7, 10), n = 30."""
    mean, sd = ef.mean_sd_from_five_numbers(1, 2, 4, 7, 10, 30)
    w1 = 2.2 / (2.2 + 30**0.75)
    w2 = 0.7 - 0.72 / 30**0.55
    assert mean == approx(w1 * 5.5 + w2 * 4.5 + (1 - w1 - w2) * 4)
    inv = NormalDist().inv_cdf
    assert sd == approx(9 / (4 * inv(29.625 / 30.25)) + 5 / (4 * inv(22.375 / 30.25)))


# ----------------------------------------------------------------------------------------------------------
# broken input: every rule raises InputError naming the argument, the value and the rule
# ----------------------------------------------------------------------------------------------------------

BROKEN = [
    (ef.md_from_arms, (1, -2.1, 10, 0, 1, 10), r"sd_t=-2\.1 is negative; a standard deviation must be > 0"),
    (ef.md_from_arms, (1, 2, 10, 0, 0, 10), r"sd_c=0 is zero"),
    (ef.md_from_arms, (1, 2, 0, 0, 1, 10), r"n_t=0 is zero; a sample size must be > 0"),
    (ef.md_from_arms, (1, 2, 10, 0, 1, -3), r"n_c=-3 is negative"),
    (ef.md_from_arms, (float("nan"), 2, 10, 0, 1, 10), r"mean_t=nan is NaN"),
    (ef.md_from_arms, ([1, 2], [2, -1], [10, 10], [0, 0], [1, 1], [10, 10]), r"sd_t\[1\]=-1 is negative"),
    (ef.md_from_arms, ("abc", 2, 10, 0, 1, 10), r"mean_t='abc' is not numeric"),
    (ef.md_from_arm_se, (1, -0.5, 0, 0.3), r"se_t=-0\.5 is negative; a standard error must be > 0"),
    (ef.sd_from_se, (-1, 10), r"se=-1 is negative"),
    (ef.sd_from_se, (1, 0), r"n=0 is zero"),
    (ef.sd_from_ci, (3, 1, 20), r"ci_low=3 is not below ci_high=1"),
    (ef.sd_from_ci, (1, 3, 1), r"n=1 is below 2"),
    (ef.se_from_ci, (1, 1), r"ci_low=1 is not below ci_high=1"),
    (ef.se_from_ci, (-1, 2, 0.95, True), r"ci_low=-1 is negative; a ratio's confidence limit"),
    (ef.se_from_ci, (1, 2, 95), r"level=95 is outside \(0, 1\)"),
    (ef.se_from_p, (1.0, 0.0), r"p=0 is outside \(0, 1\]"),
    (ef.se_from_p, (1.0, 1.5), r"p=1\.5 is outside \(0, 1\]"),
    (ef.se_from_p, (1.0, 1.0), r"p=1 gives a test statistic of 0"),
    (ef.se_from_p, (0.0, 0.04), r"estimate=0 with p < 1 is inconsistent"),
    (ef.se_from_p, (1.0, float("nan")), r"p=nan is NaN"),
    (ef.smd_hedges_g, (1, 1, 1, 0, 1, 2), r"n_t=1 with n_c leaves < 2 degrees of freedom"),
    (ef.log_or_from_counts, (11, 10, 3, 12), r"events_t=11 exceeds n_t=10; events must be <= patients"),
    (ef.log_or_from_counts, (1, 10, -1, 12), r"events_c=-1 is negative"),
    (ef.log_or_from_counts, (1.5, 10, 1, 12), r"events_t=1\.5 is not a whole number"),
    (ef.counts_from_percent, (120, 10), r"pct=120 is outside \[0, 100\]"),
    (ef.log_or_from_ci, (0.5, 0.6, 2.0), r"or_=0\.5 lies outside its CI \(0\.6, 2\)"),
    (ef.log_or_from_ci, (-0.5, 0.6, 2.0), r"or_=-0\.5 is negative; a ratio must be > 0"),
    (ef.log_or_from_p, (2.0, 0.0), r"p=0 is outside"),
    (ef.log_hr_from_ci, (2.5, 0.6, 2.0), r"hr=2\.5 lies outside its CI"),
    (ef.log_hr_from_ci, (0.8, 0.9, 0.7), r"ci_low=0\.9 is not below ci_high=0\.7"),
    (ef.log_hr_from_medians, (0, 8, 10, 10), r"median_t=0 is zero"),
    (ef.log_hr_from_medians, (10, 8, 0, 10), r"events_t=0 is zero"),
    (ef.mean_sd_from_median_iqr, (5, 4, 7, 30), r"q1=5 exceeds median=4"),
    (ef.mean_sd_from_median_iqr, (4, 4, 4, 30), r"q1=4 equals q3; a spread of zero"),
    (ef.mean_sd_from_median_range, (1, 4, 10, 0), r"n=0 is zero"),
    (ef.mean_sd_from_five_numbers, (1, 2, 4, 3.5, 10, 30), r"median=4 exceeds q3=3\.5"),
]


@pytest.mark.parametrize(
    ("func", "args", "message"), BROKEN, ids=[f"{f.__name__}-{i}" for i, (f, _, _) in enumerate(BROKEN)]
)
def test_broken_input_raises_input_error(func, args, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        with pytest.raises(InputError, match=message):
            func(*args)


def test_input_error_is_a_value_error():
    with pytest.raises(ValueError):
        ef.sd_from_se(-1, 10)


def test_logrank_broken_input():
    with pytest.raises(InputError, match=r"direction=None is not one of"):
        ef.log_hr_from_logrank(0.05, 100)
    with pytest.raises(InputError, match=r"direction='better' is not one of"):
        ef.log_hr_from_logrank(0.05, 100, "better")
    with pytest.raises(InputError, match=r"p=1 gives z = 0"):
        ef.log_hr_from_logrank(1.0, 100, -1)
    with pytest.raises(InputError, match="give both events_t and events_c"):
        ef.log_hr_from_logrank(0.05, None, -1, events_t=10)
    with pytest.raises(InputError, match="not both"):
        ef.log_hr_from_logrank(0.05, 20, -1, events_t=10, events_c=10)
    with pytest.raises(InputError, match=r"ratio=0 is zero"):
        ef.log_hr_from_logrank(0.05, 20, -1, ratio=0)


# ----------------------------------------------------------------------------------------------------------
# properties
# ----------------------------------------------------------------------------------------------------------

means = st.floats(-50, 50, allow_nan=False)
sds = st.floats(0.1, 30, allow_nan=False)
ns = st.integers(3, 500)


@given(means, sds, ns, means, sds, ns, st.booleans())
def test_swapping_arms_negates_md_and_g(m1, s1, n1, m2, s2, n2, pooled):
    y, v = ef.md_from_arms(m1, s1, n1, m2, s2, n2, pooled=pooled)
    y_s, v_s = ef.md_from_arms(m2, s2, n2, m1, s1, n1, pooled=pooled)
    assert y_s == approx(-y, abs=1e-12)
    assert v_s == approx(v, rel=1e-12)
    g, vg = ef.smd_hedges_g(m1, s1, n1, m2, s2, n2)
    g_s, vg_s = ef.smd_hedges_g(m2, s2, n2, m1, s1, n1)
    assert g_s == approx(-g, abs=1e-12)
    assert vg_s == approx(vg, rel=1e-12)


@st.composite
def tables(draw, allow_zero: bool = False):
    n_t = draw(st.integers(2, 400))
    n_c = draw(st.integers(2, 400))
    lo = 0 if allow_zero else 1
    e_t = draw(st.integers(lo, n_t - lo))
    e_c = draw(st.integers(lo, n_c - lo))
    return e_t, n_t, e_c, n_c


@given(tables(allow_zero=True))
def test_swapping_arms_negates_log_or(table):
    e_t, n_t, e_c, n_c = table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        y, v = ef.log_or_from_counts(e_t, n_t, e_c, n_c)
        y_s, v_s = ef.log_or_from_counts(e_c, n_c, e_t, n_t)
    assert y_s == approx(-y, abs=1e-12)
    assert v_s == approx(v, rel=1e-12)


@given(tables(), st.sampled_from([0.90, 0.95, 0.99]))
def test_or_from_counts_equals_or_from_its_own_ci(table, level):
    """A Wald CI built from the counts (exp(yi ± z·se), z by the standard library) gives back yi and vi."""
    y, v = ef.log_or_from_counts(*table)
    z = NormalDist().inv_cdf((1 + level) / 2)
    se = math.sqrt(v)
    y2, v2 = ef.log_or_from_ci(math.exp(y), math.exp(y - z * se), math.exp(y + z * se), level=level)
    assert y2 == approx(y, abs=1e-12)
    assert v2 == approx(v, rel=1e-9)


@given(st.floats(-20, 20).filter(lambda x: abs(x) > 1e-3), st.floats(0.01, 10), st.integers(2, 200))
def test_p_from_estimate_round_trips(est, se, df):
    """p computed from est/se (normal, standard library; t via the same relation) gives back se."""
    z = abs(est) / se
    assume(0.05 < z < 6)
    p = 2 * (1 - NormalDist().cdf(z))
    assert ef.se_from_p(est, p) == approx(se, rel=1e-6)


@given(sds, ns)
def test_sd_se_round_trip(sd, n):
    assert ef.sd_from_se(sd / math.sqrt(n), n) == approx(sd, rel=1e-12)


@given(st.integers(4, 2000), st.floats(0.2, 5), st.floats(0.001, 0.9))
def test_logrank_events_split_in_ratio_equal_total(total, ratio, p):
    """Events split in the allocation ratio R (O·R/(1+R) and O/(1+R)) give the same V as O with R."""
    e_t, e_c = total * ratio / (1 + ratio), total / (1 + ratio)
    y1, v1 = ef.log_hr_from_logrank(p, None, -1, events_t=e_t, events_c=e_c)
    y2, v2 = ef.log_hr_from_logrank(p, total, -1, ratio=ratio)
    assert (y1, v1) == (approx(y2, rel=1e-9), approx(v2, rel=1e-9))


@given(st.floats(-100, 100), st.floats(0.1, 10), st.integers(5, 1000))
@settings(max_examples=50)
def test_quantile_estimators_are_location_scale_equivariant(shift, scale, n):
    """Adding c to every summary adds c to the mean and leaves the SD; multiplying by k scales both."""
    base = (-3.0, -1.0, 0.5, 2.0, 6.0)
    moved = tuple(shift + scale * x for x in base)
    m0, s0 = ef.mean_sd_from_five_numbers(*base, n)
    m1, s1 = ef.mean_sd_from_five_numbers(*moved, n)
    assert m1 == approx(shift + scale * m0, rel=1e-9, abs=1e-9)
    assert s1 == approx(scale * s0, rel=1e-9)
    m0, s0 = ef.mean_sd_from_median_iqr(base[1], base[2], base[3], n)
    m1, s1 = ef.mean_sd_from_median_iqr(moved[1], moved[2], moved[3], n)
    assert (m1, s1) == (approx(shift + scale * m0, rel=1e-9, abs=1e-9), approx(scale * s0, rel=1e-9))


def test_vectorised_equals_scalar_loop():
    lo, hi, n = np.array([1.0, 2.0, 0.5]), np.array([3.0, 5.0, 0.9]), np.array([20, 80, 150])
    vec = ef.sd_from_ci(lo, hi, n)
    loop = [ef.sd_from_ci(a, b, c) for a, b, c in zip(lo, hi, n, strict=True)]
    np.testing.assert_allclose(loop, vec, rtol=1e-12)
    assert isinstance(ef.sd_from_ci(1.0, 3.0, 20), float)


# ----------------------------------------------------------------------------------------------------------
# effect_sizes
# ----------------------------------------------------------------------------------------------------------

SPEC_COLUMNS = (
    "study,author,year,doi,pmid,registry,design,blinding,control,cell_type,cell_origin,route,dose,outcome,"
    "outcome_detail,timepoint_months,population,result_version,n_t,mean_t,sd_t,se_t,events_t,n_c,mean_c,sd_c,"
    "se_c,events_c,measure,estimate,se,ci_low,ci_high,p,contrast_direction,median_t,median_c,hr,hr_ci_low,"
    "hr_ci_high,as_printed,source_url,locator,evidence,status,risk_of_bias,rob_reason,sponsor,notes,pct_t,pct_c,"
    "events_are,primary_analysis"
).split(",")

EXPECTED_OUTPUT_COLUMNS = [
    "study",
    "label",
    "yi",
    "vi",
    "sei",
    "ci_low",
    "ci_high",
    "measure",
    "derivation",
    "design",
    "control",
    "blinding",
    "n_t",
    "n_c",
    "events_t",
    "events_c",
    "pct_t",
    "pct_c",
    "evidence",
    "risk_of_bias",
    "timepoint_months",
    "population",
    "outcome",
    "outcome_detail",
    "result_version",
    "primary_analysis",
    "source_url",
    "locator",
    "line",
]


def _row(**kw) -> dict:
    row = dict.fromkeys(SPEC_COLUMNS, np.nan)
    row.update(
        design="rct",
        control="placebo_sham",
        population="itt",
        result_version="paper",
        evidence="primary",
        status="extracted",
        risk_of_bias="some_concerns",
        source_url="https://example.org/paper",
        locator="Table 2",
        outcome="alsfrs_change",
        timepoint_months=6.0,
    )
    row.update(kw)
    return row


def _trials(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=SPEC_COLUMNS)


def test_effect_sizes_printed_md_with_ci_uses_t_for_small_trials():
    """MD 3.0 (95% CI 0.5 to 5.5), 20 per arm: Cochrane Handbook 6.5.2.3 t with 38 df:
    SE = 5.0/(2 × 2.024394) = 1.234934."""
    trials = _trials(
        _row(
            study="A2020",
            measure="MD",
            estimate=3.0,
            ci_low=0.5,
            ci_high=5.5,
            n_t=20,
            n_c=20,
            contrast_direction="cells_minus_control",
        )
    )
    out = ef.effect_sizes(trials, "alsfrs_change")
    assert list(out.columns) == EXPECTED_OUTPUT_COLUMNS
    r = out.iloc[0]
    assert r["yi"] == approx(3.0)
    assert r["sei"] == approx(5.0 / (2 * T975_38), rel=1e-6)
    assert r["vi"] == approx(r["sei"] ** 2)
    assert r["measure"] == "MD"
    assert r["derivation"] == "MD from printed difference and 95% CI (t quantile, df=38)"
    assert (r["study"], r["label"], r["n_t"], r["n_c"]) == ("A2020", "A2020", 20.0, 20.0)


def test_effect_sizes_contrast_direction_flips_md_and_large_trials_use_normal():
    """Printed control minus cells = -3.0 (95% CI -5.5 to -0.5), 100 per arm: yi = +3.0,
    SE = 5/(2 × 1.959964)."""
    trials = _trials(
        _row(
            study="B2021",
            measure="MD",
            estimate=-3.0,
            ci_low=-5.5,
            ci_high=-0.5,
            n_t=100,
            n_c=100,
            contrast_direction="control_minus_cells",
        )
    )
    r = ef.effect_sizes(trials, "alsfrs_change").iloc[0]
    assert r["yi"] == approx(3.0)
    assert r["sei"] == approx(5.0 / (2 * Z975))
    assert "sign flipped" in r["derivation"] and "normal quantile" in r["derivation"]


def test_effect_sizes_md_from_se_and_from_p():
    """Printed SE used as is; p = 0.01 with 20 + 20 patients: SE = 2.0/t_{0.995,38} = 2.0/2.711558."""
    trials = _trials(
        _row(
            study="S2019", measure="MD", estimate=1.5, se=0.6, n_t=30, n_c=30, contrast_direction="cells_minus_control"
        ),
        _row(
            study="P2019",
            measure="MD",
            estimate=2.0,
            p=0.01,
            n_t=20,
            n_c=20,
            contrast_direction="cells_minus_control",
            notes="p=0.01 printed",
        ),
        _row(
            study="Q2019",
            measure="MD",
            estimate=2.0,
            p=0.01,
            n_t=20,
            n_c=20,
            contrast_direction="cells_minus_control",
            notes="p<0.01 printed",
        ),
    )
    out = ef.effect_sizes(trials, "alsfrs_change")
    assert out["yi"].tolist() == [1.5, 2.0, 2.0]
    assert out["vi"].iloc[0] == approx(0.36)
    assert out["sei"].iloc[1] == approx(2.0 / T995_38, rel=1e-6)
    assert out["derivation"].tolist() == [
        "MD from printed difference and SE",
        "MD from printed difference and p-value (t quantile, df=38)",
        "MD from printed difference and p-value (t quantile, df=38) (p printed as an upper bound; SE is conservative)",
    ]


def test_effect_sizes_md_from_arm_statistics_welch():
    """Arm means of change -5 (SD 6, n 20) and -9 (SD 7, n 18): MD = 4; vi = 36/20 + 49/18 = 4.522222."""
    trials = _trials(_row(study="C2018", mean_t=-5.0, sd_t=6.0, n_t=20, mean_c=-9.0, sd_c=7.0, n_c=18))
    r = ef.effect_sizes(trials, "alsfrs_change").iloc[0]
    assert (r["yi"], r["vi"]) == (approx(4.0), approx(1.8 + 49 / 18))
    assert r["derivation"] == "MD from arm means and SDs (Welch)"


def test_effect_sizes_prefers_printed_contrast_over_arms():
    trials = _trials(
        _row(
            study="D2017",
            mean_t=-5.0,
            sd_t=6.0,
            n_t=20,
            mean_c=-9.0,
            sd_c=7.0,
            n_c=18,
            measure="MD",
            estimate=3.6,
            se=1.9,
            contrast_direction="cells_minus_control",
        )
    )
    r = ef.effect_sizes(trials, "alsfrs_change").iloc[0]
    assert (r["yi"], r["vi"]) == (approx(3.6), approx(3.61))


def test_effect_sizes_unknown_direction_falls_back_to_arms_else_warns():
    trials = _trials(
        _row(study="E2016", measure="MD", estimate=3.6, se=1.9, mean_t=-5.0, se_t=1.2, mean_c=-9.0, se_c=1.5),
        _row(study="F2016", measure="MD", estimate=3.6, se=1.9),
    )
    match = r"1 row\(s\) gave no effect size: study F2016 .*contrast_direction"
    with pytest.warns(MetaanWarning, match=match):
        out = ef.effect_sizes(trials, "alsfrs_change")
    assert out["study"].tolist() == ["E2016"]
    assert out["vi"].iloc[0] == approx(1.44 + 2.25)
    assert out["derivation"].iloc[0] == "MD from arm means and SEs"


def test_effect_sizes_responder_counts_and_printed_or():
    """Counts 12/30 vs 9/30: ln(252/162), Woolf variance. Printed OR 0.5 (95% CI 0.25 to 1.0) for control vs
    cells: ln OR (cells vs control) = +ln 2, SE = (ln 1 - ln 0.25)/(2 × 1.959964)."""
    trials = _trials(
        _row(study="G2015", outcome="responder", events_t=12, n_t=30, events_c=9, n_c=30),
        _row(
            study="H2015",
            outcome="responder",
            measure="OR",
            estimate=0.5,
            ci_low=0.25,
            ci_high=1.0,
            contrast_direction="control_vs_cells",
            n_t=40,
            n_c=40,
        ),
    )
    out = ef.effect_sizes(trials, "responder")
    assert out["measure"].tolist() == ["logOR", "logOR"]
    assert out["yi"].iloc[0] == approx(math.log(252 / 162))
    assert out["vi"].iloc[0] == approx(1 / 12 + 1 / 18 + 1 / 9 + 1 / 21)
    assert out["derivation"].iloc[0] == "log OR from 2x2 counts"
    assert out["yi"].iloc[1] == approx(math.log(2))
    assert out["sei"].iloc[1] == approx(math.log(4) / (2 * Z975))
    assert out["derivation"].iloc[1] == "log OR from printed OR and 95% CI; inverted from control vs cells"


def test_effect_sizes_responder_zero_cell_warns_once():
    trials = _trials(_row(study="Z2014", outcome="responder", events_t=3, n_t=10, events_c=0, n_c=10))
    with pytest.warns(MetaanWarning, match="continuity correction .* Z2014"):
        out = ef.effect_sizes(trials, "responder")
    assert out["yi"].iloc[0] == approx(math.log(3.5 * 10.5 / (7.5 * 0.5)))
    assert "0.5 added" in out["derivation"].iloc[0]


def test_effect_sizes_survival_hr_and_medians():
    """HR 0.6 (0.4, 0.9) cells vs control: ln 0.6, SE = (ln 0.9 - ln 0.4)/3.919928. HR 1.25 (0.8, 2.0)
    control vs cells: ln HR (cells vs control) = -ln 1.25. Medians 18 vs 12 months with 15 and 20 deaths:
    ln(12/18), var 1/15 + 1/20."""
    trials = _trials(
        _row(
            study="I2013",
            outcome="survival",
            measure="HR",
            hr=0.6,
            hr_ci_low=0.4,
            hr_ci_high=0.9,
            estimate=0.6,
            ci_low=0.4,
            ci_high=0.9,
            contrast_direction="cells_vs_control",
            timepoint_months=np.nan,
        ),
        _row(
            study="J2013",
            outcome="survival",
            measure="HR",
            estimate=1.25,
            ci_low=0.8,
            ci_high=2.0,
            contrast_direction="control_vs_cells",
        ),
        _row(study="K2013", outcome="survival", median_t=18.0, median_c=12.0, events_t=15, events_c=20, n_t=30, n_c=30),
    )
    with pytest.warns(MetaanWarning, match="exponential survival for K2013"):
        out = ef.effect_sizes(trials, "survival")
    assert out["measure"].unique().tolist() == ["logHR"]
    assert out["yi"].tolist() == [approx(math.log(0.6)), approx(-math.log(1.25)), approx(math.log(12 / 18))]
    assert out["sei"].iloc[0] == approx((math.log(0.9) - math.log(0.4)) / (2 * Z975))
    assert out["vi"].iloc[2] == approx(1 / 15 + 1 / 20)
    assert out["derivation"].tolist() == [
        "log HR from HR and 95% CI",
        "log HR from HR and 95% CI; inverted from control vs cells",
        "log HR from medians (exponential assumption)",
    ]
    assert math.isnan(out["timepoint_months"].iloc[0])


def test_effect_sizes_ci_level_from_notes():
    """SPEC: CIs are 95% unless the notes say otherwise. A '90% CI' note: SE = width/(2 × 1.644854)."""
    trials = _trials(
        _row(
            study="L2012",
            outcome="survival",
            hr=0.7,
            hr_ci_low=0.5,
            hr_ci_high=0.98,
            contrast_direction="cells_vs_control",
            notes="90% CI printed",
        )
    )
    r = ef.effect_sizes(trials, "survival").iloc[0]
    assert r["sei"] == approx((math.log(0.98) - math.log(0.5)) / (2 * Z95))
    assert r["derivation"] == "log HR from HR and 90% CI"


def test_effect_sizes_filters_status_evidence_timepoint_population():
    arms = dict(mean_t=1.0, sd_t=2.0, n_t=10, mean_c=0.0, sd_c=2.0, n_c=10)
    trials = _trials(
        _row(study="M1", **arms),
        _row(study="M2", status="not_found", **arms),
        _row(study="M3", evidence="secondary", result_version="press_release", **arms),
        _row(study="M4", timepoint_months=12.0, **arms),
        _row(study="M5", population="per_protocol", **arms),
        _row(study="M6", outcome="alsfrs_slope", **arms),
    )
    assert ef.effect_sizes(trials, "alsfrs_change")["study"].tolist() == ["M1", "M4", "M5"]
    everything = ef.effect_sizes(trials, "alsfrs_change", evidence="all")
    assert everything["study"].tolist() == ["M1", "M3", "M4", "M5"]
    assert ef.effect_sizes(trials, "alsfrs_change", evidence="secondary")["study"].tolist() == ["M3"]
    assert ef.effect_sizes(trials, "alsfrs_change", timepoint_months=6)["study"].tolist() == ["M1", "M5"]
    assert ef.effect_sizes(trials, "alsfrs_change", population="itt")["study"].tolist() == ["M1", "M4"]
    assert ef.effect_sizes(trials, "alsfrs_change", population=["itt", "per_protocol"], timepoint_months=6.0)[
        "study"
    ].tolist() == ["M1", "M5"]
    assert ef.effect_sizes(trials, "alsfrs_slope")["study"].tolist() == ["M6"]


def test_effect_sizes_single_arm_only_on_request():
    """A single-arm mean change of 2.0 (SD 4.0, n 16): within-arm 'effect' 2.0 with vi = 16/16 = 1."""
    trials = _trials(
        _row(
            study="N2019",
            design="single_arm",
            control="none",
            outcome="alsfrs_slope_change",
            mean_t=2.0,
            sd_t=4.0,
            n_t=16,
            risk_of_bias="critical",
        ),
        _row(study="O2019", outcome="alsfrs_slope_change", mean_t=1.0, se_t=0.5, mean_c=0.2, se_c=0.4),
    )
    assert ef.effect_sizes(trials, "alsfrs_slope_change")["study"].tolist() == ["O2019"]
    out = ef.effect_sizes(trials, "alsfrs_slope_change", include_single_arm=True)
    single = out.set_index("study").loc["N2019"]
    assert (single["yi"], single["vi"], single["measure"]) == (approx(2.0), approx(1.0), "mean_change")
    assert single["derivation"] == "within-arm mean change from mean and SD (single arm, no control)"
    assert out.set_index("study").loc["O2019", "measure"] == "MD"


def test_effect_sizes_labels_tell_rows_of_one_study_apart():
    arms = dict(mean_t=1.0, sd_t=2.0, n_t=10, mean_c=0.0, sd_c=2.0, n_c=10)
    trials = _trials(
        _row(study="Oh2018", **arms),
        _row(study="Oh2018", timepoint_months=12.0, **arms),
        _row(study="Other2020", **arms),
        _row(study="Twin2021", **arms),
        _row(study="Twin2021", **arms),
        _row(study="Pop2022", **arms),
        _row(study="Pop2022", population="mitt", **arms),
    )
    labels = ef.effect_sizes(trials, "alsfrs_change")["label"].tolist()
    assert labels == [
        "Oh2018 (6 mo)",
        "Oh2018 (12 mo)",
        "Other2020",
        "Twin2021 #1",
        "Twin2021 #2",
        "Pop2022 (itt)",
        "Pop2022 (mitt)",
    ]


def test_effect_sizes_bad_numbers_name_the_study():
    trials = _trials(
        _row(
            study="Bad2019",
            measure="MD",
            estimate=7.0,
            ci_low=0.5,
            ci_high=5.5,
            n_t=20,
            n_c=20,
            contrast_direction="cells_minus_control",
        )
    )
    with pytest.raises(InputError, match=r"study Bad2019 .*estimate=7 lies outside its CI"):
        ef.effect_sizes(trials, "alsfrs_change")
    trials = _trials(_row(study="Neg2019", mean_t=1.0, sd_t=-2.0, n_t=10, mean_c=0.0, sd_c=2.0, n_c=10))
    with pytest.raises(InputError, match=r"study Neg2019 .*sd_t=-2 is negative"):
        ef.effect_sizes(trials, "alsfrs_change")


def test_effect_sizes_rejects_unknown_outcome_and_missing_columns():
    with pytest.raises(InputError, match="outcome='alsfrs' is not one of"):
        ef.effect_sizes(_trials(_row(study="X")), "alsfrs")
    with pytest.raises(InputError, match="evidence='primay' is not"):
        ef.effect_sizes(_trials(_row(study="X")), "alsfrs_change", evidence="primay")
    with pytest.raises(InputError, match="lacks column"):
        ef.effect_sizes(pd.DataFrame({"study": ["X"]}), "alsfrs_change")


def test_effect_sizes_empty_result_has_the_columns():
    out = ef.effect_sizes(_trials(_row(study="Q", status="no_numbers")), "survival")
    assert list(out.columns) == EXPECTED_OUTPUT_COLUMNS
    assert len(out) == 0


# ----------------------------------------------------------------------------------------------------------
# effect_sizes: CI columns, carried columns, skipped rows
# ----------------------------------------------------------------------------------------------------------


def test_effect_sizes_wald_ci_columns_by_hand():
    """MD 1.5 with printed SE 0.6: 95% CI 1.5 ± 1.959964 × 0.6 = 0.3240216 to 2.6759784; at level 0.90,
    1.5 ± 1.644854 × 0.6. Counts 12/30 vs 9/30: ln(12·21/(18·9)) ± 1.959964 · sqrt(1/12 + 1/18 + 1/9 + 1/21),
    on the log OR scale (not the OR)."""
    md = _trials(
        _row(
            study="S2019", measure="MD", estimate=1.5, se=0.6, n_t=30, n_c=30, contrast_direction="cells_minus_control"
        )
    )
    r = ef.effect_sizes(md, "alsfrs_change").iloc[0]
    assert (r["ci_low"], r["ci_high"]) == (approx(1.5 - Z975 * 0.6), approx(1.5 + Z975 * 0.6))
    assert (r["ci_low"], r["ci_high"]) == (approx(0.3240216, abs=1e-7), approx(2.6759784, abs=1e-7))
    r90 = ef.effect_sizes(md, "alsfrs_change", level=0.90).iloc[0]
    assert (r90["ci_low"], r90["ci_high"]) == (approx(1.5 - Z95 * 0.6), approx(1.5 + Z95 * 0.6))
    counts = _trials(_row(study="G2015", outcome="responder", events_t=12, n_t=30, events_c=9, n_c=30))
    r = ef.effect_sizes(counts, "responder").iloc[0]
    half = Z975 * math.sqrt(1 / 12 + 1 / 18 + 1 / 9 + 1 / 21)
    assert (r["ci_low"], r["ci_high"]) == (approx(math.log(252 / 162) - half), approx(math.log(252 / 162) + half))
    with pytest.raises(InputError, match="level=1.5 is outside"):
        ef.effect_sizes(md, "alsfrs_change", level=1.5)


def test_effect_sizes_carries_printed_columns_and_the_csv_line():
    trials = _trials(
        _row(
            study="G2015",
            outcome="responder",
            events_t=12,
            n_t=30,
            events_c=9,
            n_c=30,
            pct_t=40.0,
            pct_c=30.0,
            blinding="double_blind",
            primary_analysis="yes",
        ),
        _row(study="H2015", outcome="responder", events_t=3, n_t=30, events_c=2, n_c=30, blinding="open_label"),
    )
    trials.insert(0, "line", [14, 27])
    out = ef.effect_sizes(trials, "responder")
    assert out["line"].tolist() == [14, 27]
    assert out[["events_t", "events_c", "pct_t"]].iloc[0].tolist() == [12.0, 9.0, 40.0]
    assert math.isnan(out["pct_c"].iloc[1])
    assert out["blinding"].tolist() == ["double_blind", "open_label"]
    assert out["primary_analysis"].iloc[0] == "yes"
    no_line = ef.effect_sizes(trials.drop(columns="line"), "responder")
    assert no_line["line"].isna().all() and list(no_line.columns) == EXPECTED_OUTPUT_COLUMNS


def test_effect_sizes_skipped_rows_table_and_warning():
    trials = _trials(
        _row(study="E2016", measure="MD", estimate=3.6, se=1.9, contrast_direction="cells_minus_control"),
        _row(study="F2016", measure="MD", estimate=3.6, se=1.9, outcome_detail="week 28 change"),
        _row(study="K2009", mean_t=-2.0, mean_c=-4.0, outcome_detail="3-month change"),
        _row(study="N2019", design="single_arm", control="none", mean_t=2.0, sd_t=4.0, n_t=16),
    )
    trials.insert(0, "line", [5, 6, 9, 12])
    with pytest.warns(MetaanWarning, match=r"2 row\(s\) gave no effect size: study F2016 .*; study K2009"):
        out = ef.effect_sizes(trials, "alsfrs_change")
    skipped = out.attrs["skipped"]
    assert isinstance(skipped, pd.DataFrame)
    assert list(skipped.columns) == ["study", "line", "outcome_detail", "reason"]
    assert skipped["study"].tolist() == ["F2016", "K2009"]  # N2019 (single arm) is filtered out, not skipped
    assert skipped["line"].tolist() == [6, 9]
    assert skipped["outcome_detail"].tolist() == ["week 28 change", "3-month change"]
    assert skipped["reason"].iat[0] == (
        "printed MD has contrast_direction=''; expected cells_minus_control or "
        "control_minus_cells, and no usable arm statistics"
    )
    assert skipped["reason"].iat[1] == "no printed MD with SE/CI/p and no arm means with SD (and n) or SE"
    clean = ef.effect_sizes(trials.iloc[[0]], "alsfrs_change")
    assert len(clean.attrs["skipped"]) == 0 and list(clean.attrs["skipped"].columns) == list(skipped.columns)


def test_effect_size_tables_with_skipped_rows_concatenate():
    """pandas compares attrs when concatenating; a DataFrame in attrs must not make pd.concat raise."""
    one = _trials(
        _row(study="A1", mean_t=1.0, sd_t=2.0, n_t=10, mean_c=0.0, sd_c=2.0, n_c=10),
        _row(study="B1", mean_t=1.0, mean_c=0.0),
    )
    two = _trials(
        _row(study="A2", mean_t=1.0, sd_t=2.0, n_t=10, mean_c=0.0, sd_c=2.0, n_c=10),
        _row(study="B2", mean_t=1.0, mean_c=0.0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        a, b = ef.effect_sizes(one, "alsfrs_change"), ef.effect_sizes(two, "alsfrs_change")
    both = pd.concat([a, b], ignore_index=True)
    assert both["study"].tolist() == ["A1", "A2"]
    halves = pd.concat([a.iloc[:0], a.iloc[:1]])
    assert halves.attrs["skipped"]["study"].tolist() == ["B1"]
    skipped = pd.concat([a.attrs["skipped"], b.attrs["skipped"]], ignore_index=True)
    assert skipped["study"].tolist() == ["B1", "B2"]
    assert (skipped["study"] == "B2").tolist() == [False, True]  # columns still compare element-wise


# ----------------------------------------------------------------------------------------------------------
# effect_sizes: responder events that are harms, and percentages
# ----------------------------------------------------------------------------------------------------------


def test_effect_sizes_harm_events_flip_the_log_or():
    """Good responders 20/32 vs 6/27 and their complement, poor responders 12/32 vs 21/27 (events_are=harm).
    Hand: ln OR(good) = ln(20·21 / (12·6)) = ln(420/72); ln OR(poor) = ln(12·6 / (20·21)) = −ln(420/72), flipped
    to +ln(420/72): the complement gives the same effect, same variance 1/20 + 1/12 + 1/6 + 1/21.
    A printed OR 0.5 (95% CI 0.25 to 1.0) of a harm, control vs cells: inverted (+ln 2) and flipped (−ln 2)."""
    trials = _trials(
        _row(
            study="Oh2018",
            outcome="responder",
            outcome_detail=">=50% (good)",
            events_t=20,
            n_t=32,
            events_c=6,
            n_c=27,
            events_are="benefit",
        ),
        _row(
            study="Oh2018",
            outcome="responder",
            outcome_detail="<50% (poor)",
            events_t=12,
            n_t=32,
            events_c=21,
            n_c=27,
            events_are="harm",
        ),
        _row(
            study="H2015",
            outcome="responder",
            measure="OR",
            estimate=0.5,
            ci_low=0.25,
            ci_high=1.0,
            contrast_direction="control_vs_cells",
            n_t=40,
            n_c=40,
            events_are="harm",
        ),
    )
    out = ef.effect_sizes(trials, "responder")
    assert out["yi"].iloc[0] == approx(math.log(420 / 72))
    assert out["yi"].iloc[1] == approx(math.log(420 / 72))
    assert out["vi"].iloc[1] == approx(1 / 20 + 1 / 12 + 1 / 6 + 1 / 21)
    assert out["derivation"].iloc[0] == "log OR from 2x2 counts"
    assert out["derivation"].iloc[1] == (
        "log OR from 2x2 counts; sign flipped: the events are harms (events_are=harm), so log OR > 0 favours cells"
    )
    assert out["yi"].iloc[2] == approx(-math.log(2))
    assert "inverted from control vs cells; sign flipped: the events are harms" in out["derivation"].iloc[2]


def test_effect_sizes_log_or_from_printed_percentages_by_hand():
    """33% of 95 vs 28% of 94: 31.35 -> 31 and 26.32 -> 26 responders (rounded); hand ln OR =
    ln(31·68 / (64·26)), vi = 1/31 + 1/64 + 1/26 + 1/68. 50% of 7 = 3.5 rounds half up to 4 (vs 1 of 7)."""
    trials = _trials(
        _row(study="C2022", outcome="responder", pct_t=33.0, n_t=95, pct_c=28.0, n_c=94),
        _row(study="R2020", outcome="responder", pct_t=50.0, n_t=7, events_c=1, n_c=7),
    )
    out = ef.effect_sizes(trials, "responder")
    assert out["yi"].iloc[0] == approx(math.log(31 * 68 / (64 * 26)))
    assert out["vi"].iloc[0] == approx(1 / 31 + 1 / 64 + 1 / 26 + 1 / 68)
    assert out["derivation"].iloc[0] == "log OR from printed percentages and n (counts rounded)"
    assert math.isnan(out["events_t"].iloc[0])  # the derived count is not reported as printed
    assert out["yi"].iloc[1] == approx(math.log(4 * 6 / (3 * 1)))
    assert out["derivation"].iloc[1].startswith("log OR from the printed percentage and n in the cells arm")


def test_effect_sizes_prefers_printed_or_then_counts_over_percentages():
    """Printed OR 1.33, p = 0.45 wins over 33% vs 28%: SE = ln 1.33 / Phi^-1(0.775). Printed counts 12/30 vs
    9/30 win over percentages that would give other counts (50% and 10%)."""
    trials = _trials(
        _row(
            study="C2022",
            outcome="responder",
            measure="OR",
            estimate=1.33,
            p=0.45,
            contrast_direction="cells_vs_control",
            pct_t=33.0,
            n_t=95,
            pct_c=28.0,
            n_c=94,
        ),
        _row(study="G2015", outcome="responder", events_t=12, n_t=30, events_c=9, n_c=30, pct_t=50.0, pct_c=10.0),
        _row(study="P2022", outcome="responder", pct_t=60.0, n_t=20, pct_c=30.0, n_c=20, events_are="harm"),
    )
    out = ef.effect_sizes(trials, "responder")
    assert out["yi"].iloc[0] == approx(math.log(1.33))
    assert out["sei"].iloc[0] == approx(math.log(1.33) / NormalDist().inv_cdf(1 - 0.45 / 2))
    assert out["derivation"].iloc[0] == "log OR from printed OR and p-value (normal quantile)"
    assert out["yi"].iloc[1] == approx(math.log(252 / 162))
    assert out["derivation"].iloc[1] == "log OR from 2x2 counts"
    # harms from percentages: 12/20 vs 6/20 -> ln(12·14/(8·6)), flipped
    assert out["yi"].iloc[2] == approx(-math.log(12 * 14 / (8 * 6)))
    assert out["derivation"].iloc[2].startswith("log OR from printed percentages and n (counts rounded); sign flipped")


def test_effect_sizes_percentages_without_n_are_skipped():
    trials = _trials(
        _row(study="C2022", outcome="responder", pct_t=37.9, pct_c=15.4, population="subgroup:baseline >=34")
    )
    with pytest.warns(MetaanWarning, match="no events \\(or percentages\\) and n in both arms"):
        out = ef.effect_sizes(trials, "responder")
    assert len(out) == 0 and out.attrs["skipped"]["study"].tolist() == ["C2022"]


# ----------------------------------------------------------------------------------------------------------
# one_per_study
# ----------------------------------------------------------------------------------------------------------


def _es(*rows: dict) -> pd.DataFrame:
    """A synthetic effect_sizes table: yi numbers the rows so that the test can see which one was chosen."""
    base = dict(
        outcome="alsfrs_change",
        outcome_detail="change",
        population="itt",
        evidence="primary",
        result_version="paper",
        timepoint_months=6.0,
        primary_analysis="",
        vi=1.0,
    )
    frame = pd.DataFrame([base | r for r in rows])
    frame["yi"] = np.arange(len(frame), dtype=float)
    if "line" not in frame.columns:
        frame["line"] = np.arange(2, len(frame) + 2)
    return frame


def _pick(es, **kw):
    out = ef.one_per_study(es, **kw)
    return dict(zip(out["study"], zip(out["yi"].astype(int), out["selection"], strict=True), strict=True))


def test_one_per_study_primary_analysis_first():
    es = _es(
        dict(study="A", population="itt", timepoint_months=12.0),
        dict(study="A", population="per_protocol", timepoint_months=6.0, primary_analysis="yes"),
        dict(study="B"),
    )
    assert _pick(es) == {"A": (1, "primary_analysis"), "B": (2, "only row")}


def test_one_per_study_population_order_and_subgroups_last():
    order = ["subgroup:fast", "completers", "per_protocol", "all", "mitt", "itt"]
    for k in range(1, len(order) + 1):
        es = _es(*(dict(study="A", population=p) for p in order[:k]))
        chosen, why = _pick(es, subgroups=True)["A"]
        assert es["population"].iat[chosen] == order[k - 1]
        assert why == ("only row" if k == 1 else "population")
    only_subgroups = _es(
        dict(study="A", population="subgroup:x"), dict(study="A", population="subgroup:y", timepoint_months=12.0)
    )
    assert _pick(only_subgroups, subgroups=True)["A"] == (1, "follow_up")


def test_one_per_study_leaves_out_subgroups_by_default():
    es = _es(
        dict(study="A", population="subgroup:x"),
        dict(study="B", population="subgroup:fast", timepoint_months=12.0),
        dict(study="B", population="per_protocol"),
    )
    with pytest.warns(MetaanWarning, match="only subgroups.*A"):
        picked = _pick(es)
    assert picked == {"B": (2, "only row")}


def test_one_per_study_evidence_then_version_order():
    es = _es(
        dict(study="A", evidence="secondary", result_version="paper"),
        dict(study="A", evidence="primary", result_version="press_release"),
    )
    assert _pick(es)["A"] == (1, "evidence")
    order = ["review_secondary", "press_release", "conference_abstract", "registry_results", "erratum", "paper"]
    for k in range(2, len(order) + 1):
        es = _es(*(dict(study="A", result_version=v) for v in order[:k]))
        chosen, why = _pick(es)["A"]
        assert (es["result_version"].iat[chosen], why) == (order[k - 1], "result_version")


def test_one_per_study_longest_follow_up_then_file_order_with_warning():
    es = _es(
        dict(study="A", timepoint_months=4.0),
        dict(study="A", timepoint_months=np.nan),
        dict(study="A", timepoint_months=6.0),
    )
    assert _pick(es)["A"] == (2, "follow_up")
    tie = _es(
        dict(study="A", outcome_detail=">=75% improvement", line=11),
        dict(study="A", outcome_detail=">=50% improvement", line=9),
        dict(study="B", outcome_detail="same", line=20),
        dict(study="B", outcome_detail="same", line=21),
    )
    with pytest.warns(MetaanWarning) as caught:
        got = _pick(tie)
    assert got == {"A": (1, "file_order"), "B": (2, "file_order")}  # line 9 comes first in the file
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "A: >=75% improvement | >=50% improvement" in text and "B:" not in text


def test_one_per_study_custom_rule_multiple_outcomes_and_empty():
    es = _es(
        dict(study="A", population="itt", timepoint_months=6.0),
        dict(study="A", population="per_protocol", timepoint_months=12.0),
    )
    assert _pick(es)["A"] == (0, "population")
    assert _pick(es, rule=("follow_up", "population"))["A"] == (1, "follow_up")
    with pytest.raises(InputError, match="rule="):
        ef.one_per_study(es, rule=("longest",))
    two = _es(dict(study="A"), dict(study="A", outcome="responder"), dict(study="A", timepoint_months=3.0))
    out = ef.one_per_study(two)
    assert out["outcome"].tolist() == ["alsfrs_change", "responder"] and out["yi"].tolist() == [0.0, 1.0]
    empty = ef.one_per_study(two.iloc[:0])
    assert len(empty) == 0 and "selection" in empty.columns


def test_one_per_study_on_effect_sizes_output_keeps_order():
    arms = dict(mean_t=1.0, sd_t=2.0, n_t=10, mean_c=0.0, sd_c=2.0, n_c=10)
    trials = _trials(
        _row(study="Z", **arms), _row(study="Y", population="mitt", **arms), _row(study="Y", population="itt", **arms)
    )
    out = ef.one_per_study(ef.effect_sizes(trials, "alsfrs_change"))
    assert out["study"].tolist() == ["Z", "Y"] and out["population"].tolist() == ["itt", "itt"]
    assert out["selection"].tolist() == ["only row", "population"]


# ----------------------------------------------------------------------------------------------------------
# within_arm_changes
# ----------------------------------------------------------------------------------------------------------


def test_within_arm_changes_controlled_and_single_arm_by_hand():
    """Cells −3.10 (SD 2.2, n 31): vi = 2.2²/31 = 0.156129; control −6.48 (SD 4.53, n 25): vi = 4.53²/25 =
    0.820836 — the control arm declines too, so −3.10 is not the effect (the MD is 3.38). Second trial: SEs
    1.13 and 0.96 give vi = SE². Single arm: mean 2.0 with SD 4.0, n 16: vi = 1."""
    trials = _trials(
        _row(
            study="Oh2018",
            control="standard_care",
            mean_t=-3.10,
            sd_t=2.2,
            n_t=31,
            mean_c=-6.48,
            sd_c=4.53,
            n_c=25,
            measure="MD",
            estimate=3.38,
            se=1.07,
            contrast_direction="cells_minus_control",
        ),
        _row(study="Cud2022", mean_t=-1.58, se_t=1.13, mean_c=-4.32, se_c=0.96, timepoint_months=6.4),
        _row(study="Half2020", mean_t=-2.0, sd_t=3.0, mean_c=-4.0, sd_c=3.0, n_c=12),  # cells arm lacks n
        _row(study="N2019", design="single_arm", control="none", mean_t=2.0, sd_t=4.0, n_t=16),
        _row(study="Sec2019", mean_t=-1.0, se_t=0.5, mean_c=-2.0, se_c=0.5, evidence="secondary"),
        _row(study="Resp", outcome="responder", events_t=3, n_t=10, events_c=2, n_c=10),
    )
    out = ef.within_arm_changes(trials, "alsfrs_change")
    assert list(out.columns[:14]) == [
        "study",
        "arm",
        "design",
        "control",
        "yi",
        "vi",
        "sei",
        "ci_low",
        "ci_high",
        "n",
        "derivation",
        "timepoint_months",
        "population",
        "label",
    ]
    assert list(zip(out["study"], out["arm"], strict=True)) == [
        ("Oh2018", "cells"),
        ("Oh2018", "control"),
        ("Cud2022", "cells"),
        ("Cud2022", "control"),
        ("Half2020", "control"),
        ("N2019", "cells"),
    ]
    np.testing.assert_allclose(out["yi"], [-3.10, -6.48, -1.58, -4.32, -4.0, 2.0])
    np.testing.assert_allclose(out["vi"], [2.2**2 / 31, 4.53**2 / 25, 1.13**2, 0.96**2, 9 / 12, 1.0])
    np.testing.assert_allclose(out["sei"], np.sqrt(out["vi"]))
    # 95% Wald interval by hand: -3.10 ± 1.959964 × 2.2/√31
    np.testing.assert_allclose(
        [out["ci_low"].iat[0], out["ci_high"].iat[0]],
        [-3.10 - 1.959964 * 2.2 / 31**0.5, -3.10 + 1.959964 * 2.2 / 31**0.5],
        rtol=1e-6,
    )
    assert out["n"].iloc[:2].tolist() == [31.0, 25.0] and math.isnan(out["n"].iloc[2])
    assert out["derivation"].iloc[1] == "within-arm mean change from mean and SD (control arm)"
    assert out["derivation"].iloc[2] == "within-arm mean change from mean and SE (cells arm)"
    assert out["derivation"].iloc[5] == "within-arm mean change from mean and SD (single arm, no control)"
    assert out["label"].tolist()[:2] == ["Oh2018: cells arm", "Oh2018: control arm"]
    assert out["label"].iloc[5] == "N2019: single arm"
    assert out["timepoint_months"].iloc[2] == 6.4
    everything = ef.within_arm_changes(trials, "alsfrs_change", evidence="all")
    assert everything["study"].tolist()[-2:] == ["Sec2019", "Sec2019"]
    with pytest.raises(InputError, match="within-arm changes are for the ALSFRS-R outcomes"):
        ef.within_arm_changes(trials, "responder")
    empty = ef.within_arm_changes(trials, "alsfrs_slope")
    assert len(empty) == 0 and list(empty.columns) == list(out.columns)
