"""Random-effects pooling: tau² estimators, inference, prediction intervals and the batched engine.

Everything is computed on 2-D arrays (m analyses × k studies, NaN where a study is absent), so one fit and a
batch of thousands of fits share one code path and ``pool_many`` equals ``pool`` row by row. (The one exception:
a single ML/REML fit runs the same Newton iteration on Python floats, see ``_newton_single``; the results agree
to rounding, ~1e-15.)

The model (DerSimonian & Laird 1986; Viechtbauer 2005, eq 1-2): ``y_i = mu + u_i + e_i`` with
``u_i ~ N(0, tau²)`` and ``e_i ~ N(0, v_i)``, ``v_i`` known. Given an estimate of tau², the pooled estimate is
the weighted mean with ``w_i = 1 / (v_i + tau²)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special

from .errors import InputError, MetaanWarning
from .estimators import _estimate_tau2, _ones, _q_profile, _re_weights, _weighted_fit

METHODS = ("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
TESTS = ("z", "knha")


# ----------------------------------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------------------------------


def _as_float_array(values, name: str, labels) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        converted = pd.to_numeric(pd.Series(np.ravel(arr)), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(np.isnan(converted) & pd.notna(pd.Series(np.ravel(arr))).to_numpy())
        if bad.size:
            i = bad[0]
            raise InputError(f"{name} of {_study_name(labels, i)}: {str(np.ravel(arr)[i])!r} is not a number")
        arr = converted.reshape(arr.shape)
    return arr.astype(float)


def _study_name(labels, i: int) -> str:
    return f"study '{labels[i]}'" if labels is not None else f"study #{i + 1}"


def _validate(yi, vi, sei, labels):
    """Return clean 1-D float arrays ``(yi, vi, labels)`` or raise InputError naming the study and rule."""
    if (vi is None) == (sei is None):
        raise InputError("give exactly one of vi (sampling variances) or sei (standard errors)")
    if labels is not None:
        labels = [str(x) for x in labels]
    if np.ndim(yi) > 1:
        raise InputError(f"yi has shape {np.shape(yi)}; pool takes one analysis (1-D), use pool_many for a batch")
    y = _as_float_array(yi, "yi", labels).ravel()
    if sei is not None:
        s = _as_float_array(sei, "sei", labels).ravel()
        second, second_name = s, "sei"
    else:
        second = _as_float_array(vi, "vi", labels).ravel()
        second_name = "vi"
    if y.size != second.size:
        raise InputError(f"yi has {y.size} values but {second_name} has {second.size}; they must have equal length")
    if labels is not None and len(labels) != y.size:
        raise InputError(f"labels has {len(labels)} values but yi has {y.size}; they must have equal length")
    if y.size == 0:
        raise InputError("no studies: yi is empty")
    for arr, name in ((y, "yi"), (second, second_name)):
        if not np.isfinite(arr).all():
            i = int(np.flatnonzero(~np.isfinite(arr))[0])
            raise InputError(f"{name} of {_study_name(labels, i)} is {arr[i]}; every value must be finite")
    if (second <= 0).any():
        i = int(np.flatnonzero(second <= 0)[0])
        what = "standard error" if second_name == "sei" else "sampling variance"
        raise InputError(f"{second_name} of {_study_name(labels, i)} is {second[i]}; a {what} must be > 0")
    v = second**2 if sei is not None else second
    if labels is None:
        labels = [f"Study {i + 1}" for i in range(y.size)]
    return y, v, tuple(labels)


def _check_options(method: str, test: str, level: float) -> None:
    if method not in METHODS:
        raise InputError(f"method {method!r} is unknown; use one of {', '.join(METHODS)}")
    if test not in TESTS:
        raise InputError(f"test {test!r} is unknown; use 'z' or 'knha'")
    if not 0 < level < 1:
        raise InputError(f"level {level!r} must be between 0 and 1 (e.g. 0.95)")


def _crit_z(level):
    return special.ndtri(0.5 + level / 2.0)


def _fit_batch(Y, V, method, test, level, knha_truncate):
    """All scalar results for a batch; returns a dict of 1-D arrays."""
    present = np.isfinite(Y) & np.isfinite(V)
    Y = np.where(present, Y, 0.0)
    V = np.where(present, V, np.inf)
    k = present.sum(axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2, converged = _estimate_tau2(method, Y, V, present, k)
        W = _re_weights(V, tau2, present)
        mu, R, sw, rss = _weighted_fit(Y, W)
        W_fe = 1.0 / V
        _, _, sw_fe, q = _weighted_fit(Y, W_fe)
        q_df = k - 1
        q_p = special.chdtrc(q_df, q)
        var = 1.0 / sw
        if test == "knha":
            # Hartung & Knapp (2001); Sidik & Jonkman (2002): scale the variance by the weighted residual
            # mean square; the ad hoc variant (Knapp & Hartung 2003) never lets the scale drop below 1.
            s2 = rss / (k - 1)
            if knha_truncate:
                s2 = np.maximum(1.0, s2)
            var = var * s2
            df = k - 1
            crit = special.stdtrit(df, 0.5 + level / 2.0)
        else:
            crit = np.full_like(mu, _crit_z(level))
        se = np.sqrt(var)
        stat = mu / se
        pval = 2 * special.stdtr(k - 1, -np.abs(stat)) if test == "knha" else 2 * special.ndtr(-np.abs(stat))
        # I² and H² as metafor defines them: for FE from Q (Higgins & Thompson 2002 eq 9-10); otherwise from
        # tau² and the "typical" within-study variance s² = (k-1)Σw/((Σw)² − Σw²) (Higgins & Thompson 2002, eq 9).
        typical_v = (k - 1) * sw_fe / (sw_fe**2 - (W_fe * W_fe) @ _ones(Y.shape[1]))
        if method == "FE":
            i2 = np.maximum(0.0, 100.0 * (q - q_df) / q)
            h2 = q / q_df
        else:
            i2 = 100.0 * tau2 / (tau2 + typical_v)
            h2 = (tau2 + typical_v) / typical_v
        pi_half = crit * np.sqrt(var + tau2)
    return {
        "estimate": mu,
        "se": se,
        "ci_low": mu - crit * se,
        "ci_high": mu + crit * se,
        "zval": stat,
        "pval": pval,
        "tau2": tau2,
        "tau": np.sqrt(tau2),
        "i2": i2,
        "h2": h2,
        "q": q,
        "q_df": q_df,
        "q_pvalue": q_p,
        "k": k.astype(int),
        "pi_low": mu - pi_half,
        "pi_high": mu + pi_half,
        "converged": converged,
        "typical_v": typical_v,
        "_weights": W,
    }


# ----------------------------------------------------------------------------------------------------------
# the result
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetaResult:
    """A fitted (random- or fixed-effect) meta-analysis.

    Fields follow metafor's ``rma.uni`` output; ``i2`` is a percentage, ``weights`` are percentages summing to
    100, ``pi_low``/``pi_high`` use metafor's convention (z, or t(k−1) with ``test="knha"``). ``tau2_ci``,
    ``i2_ci`` and ``h2_ci`` (Q-profile, Viechtbauer 2007) are computed on first access.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    zval: float
    pval: float
    tau2: float
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_pvalue: float
    k: int
    weights: np.ndarray
    pi_low: float
    pi_high: float
    converged: bool
    method: str
    test: str
    labels: tuple[str, ...]
    level: float
    yi: np.ndarray = field(repr=False)
    vi: np.ndarray = field(repr=False)
    knha_truncate: bool = False
    typical_v: float = field(default=float("nan"), repr=False)

    @cached_property
    def tau2_ci(self) -> tuple[float, float]:
        """Q-profile confidence interval for tau² at ``level`` (Viechtbauer 2007)."""
        if self.k < 2:
            return (float("nan"), float("nan"))
        lo, hi = _q_profile(self.yi[None, :], self.vi[None, :], self.level)
        return (float(lo[0]), float(hi[0]))

    @cached_property
    def i2_ci(self) -> tuple[float, float]:
        """I² bounds from the tau² bounds: 100 τ²/(τ² + s²) with the typical within-study variance s²."""
        lo, hi = self.tau2_ci
        return tuple(100.0 * t / (t + self.typical_v) for t in (lo, hi))

    @cached_property
    def h2_ci(self) -> tuple[float, float]:
        """H² bounds from the tau² bounds: (τ² + s²)/s²."""
        lo, hi = self.tau2_ci
        return tuple((t + self.typical_v) / self.typical_v for t in (lo, hi))

    def prediction_interval(self, kind: str = "metafor") -> tuple[float, float]:
        """Prediction interval for the true effect in a new study.

        ``kind="metafor"``: μ̂ ± c·sqrt(SE² + τ²) with c the z quantile, or the t(k−1) quantile with knha
        (metafor's ``predict.rma``). ``kind="higgins"``: μ̂ ± t(k−2)·sqrt(SE² + τ²) with the unscaled SE
        1/sqrt(Σw) (Higgins, Thompson & Spiegelhalter 2009, eq 12); needs k ≥ 3.
        """
        if kind == "metafor":
            return (self.pi_low, self.pi_high)
        if kind == "higgins":
            if self.k < 3:
                raise InputError(f"the Higgins-Thompson-Spiegelhalter interval needs k >= 3 studies; k = {self.k}")
            w = 1.0 / (self.vi + self.tau2)
            half = special.stdtrit(self.k - 2, 0.5 + self.level / 2) * np.sqrt(1.0 / w.sum() + self.tau2)
            return (self.estimate - half, self.estimate + half)
        raise InputError(f"prediction interval kind {kind!r} is unknown; use 'metafor' or 'higgins'")

    def summary(self) -> pd.DataFrame:
        """One tidy row of the pooled result, heterogeneity and intervals."""
        row = {
            "method": self.method,
            "test": self.test,
            "k": self.k,
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "zval": self.zval,
            "pval": self.pval,
            "pi_low": self.pi_low,
            "pi_high": self.pi_high,
            "tau2": self.tau2,
            "tau2_ci_low": self.tau2_ci[0],
            "tau2_ci_high": self.tau2_ci[1],
            "i2": self.i2,
            "i2_ci_low": self.i2_ci[0],
            "i2_ci_high": self.i2_ci[1],
            "h2": self.h2,
            "q": self.q,
            "q_df": self.q_df,
            "q_pvalue": self.q_pvalue,
        }
        return pd.DataFrame([row])

    def studies(self) -> pd.DataFrame:
        """Per-study table: label, yi, vi, sei and the weight (percent)."""
        return pd.DataFrame(
            {
                "study": self.labels,
                "yi": self.yi,
                "vi": self.vi,
                "sei": np.sqrt(self.vi),
                "weight": self.weights,
            }
        )

    def __str__(self) -> str:
        pct = f"{100 * self.level:g}%"
        model = "Fixed-effect" if self.method == "FE" else f"Random-effects ({self.method})"
        stat = "t" if self.test == "knha" else "z"
        lines = [
            f"{model} meta-analysis, k = {self.k}" + (", Hartung-Knapp" if self.test == "knha" else ""),
            "",
            f"tau^2 = {self.tau2:.4f} [{pct} CI {self.tau2_ci[0]:.4f}, {self.tau2_ci[1]:.4f}],"
            f"  I^2 = {self.i2:.2f}%,  H^2 = {self.h2:.2f}",
            f"Q({self.q_df}) = {self.q:.4f}, p = {_fmt_p(self.q_pvalue)}",
            "",
            f"estimate = {self.estimate:.4f}  se = {self.se:.4f}  {stat} = {self.zval:.4f}  p = {_fmt_p(self.pval)}",
            f"{pct} CI [{self.ci_low:.4f}, {self.ci_high:.4f}]   {pct} PI [{self.pi_low:.4f}, {self.pi_high:.4f}]",
        ]
        if not self.converged:
            lines.append("WARNING: the tau^2 estimator did not converge")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = f"<p><b>{'Fixed-effect' if self.method == 'FE' else 'Random-effects (' + self.method + ')'}"
        head += f" meta-analysis</b>, k = {self.k}{', Hartung-Knapp' if self.test == 'knha' else ''}</p>"
        return head + self.summary().T.rename(columns={0: "value"}).to_html(float_format=lambda x: f"{x:.4g}")


