"""Edge cases and broken input for pool, pool_many, metareg, egger and begg.

Reference numbers are R metafor 3.8-1 literals, each under the R call that produced it, generated with
``ctl <- list(threshold=1e-12, tol=1e-12, maxiter=10000)`` (R 4.2.2), or hand computations written here.
Several tests pin down bugs found while writing them (REML boundary, tiny variance scales, inf in pool_many,
CLI directory errors); they were fixed and the tests now guard against regressions.
"""

import math
import warnings
from fractions import Fraction
from statistics import NormalDist

import numpy as np
import pytest

from metaan.bias import begg, egger
from metaan.errors import InputError, MetaanWarning
from metaan.metareg import metareg
from metaan.models import METHODS, pool, pool_many

Z975 = NormalDist().inv_cdf(0.975)
RTOL = 1e-6  # as the golden tests: metafor's own precision, not ours


def quiet(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        return pool(*args, **kw)


def metaan_warnings(fn, *args, **kw):
    """Call fn and return (result, messages of the MetaanWarnings it issued)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kw)
    return out, [str(w.message) for w in caught if issubclass(w.category, MetaanWarning)]


def close(actual, expected, rtol=RTOL, atol=1e-10):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol,
                               atol=atol)  # fmt: skip


# ----------------------------------------------------------------------------------------------------------
# k = 1 and k = 2
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_k1_is_the_study_itself_with_undefined_heterogeneity(method):
    res, msgs = metaan_warnings(pool, [0.7], [0.09], method=method, labels=["Solo"])
    assert len(msgs) == 1 and "k = 1" in msgs[0]
    assert res.k == 1 and res.labels == ("Solo",)
    close([res.estimate, res.se], [0.7, 0.3], rtol=1e-15)
    close([res.ci_low, res.ci_high], [0.7 - Z975 * 0.3, 0.7 + Z975 * 0.3], rtol=1e-12)
    close(res.pval, math.erfc(0.7 / 0.3 / math.sqrt(2)), rtol=1e-12)
    assert math.isnan(res.tau2) and math.isnan(res.i2) and math.isnan(res.h2)
    close(res.weights, [100.0], rtol=1e-15)


def test_k1_with_sei_gives_the_same_study():
    res, _ = metaan_warnings(pool, [0.7], sei=[0.3])
    close([res.estimate, res.se], [0.7, 0.3], rtol=1e-15)


def test_k1_with_knha_raises():
    with pytest.raises(InputError, match=r"knha.*k = 1"):
        pool([0.7], [0.09], test="knha")


# rma(c(0.2, 0.8), c(0.04, 0.09), method=m, test=t, control=ctl): estimate, se, ci.lb, ci.ub, tau2, I2, H2, QE, pval
K2 = {
    ("DL", "z"): [0.45833333333333348, 0.29709239116626479, -0.12395705343343111, 1.0406237201000981, 0.115,
                  63.888888888888893, 2.7692307692307696, 2.7692307692307696, 0.12289630900710534],
    ("DL", "knha"): [0.45833333333333348, 0.29709239116626479, -3.3165834143849287, 4.2332500810515956, 0.115,
                     63.888888888888893, 2.7692307692307696, 2.7692307692307696, 0.36612634307605629],
    ("REML", "z"): [0.45833333333333326, 0.29709239116626468, -0.12395705343343111, 1.0406237201000976,
                    0.11499999999999994, 63.888888888888872, 2.7692307692307683, 2.7692307692307696,
                    0.12289630900710535],
    ("REML", "knha"): [0.45833333333333326, 0.29709239116626479, -3.3165834143849287, 4.2332500810515956,
                       0.11499999999999994, 63.888888888888872, 2.7692307692307683, 2.7692307692307696,
                       0.3661263430760564],
    ("PM", "z"): [0.45833333333333559, 0.29709239116627306, -0.12395705343344521, 1.0406237201001165,
                  0.11500000000000961, 63.888888888890818, 2.7692307692309175, 2.7692307692307696,
                  0.12289630900711407],
    ("ML", "z"): [0.40802030532206446, 0.1921910003237027, 0.031332866534881321, 0.7847077441092476,
                  0.0165397357673456, 20.284264612455743, 1.2544574733437786, 2.7692307692307696,
                  0.033754370000028774],
    ("ML", "knha"): [0.40802030532206446, 0.28555163415213325, -3.2202572209641982, 4.0362978316083273,
                     0.0165397357673456, 20.284264612455743, 1.2544574733437786, 2.7692307692307696,
                     0.38873468902635161],
}  # fmt: skip


@pytest.mark.parametrize("method,test", sorted(K2), ids=lambda x: str(x))
def test_k2_matches_metafor(method, test):
    res = quiet([0.2, 0.8], [0.04, 0.09], method=method, test=test)
    got = [res.estimate, res.se, res.ci_low, res.ci_high, res.tau2, res.i2, res.h2, res.q, res.pval]
    close(got, K2[method, test])
    assert res.k == 2 and res.q_df == 1


def test_k2_dl_by_hand():
    # DerSimonian & Laird (1986) in exact rational arithmetic: w = 1/v, Q = Σw(y − ȳ_w)², tau² = (Q − 1)/C with
    # C = Σw − Σw²/Σw. For k = 2 this is Q = 0.6² · w1w2/(w1 + w2) = 36/13 and tau² = 0.115.
    w1, w2 = Fraction(25), Fraction(100, 9)
    sw = w1 + w2
    mu = (w1 * Fraction(2, 10) + w2 * Fraction(8, 10)) / sw
    q = w1 * (Fraction(2, 10) - mu) ** 2 + w2 * (Fraction(8, 10) - mu) ** 2
    tau2 = (q - 1) / (sw - (w1**2 + w2**2) / sw)
    res = quiet([0.2, 0.8], [0.04, 0.09], method="DL")
    close([res.q, res.tau2], [float(q), float(tau2)], rtol=1e-13)


# ----------------------------------------------------------------------------------------------------------
# identical effects and the tau² = 0 boundary
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_identical_yi_give_tau2_zero_for_every_method(method):
    vi = [0.1, 0.2, 0.05, 0.4, 0.3, 0.15]
    res = quiet([0.3] * 6, vi, method=method)
    assert res.tau2 == 0.0
    assert res.converged
    se = 1 / math.sqrt(sum(1 / v for v in vi))
    close([res.estimate, res.se, res.q, res.i2], [0.3, se, 0.0, 0.0], rtol=1e-12, atol=1e-12)


def test_reml_at_the_boundary_warns_once():
    # Hedges' start is 0 here (spread of yi below the mean variance) and the REML score at 0 is negative.
    yi = [0.1, 0.12, 0.08, 0.11, 0.09, 0.1]
    vi = [0.05, 0.04, 0.06, 0.05, 0.04, 0.05]
    res, msgs = metaan_warnings(pool, yi, vi, method="REML")
    assert res.tau2 == 0.0
    assert len(msgs) == 1 and "boundary" in msgs[0]
    # DL is not REML: no boundary warning
    res, msgs = metaan_warnings(pool, yi, vi, method="DL")
    assert res.tau2 == 0.0 and msgs == []


def reml_score_at_zero(yi, vi):
    w = [1 / v for v in vi]
    sw = math.fsum(w)
    mu = math.fsum(a * b for a, b in zip(w, yi, strict=True)) / sw
    wr2 = math.fsum((a * (b - mu)) ** 2 for a, b in zip(w, yi, strict=True))
    return 0.5 * (wr2 - sw + math.fsum(a * a for a in w) / sw)  # Viechtbauer 2005, eq 12 at tau² = 0


def test_reml_at_the_boundary_from_a_positive_start_is_exactly_zero_and_warns():
    # rma(yi, vi, method="REML", control=ctl)$tau2 -> 5.101359167717026e-14 (metafor's stopping noise; the
    # REML score at 0 is -8.949128, so the maximum is at the boundary)
    yi = [-0.12, 0.09, -0.22, -0.06, -0.37]
    vi = [0.03, 0.05, 0.02, 0.01, 0.03]
    assert reml_score_at_zero(yi, vi) < 0
    res, msgs = metaan_warnings(pool, yi, vi, method="REML")
    assert res.tau2 == 0.0
    assert len(msgs) == 1 and "boundary" in msgs[0]


# ----------------------------------------------------------------------------------------------------------
# extreme variances
# ----------------------------------------------------------------------------------------------------------

MIXED_YI = [0.12, -0.35, 0.8, 2.5, -40, 900]
MIXED_VI = [1e-10, 1e-6, 1e-2, 1e2, 1e6, 1e10]
# rma(yi, vi, method=m, control=c(ctl, list(stepadj=0.5))) with the yi, vi above:
# estimate, se, ci.lb, ci.ub, tau2, I2, H2
MIXED = {
    "FE": [0.11995301150169574, 9.999499987499374e-06, 0.11993341284185684, 0.11997261016153464, 0,
           99.997736780884651, 44184.851268497223],
    "DL": [0.17351994214398819, 0.19455986606817671, -0.20781038818657466, 0.55485027247455099,
           0.11045962706654144, 99.997736780884651, 44184.85126849723],
    "REML": [0.18641147691843515, 0.33104538549246276, -0.46242555589497025, 0.83524850973184062,
             0.32586586003797186, 99.999232819051628, 130347.3453187765],
    "ML": [0.18250285202987993, 0.26955901032329754, -0.34582309991204385, 0.7108288039718037,
           0.21491097835885362, 99.998836741188086, 85965.392203267344],
    "PM": [0.17611747184470353, 0.21041083910578526, -0.2362801947594875, 0.58851513844889458,
           0.12970619029733685, 99.998072604102873, 51883.476637808984],
    "HE": [0.11995301150169574, 9.999499987499374e-06, 0.11993341284185684, 0.11997261016153464, 0, 0, 1],
    "SJ": [0.37718029150820875, 3.3253143689546891, -6.1403161089165188, 6.8946766919329363,
           36.103722630001521, 99.99999307550685, 14441490.196429273],
    "HS": [-0.10877505051026871, 0.0033580644909225001, -0.11535673597023964, -0.10219336505029779,
           2.2089616451685191e-05, 89.833107065936971, 9.8358466690409703],
    "EB": [0.17611747184464677, 0.21041083910540145, -0.23628019475879203, 0.58851513844808556,
           0.12970619029685251, 99.998072604102859, 51883.476637615247],
}  # fmt: skip


@pytest.mark.parametrize("method", METHODS)
def test_variances_from_1e_minus10_to_1e10_match_metafor(method):
    res = quiet(MIXED_YI, MIXED_VI, method=method)
    assert res.converged
    got = [res.estimate, res.se, res.ci_low, res.ci_high, res.tau2, res.i2, res.h2]
    assert np.isfinite(got).all()
    close(got, MIXED[method])


def test_q_with_variances_from_1e_minus10_to_1e10_is_exact():
    # metafor prints QE = 220924.25634248613 here (1.8e-7 off: its Q loses digits to cancellation); the exact
    # rational value of Σw(y − ȳ_w)² is the reference.
    y = [Fraction(a) for a in MIXED_YI]
    w = [1 / Fraction(v) for v in MIXED_VI]
    mu = sum(a * b for a, b in zip(w, y, strict=True)) / sum(w)
    q = sum(a * (b - mu) ** 2 for a, b in zip(w, y, strict=True))
    close(quiet(MIXED_YI, MIXED_VI, method="DL").q, float(q), rtol=1e-12)
    close(quiet(MIXED_YI, MIXED_VI, method="FE").estimate, float(mu), rtol=1e-14)


# dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
BCG_YI = [-0.88931133392020545, -1.5853886572014306, -1.3480731482996933, -1.4415511900213054,
          -0.21754732221129558, -0.78611558581886398, -1.6208982235983918, 0.011952333523840508,
          -0.4694176487381494, -1.3713448034727844, -0.33935882833839059, 0.44591340057137874,
          -0.017313948216879815]  # fmt: skip
BCG_VI = [0.32558476500396133, 0.19458112139814385, 0.41536796536796539, 0.020010031902247573,
          0.051210172169630863, 0.0069056184559087574, 0.22301724757231517, 0.0039615792978177295,
          0.056434210463248966, 0.07302479361302891, 0.01241221397155972, 0.53250584520015276,
          0.071404659683986293]  # fmt: skip
# rma(dat$yi, dat$vi, method=m, control=ctl): estimate, se, tau2
BCG = {
    "FE": [-0.43028516365409092, 0.040498751710863812, 0],
    "DL": [-0.71411722207322692, 0.1787420895354031, 0.30876026286237618],
    "REML": [-0.71453234215813966, 0.1797815161052069, 0.3132432581364859],
    "ML": [-0.71119913547418401, 0.17189680877689684, 0.28002813726867132],
    "PM": [-0.71496815349344411, 0.18089219153762351, 0.31806845220502394],
    "HE": [-0.71587858875873545, 0.18327998598878223, 0.32856385799576882],
    "SJ": [-0.71724859255758366, 0.18705945841642663, 0.34551570159859507],
    "HS": [-0.70453537391625665, 0.15865209305665554, 0.22836286367690684],
    "EB": [-0.71496815349344456, 0.18089219153762517, 0.31806845220503133],
}


@pytest.mark.parametrize(
    "method,c",
    [pytest.param(m, c, marks=()) for m in METHODS for c in (1e-5, 1e5)],
)
def test_tiny_and_huge_variances_scale_the_metafor_result(method, c):
    """Variances ~1e-12 and ~1e10 (yi·c, vi·c²): the bcg result with estimate·c, se·c, tau²·c².

    (metafor itself is unreliable at these scales — its REML fails to converge at c = 1e5 — so the reference is
    its c = 1 fit, scaled.)"""
    res = quiet(c * np.array(BCG_YI), c * c * np.array(BCG_VI), method=method)
    est, se, tau2 = BCG[method]
    assert res.converged
    close([res.estimate / c, res.se / c, res.tau2 / c**2], [est, se, tau2])


@pytest.mark.parametrize("c", [1e-5, 1.0, 1e5])
def test_tau2_confidence_interval_scales_with_the_variances(c):
    # confint(rma(dat$yi, dat$vi, method="REML", control=ctl), control=list(tol=1e-12))$random["tau^2", 2:3]
    expected = [0.11971836114115214, 1.1114790840609292]
    res = quiet(c * np.array(BCG_YI), c * c * np.array(BCG_VI), method="REML")
    close(np.array(res.tau2_ci) / c**2, expected)


# ----------------------------------------------------------------------------------------------------------
# a case where REML Fisher scoring struggles
# ----------------------------------------------------------------------------------------------------------

HARD_YI = [-1.04, -1.26, 2.08, 0.54, 0.42, 2.13, 0.25, -2.18]
HARD_VI = [0.0127, 4.9899, 41.4368, 4.0975, 5.209, 0.1014, 22.4705, 80.0016]


def plain_fisher_scoring(yi, vi, maxiter=100, threshold=1e-5):
    """REML by undamped Fisher scoring from Hedges' estimate, truncated at 0 — metafor's default algorithm
    (Viechtbauer 2005, eq 12). Returns the last value and whether it converged."""
    k = len(yi)
    ybar = sum(yi) / k
    t = max(0.0, sum((y - ybar) ** 2 for y in yi) / (k - 1) - sum(vi) / k)
    for _ in range(maxiter):
        w = [1 / (v + t) for v in vi]
        sw, sw2, sw3 = sum(w), sum(x * x for x in w), sum(x**3 for x in w)
        mu = sum(a * b for a, b in zip(w, yi, strict=True)) / sw
        u = 0.5 * (sum((a * (b - mu)) ** 2 for a, b in zip(w, yi, strict=True)) - sw + sw2 / sw)
        info = 0.5 * (sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2)
        new = max(0.0, t + u / info)
        if abs(new - t) < threshold:
            return new, True
        t = new
    return t, False


def test_reml_converges_where_fisher_scoring_oscillates():
    # rma(yi, vi, method="REML") stops with "Fisher scoring algorithm did not converge"; with
    # rma(yi, vi, method="REML", control=c(ctl, list(stepadj=0.5))):
    # estimate, se, ci.lb, ci.ub, tau2, I2, H2
    expected = [0.32630134013702317, 0.84243828105423135, -1.3248473499271018, 1.9774500302011482,
                2.1695502419613528, 85.362115869497018, 6.8315884391799635]  # fmt: skip
    stuck, converged = plain_fisher_scoring(HARD_YI, HARD_VI)
    assert not converged and abs(stuck - expected[4]) > 0.1  # the case is hard for the textbook algorithm
    res, msgs = metaan_warnings(pool, HARD_YI, HARD_VI, method="REML")
    assert res.converged is True and msgs == []
    close([res.estimate, res.se, res.ci_low, res.ci_high, res.tau2, res.i2, res.h2], expected)


# ----------------------------------------------------------------------------------------------------------
# the k < 5 z-test warning
# ----------------------------------------------------------------------------------------------------------

K4_YI, K4_VI = [0.1, 0.3, -0.2, 0.5], [0.04, 0.09, 0.01, 0.0625]


def test_k_below_5_with_z_test_warns_exactly_once():
    # rma(c(0.1,0.3,-0.2,0.5), c(0.04,0.09,0.01,0.0625), method="REML", control=ctl): estimate, se, tau2
    res, msgs = metaan_warnings(pool, K4_YI, K4_VI, method="REML")
    assert len(msgs) == 1 and "fewer than 5" in msgs[0]
    close([res.estimate, res.se, res.tau2], [0.11329700419414873, 0.16631664004762198, 0.067771325806167279])


def test_k_below_5_with_knha_or_k_5_does_not_warn():
    _, msgs = metaan_warnings(pool, K4_YI, K4_VI, method="REML", test="knha")
    assert msgs == []
    _, msgs = metaan_warnings(pool, [*K4_YI, 0.25], [*K4_VI, 0.0225], method="REML")
    assert msgs == []


def test_small_k_and_reml_boundary_give_one_joined_warning():
    _, msgs = metaan_warnings(pool, [0.3, 0.3, 0.3], [0.1, 0.2, 0.3], method="REML")
    assert len(msgs) == 1
    assert "fewer than 5" in msgs[0] and "boundary" in msgs[0]


# ----------------------------------------------------------------------------------------------------------
# bad input: InputError naming the study and the rule
# ----------------------------------------------------------------------------------------------------------

LABELS = ["Alpha", "Beta", "Gamma"]


@pytest.mark.parametrize(
    "yi,vi,labels,who,rule",
    [
        ([0.1, np.nan, 0.3], [0.1, 0.1, 0.1], LABELS, "'Beta'", "finite"),
        ([0.1, 0.2, np.inf], [0.1, 0.1, 0.1], None, "#3", "finite"),
        ([0.1, 0.2, 0.3], [0.1, np.nan, 0.1], None, "#2", "finite"),
        ([0.1, 0.2, 0.3], [0.1, 0.1, -np.inf], LABELS, "'Gamma'", "finite"),
        ([0.1, 0.2, 0.3], [0.0, 0.1, 0.1], LABELS, "'Alpha'", "> 0"),
        ([0.1, 0.2, 0.3], [0.1, -0.5, 0.1], None, "#2", "> 0"),
        (["0.1", "abc", "0.3"], [0.1, 0.1, 0.1], LABELS, "'Beta'", "not a number"),
        ([0.1, 0.2, 0.3], [0.1, 0.1, "n/a"], None, "#3", "not a number"),
        ([0.1, 0.2, 0.3], [0.1, None, 0.1], None, "#2", "finite"),
    ],
)
def test_bad_values_raise_input_error_naming_the_study_and_rule(yi, vi, labels, who, rule):
    with pytest.raises(InputError) as err:
        pool(yi, vi, labels=labels)
    assert who in str(err.value) and rule in str(err.value)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("sei,who", [([0.3, 0.0, 0.2], "#2"), ([0.3, 0.2, -0.1], "#3")])
def test_nonpositive_standard_errors_raise(sei, who):
    with pytest.raises(InputError, match=rf"sei of study {who}.*standard error must be > 0"):
        pool([0.1, 0.2, 0.3], sei=sei)


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        (dict(yi=[0.1, 0.2, 0.3], vi=[0.1, 0.1]), "yi has 3 values but vi has 2"),
        (dict(yi=[0.1, 0.2], sei=[0.1, 0.1, 0.1]), "yi has 2 values but sei has 3"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], labels=["a"]), "labels has 1 values"),
        (dict(yi=[], vi=[]), "empty"),
        (dict(yi=[0.1, 0.2]), "exactly one of vi"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], sei=[0.1, 0.1]), "exactly one of vi"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], method="reml"), "method 'reml' is unknown"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], method="BAYES"), "method 'BAYES' is unknown"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], test="t"), "test 't' is unknown"),
        (dict(yi=[0.1, 0.2], vi=[0.1, 0.1], level=95), "level"),
    ],
)
def test_bad_arguments_raise_input_error(kwargs, pattern):
    with pytest.raises(InputError, match=pattern):
        pool(**kwargs)


def test_pool_many_shape_mismatch():
    with pytest.raises(InputError, match=r"shape \(2, 3\).*shape \(2, 2\)"):
        pool_many(np.zeros((2, 3)), np.ones((2, 2)))


def test_pool_many_nan_in_different_places():
    Y = [[0.1, 0.2, np.nan], [0.1, 0.2, 0.3]]
    V = [[0.1, np.nan, 0.1], [0.1, 0.1, 0.1]]
    with pytest.raises(InputError, match=r"row 0, study #2.*NaN in the same places"):
        pool_many(Y, V)


def test_pool_many_row_with_fewer_than_2_studies():
    Y = [[0.1, 0.2, 0.3], [0.4, np.nan, np.nan]]
    V = [[0.1, 0.1, 0.1], [0.1, np.nan, np.nan]]
    with pytest.raises(InputError, match=r"row 1 has 1 studies"):
        pool_many(Y, V)


def test_pool_many_nonpositive_variance():
    with pytest.raises(InputError, match=r"row 1, study #3: V is 0.0"):
        pool_many([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]], [[0.1, 0.1, 0.1], [0.1, 0.1, 0.0]])


def test_pool_many_rejects_infinite_values():
    with pytest.raises(InputError):
        pool_many([[0.1, 0.2, np.inf]], [[0.1, 0.1, np.inf]])


@pytest.mark.parametrize("method,test", [("BAYES", "z"), ("REML", "wald")])
def test_pool_many_unknown_method_or_test(method, test):
    with pytest.raises(InputError, match="unknown"):
        pool_many([[0.1, 0.2]], [[0.1, 0.1]], method=method, test=test)


# ----------------------------------------------------------------------------------------------------------
# metareg, egger, begg
# ----------------------------------------------------------------------------------------------------------

YI6 = [0.1, 0.5, 0.9, 0.2, 0.3, 0.7]
VI6 = [0.1, 0.12, 0.08, 0.1, 0.2, 0.15]


@pytest.mark.parametrize(
    "X",
    [
        [1, 1, 1, 1, 1, 1],  # constant: collinear with the intercept
        np.column_stack([[1, 2, 3, 4, 5, 6], [2, 4, 6, 8, 10, 12]]),  # second column = 2 x first
        np.column_stack([[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]]),  # dummies summing to the intercept
    ],
)
def test_metareg_rank_deficient_moderators_raise(X):
    with pytest.raises(InputError, match="rank deficient"):
        metareg(YI6, VI6, X)


def test_metareg_needs_more_studies_than_coefficients():
    with pytest.raises(InputError, match="3 studies cannot support 3 coefficients"):
        metareg(YI6[:3], VI6[:3], np.column_stack([[1, 2, 3], [2, 4, 7]]))


def test_metareg_moderator_rows_must_match_studies():
    with pytest.raises(InputError, match="5 rows but there are 6 studies"):
        metareg(YI6, VI6, [1, 2, 3, 4, 5])


def test_metareg_non_finite_moderator_names_the_study():
    with pytest.raises(InputError, match="study #4"):
        metareg(YI6, VI6, [1, 2, 3, np.nan, 5, 6])


@pytest.mark.parametrize("fn,name", [(egger, "Egger"), (begg, "Begg")])
def test_egger_and_begg_need_three_studies(fn, name):
    res = quiet([0.1, 0.5], [0.1, 0.2])
    with pytest.raises(InputError, match=rf"{name}'s test needs at least 3 studies; k = 2"):
        fn(res)


@pytest.mark.parametrize("fn,name", [(egger, "Egger"), (begg, "Begg")])
def test_egger_and_begg_warn_once_below_10_studies(fn, name):
    res = quiet(YI6, VI6)
    _, msgs = metaan_warnings(fn, res)
    assert len(msgs) == 1 and name in msgs[0] and "k = 6 < 10" in msgs[0]


@pytest.mark.parametrize("fn", [egger, begg])
def test_egger_and_begg_do_not_warn_at_10_studies_or_more(fn):
    res = quiet(BCG_YI, BCG_VI)
    _, msgs = metaan_warnings(fn, res)
    assert msgs == []
