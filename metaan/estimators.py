"""tau² estimators and the root-finders behind them, on batches of analyses.

Every function works on 2-D arrays: rows are analyses, columns studies; absent studies carry ``Y = 0`` and
``V = inf`` (weight exactly 0). Formulas and references are in :func:`metaan.models.pool`'s docstring and in
each function below. The Q-profile confidence interval for tau² (Viechtbauer 2007) lives here too, because it
uses the same generalised-Q solver as Paule-Mandel.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import special

_THRESHOLD = 1e-12  # relative convergence of the iterative tau² estimators (metafor's default is 1e-5)
_MAXITER = 1000
# A Newton step this small (relative) leaves an error of order its square (quadratic convergence), far below
# _THRESHOLD, so the iteration stops without one more evaluation to confirm it.
_NEWTON_DONE = 1e-7


@lru_cache(maxsize=64)
def _ones(k: int) -> np.ndarray:
    """A read-only vector of k ones: row sums as products with it beat .sum(axis=1) on short rows."""
    one = np.ones(k)
    one.flags.writeable = False
    return one


# ----------------------------------------------------------------------------------------------------------
# batched building blocks (rows = analyses, columns = studies, weights 0 where a study is absent)
# ----------------------------------------------------------------------------------------------------------


def _weighted_fit(Y, W):
    """Weighted mean, its residuals and the weighted residual sum of squares, per row.

    Row sums are products with a vector of ones: faster than .sum(axis=1) for the short rows of meta-analyses.
    """
    one = _ones(Y.shape[1])
    sw = W @ one
    mu = (W * Y) @ one / sw
    R = Y - mu[:, None]
    return mu, R, sw, (W * R * R) @ one


def _re_weights(V, tau2, present):
    # absent studies carry V = inf, so their weight is exactly 0 without masking
    return 1.0 / (V + tau2[:, None])


def _tau2_closed_form(method, Y, V, present, k):
    """Non-iterative estimators. Formulas in :func:`pool`'s docstring."""
    W = 1.0 / V  # absent studies have V = inf, hence weight 0
    mu_fe, R, sw, q = _weighted_fit(Y, W)
    if method == "DL":
        c = sw - (W * W) @ _ones(Y.shape[1]) / sw
        return np.maximum(0.0, (q - (k - 1)) / c)
    if method == "HS":
        return np.maximum(0.0, (q - k) / sw)
    ybar = np.where(present, Y, 0.0).sum(axis=1) / k
    ss = np.where(present, (Y - ybar[:, None]) ** 2, 0.0).sum(axis=1)
    mean_v = np.where(present, V, 0.0).sum(axis=1) / k
    if method == "HE":
        return np.maximum(0.0, ss / (k - 1) - mean_v)
    if method == "SJ":
        tau0 = ss / k
        # Sidik & Jonkman (2005) need tau0 > 0; identical yi give tau0 = 0 and the answer is 0.
        with np.errstate(divide="ignore", invalid="ignore"):
            Wsj = _re_weights(V, tau0, present)
            _, _, _, rss = _weighted_fit(Y, Wsj)
            out = tau0 * rss / (k - 1)
        return np.where(tau0 > 0, out, 0.0)
    raise AssertionError(method)


def _gen_q(Y, V, present, tau2):
    """Generalised Q statistic at tau² and its derivative dQ/dtau² = -sum(w² r²) (sum(w r) = 0)."""
    W = _re_weights(V, tau2, present)
    _, R, _, q = _weighted_fit(Y, W)
    return q, -(W * W * R * R).sum(axis=1)


def _solve_decreasing(fun, target, lo, hi, active):
    """Find t in [lo, hi] with fun(t) = target for a decreasing fun, per row (safeguarded Newton).

    Newton steps that leave the bracket are replaced by bisection; the bracket shrinks on every step, so the
    iteration converges even where Newton alone would not. Returns the root and a converged flag.
    """
    t = lo.copy()
    done = ~active
    for _ in range(_MAXITER):
        f, df = fun(t)
        g = f - target
        lo = np.where(g > 0, t, lo)
        hi = np.where(g <= 0, t, hi)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = t - g / df
        inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
        t_new = np.where(inside, newton, 0.5 * (lo + hi))
        t_new = np.where(done, t, t_new)
        step = np.abs(t_new - t)
        done = done | (step <= _THRESHOLD * np.maximum(1.0, np.abs(t_new)))
        t = t_new
        if done.all():
            break
    return t, done


def _upper_bracket(fun, target, present_rows, start):
    """Double an upper bound until fun(hi) <= target (fun decreasing) for every active row."""
    hi = np.maximum(start, 1.0)
    for _ in range(200):
        f, _ = fun(hi)
        need = present_rows & (f > target)
        if not need.any():
            break
        hi = np.where(need, hi * 4.0, hi)
    return hi


