"""Small-study effects and publication bias: Egger's regression test, Begg's rank correlation, trim-and-fill."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .errors import InputError, MetaanWarning
from .metareg import metareg
from .models import MetaResult, pool


def _warn_small_k(k: int, what: str) -> None:
    if k < 10:
        warnings.warn(
            f"{what} with k = {k} < 10 studies has very low power (Sterne et al. 2011); read it as descriptive",
            MetaanWarning,
            stacklevel=3,
        )


@dataclass(frozen=True)
class EggerResult:
    """Egger-type regression test: ``z`` (t under knha), ``pvalue``, the slope on the SE, and the limit
    estimate (the intercept: the predicted effect of a study with SE → 0)."""

    z: float
    pvalue: float
    slope: float
    limit_estimate: float
    limit_ci: tuple[float, float]
    df: int | None


def egger(res: MetaResult) -> EggerResult:
    """Regression test for funnel-plot asymmetry (Egger et al. 1997), in the form metafor's ``regtest()`` uses
    by default: the meta-regression y_i = β₀ + β₁·SE_i + u_i + e_i fitted with the model's own tau² method and
    test (Sterne & Egger 2005); the test is of β₁ = 0. Warns for k < 10.
    """
    if res.k < 3:
        raise InputError(f"Egger's test needs at least 3 studies; k = {res.k}")
    _warn_small_k(res.k, "Egger's test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        fit = metareg(res.yi, res.vi, np.sqrt(res.vi), method=res.method, test=res.test, level=res.level,
                      knha_truncate=res.knha_truncate)  # fmt: skip
    slope = fit.coefs.iloc[1]
    intercept = fit.coefs.iloc[0]
    return EggerResult(
        z=float(slope["zval"]),
        pvalue=float(slope["pval"]),
        slope=float(slope["estimate"]),
        limit_estimate=float(intercept["estimate"]),
        limit_ci=(float(intercept["ci_low"]), float(intercept["ci_high"])),
        df=fit.qe_df if res.test == "knha" else None,
    )


@dataclass(frozen=True)
class BeggResult:
    """Begg's rank correlation: Kendall's ``tau`` and its two-sided ``pvalue``."""

    tau: float
    pvalue: float


def begg(res: MetaResult) -> BeggResult:
    """Rank correlation test (Begg & Mazumdar 1994): Kendall's tau between the standardised effects
    y*_i = (y_i − μ̂_FE)/sqrt(v_i − 1/Σw) and the variances v_i, with μ̂_FE the fixed-effect estimate
    (as metafor's ``ranktest()``). The p-value is exact when there are no ties (as metafor's ``ranktest()``,
    which asks R's ``cor.test`` for the exact distribution at any k), otherwise from the tie-corrected normal
    approximation. Warns for k < 10.
    """
    if res.k < 3:
        raise InputError(f"Begg's test needs at least 3 studies; k = {res.k}")
    _warn_small_k(res.k, "Begg's test")
    w = 1.0 / res.vi
    mu = np.sum(w * res.yi) / w.sum()
    ystar = (res.yi - mu) / np.sqrt(res.vi - 1.0 / w.sum())
    from scipy import stats  # imported here: scipy.stats costs ~0.5 s at import and only these tests need it

    ties = len(np.unique(ystar)) < res.k or len(np.unique(res.vi)) < res.k
    method = "asymptotic" if ties else "exact"
    out = stats.kendalltau(ystar, res.vi, method=method)
    return BeggResult(tau=float(out.statistic), pvalue=float(out.pvalue))


@dataclass(frozen=True)
class TrimFillResult:
    """Trim-and-fill: ``k0`` imputed studies on ``side``; ``result`` is the model refitted to the observed plus
    imputed studies (``filled`` marks the imputed ones in ``result.yi``)."""

    k0: int
    side: str
    result: MetaResult
    filled: np.ndarray
    estimator: str


def trim_and_fill(res: MetaResult, estimator: str = "L0", side: str | None = None) -> TrimFillResult:
    """Duval & Tweedie's (2000) trim-and-fill.

    Missing studies are assumed on ``side`` ("left" or "right"); by default the side opposite to the sign of
    Egger's slope (the regression of y_i on SE_i with the model's method). Working with effects flipped so
    that the missing studies are on the left:

    1. trim the k0 largest effects and pool the rest (same method as ``res``) to get μ̂;
    2. rank |y_i − μ̂| over all k studies; T = sum of the ranks of the positive deviations;
    3. L0 = (4T − k(k+1))/(2k − 1)  (Duval & Tweedie 2000, eq 4);  R0 = γ* − 1 with γ* the length of the run of
       the largest ranks all on the positive side (eq 3);
    4. k0 = max(0, round(estimate)); iterate until k0 no longer changes;
    5. fill: mirror the k0 trimmed studies around μ̂ (y = 2μ̂ − y_i, same v_i) and refit.
    """
    if estimator not in ("L0", "R0"):
        raise InputError(f"estimator {estimator!r} is unknown; use 'L0' or 'R0'")
    k = res.k
    if k < 3:
        raise InputError(f"trim-and-fill needs at least 3 studies; k = {k}")
    from scipy.stats import rankdata  # see begg()

    quiet = dict(method=res.method, test=res.test, level=res.level, knha_truncate=res.knha_truncate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        if side is None:
            slope = metareg(res.yi, res.vi, np.sqrt(res.vi), method=res.method).coefs["estimate"].iloc[1]
            side = "right" if slope < 0 else "left"
        if side not in ("left", "right"):
            raise InputError(f"side {side!r} is unknown; use 'left' or 'right'")
        sign = -1.0 if side == "right" else 1.0
        order = np.argsort(sign * res.yi, kind="stable")
        y = sign * res.yi[order]
        v = res.vi[order]
        k0, previous = 0, -1
        for _ in range(100):
            if k0 == previous:
                break
            previous = k0
            mu = pool(y[: k - k0], v[: k - k0], method=res.method).estimate
            dev = y - mu
            ranks = rankdata(np.abs(dev), method="ordinal")
            signed = np.sign(dev) * ranks
            if estimator == "L0":
                t = signed[signed > 0].sum()
                est = (4 * t - k * (k + 1)) / (2 * k - 1)
            else:
                negatives = -signed[signed < 0]
                est = (k - (negatives.max() if negatives.size else 0)) - 1
            k0 = int(max(0, np.round(est)))
            k0 = min(k0, k - 1)
        if k0 > 0:
            y_fill = 2 * mu - y[k - k0 :]
            yi_all = np.concatenate([res.yi, sign * y_fill])
            vi_all = np.concatenate([res.vi, v[k - k0 :]])
            labels = [*res.labels, *[f"Filled {i + 1}" for i in range(k0)]]
            result = pool(yi_all, vi_all, labels=labels, **quiet)
        else:
            result = res
    filled = np.r_[np.zeros(k, dtype=bool), np.ones(k0, dtype=bool)]
    return TrimFillResult(k0=k0, side=side, result=result, filled=filled, estimator=estimator)