def _fmt_p(p: float) -> str:
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


# ----------------------------------------------------------------------------------------------------------
# public entry points
# ----------------------------------------------------------------------------------------------------------


def pool(
    yi,
    vi=None,
    *,
    sei=None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    labels=None,
    knha_truncate: bool = False,
) -> MetaResult:
    r"""Pool effect sizes with a fixed- or random-effects model.

    Parameters
    ----------
    yi : array-like
        Effect sizes (e.g. mean differences, log odds ratios).
    vi, sei : array-like
        Sampling variances, or standard errors (give exactly one).
    method : {"FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB"}
        tau² estimator, each as R metafor's ``rma()`` computes it (w_i = 1/v_i; Q = Σ w_i (y_i − ȳ_w)²):

        - FE: tau² = 0; the inverse-variance weighted mean.
        - DL: max(0, (Q − (k−1)) / (Σw − Σw²/Σw))  (DerSimonian & Laird 1986, eq 8).
        - HE: max(0, Σ(y_i − ȳ)²/(k−1) − mean(v_i))  (Hedges 1983; Viechtbauer 2005 eq 6).
        - HS: max(0, (Q − k)/Σw)  (Hunter & Schmidt 2004; Viechtbauer 2005 eq 5).
        - SJ: τ₀² = Σ(y_i − ȳ)²/k, then τ₀² Σ w_i*(y_i − ȳ_w*)²/(k−1) with w_i* = 1/(v_i + τ₀²)
          (Sidik & Jonkman 2005, eq 4-5).
        - ML, REML: maximise the (restricted) likelihood by Fisher scoring, truncated at 0 (Viechtbauer 2005,
          eq 9 and 12).
        - PM, EB: solve Σ w_i(τ²)(y_i − μ̂(τ²))² = k − 1 (Paule & Mandel 1982; DerSimonian & Kacker 2007);
          without moderators EB (Morris 1983) is the same estimator (Viechtbauer et al. 2015).
    test : {"z", "knha"}
        Inference for the pooled estimate: normal (Wald) or Hartung-Knapp-Sidik-Jonkman, which multiplies the
        variance 1/Σw* by q = Σ w*(y − μ̂)²/(k−1) and uses t(k−1) (Hartung & Knapp 2001; Sidik & Jonkman 2002).
        ``knha_truncate=True`` uses max(1, q) (the "ad hoc" variant; Knapp & Hartung 2003; Röver et al. 2015).
    level : float
        Confidence level for every interval (CI, PI, tau² CI).
    labels : sequence of str, optional
        Study names used in messages, tables and plots.

    Notes
    -----
    k = 1 is allowed with a MetaanWarning: the result is the study itself and tau², I², H² are NaN (undefined).
    With a z-test and k < 5 a MetaanWarning says coverage is poor (Hartung & Knapp 2001; IntHout et al. 2014).
    If an iterative estimator fails to converge, a bracketing solver is tried; ``converged`` reports the outcome
    and a MetaanWarning is issued — never a silent NaN.
    """
    _check_options(method, test, level)
    y, v, labels = _validate(yi, vi, sei, labels)
    k = y.size
    if k == 1:
        if test == "knha":
            raise InputError("test='knha' needs at least 2 studies (it uses t with k - 1 degrees of freedom); k = 1")
        warnings.warn("k = 1: the result is the single study; tau², I² and H² are undefined", MetaanWarning, 2)
        se = float(np.sqrt(v[0]))
        c = float(_crit_z(level))
        z = y[0] / se
        nan = float("nan")
        return MetaResult(
            estimate=float(y[0]), se=se, ci_low=y[0] - c * se, ci_high=y[0] + c * se, zval=z,
            pval=float(2 * special.ndtr(-abs(z))), tau2=nan, tau=nan, i2=nan, h2=nan, q=0.0, q_df=0,
            q_pvalue=nan, k=1, weights=np.array([100.0]), pi_low=nan, pi_high=nan, converged=True,
            method=method, test=test, labels=labels, level=level, yi=y, vi=v, knha_truncate=knha_truncate,
        )  # fmt: skip
    out = _fit_batch(y[None, :], v[None, :], method, test, level, knha_truncate)
    _warn_fit(
        out["converged"],
        method,
        small_k_z=(test == "z" and method != "FE" and k < 5),
        reml_boundary=(method == "REML" and out["tau2"][0] == 0),
    )
    w = out["_weights"][0]
    return MetaResult(
        estimate=float(out["estimate"][0]),
        se=float(out["se"][0]),
        ci_low=float(out["ci_low"][0]),
        ci_high=float(out["ci_high"][0]),
        zval=float(out["zval"][0]),
        pval=float(out["pval"][0]),
        tau2=float(out["tau2"][0]),
        tau=float(out["tau"][0]),
        i2=float(out["i2"][0]),
        h2=float(out["h2"][0]),
        q=float(out["q"][0]),
        q_df=k - 1,
        q_pvalue=float(out["q_pvalue"][0]),
        k=k,
        weights=100.0 * w / w.sum(),
        pi_low=float(out["pi_low"][0]),
        pi_high=float(out["pi_high"][0]),
        converged=bool(out["converged"][0]),
        method=method,
        test=test,
        labels=labels,
        level=level,
        yi=y,
        vi=v,
        knha_truncate=knha_truncate,
        typical_v=float(out["typical_v"][0]),
    )