def _tau2_pm(Y, V, present, k):
    """Paule & Mandel (1982): tau² solving Q_gen(tau²) = k - 1, or 0 when Q_gen(0) < k - 1."""
    fun = lambda t: _gen_q(Y, V, present, t)  # noqa: E731
    zero = np.zeros(Y.shape[0])
    q0, _ = fun(zero)
    active = q0 > (k - 1)
    start = np.where(present, Y, 0).var(axis=1) * 2 + 1
    hi = _upper_bracket(fun, k - 1.0, active, start)
    tau2, conv = _solve_decreasing(fun, k - 1.0, zero, hi, active)
    return np.where(active, tau2, 0.0), conv


def _likelihood_score(Y, V, tau2, reml):
    """Score U, Fisher information I and observed information J of the (restricted) log-likelihood in tau².

    ML (Hardy & Thompson 1996; Viechtbauer 2005 eq 9): U = ½[Σw²r² − Σw], I = ½Σw².
    REML (Viechtbauer 2005 eq 12): U = ½[Σw²r² − tr P], tr P = Σw − Σw²/Σw,
    I = ½ tr(PP) = ½[Σw² − 2Σw³/Σw + (Σw²/Σw)²].
    Both: J = −dU/dτ² = yᵀPPPy − I with yᵀPPPy = Σw³r² − (Σw²r)²/Σw (differentiating U, μ̂ = μ̂(τ²)).
    """
    # Works on one analysis (1-D arrays, scalar tau²) or a batch (2-D, tau² per row); sums are products with a
    # vector of ones, which numpy does faster than .sum(axis=1) for the short rows of a meta-analysis.
    one = _ones(Y.shape[-1])
    W = 1.0 / (V + np.asarray(tau2)[..., None])  # absent studies have V = inf, hence weight 0
    sw = W @ one
    R = Y - np.asarray((W * Y) @ one / sw)[..., None]
    WR = W * R
    W2 = W * W
    sw2 = W2 @ one
    wr2 = (WR * WR) @ one
    ypppy = (WR * WR * W) @ one - ((W * WR) @ one) ** 2 / sw
    if reml:
        info = 0.5 * (sw2 - 2 * ((W2 * W) @ one) / sw + (sw2 / sw) ** 2)
        return 0.5 * (wr2 - sw + sw2 / sw), info, ypppy - info
    info = 0.5 * sw2
    return 0.5 * (wr2 - sw), info, ypppy - info


def _newton_single(y, v, tau2, reml):
    """The safeguarded Newton iteration of :func:`_tau2_likelihood` for ONE analysis, on Python floats.

    Same steps and stopping rule as the batched loop; it exists because numpy's per-call overhead dominates a
    single fit of a few studies (a 13-study REML fit takes ~60 µs here instead of ~180 µs).
    """
    lo, hi = 0.0, np.inf
    tried_zero = tau2 == 0.0
    for _ in range(_MAXITER):
        u, info, obs = (float(x) for x in _likelihood_score(y, v, tau2, reml))
        if u > 0:
            lo = tau2
        else:
            hi = tau2
        new = tau2 + u / (obs if obs > 0 else info)
        newton = obs > 0 and lo < new < hi
        if not lo < new < hi:
            fisher = tau2 + u / info
            if lo < fisher < hi:
                new = fisher
            elif lo == 0.0 and not tried_zero:
                new, tried_zero = 0.0, True  # the maximum may sit on the boundary: test tau² = 0 itself
            else:
                new = 0.5 * (lo + hi) if np.isfinite(hi) else 2 * lo + 1e-8
        new = max(0.0, new)
        step = abs(new - tau2)
        if step <= _THRESHOLD * max(1.0, new) or (newton and step <= _NEWTON_DONE * max(1.0, new)):
            return new, True
        tau2 = new
    return tau2, False


