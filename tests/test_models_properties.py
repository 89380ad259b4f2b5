"""Property tests (hypothesis) for metaan.models.pool and the diagnostics built on it.

Every property is checked against an independent value: the same fit on transformed data (invariances), or
the estimator's defining formula written out here with plain Python arithmetic (math.fsum), not metaan's code.

Data are drawn with sampling variances between 1e-2 and 10, and scale factors between 0.1 and 10; tolerances
for tau² are relative to the smallest sampling variance (1e-7 · min v), the scale on which tau² is meaningful.
Extreme scales (variances 1e-10 to 1e10) are covered with metafor numbers in test_models_edge.py.
"""

import math
import warnings
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from metaan.diagnostics import cumulative, leave_one_out
from metaan.errors import MetaanWarning
from metaan.models import METHODS, pool, pool_many

pytestmark = pytest.mark.filterwarnings("ignore::metaan.errors.MetaanWarning")

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(FAST, max_examples=6)  # for properties that refit k times per example
RANDOM_EFFECTS = [m for m in METHODS if m != "FE"]
Z975 = NormalDist().inv_cdf(0.975)
RTOL = 1e-8

finite = dict(allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def studies(draw, min_k=2, max_k=8):
    """(yi, vi) for k studies: yi in [-3, 3], vi log-uniform in [1e-2, 10]."""
    k = draw(st.integers(min_k, max_k))
    yi = draw(st.lists(st.floats(-3, 3, **finite), min_size=k, max_size=k))
    log_vi = draw(st.lists(st.floats(-2, 1, **finite), min_size=k, max_size=k))
    return np.array(yi), 10.0 ** np.array(log_vi)


def fit(yi, vi=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        return pool(yi, vi, **kw)


def assert_same_fit(a, b, scale, fields=("estimate", "se", "ci_low", "ci_high", "zval", "q", "i2", "h2")):
    """Two fits agree: tau² to 1e-7 of the variance scale, everything else to RTOL (relative to its size)."""
    np.testing.assert_allclose(a.tau2, b.tau2, rtol=1e-7, atol=1e-7 * scale, err_msg="tau2")
    for f in fields:
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-7, atol=1e-9, err_msg=f)


# ----------------------------------------------------------------------------------------------------------
# the definitions, written out independently of metaan
# ----------------------------------------------------------------------------------------------------------


def iv_mean(yi, vi, tau2=0.0):
    """Inverse-variance weighted mean and its variance 1/Σw with w = 1/(v + τ²)."""
    w = [1.0 / (v + tau2) for v in vi]
    sw = math.fsum(w)
    return math.fsum(wi * y for wi, y in zip(w, yi, strict=True)) / sw, 1.0 / sw


def q_gen(yi, vi, tau2):
    """Generalised Q: Σ w_i (y_i − μ̂(τ²))², w_i = 1/(v_i + τ²) (DerSimonian & Kacker 2007, eq 6)."""
    mu, _ = iv_mean(yi, vi, tau2)
    return math.fsum((y - mu) ** 2 / (v + tau2) for y, v in zip(yi, vi, strict=True))


def tau2_dl(yi, vi):
    """DerSimonian & Laird (1986), eq 8: max(0, (Q − (k−1)) / (Σw − Σw²/Σw))."""
    w = [1.0 / v for v in vi]
    sw = math.fsum(w)
    return max(0.0, (q_gen(yi, vi, 0.0) - (len(yi) - 1)) / (sw - math.fsum(x * x for x in w) / sw))


def tau2_he(yi, vi):
    """Hedges (1983): max(0, Σ(y − ȳ)²/(k−1) − mean(v)), unweighted."""
    k = len(yi)
    ybar = math.fsum(yi) / k
    return max(0.0, math.fsum((y - ybar) ** 2 for y in yi) / (k - 1) - math.fsum(vi) / k)


def tau2_hs(yi, vi):
    """Hunter & Schmidt (2004): max(0, (Q − k)/Σw)."""
    return max(0.0, (q_gen(yi, vi, 0.0) - len(yi)) / math.fsum(1.0 / v for v in vi))


def tau2_sj(yi, vi):
    """Sidik & Jonkman (2005), eq 4-5: τ₀² = Σ(y − ȳ)²/k, then τ₀² · Q_gen(τ₀²)/(k−1)."""
    k = len(yi)
    ybar = math.fsum(yi) / k
    tau0 = math.fsum((y - ybar) ** 2 for y in yi) / k
    return tau0 * q_gen(yi, vi, tau0) / (k - 1)


CLOSED_FORMS = {"DL": tau2_dl, "HE": tau2_he, "HS": tau2_hs, "SJ": tau2_sj}


def likelihood_score(yi, vi, tau2, reml):
    """dlogL/dτ² and the Fisher information (Viechtbauer 2005, eq 9 and 12), from their definitions."""
    w = [1.0 / (v + tau2) for v in vi]
    sw, sw2, sw3 = math.fsum(w), math.fsum(x**2 for x in w), math.fsum(x**3 for x in w)
    mu, _ = iv_mean(yi, vi, tau2)
    wr2 = math.fsum((wi * (y - mu)) ** 2 for wi, y in zip(w, yi, strict=True))
    if reml:
        return 0.5 * (wr2 - (sw - sw2 / sw)), 0.5 * (sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2)
    return 0.5 * (wr2 - sw), 0.5 * sw2


# ----------------------------------------------------------------------------------------------------------
# invariances
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@FAST
@given(data=studies(), perm_seed=st.integers(0, 2**32 - 1))
def test_order_of_studies_does_not_matter(method, data, perm_seed):
    yi, vi = data
    perm = np.random.default_rng(perm_seed).permutation(yi.size)
    a = fit(yi, vi, method=method)
    b = fit(yi[perm], vi[perm], method=method)
    assert_same_fit(a, b, vi.min())
    np.testing.assert_allclose(b.weights, a.weights[perm], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
@FAST
@given(data=studies(), c=st.floats(-50, 50, **finite))
def test_adding_c_to_every_yi_adds_c_to_the_estimate(method, data, c):
    yi, vi = data
    a = fit(yi, vi, method=method)
    b = fit(yi + c, vi, method=method)
    np.testing.assert_allclose(b.estimate, a.estimate + c, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(b.tau2, a.tau2, rtol=1e-7, atol=1e-7 * vi.min())
    np.testing.assert_allclose([b.q, b.i2, b.h2, b.se], [a.q, a.i2, a.h2, a.se], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
@FAST
@given(data=studies(), log_c=st.floats(-1, 1, **finite), sign=st.sampled_from([-1.0, 1.0]))
def test_scaling_yi_by_c_and_vi_by_c2_scales_estimate_by_c_and_tau2_by_c2(method, data, log_c, sign):
    yi, vi = data
    c = sign * 10.0**log_c
    a = fit(yi, vi, method=method)
    b = fit(c * yi, c * c * vi, method=method)
    np.testing.assert_allclose(b.estimate, c * a.estimate, rtol=1e-7, atol=1e-9 * abs(c))
    np.testing.assert_allclose(b.se, abs(c) * a.se, rtol=1e-7)
    np.testing.assert_allclose(b.tau2, c * c * a.tau2, rtol=1e-7, atol=1e-7 * c * c * vi.min())
    np.testing.assert_allclose([b.q, b.i2, b.h2], [a.q, a.i2, a.h2], rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("method", METHODS)
@FAST
@given(
    k=st.integers(2, 12),
    yi=st.lists(st.floats(-10, 10, **finite), min_size=12, max_size=12),
    log_vi=st.lists(st.floats(-4, 4, **finite), min_size=12, max_size=12),
)
def test_tau2_is_finite_and_nonnegative_for_every_method(method, k, yi, log_vi):
    res = fit(np.array(yi[:k]), 10.0 ** np.array(log_vi[:k]), method=method)
    assert np.isfinite(res.tau2) and res.tau2 >= 0.0
    assert res.converged
    assert np.isfinite([res.estimate, res.se, res.q, res.i2]).all()
    assert 0.0 <= res.i2 <= 100.0


# ----------------------------------------------------------------------------------------------------------
# the estimators against their definitions
# ----------------------------------------------------------------------------------------------------------


@FAST
@given(data=studies())
def test_fixed_effect_is_the_inverse_variance_mean(data):
    yi, vi = data
    res = fit(yi, vi, method="FE")
    mu, var = iv_mean(yi, vi)
    se = math.sqrt(var)
    q = q_gen(yi, vi, 0.0)
    np.testing.assert_allclose([res.estimate, res.se], [mu, se], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([res.ci_low, res.ci_high], [mu - Z975 * se, mu + Z975 * se], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.q, q, rtol=1e-9, atol=1e-12)
    z = mu / se
    np.testing.assert_allclose(res.pval, math.erfc(abs(z) / math.sqrt(2)), rtol=1e-8, atol=1e-300)
    df = len(yi) - 1
    np.testing.assert_allclose(res.q_pvalue, stats.chi2.sf(q, df), rtol=1e-8, atol=1e-300)
    assert res.tau2 == 0.0
    # I² and H² of a fixed-effect fit from Q (Higgins & Thompson 2002, eq 9-10)
    np.testing.assert_allclose(res.i2, max(0.0, 100 * (q - df) / q) if q > 0 else 0.0, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("method", sorted(CLOSED_FORMS))
@FAST
@given(data=studies())
def test_closed_form_estimators_match_their_formulas(method, data):
    yi, vi = data
    res = fit(yi, vi, method=method)
    expected = CLOSED_FORMS[method](list(yi), list(vi))
    np.testing.assert_allclose(res.tau2, expected, rtol=1e-9, atol=1e-12 * vi.min())
    mu, var = iv_mean(yi, vi, expected)
    np.testing.assert_allclose([res.estimate, res.se], [mu, math.sqrt(var)], rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("method", ["PM", "EB"])
@FAST
@given(data=studies(min_k=3))
def test_paule_mandel_solves_generalised_q_equals_k_minus_1(method, data):
    yi, vi = data
    res = fit(yi, vi, method=method)
    k = len(yi)
    if res.tau2 > 0:
        np.testing.assert_allclose(q_gen(yi, vi, res.tau2), k - 1, rtol=1e-8)
    else:
        assert q_gen(yi, vi, 0.0) <= k - 1 + 1e-9
    mu, _ = iv_mean(yi, vi, res.tau2)
    np.testing.assert_allclose(res.estimate, mu, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("method", ["REML", "ML"])
@FAST
@given(data=studies(min_k=3))
def test_likelihood_estimators_solve_their_score_equation(method, data):
    """Interior: the Fisher-scoring step U/I from τ̂² is negligible; boundary: U(0) ≤ 0 (Viechtbauer 2005)."""
    yi, vi = data
    res = fit(yi, vi, method=method)
    reml = method == "REML"
    u, info = likelihood_score(yi, vi, res.tau2, reml)
    tol = 1e-7 * vi.min()
    if res.tau2 > tol:
        assert abs(u / info) <= 1e-8 * (res.tau2 + vi.min())
    else:
        u0, _ = likelihood_score(yi, vi, 0.0, reml)
        assert u0 <= 1e-9 * info


@pytest.mark.parametrize("method", RANDOM_EFFECTS)
@FAST
@given(data=studies())
def test_i2_h2_weights_and_prediction_interval_follow_their_definitions(method, data):
    yi, vi = data
    res = fit(yi, vi, method=method)
    k = len(yi)
    w = [1.0 / v for v in vi]
    sw, sw2 = math.fsum(w), math.fsum(x * x for x in w)
    s2 = (k - 1) * sw / (sw * sw - sw2)  # "typical" within-study variance (Higgins & Thompson 2002, eq 9)
    np.testing.assert_allclose(res.i2, 100 * res.tau2 / (res.tau2 + s2), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.h2, (res.tau2 + s2) / s2, rtol=1e-9)
    wre = 1.0 / (vi + res.tau2)
    np.testing.assert_allclose(res.weights, 100 * wre / wre.sum(), rtol=1e-9)
    half = Z975 * math.sqrt(res.se**2 + res.tau2)
    np.testing.assert_allclose([res.pi_low, res.pi_high], [res.estimate - half, res.estimate + half], rtol=1e-9,
                               atol=1e-12)  # fmt: skip


@pytest.mark.parametrize("method", ["DL", "REML", "PM"])
@pytest.mark.parametrize("truncate", [False, True])
@FAST
@given(data=studies())
def test_knha_scales_the_variance_by_the_weighted_residual_mean_square(method, truncate, data):
    """Hartung & Knapp (2001): Var = (1/Σw*) · Σw*(y − μ̂)²/(k−1), t(k−1) quantiles; ad hoc: max(1, ·)."""
    yi, vi = data
    res = fit(yi, vi, method=method, test="knha", knha_truncate=truncate)
    z = fit(yi, vi, method=method)
    k = len(yi)
    mu, var = iv_mean(yi, vi, res.tau2)
    s2 = q_gen(yi, vi, res.tau2) / (k - 1)
    se = math.sqrt(var * (max(1.0, s2) if truncate else s2))
    crit = stats.t.ppf(0.975, k - 1)
    np.testing.assert_allclose(res.tau2, z.tau2, rtol=1e-12, atol=0)
    np.testing.assert_allclose([res.estimate, res.se], [mu, se], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose([res.ci_low, res.ci_high], [mu - crit * se, mu + crit * se], rtol=1e-8, atol=1e-10)
    if se > 1e-8 * math.sqrt(var):  # identical yi give se = 0 (and p = 0): no finite statistic to compare
        np.testing.assert_allclose(res.pval, 2 * stats.t.sf(abs(mu / se), k - 1), rtol=1e-7, atol=1e-300)


# ----------------------------------------------------------------------------------------------------------
# batched engine and diagnostics against single fits
# ----------------------------------------------------------------------------------------------------------

BATCH_FIELDS = ["estimate", "se", "ci_low", "ci_high", "zval", "pval", "i2", "h2", "q", "q_pvalue", "pi_low",
                "pi_high"]  # fmt: skip


@st.composite
def padded_batch(draw):
    """m analyses of different k, NaN-padded to a common width at random positions within each row."""
    m = draw(st.integers(1, 5))
    rows = [draw(studies(max_k=7)) for _ in range(m)]
    width = max(len(y) for y, _ in rows) + draw(st.integers(0, 2))
    Y = np.full((m, width), np.nan)
    V = np.full((m, width), np.nan)
    for r, (y, v) in enumerate(rows):
        cols = np.sort(draw(st.permutations(range(width)))[: len(y)])
        Y[r, cols] = y
        V[r, cols] = v
    return rows, Y, V


@pytest.mark.parametrize("method", METHODS)
@SLOW
@given(batch=padded_batch(), test=st.sampled_from(["z", "knha"]))
def test_pool_many_equals_pool_row_by_row(method, batch, test):
    rows, Y, V = batch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        out = pool_many(Y, V, method=method, test=test)
    for r, (y, v) in enumerate(rows):
        one = fit(y, v, method=method, test=test)
        assert out.k[r] == one.k == len(y)
        assert bool(out.converged[r]) == one.converged
        np.testing.assert_allclose(out.tau2[r], one.tau2, rtol=1e-9, atol=1e-7 * v.min(), err_msg=f"row {r} tau2")
        for f in BATCH_FIELDS:
            np.testing.assert_allclose(getattr(out, f)[r], getattr(one, f), rtol=1e-8, atol=1e-10,
                                       err_msg=f"row {r} {f}")  # fmt: skip


@pytest.mark.parametrize("method", METHODS)
@SLOW
@given(data=studies(min_k=3), test=st.sampled_from(["z", "knha"]))
def test_leave_one_out_row_i_is_the_fit_without_study_i(method, data, test):
    yi, vi = data
    res = fit(yi, vi, method=method, test=test)
    loo = leave_one_out(res)
    assert len(loo) == len(yi)
    for i in range(len(yi)):
        keep = np.arange(len(yi)) != i
        ref = fit(yi[keep], vi[keep], method=method, test=test)
        row = loo.iloc[i]
        assert row["study"] == res.labels[i] and row["k"] == len(yi) - 1
        np.testing.assert_allclose(row["tau2"], ref.tau2, rtol=1e-9, atol=1e-7 * vi.min())
        for f in ["estimate", "se", "ci_low", "ci_high", "pval", "q", "i2"]:
            np.testing.assert_allclose(row[f], getattr(ref, f), rtol=1e-8, atol=1e-10, err_msg=f"row {i} {f}")


@pytest.mark.parametrize("method", METHODS)
@SLOW
@given(data=studies(min_k=3))
def test_cumulative_row_j_is_the_fit_of_the_first_j_studies(method, data):
    yi, vi = data
    res = fit(yi, vi, method=method)
    cum = cumulative(res)
    last = cum.iloc[-1]
    for f in ["estimate", "se", "ci_low", "ci_high", "q", "i2", "tau2"]:
        np.testing.assert_allclose(last[f], getattr(res, f), rtol=1e-9, atol=1e-7 * vi.min(), err_msg=f)
    np.testing.assert_allclose(cum["estimate"].iloc[0], yi[0], rtol=1e-12)
    for j in range(2, len(yi)):
        ref = fit(yi[:j], vi[:j], method=method)
        np.testing.assert_allclose(cum[["estimate", "se"]].iloc[j - 1], [ref.estimate, ref.se], rtol=1e-8)


@FAST
@given(data=studies(min_k=3))
def test_sei_is_the_square_root_of_vi(data):
    yi, vi = data
    a = fit(yi, vi)
    b = fit(yi, sei=np.sqrt(vi))
    assert_same_fit(a, b, vi.min())
