"""Sensitivity and influence diagnostics for a fitted meta-analysis: leave-one-out, cumulative, influence,
GOSH and permutation tests. Every refit uses the original model's method, test and level, and goes through the
batched engine (:func:`metaan.pool_many`) where the refits share a shape."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError, MetaanWarning
from .metareg import MetaRegResult, metareg
from .models import MetaResult, pool, pool_many

_COLUMNS = ["estimate", "se", "zval", "pval", "ci_low", "ci_high", "q", "q_pvalue", "tau2", "i2", "h2"]


def _batch(res: MetaResult, Y: np.ndarray, V: np.ndarray) -> pd.DataFrame:
    """Refit rows of (Y, V); rows with one study are that study (tau², I², H² undefined, as in pool())."""
    k = np.isfinite(Y).sum(axis=1)
    out = pd.DataFrame(index=range(Y.shape[0]), columns=[*_COLUMNS, "k"], dtype=float)
    multi = k >= 2
    if multi.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetaanWarning)
            b = pool_many(Y[multi], V[multi], method=res.method, test=res.test, level=res.level,
                          knha_truncate=res.knha_truncate).to_frame()  # fmt: skip
        out.loc[multi, [*_COLUMNS, "k"]] = b[[*_COLUMNS, "k"]].to_numpy()
    for r in np.flatnonzero(~multi):
        j = int(np.flatnonzero(np.isfinite(Y[r]))[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetaanWarning)
            single = pool([Y[r, j]], [V[r, j]], method=res.method, level=res.level)
        out.loc[r, [*_COLUMNS, "k"]] = [getattr(single, c) for c in _COLUMNS] + [1]
    out["k"] = out["k"].astype(int)
    return out


def leave_one_out(res: MetaResult) -> pd.DataFrame:
    """Refit the model k times, each time omitting one study (metafor ``leave1out``).

    Returns one row per omitted study with columns ``study, estimate, se, zval, pval, ci_low, ci_high, q,
    q_pvalue, tau2, i2, h2, k``.
    """
    k = res.k
    if k < 2:
        raise InputError("leave-one-out needs at least 2 studies")
    Y = np.tile(res.yi, (k, 1))
    V = np.tile(res.vi, (k, 1))
    np.fill_diagonal(Y, np.nan)
    np.fill_diagonal(V, np.nan)
    out = _batch(res, Y, V)
    out.insert(0, "study", list(res.labels))
    return out


def cumulative(res: MetaResult, order=None) -> pd.DataFrame:
    """Cumulative meta-analysis: row j pools the first j studies in ``order`` (metafor ``cumul``).

    ``order`` is a sequence of study positions (a permutation of 0..k−1) or of sort keys (e.g. publication
    years, one per study; sorted stably). Default: the order of the studies in ``res``. The column ``study``
    names the study added at that step.
    """
    k = res.k
    if order is None:
        idx = np.arange(k)
    else:
        order = np.asarray(order)
        if order.size != k:
            raise InputError(f"order has {order.size} entries but there are {k} studies")
        is_perm = order.dtype.kind in "iu" and np.array_equal(np.sort(order), np.arange(k))
        idx = order if is_perm else np.argsort(order, kind="stable")
    y, v = res.yi[idx], res.vi[idx]
    mask = np.tril(np.ones((k, k), dtype=bool))
    Y = np.where(mask, y[None, :], np.nan)
    V = np.where(mask, v[None, :], np.nan)
    out = _batch(res, Y, V)
    out.insert(0, "study", [res.labels[i] for i in idx])
    return out


def influence(res: MetaResult) -> pd.DataFrame:
    """Case-deletion influence statistics (Viechtbauer & Cheung 2010, sec 3; metafor ``influence.rma.uni``).

    With μ̂, Var(μ̂) from the full fit and μ̂₍₋ᵢ₎, τ²₍₋ᵢ₎, Var₍₋ᵢ₎ from the fit without study i:

    - hat_i = w_i/Σw, weight = 100·hat_i (w_i = 1/(v_i + τ̂²));
    - rstudent_i = (y_i − μ̂₍₋ᵢ₎)/sqrt(v_i + τ²₍₋ᵢ₎ + Var₍₋ᵢ₎)  (eq 6);
    - dffits_i = (μ̂ − μ̂₍₋ᵢ₎)/sqrt(hat_i(τ²₍₋ᵢ₎ + v_i))  (eq 7);
    - cooks_d_i = (μ̂ − μ̂₍₋ᵢ₎)²/Var(μ̂)  (eq 8);
    - cov_ratio_i = Var₍₋ᵢ₎/Var(μ̂)  (eq 9);
    - tau2_del, q_del: τ² and Q of the fit without study i;
    - dfbetas_i = (μ̂ − μ̂₍₋ᵢ₎)/sqrt(1/Σⱼ 1/(v_j + τ²₍₋ᵢ₎)), the sum over all k studies (eq 10).
    Under knha the deleted-fit variances carry that fit's scale factor s²₍₋ᵢ₎, as in metafor.
    """
    loo = leave_one_out(res)
    w = 1.0 / (res.vi + res.tau2)
    hat = w / w.sum()
    mu_del = loo["estimate"].to_numpy(float)
    var_del = loo["se"].to_numpy(float) ** 2
    tau2_del = loo["tau2"].to_numpy(float)
    if res.k == 2:
        tau2_del = np.zeros(2)  # one remaining study: no heterogeneity to estimate
    diff = res.estimate - mu_del
    # Under knha every deleted fit has its own scale factor s²₍₋ᵢ₎ = Var₍₋ᵢ₎ / (1/Σⱼ≠ᵢ wⱼ); the residual and
    # DFFITS/DFBETAS variances are multiplied by it, as metafor does (1 for the z-test).
    w_del = 1.0 / (res.vi[None, :] + tau2_del[:, None])
    unscaled_del = 1.0 / (w_del.sum(axis=1) - np.diag(w_del))
    s2_del = var_del / unscaled_del
    # DFBETAS scales by the variance of the estimate from ALL k studies weighted with tau²(−i)
    # (Viechtbauer & Cheung 2010, eq 10).
    var_all_del = s2_del / w_del.sum(axis=1)
    out = pd.DataFrame(
        {
            "study": list(res.labels),
            "rstudent": (res.yi - mu_del) / np.sqrt(s2_del * (res.vi + tau2_del + unscaled_del)),
            "dffits": diff / np.sqrt(s2_del * hat * (tau2_del + res.vi)),
            "cooks_d": diff**2 / res.se**2,
            "cov_ratio": var_del / res.se**2,
            "tau2_del": tau2_del,
            "q_del": loo["q"].to_numpy(float),
            "hat": hat,
            "weight": 100 * hat,
            "dfbetas": diff / np.sqrt(var_all_del),
        }
    )
    return out


def gosh(res: MetaResult, max_subsets: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """Graphical display of study heterogeneity (Olkin, Dahabreh & Trikalinos 2012): the model refitted to
    every non-empty subset of the studies (2^k − 1 fits), or to ``max_subsets`` random distinct subsets.

    Returns one row per subset: ``estimate, tau2, i2, h2, q, k`` and one boolean membership column per study.
    Single-study subsets have τ² = 0 and I² = 0 so that they appear in the plot (as metafor's ``gosh`` does).
    """
    k = res.k
    total = 2**k - 1
    if max_subsets is None or max_subsets >= total:
        if k > 20:
            raise InputError(f"2^{k} - 1 subsets is too many; give max_subsets (e.g. 100000)")
        codes = np.arange(1, total + 1, dtype=np.int64)
    else:
        rng = np.random.default_rng(seed)
        codes = np.unique(rng.integers(1, total + 1, size=max_subsets * 2, dtype=np.int64))
        codes = rng.permutation(codes)[:max_subsets]
        codes.sort()
    members = ((codes[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)
    Y = np.where(members, res.yi[None, :], np.nan)
    V = np.where(members, res.vi[None, :], np.nan)
    size = members.sum(axis=1)
    out = pd.DataFrame({"estimate": np.nan, "tau2": 0.0, "i2": 0.0, "h2": 1.0, "q": 0.0, "k": size})
    multi = size >= 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        b = pool_many(Y[multi], V[multi], method=res.method, test=res.test, level=res.level)
    out.loc[multi, "estimate"] = b.estimate
    out.loc[multi, "tau2"] = b.tau2
    out.loc[multi, "i2"] = b.i2
    out.loc[multi, "h2"] = b.h2
    out.loc[multi, "q"] = b.q
    single = ~multi
    out.loc[single, "estimate"] = np.nansum(Y[single], axis=1)
    for j, name in enumerate(res.labels):
        out[name] = members[:, j]
    return out


@dataclass(frozen=True)
class PermutationResult:
    """Permutation p-values next to the model-based ones (Follmann & Proschan 1999; Higgins & Thompson 2004)."""

    pval: pd.Series
    pval_model: pd.Series
    n: int
    exact: bool
    statistic: np.ndarray  # permutation distribution of the first test statistic


def permutation_test(res, n: int = 1000, seed: int | None = None) -> PermutationResult:
    """Permutation test for a pooled estimate or meta-regression coefficients.

    Without moderators the signs of the y_i are flipped (the null distribution of a symmetric effect around 0;
    Follmann & Proschan 1999); all 2^k sign patterns are used when 2^k ≤ n (exact test), otherwise ``n``
    random ones. With moderators the rows of X are permuted (Higgins & Thompson 2004); exact when k! ≤ n.
    The p-value is the share of patterns whose |statistic| is at least the observed one (with a 1e-8 relative
    tolerance for ties); with random patterns the observed data count as one of them (Phipson & Smyth 2010).
    """
    rng = np.random.default_rng(seed)
    if isinstance(res, MetaResult):
        k = res.k
        exact = 2**k <= n
        if exact:
            signs = 1 - 2 * ((np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1)
        else:
            signs = rng.choice([-1.0, 1.0], size=(n, k))
        Y = signs * res.yi[None, :]
        V = np.broadcast_to(res.vi, Y.shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetaanWarning)
            stat = pool_many(Y, V, method=res.method, test=res.test, level=res.level,
                             knha_truncate=res.knha_truncate).zval  # fmt: skip
        obs = np.array([res.zval])
        dist = stat[:, None]
        names = ["intrcpt"]
        model_p = [res.pval]
    elif isinstance(res, MetaRegResult):
        k = res.k
        exact = np.prod(np.arange(1, k + 1, dtype=float)) <= n
        perms = list(itertools.permutations(range(k))) if exact else [rng.permutation(k) for _ in range(n)]
        X = res.X[:, 1:] if res.intercept else res.X
        rows = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetaanWarning)
            for perm in perms:
                fit = metareg(res.yi, res.vi, X[list(perm)], method=res.method, test=res.test,
                              intercept=res.intercept, knha_truncate=res.knha_truncate)  # fmt: skip
                rows.append([fit.qm, *fit.coefs["zval"].to_numpy()])
        dist = np.array(rows)
        obs = np.array([res.qm, *res.coefs["zval"].to_numpy()])
        names = ["QM", *res.coefs["term"]]
        model_p = [res.qm_pvalue, *res.coefs["pval"]]
        dist = np.abs(dist)
    else:
        raise InputError("permutation_test takes a MetaResult (from pool) or a MetaRegResult (from metareg)")
    tol = 1e-8 * np.maximum(1.0, np.abs(obs))
    hits = (np.abs(dist) >= np.abs(obs)[None, :] - tol).sum(axis=0)
    pval = hits / dist.shape[0] if exact else (hits + 1) / (dist.shape[0] + 1)
    return PermutationResult(
        pval=pd.Series(pval, index=names),
        pval_model=pd.Series(model_p, index=names),
        n=int(dist.shape[0]),
        exact=bool(exact),
        statistic=dist[:, 0],
    )