def _warn_fit(converged, method, small_k_z=False, reml_boundary=False):
    """One MetaanWarning per call, joining every reason that applies."""
    messages = []
    if not converged.all():
        bad = int((~converged).sum())
        messages.append(f"the {method} estimator did not converge in {bad} analysis(es); results may be inaccurate")
    if small_k_z:
        messages.append("fewer than 5 studies with a z-test: the CI under-covers; consider test='knha' (Hartung-Knapp)")
    if reml_boundary:
        messages.append("the REML estimate of tau² is at the boundary 0; read the tau² CI, not the point estimate")
    if messages:
        warnings.warn("; ".join(messages), MetaanWarning, stacklevel=3)


@dataclass(frozen=True)
class MetaBatch:
    """Results of many meta-analyses at once (one entry per row of the input); fields as in MetaResult."""

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    tau2: np.ndarray
    tau: np.ndarray
    i2: np.ndarray
    h2: np.ndarray
    q: np.ndarray
    q_df: np.ndarray
    q_pvalue: np.ndarray
    k: np.ndarray
    pi_low: np.ndarray
    pi_high: np.ndarray
    converged: np.ndarray
    method: str
    test: str
    level: float

    def to_frame(self) -> pd.DataFrame:
        """The batch as a DataFrame, one row per analysis."""
        names = [n for n in self.__dataclass_fields__ if n not in ("method", "test", "level")]
        return pd.DataFrame({n: getattr(self, n) for n in names})


