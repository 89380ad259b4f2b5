"""Mixed-effects meta-regression and subgroup analysis.

The model (Raudenbush 2009; Viechtbauer 2005; Thompson & Higgins 2002): ``y = Xβ + u + e`` with
``u ~ N(0, τ² I)``, ``e ~ N(0, diag(v))``. For known τ², β̂ = (XᵀWX)⁻¹XᵀWy with W = diag(1/(v + τ²)).
Throughout, P = W − WX(XᵀWX)⁻¹XᵀW, so the weighted residual sum of squares is yᵀPy.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from .errors import InputError, MetaanWarning
from .estimators import _MAXITER, _THRESHOLD
from .models import METHODS, _check_options, _validate, pool


def _design(X, k: int, intercept: bool, data=None):
    """Return (X as float matrix, column names) from an array, DataFrame or a patsy formula string."""
    if isinstance(X, str):
        import patsy  # statsmodels' formula engine: factors, interactions and contrasts come for free

        if data is None:
            raise InputError("a formula for the moderators needs data=DataFrame")
        mat = patsy.dmatrix(X, data, return_type="dataframe", NA_action="raise")
        return mat.to_numpy(dtype=float), list(mat.columns)
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        mat = X.to_numpy(dtype=float)
    else:
        mat = np.asarray(X, dtype=float)
        if mat.ndim == 1:
            mat = mat[:, None]
        names = [f"x{j + 1}" for j in range(mat.shape[1])]
    if mat.shape[0] != k:
        raise InputError(f"the moderator matrix has {mat.shape[0]} rows but there are {k} studies")
    if not np.isfinite(mat).all():
        i = int(np.argwhere(~np.isfinite(mat))[0][0])
        raise InputError(f"moderators of study #{i + 1} are not finite; every moderator value must be a number")
    if intercept:
        mat = np.column_stack([np.ones(k), mat])
        names = ["intrcpt", *names]
    return mat, names


def _p_matrix(X, w):
    """P = W − WX(XᵀWX)⁻¹XᵀW and (XᵀWX)⁻¹."""
    WX = X * w[:, None]
    inv = np.linalg.inv(X.T @ WX)
    return np.diag(w) - WX @ inv @ WX.T, inv


def _tau2_mods(method, y, v, X):
    """tau² with moderators; the intercept-only formulas of :func:`metaan.pool` generalised with P.

    DL: (Q_E − (k−p)) / tr(P_FE) (Raudenbush 2009, eq 16.42); HE: (yᵀP_OLS y − tr(P_OLS V))/(k−p)
    (Raudenbush 2009, eq 16.36); HS: (Q_E − k)/Σw; SJ: τ₀²·yᵀP(τ₀²)y/(k−p) with τ₀² = Σ(y − ȳ)²/k
    (Sidik & Jonkman 2005); PM: yᵀP(τ²)y = k − p (DerSimonian & Kacker 2007); EB: the fixed point
    τ² = Σw[k/(k−p)·r² − v]/Σw (Morris 1983; Berkey et al. 1995, eq 7);
    ML/REML by Fisher scoring with U = ½[yᵀPPy − tr(W)] or ½[yᵀPPy − tr(P)]
    (Viechtbauer 2005).
    """
    k, p = X.shape
    P_fe, _ = _p_matrix(X, 1.0 / v)
    q_e = float(y @ P_fe @ y)
    if method == "FE":
        return 0.0, True
    if method == "DL":
        return max(0.0, (q_e - (k - p)) / np.trace(P_fe)), True
    if method == "HS":
        return max(0.0, (q_e - k) / np.sum(1.0 / v)), True
    P_ols = np.eye(k) - X @ np.linalg.solve(X.T @ X, X.T)
    rss_ols = float(y @ P_ols @ y)
    if method == "HE":
        return max(0.0, (rss_ols - np.trace(P_ols * v)) / (k - p)), True
    if method == "SJ":
        # The starting value ignores the moderators, as in the intercept-only estimator (metafor does the same).
        tau0 = float(np.sum((y - y.mean()) ** 2)) / k
        if tau0 <= 0:
            return 0.0, True
        P, _ = _p_matrix(X, 1.0 / (v + tau0))
        return tau0 * float(y @ P @ y) / (k - p), True
    if method == "PM":
        return _pm_mods(y, v, X)
    tau2 = max(0.0, (rss_ols - np.trace(P_ols * v)) / (k - p))
    for _ in range(_MAXITER):
        w = 1.0 / (v + tau2)
        P, _ = _p_matrix(X, w)
        Py = P @ y
        if method == "EB":
            r = Py / w
            new = float(np.sum(w * (k / (k - p) * r**2 - v)) / np.sum(w))
        else:
            trace = np.trace(P) if method == "REML" else w.sum()
            info = np.sum(P * P.T) if method == "REML" else np.sum(w**2)
            new = tau2 + (Py @ Py - trace) / info
        new = max(0.0, new)
        if abs(new - tau2) <= _THRESHOLD * max(1.0, new):
            return new, True
        tau2 = new
    return tau2, False


def _pm_mods(y, v, X):
    k, p = X.shape

    def q(t):
        P, _ = _p_matrix(X, 1.0 / (v + t))
        return float(y @ P @ y)

    if q(0.0) <= k - p:
        return 0.0, True
    from scipy.optimize import brentq

    hi = 1.0
    while q(hi) > k - p:
        hi *= 4.0
    return brentq(lambda t: q(t) - (k - p), 0.0, hi, xtol=1e-14, rtol=1e-14, maxiter=_MAXITER), True


@dataclass(frozen=True)
class MetaRegResult:
    """A mixed-effects meta-regression (metafor ``rma(yi, vi, mods=...)``).

    ``coefs`` is a tidy DataFrame (term, estimate, se, zval, pval, ci_low, ci_high); ``qm``/``qm_df``/``qm_pvalue``
    test all moderators but the intercept (chi² with z; F with knha, then ``qm`` is the F statistic);
    ``qe``/``qe_df``/``qe_pvalue`` test residual heterogeneity; ``r2`` is the percentage of tau² explained
    relative to the model without moderators (Raudenbush 2009, eq 16.50), NaN without an intercept.
    """

    coefs: pd.DataFrame
    vcov: np.ndarray
    tau2: float
    i2: float
    h2: float
    r2: float
    qm: float
    qm_df: tuple
    qm_pvalue: float
    qe: float
    qe_df: int
    qe_pvalue: float
    k: int
    method: str
    test: str
    level: float
    converged: bool
    yi: np.ndarray
    vi: np.ndarray
    X: np.ndarray
    labels: tuple
    knha_truncate: bool = False
    intercept: bool = True

    def __str__(self) -> str:
        stat = "F" if self.test == "knha" else "QM"
        df = ", ".join(str(int(d)) for d in self.qm_df)
        return (
            f"Mixed-effects meta-regression ({self.method}), k = {self.k}\n"
            f"tau^2 (residual) = {self.tau2:.4f}, I^2 = {self.i2:.2f}%, R^2 = {self.r2:.2f}%\n"
            f"QE({self.qe_df}) = {self.qe:.4f}, p = {self.qe_pvalue:.4g}\n"
            f"{stat}({df}) = {self.qm:.4f}, p = {self.qm_pvalue:.4g}\n\n"
            + self.coefs.to_string(index=False, float_format=lambda x: f"{x:.4f}")
        )


def metareg(
    yi,
    vi=None,
    X=None,
    *,
    sei=None,
    data=None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    intercept: bool = True,
    labels=None,
    knha_truncate: bool = False,
) -> MetaRegResult:
    """Mixed-effects meta-regression of ``yi`` on moderators ``X``.

    ``X`` is an array (k × m), a DataFrame, or a patsy formula such as ``"~ dose + C(route)"`` evaluated in
    ``data`` (the formula supplies its own intercept). Estimators as in :func:`metaan.pool`, generalised with
    P (see ``_tau2_mods``). With ``test="knha"`` the covariance is scaled by yᵀPy/(k−p) and t(k−p)/F(m, k−p)
    are used (Knapp & Hartung 2003).
    """
    _check_options(method, test, level)
    y, v, labels = _validate(yi, vi, sei, labels)
    k = y.size
    if X is None:
        raise InputError("metareg needs moderators X; for no moderators use metaan.pool")
    intercept_used = intercept and not isinstance(X, str)
    Xm, names = _design(X, k, intercept_used, data)
    has_intercept = bool(np.any(np.all(Xm == 1.0, axis=0)))
    p = Xm.shape[1]
    if k - p < 1:
        raise InputError(f"{k} studies cannot support {p} coefficients; need k > p")
    if np.linalg.matrix_rank(Xm) < p:
        raise InputError("the moderator matrix is rank deficient (a moderator is constant or collinear)")
    tau2, converged = _tau2_mods(method, y, v, Xm)
    w = 1.0 / (v + tau2)
    P, inv = _p_matrix(Xm, w)
    beta = inv @ (Xm.T @ (w * y))
    vb = inv
    df_resid = k - p
    if test == "knha":
        s2 = float(y @ P @ y) / df_resid
        vb = vb * (max(1.0, s2) if knha_truncate else s2)
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    mods = [j for j in range(p) if not np.all(Xm[:, j] == 1.0)] if has_intercept else list(range(p))
    if test == "knha":
        crit = special.stdtrit(df_resid, 0.5 + level / 2)
        pval = 2 * special.stdtr(df_resid, -np.abs(stat))
    else:
        crit = special.ndtri(0.5 + level / 2)
        pval = 2 * special.ndtr(-np.abs(stat))
    bm = beta[mods]
    qm = float(bm @ np.linalg.solve(vb[np.ix_(mods, mods)], bm)) if mods else 0.0
    if test == "knha":
        qm_df = (len(mods), df_resid)
        qm = qm / max(len(mods), 1)
        qm_p = float(special.fdtrc(len(mods), df_resid, qm)) if mods else float("nan")
    else:
        qm_df = (len(mods),)
        qm_p = float(special.chdtrc(len(mods), qm)) if mods else float("nan")
    P_fe, _ = _p_matrix(Xm, 1.0 / v)
    qe = float(y @ P_fe @ y)
    # I² and H² as metafor defines them for mixed models: typical variance (k−p)/tr(P_FE).
    typical_v = df_resid / np.trace(P_fe)
    if method == "FE":
        i2 = max(0.0, 100 * (qe - df_resid) / qe)
        h2 = qe / df_resid
    else:
        i2 = 100 * tau2 / (tau2 + typical_v)
        h2 = (tau2 + typical_v) / typical_v
    r2 = float("nan")
    if has_intercept:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetaanWarning)
            base = pool(y, v, method=method)
        if method == "FE":
            # For the fixed-effect model there is no tau²; metafor reports the share of H² explained instead.
            r2 = max(0.0, 100 * (base.h2 - h2) / base.h2)
        else:
            r2 = 0.0 if base.tau2 <= 0 else max(0.0, 100 * (base.tau2 - tau2) / base.tau2)
    coefs = pd.DataFrame(
        {
            "term": names,
            "estimate": beta,
            "se": se,
            "zval": stat,
            "pval": pval,
            "ci_low": beta - crit * se,
            "ci_high": beta + crit * se,
        }
    )
    return MetaRegResult(
        coefs=coefs, vcov=vb, tau2=float(tau2), i2=float(i2), h2=float(h2), r2=r2, qm=qm, qm_df=qm_df,
        qm_pvalue=qm_p, qe=qe, qe_df=df_resid, qe_pvalue=float(special.chdtrc(df_resid, qe)), k=k,
        method=method, test=test, level=level, converged=converged, yi=y, vi=v, X=Xm, labels=labels,
        knha_truncate=knha_truncate, intercept=has_intercept,
    )  # fmt: skip


@dataclass(frozen=True)
class SubgroupResult:
    """Per-subgroup pooled results and the test for subgroup differences."""

    results: dict
    q_between: float
    q_between_df: int
    q_between_pvalue: float

    def summary(self) -> pd.DataFrame:
        """One row per subgroup plus the between-subgroup test in the attributes."""
        rows = []
        for name, res in self.results.items():
            rows.append(
                {"group": name, "k": res.k, "estimate": res.estimate, "se": res.se, "ci_low": res.ci_low,
                 "ci_high": res.ci_high, "pval": res.pval, "tau2": res.tau2, "i2": res.i2, "q": res.q}
            )  # fmt: skip
        out = pd.DataFrame(rows)
        out.attrs.update(
            q_between=self.q_between, q_between_df=self.q_between_df, q_between_pvalue=self.q_between_pvalue
        )
        return out


def subgroup(
    yi,
    vi=None,
    groups=None,
    *,
    sei=None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    labels=None,
) -> SubgroupResult:
    """Pool within each subgroup (separate tau² per group, as RevMan does) and test for subgroup differences.

    Q_between = Σ_g (μ̂_g − μ̄)²/SE_g² with μ̄ the inverse-variance mean of the subgroup estimates, on G − 1
    degrees of freedom (Borenstein et al. 2009, ch 19; Deeks, Higgins & Altman, Cochrane Handbook 10.11.3.1).
    Subgroups with a single study are pooled as that study (with a MetaanWarning from :func:`pool`).
    """
    if method not in METHODS:
        _check_options(method, test, level)
    y, v, labels = _validate(yi, vi, sei, labels)
    if groups is None or len(groups) != y.size:
        raise InputError("groups must give one subgroup name per study")
    groups = np.asarray([str(g) for g in groups])
    results = {}
    for g in dict.fromkeys(groups):
        idx = np.flatnonzero(groups == g)
        results[g] = pool(y[idx], v[idx], method=method, test=test if idx.size > 1 else "z", level=level,
                          labels=[labels[i] for i in idx])  # fmt: skip
    if len(results) < 2:
        raise InputError("subgroup analysis needs at least 2 subgroups")
    est = np.array([r.estimate for r in results.values()])
    w = 1.0 / np.array([r.se for r in results.values()]) ** 2
    mean = np.sum(w * est) / w.sum()
    qb = float(np.sum(w * (est - mean) ** 2))
    df = len(results) - 1
    return SubgroupResult(
        results=results, q_between=qb, q_between_df=df, q_between_pvalue=float(special.chdtrc(df, qb))
    )