def _tau2_likelihood(Y, V, present, k, reml):
    """ML / REML tau² by Newton-Raphson from the DerSimonian-Laird estimate, truncated at 0 (Viechtbauer 2005, sec 3).

    The root of the score is kept in a bracket; a Newton step that leaves it (or meets a non-positive observed
    information) is replaced by a Fisher-scoring step, and that by bisection, so the iteration cannot cycle.
    Rows that do not converge within _MAXITER steps are solved again by bracketing the root of the score
    (bisection-safeguarded Newton), and only rows that fail both carry converged=False.
    """
    m = Y.shape[0]
    tau2 = _tau2_closed_form("DL", Y, V, present, k)  # DL starts closer to the (RE)ML maximum than HE
    if m == 1:
        t, ok = _newton_single(Y[0], V[0], float(tau2[0]), reml)
        tau2, conv = np.array([t]), np.array([ok])
        if ok:
            return tau2, conv
    conv = np.zeros(m, dtype=bool)
    lo, hi = np.zeros(m), np.full(m, np.inf)  # bracket of the root of U (U > 0 below it)
    tried_zero = tau2 == 0.0
    for _ in range(_MAXITER):
        u, info, obs = _likelihood_score(Y, V, tau2, reml)
        up = u > 0
        lo = np.where(up, tau2, lo)
        hi = np.where(up, hi, tau2)
        new = tau2 + u / np.where(obs > 0, obs, info)
        newton = (obs > 0) & (new > lo) & (new < hi)
        # A Newton step that leaves the bracket (overshoot) becomes a Fisher-scoring step, and that a bisection,
        # so the iteration cannot cycle. Rare, hence only computed when needed.
        out = (new <= lo) | (new >= hi)
        if out.any():
            fisher = tau2 + u / info
            fisher_ok = (fisher > lo) & (fisher < hi)
            fallback = np.where(np.isfinite(hi), 0.5 * (lo + hi), 2 * lo + 1e-8)
            try_zero = out & ~fisher_ok & (lo == 0.0) & ~tried_zero  # the maximum may sit on the boundary
            fallback = np.where(try_zero, 0.0, fallback)
            tried_zero = tried_zero | try_zero
            new = np.where(out, np.where(fisher_ok, fisher, fallback), new)
        new = np.maximum(0.0, new)
        if conv.any():
            new = np.where(conv, tau2, new)
        step, scale = np.abs(new - tau2), np.maximum(1.0, new)
        conv = conv | (step <= _THRESHOLD * scale) | (newton & (step <= _NEWTON_DONE * scale))
        tau2 = new
        if conv.all():
            break
    if not conv.all():
        # Fallback: the score is positive at 0 when the maximum is interior; bracket and solve U(tau²) = 0.
        def fun(t):
            u, _, obs = _likelihood_score(Y, V, t, reml)
            return u, -obs

        zero = np.zeros(m)
        u0, _ = fun(zero)
        active = ~conv & (u0 > 0)
        hi = _upper_bracket(fun, 0.0, active, tau2 + 1.0)
        root, ok = _solve_decreasing(fun, 0.0, zero, hi, active)
        tau2 = np.where(active, root, np.where(conv, tau2, 0.0))
        conv = conv | ok | (~conv & (u0 <= 0))
    return tau2, conv


def _variance_scale(V, present, k):
    """Geometric mean of the sampling variances per row: the iterative solvers work on V/s (and Y/√s), so that
    their stopping rule is relative to the data's own scale (variances of 1e-12 converge as well as variances
    of 1). The geometric mean keeps data with variances from 1e-10 to 1e10 centred on 1."""
    with np.errstate(divide="ignore"):
        return np.exp(np.where(present, np.log(V), 0.0) @ _ones(V.shape[1]) / k)


def _estimate_tau2(method, Y, V, present, k):
    ones = np.ones(Y.shape[0], dtype=bool)
    if method == "FE":
        return np.zeros(Y.shape[0]), ones
    if method not in ("DL", "HE", "SJ", "HS"):
        s = _variance_scale(V, present, k)
        tau2, conv = _estimate_tau2_unscaled(method, Y / np.sqrt(s)[:, None], V / s[:, None], present, k)
        return tau2 * s, conv
    return _estimate_tau2_unscaled(method, Y, V, present, k)


def _estimate_tau2_unscaled(method, Y, V, present, k):
    ones = np.ones(Y.shape[0], dtype=bool)
    if method in ("DL", "HE", "SJ", "HS"):
        return _tau2_closed_form(method, Y, V, present, k), ones
    if method in ("PM", "EB"):
        # Without moderators the empirical Bayes estimator (Morris 1983; Berkey et al. 1995) solves the same
        # estimating equation as Paule-Mandel (Viechtbauer et al. 2015, sec 2.5), so one solver serves both.
        return _tau2_pm(Y, V, present, k)
    return _tau2_likelihood(Y, V, present, k, reml=(method == "REML"))


# ----------------------------------------------------------------------------------------------------------
# confidence intervals for tau², I², H² (Q-profile; Viechtbauer 2007)
# ----------------------------------------------------------------------------------------------------------


def _q_profile(Y, V, level):
    """Q-profile CI for tau² (Viechtbauer 2007, eq 6): the tau² values at which the generalised Q statistic equals
    the chi²(k−1) quantiles at (1+level)/2 (lower bound) and (1−level)/2 (upper bound); a bound is 0 when even
    tau² = 0 gives a Q below the quantile."""
    Y = np.atleast_2d(Y)
    V = np.atleast_2d(V)
    present = np.isfinite(Y)
    Y = np.where(present, Y, 0.0)
    V = np.where(present, V, np.inf)
    k = present.sum(axis=1)
    s = _variance_scale(V, present, k)  # solve on the data's own scale (see _variance_scale)
    Y, V = Y / np.sqrt(s)[:, None], V / s[:, None]
    fun = lambda t: _gen_q(Y, V, present, t)  # noqa: E731
    zero = np.zeros(Y.shape[0])
    q0, _ = fun(zero)
    bounds = []
    for p in ((1 + level) / 2, (1 - level) / 2):
        target = special.chdtri(k - 1, 1 - p)  # chi² quantile at p
        active = q0 > target
        hi = _upper_bracket(fun, target, active, np.where(present, Y, 0).var(axis=1) * 4 + 1)
        root, _ = _solve_decreasing(fun, target, zero, hi, active)
        bounds.append(np.where(active, root, 0.0) * s)
    return bounds[0], bounds[1]