def pool_many(
    Y, V, *, method: str = "REML", test: str = "z", level: float = 0.95, knha_truncate: bool = False
) -> MetaBatch:
    """Fit m meta-analyses at once; ``Y`` and ``V`` are (m, k) arrays with NaN where a study is absent.

    Every row's result equals ``pool(row_yi, row_vi, ...)`` (same formulas; ML/REML to rounding). Rows need at
    least 2 studies.
    Used by :func:`metaan.diagnostics.gosh`, permutation tests and simulations.
    """
    _check_options(method, test, level)
    try:
        Y = np.atleast_2d(np.asarray(Y, dtype=float))
        V = np.atleast_2d(np.asarray(V, dtype=float))
    except (TypeError, ValueError) as err:
        raise InputError(f"Y and V must be numeric arrays (NaN where a study is absent): {err}") from None
    if Y.shape != V.shape:
        raise InputError(f"Y has shape {Y.shape} but V has shape {V.shape}; they must match")
    for arr, name in ((Y, "Y"), (V, "V")):
        if np.isinf(arr).any():
            r, c = np.argwhere(np.isinf(arr))[0]
            raise InputError(f"row {r}, study #{c + 1}: {name} is {arr[r, c]}; values must be finite (NaN = absent)")
    absent = np.isnan(Y)
    if np.any(np.isnan(V) != absent):
        r, c = np.argwhere(np.isnan(V) != absent)[0]
        raise InputError(f"row {r}, study #{c + 1}: Y and V must be NaN in the same places")
    if np.any(V[~absent] <= 0):
        r, c = np.argwhere((V <= 0) & ~absent)[0]
        raise InputError(f"row {r}, study #{c + 1}: V is {V[r, c]}; a sampling variance must be > 0")
    k = (~absent).sum(axis=1)
    if np.any(k < 2):
        r = int(np.flatnonzero(k < 2)[0])
        raise InputError(f"row {r} has {k[r]} studies; every analysis needs at least 2")
    out = _fit_batch(Y, V, method, test, level, knha_truncate)
    _warn_fit(out["converged"], method)
    out.pop("_weights")
    out.pop("typical_v")
    return MetaBatch(**out, method=method, test=test, level=level)
