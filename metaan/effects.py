"""Conversions from printed trial statistics to effect sizes ``(yi, vi)``; the tidy ``effect_sizes`` table.

Every conversion is a pure, numpy-vectorised function whose docstring gives the formula and its reference.
Inputs broadcast against each other; when every input is a scalar the outputs are Python floats.
Bad input (negative SD/SE, n <= 0, events > n, a CI that does not contain its estimate, p outside (0, 1],
NaN, ...) raises :class:`metaan.errors.InputError` with a message naming the argument, the value and the rule.

Sign convention of :func:`effect_sizes` (see ``data/README.md``): a positive ALSFRS-R mean difference favours
cells; a log odds ratio > 0 (more responders) favours cells; a log hazard ratio < 0 favours cells.

References
----------
- Altman DG, Bland JM (2011). How to obtain the confidence interval from a P value. BMJ 343:d2090.
- Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to Meta-Analysis. Wiley, chapter 4.
- Higgins JPT et al., eds (2023). Cochrane Handbook for Systematic Reviews of Interventions v6.4, chapter 6
  (sections 6.5.1, 6.5.2.2, 6.5.2.3; sections 7.7.3.2-7.7.3.3 in v5.1).
- Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related estimators.
  J Educ Stat 6:107-128.
- Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the sample size, median,
  mid-range, and/or mid-quartile range. Stat Methods Med Res 27(6):1785-1805.
- Michiels S, Piedbois P, Burdett S, et al. (2005). Meta-analysis when only the median survival times are
  known: a comparison with individual patient data results. Int J Technol Assess Health Care 21(1):119-125.
- Parmar MKB, Torri V, Stewart L (1998). Extracting summary statistics to perform meta-analyses of the
  published literature for survival endpoints. Stat Med 17:2815-2834.
- Tierney JF, Stewart LA, Ghersi D, Burdett S, Sydes MR (2007). Practical methods for incorporating summary
  time-to-event data into meta-analysis. Trials 8:16.
- Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation from the sample
  size, median, range and/or interquartile range. BMC Med Res Methodol 14:135.
- Woolf B (1955). On estimating the relation between blood group and disease. Ann Hum Genet 19:251-253.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from .errors import InputError, MetaanWarning

__all__ = [
    "counts_from_percent",
    "effect_sizes",
    "log_hr_from_ci",
    "log_hr_from_logrank",
    "log_hr_from_medians",
    "log_hr_from_p",
    "log_or_from_ci",
    "log_or_from_counts",
    "log_or_from_p",
    "md_from_arm_se",
    "md_from_arms",
    "mean_sd_from_five_numbers",
    "mean_sd_from_median_iqr",
    "mean_sd_from_median_range",
    "sd_from_ci",
    "sd_from_se",
    "se_from_ci",
    "se_from_p",
    "smd_hedges_g",
]

ArrayLike = Any  # float | Sequence[float] | np.ndarray

#: Cochrane Handbook 6.5.2.2: below this many participants per group a t quantile is used for a CI.
T_QUANTILE_BELOW_N = 60

# ----------------------------------------------------------------------------------------------------------
# validation helpers
# ----------------------------------------------------------------------------------------------------------


def _where(name: str, arr: np.ndarray, mask: np.ndarray) -> tuple[str, float]:
    """Name and value of the first element of ``arr`` flagged by ``mask`` (``sd_t`` or ``sd_t[2]``)."""
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    value = float(arr[idx]) if arr.ndim else float(arr)
    label = name if arr.ndim == 0 else f"{name}[{', '.join(map(str, idx))}]"
    return label, value


def _fail_if(mask: np.ndarray, name: str, arr: np.ndarray, rule: str) -> None:
    mask = np.asarray(mask)
    if mask.any():
        arr_b = np.broadcast_to(arr, mask.shape) if arr.shape != mask.shape else arr
        label, value = _where(name, arr_b, mask)
        raise InputError(f"{label}={value:g} {rule}")


def _num(name: str, x: ArrayLike) -> np.ndarray:
    """``x`` as a float array; NaN or infinite values raise InputError naming ``name``."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name}={x!r} is not numeric; a number is required") from None
    _fail_if(np.isnan(arr), name, arr, "is NaN; a number is required")
    _fail_if(np.isinf(arr), name, arr, "is infinite; a finite number is required")
    return arr


def _positive(name: str, x: ArrayLike, what: str) -> np.ndarray:
    arr = _num(name, x)
    _fail_if(arr < 0, name, arr, f"is negative; {what} must be > 0")
    _fail_if(arr == 0, name, arr, f"is zero; {what} must be > 0")
    return arr


def _sample_size(name: str, x: ArrayLike) -> np.ndarray:
    return _positive(name, x, "a sample size")


def _p_value(name: str, x: ArrayLike) -> np.ndarray:
    arr = _num(name, x)
    _fail_if((arr <= 0) | (arr > 1), name, arr, "is outside (0, 1]; a p-value must satisfy 0 < p <= 1")
    return arr


def _level(level: float) -> float:
    try:
        value = float(level)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(level, bool) or not 0 < value < 1:
        raise InputError(f"level={level!r} is outside (0, 1); a confidence level must satisfy 0 < level < 1")
    return value


def _counts(e_name: str, e: ArrayLike, n_name: str, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    ev = _num(e_name, e)
    nn = _sample_size(n_name, n)
    _fail_if(ev < 0, e_name, ev, "is negative; an event count must be >= 0")
    _fail_if(ev != np.round(ev), e_name, ev, "is not a whole number; an event count must be an integer")
    _fail_if(nn != np.round(nn), n_name, nn, "is not a whole number; a number of patients must be an integer")
    ev_b, nn_b = np.broadcast_arrays(ev, nn)
    over = ev_b > nn_b
    if over.any():
        label, value = _where(e_name, ev_b, over)
        _, n_value = _where(n_name, nn_b, over)
        raise InputError(f"{label}={value:g} exceeds {n_name}={n_value:g}; events must be <= patients")
    return ev, nn


def _ci_bounds(lo_name: str, lo: ArrayLike, hi_name: str, hi: ArrayLike, *, ratio: bool) -> tuple:
    low = _num(lo_name, lo)
    high = _num(hi_name, hi)
    if ratio:
        low = _positive(lo_name, low, "a ratio's confidence limit")
        high = _positive(hi_name, high, "a ratio's confidence limit")
    low_b, high_b = np.broadcast_arrays(low, high)
    bad = low_b >= high_b
    if bad.any():
        label, value = _where(lo_name, low_b, bad)
        _, hv = _where(hi_name, high_b, bad)
        raise InputError(f"{label}={value:g} is not below {hi_name}={hv:g}; a CI needs ci_low < ci_high")
    return low, high


def _contains(est_name: str, est: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    est_b, low_b, high_b = np.broadcast_arrays(est, low, high)
    bad = (est_b < low_b) | (est_b > high_b)
    if bad.any():
        label, value = _where(est_name, est_b, bad)
        _, lv = _where("ci_low", low_b, bad)
        _, hv = _where("ci_high", high_b, bad)
        raise InputError(
            f"{label}={value:g} lies outside its CI ({lv:g}, {hv:g}); a CI must contain its estimate"
        )


def _out(*arrays: np.ndarray, scalar: bool):
    vals = tuple(float(a) if scalar else np.asarray(a, dtype=float) for a in arrays)
    return vals if len(vals) > 1 else vals[0]


def _is_scalar(*xs: ArrayLike) -> bool:
    return all(np.ndim(x) == 0 for x in xs)


def _z(level: float) -> float:
    """Two-sided normal quantile: z = Phi^-1((1 + level) / 2); 1.959964 for level = 0.95."""
    return float(special.ndtri((1.0 + level) / 2.0))


def _crit(level: float, df: ArrayLike | None) -> np.ndarray:
    """Two-sided critical value: normal if ``df`` is None, else Student t with ``df`` degrees of freedom."""
    if df is None:
        return np.asarray(_z(level))
    dfa = _positive("df", df, "degrees of freedom")
    return special.stdtrit(dfa, (1.0 + level) / 2.0)


def _z_from_p(p: np.ndarray, df: ArrayLike | None) -> np.ndarray:
    """Test statistic of a two-sided p: Phi^-1(1 - p/2), or the t quantile with ``df`` degrees of freedom."""
    if df is None:
        return special.ndtri(1.0 - p / 2.0)
    dfa = _positive("df", df, "degrees of freedom")
    return special.stdtrit(dfa, 1.0 - p / 2.0)


# ----------------------------------------------------------------------------------------------------------
# continuous outcomes
# ----------------------------------------------------------------------------------------------------------


def md_from_arms(
    mean_t: ArrayLike,
    sd_t: ArrayLike,
    n_t: ArrayLike,
    mean_c: ArrayLike,
    sd_c: ArrayLike,
    n_c: ArrayLike,
    *,
    pooled: bool = False,
):
    """Mean difference (treated minus control) and its sampling variance from arm means, SDs and sizes.

    ``yi = mean_t - mean_c`` (Borenstein et al. 2009, eq 4.1-4.2).

    Default (``pooled=False``; unequal variances, "Welch"; Borenstein 2009 eq 4.5; Cochrane Handbook
    6.5.1.1)::

        vi = sd_t² / n_t + sd_c² / n_c

    This is metafor's ``escalc(measure="MD")`` default (``vtype="LS"``). With ``pooled=True`` (equal
    variances; Borenstein 2009 eq 4.3-4.4; metafor ``vtype="HO"``)::

        s²_pooled = ((n_t - 1) sd_t² + (n_c - 1) sd_c²) / (n_t + n_c - 2)
        vi = (n_t + n_c) / (n_t n_c) · s²_pooled

    Returns
    -------
    (yi, vi)
    """
    scalar = _is_scalar(mean_t, sd_t, n_t, mean_c, sd_c, n_c)
    mt, mc = _num("mean_t", mean_t), _num("mean_c", mean_c)
    st, sc = _positive("sd_t", sd_t, "a standard deviation"), _positive("sd_c", sd_c, "a standard deviation")
    nt, nc = _sample_size("n_t", n_t), _sample_size("n_c", n_c)
    yi = mt - mc
    if pooled:
        nt_b, nc_b = np.broadcast_arrays(nt, nc)
        _fail_if(nt_b + nc_b <= 2, "n_t", nt_b, "with n_c leaves no degrees of freedom; a pooled SD needs "
                 "n_t + n_c > 2")
        s2 = ((nt - 1) * st**2 + (nc - 1) * sc**2) / (nt + nc - 2)
        vi = (nt + nc) / (nt * nc) * s2
    else:
        vi = st**2 / nt + sc**2 / nc
    return _out(yi, vi, scalar=scalar)


def md_from_arm_se(mean_t: ArrayLike, se_t: ArrayLike, mean_c: ArrayLike, se_c: ArrayLike):
    """Mean difference and variance from arm means and the standard errors of those means.

    ``yi = mean_t - mean_c``; ``vi = se_t² + se_c²`` (independent arms; equivalent to Borenstein 2009
    eq 4.5 with ``se = sd / sqrt(n)``, Cochrane Handbook 6.5.2.2).

    Returns
    -------
    (yi, vi)
    """
    scalar = _is_scalar(mean_t, se_t, mean_c, se_c)
    mt, mc = _num("mean_t", mean_t), _num("mean_c", mean_c)
    st, sc = _positive("se_t", se_t, "a standard error"), _positive("se_c", se_c, "a standard error")
    return _out(mt - mc, st**2 + sc**2, scalar=scalar)


def sd_from_se(se: ArrayLike, n: ArrayLike):
    """Standard deviation of one group from the standard error of its mean.

    ``SD = SE · sqrt(n)`` (Cochrane Handbook 6.5.2.2).
    """
    scalar = _is_scalar(se, n)
    s = _positive("se", se, "a standard error")
    nn = _sample_size("n", n)
    return _out(s * np.sqrt(nn), scalar=scalar)


def sd_from_ci(
    ci_low: ArrayLike,
    ci_high: ArrayLike,
    n: ArrayLike,
    level: float = 0.95,
    *,
    quantile: Literal["auto", "t", "normal"] = "auto",
):
    """Standard deviation of one group from the confidence interval of its mean.

    Cochrane Handbook 6.5.2.2::

        SD = sqrt(n) · (ci_high - ci_low) / (2 q)

    with ``q = 1.96`` for a 95% CI from a large sample (so the divisor is 3.92). The Handbook says a CI
    from a small sample ("say less than 60 in each group") should have been computed with a t quantile,
    ``q = t_{(1+level)/2, n-1}`` (its example: n = 25 gives q = 2.0639, divisor 4.128). Choice made here
    (``quantile="auto"``): t for ``n < 60``, normal otherwise; force one with ``quantile="t"`` or
    ``"normal"``.
    """
    scalar = _is_scalar(ci_low, ci_high, n)
    level = _level(level)
    low, high = _ci_bounds("ci_low", ci_low, "ci_high", ci_high, ratio=False)
    nn = _sample_size("n", n)
    if quantile not in ("auto", "t", "normal"):
        raise InputError(f"quantile={quantile!r} is not one of 'auto', 't', 'normal'")
    use_t = np.broadcast_to(nn < T_QUANTILE_BELOW_N if quantile == "auto" else quantile == "t", nn.shape)
    _fail_if(use_t & (nn < 2), "n", nn, "is below 2; a t quantile needs n - 1 >= 1 degrees of freedom")
    df = np.where(use_t, np.maximum(nn - 1, 1), np.inf)
    q = np.where(use_t, special.stdtrit(df, (1 + level) / 2), _z(level))
    return _out(np.sqrt(nn) * (high - low) / (2 * q), scalar=scalar)


def se_from_ci(
    ci_low: ArrayLike,
    ci_high: ArrayLike,
    level: float = 0.95,
    log: bool = False,
    df: ArrayLike | None = None,
):
    """Standard error of an estimate from its (symmetric) confidence interval.

    ``SE = (ci_high - ci_low) / (2 q)`` (Cochrane Handbook 6.5.2.3; Altman & Bland 2011 BMJ 343:d2304),
    where ``q = Phi^-1((1 + level)/2)`` (1.96 for 95%) or, when ``df`` is given, the t quantile
    ``t_{(1+level)/2, df}`` (the Handbook uses ``df = n_E + n_C - 2`` for a difference in means from small
    trials). With ``log=True`` the limits are of a ratio (OR, RR, HR) and the SE is of its logarithm:
    ``SE = (ln ci_high - ln ci_low) / (2 q)`` (Parmar et al. 1998; Tierney et al. 2007).
    """
    scalar = _is_scalar(ci_low, ci_high) and (df is None or np.ndim(df) == 0)
    level = _level(level)
    low, high = _ci_bounds("ci_low", ci_low, "ci_high", ci_high, ratio=log)
    if log:
        low, high = np.log(low), np.log(high)
    return _out((high - low) / (2 * _crit(level, df)), scalar=scalar)


def se_from_p(estimate: ArrayLike, p: ArrayLike, df: ArrayLike | None = None):
    """Standard error of an estimate from its two-sided p-value.

    Altman & Bland (2011, BMJ 343:d2090), steps 1-2: ``z`` is the normal test statistic for ``p`` and
    ``SE = |Est| / z``. Altman & Bland approximate ``z = -0.862 + sqrt(0.743 - 2.404 ln p)``; here the exact
    quantile ``z = Phi^-1(1 - p/2)`` is used (the two agree to about 0.2% over 0.001 <= p <= 0.5). With
    ``df`` the statistic is Student t, ``t = t^-1_{df}(1 - p/2)`` (Cochrane Handbook 6.5.2.3, which uses
    ``df = n_E + n_C - 2``). For a ratio pass the log ratio as ``estimate``. p is assumed two-sided.
    p = 1 (z = 0) and an estimate of exactly 0 with p < 1 cannot give a finite positive SE and raise.
    """
    scalar = _is_scalar(estimate, p) and (df is None or np.ndim(df) == 0)
    est = _num("estimate", estimate)
    pp = _p_value("p", p)
    _fail_if(pp == 1, "p", pp, "gives a test statistic of 0; the SE cannot be recovered from p = 1")
    est_b, pp_b = np.broadcast_arrays(est, pp)
    _fail_if(est_b == 0, "estimate", est_b, "with p < 1 is inconsistent; an estimate of 0 has p = 1")
    return _out(np.abs(est_b) / _z_from_p(pp_b, df), scalar=scalar)


def smd_hedges_g(
    mean_t: ArrayLike,
    sd_t: ArrayLike,
    n_t: ArrayLike,
    mean_c: ArrayLike,
    sd_c: ArrayLike,
    n_c: ArrayLike,
    *,
    exact: bool = True,
    variance: Literal["metafor", "borenstein"] = "metafor",
):
    """Standardised mean difference with Hedges' small-sample correction (Hedges' g) and its variance.

    Borenstein et al. 2009, eqs 4.18-4.24::

        S_within = sqrt(((n_t - 1) sd_t² + (n_c - 1) sd_c²) / (n_t + n_c - 2))      (4.19)
        d = (mean_t - mean_c) / S_within                                            (4.18)
        V_d = (n_t + n_c) / (n_t n_c) + d² / (2 (n_t + n_c))                         (4.20)
        g = J · d                                                                   (4.23)

    with ``m = n_t + n_c - 2`` and ``J`` either exact (Hedges 1981, eq 6e;
    ``J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``, ``exact=True``) or the usual approximation
    ``J = 1 - 3 / (4m - 1)`` (Borenstein 2009 eq 4.22, ``exact=False``).

    ``variance="metafor"`` (default) matches metafor's ``escalc(measure="SMD")`` (exact J,
    ``vtype="LS"``): ``vi = 1/n_t + 1/n_c + g² / (2 (n_t + n_c))``.
    ``variance="borenstein"`` gives Borenstein 2009 eq 4.24: ``V_g = J² V_d``.

    Returns
    -------
    (g, vi)
    """
    scalar = _is_scalar(mean_t, sd_t, n_t, mean_c, sd_c, n_c)
    mt, mc = _num("mean_t", mean_t), _num("mean_c", mean_c)
    st, sc = _positive("sd_t", sd_t, "a standard deviation"), _positive("sd_c", sd_c, "a standard deviation")
    nt, nc = _sample_size("n_t", n_t), _sample_size("n_c", n_c)
    nt_b, nc_b = np.broadcast_arrays(nt, nc)
    _fail_if(nt_b + nc_b - 2 < 2, "n_t", nt_b, "with n_c leaves < 2 degrees of freedom; Hedges' correction "
             "needs n_t + n_c - 2 >= 2")
    m = nt + nc - 2
    s_within = np.sqrt(((nt - 1) * st**2 + (nc - 1) * sc**2) / m)
    d = (mt - mc) / s_within
    if exact:
        j = np.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / np.sqrt(m / 2)
    else:
        j = 1 - 3 / (4 * m - 1)
    g = j * d
    if variance == "metafor":
        vi = 1 / nt + 1 / nc + g**2 / (2 * (nt + nc))
    elif variance == "borenstein":
        vi = j**2 * ((nt + nc) / (nt * nc) + d**2 / (2 * (nt + nc)))
    else:
        raise InputError(f"variance={variance!r} is not one of 'metafor', 'borenstein'")
    return _out(g, vi, scalar=scalar)


# ----------------------------------------------------------------------------------------------------------
# binary outcomes
# ----------------------------------------------------------------------------------------------------------


def log_or_from_counts(
    events_t: ArrayLike, n_t: ArrayLike, events_c: ArrayLike, n_c: ArrayLike, correction: float = 0.5
):
    """Log odds ratio (treated vs control) and Woolf's variance from a 2x2 table.

    With cells ``a = events_t, b = n_t - events_t, c = events_c, d = n_c - events_c`` (Woolf 1955)::

        yi = ln(a d / (b c)),      vi = 1/a + 1/b + 1/c + 1/d

    As metafor's ``escalc(measure="OR")`` default (``to="only0"``, ``add=1/2``), ``correction`` is added
    to all four cells of a table only when that table has a zero cell; a :class:`MetaanWarning` names the
    tables corrected. Tables with no events (or only events) in both arms are kept, as metafor does.

    Returns
    -------
    (yi, vi)
    """
    scalar = _is_scalar(events_t, n_t, events_c, n_c)
    et, nt = _counts("events_t", events_t, "n_t", n_t)
    ec, nc = _counts("events_c", events_c, "n_c", n_c)
    a, c, nt_b, nc_b = np.broadcast_arrays(et, ec, nt, nc)
    b, d = nt_b - a, nc_b - c
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    if zero.any():
        if isinstance(correction, bool) or not (isinstance(correction, int | float | np.number)
                                                 and correction > 0):
            raise InputError(f"correction={correction!r} with a zero cell gives an infinite log OR; "
                             "the continuity correction must be > 0")
        where = "the table" if a.ndim == 0 else f"tables {np.flatnonzero(zero.ravel()).tolist()}"
        warnings.warn(f"{correction:g} added to every cell of {where} with a zero cell (metafor 'only0')",
                      MetaanWarning, stacklevel=2)
        add = np.where(zero, float(correction), 0.0)
        a, b, c, d = a + add, b + add, c + add, d + add
    yi = np.log(a * d / (b * c))
    vi = 1 / a + 1 / b + 1 / c + 1 / d
    return _out(yi, vi, scalar=scalar)


def counts_from_percent(pct: ArrayLike, n: ArrayLike):
    """Event counts from a printed percentage: ``events = round(pct · n / 100)``.

    Rounds to the nearest integer, halves upwards (``floor(x + 0.5)``, not numpy's round-half-to-even).
    A derived count is an assumption, not a printed number; the second output flags counts where
    ``pct · n / 100`` was not already a whole number (within 1e-9), i.e. where rounding changed it.

    Returns
    -------
    (events, rounded): events as float (whole numbers), rounded as bool.
    """
    scalar = _is_scalar(pct, n)
    pc = _num("pct", pct)
    _fail_if((pc < 0) | (pc > 100), "pct", pc, "is outside [0, 100]; a percentage must be in [0, 100]")
    nn = _sample_size("n", n)
    _fail_if(nn != np.round(nn), "n", nn, "is not a whole number; a number of patients must be an integer")
    raw = pc * nn / 100.0
    events = np.floor(raw + 0.5)
    rounded = np.abs(raw - events) > 1e-9
    if scalar:
        return float(events), bool(rounded)
    return events, rounded


def _log_ratio_from_ci(name: str, ratio: ArrayLike, ci_low: ArrayLike, ci_high: ArrayLike, level: float):
    scalar = _is_scalar(ratio, ci_low, ci_high)
    level = _level(level)
    r = _positive(name, ratio, "a ratio")
    low, high = _ci_bounds("ci_low", ci_low, "ci_high", ci_high, ratio=True)
    _contains(name, r, low, high)
    se = (np.log(high) - np.log(low)) / (2 * _z(level))
    yi = np.broadcast_to(np.log(r), np.broadcast(r, low, high).shape)
    return _out(yi, se**2, scalar=scalar)


def _log_ratio_from_p(name: str, ratio: ArrayLike, p: ArrayLike):
    scalar = _is_scalar(ratio, p)
    r = _positive(name, ratio, "a ratio")
    yi = np.log(r)
    se = se_from_p(yi, p)
    return _out(np.broadcast_to(yi, np.shape(se)), np.asarray(se) ** 2, scalar=scalar)


def log_or_from_ci(or_: ArrayLike, ci_low: ArrayLike, ci_high: ArrayLike, level: float = 0.95):
    """Log odds ratio and variance from a printed OR and its confidence interval.

    ``yi = ln OR``; ``SE = (ln ci_high - ln ci_low) / (2 · 1.96)`` for a 95% CI (Altman & Bland 2011,
    BMJ 343:d2304, part b; Cochrane Handbook 6.3.2); ``vi = SE²``. The Wald CI of a ratio is symmetric on
    the log scale, so the printed estimate is used as the centre and must lie inside the CI.

    Returns
    -------
    (yi, vi)
    """
    return _log_ratio_from_ci("or_", or_, ci_low, ci_high, level)


def log_or_from_p(or_: ArrayLike, p: ArrayLike):
    """Log odds ratio and variance from a printed OR and its two-sided p-value.

    ``yi = ln OR``, ``SE = |ln OR| / z`` with ``z = Phi^-1(1 - p/2)`` (Altman & Bland 2011, BMJ 343:d2090,
    part b: "the above formulas should be used with the estimate Est on the log scale"); ``vi = SE²``.

    Returns
    -------
    (yi, vi)
    """
    return _log_ratio_from_p("or_", or_, p)


# ----------------------------------------------------------------------------------------------------------
# time-to-event outcomes
# ----------------------------------------------------------------------------------------------------------


def log_hr_from_ci(hr: ArrayLike, ci_low: ArrayLike, ci_high: ArrayLike, level: float = 0.95):
    """Log hazard ratio and variance from a printed HR and its confidence interval.

    Parmar et al. 1998 (Stat Med 17:2815) and Tierney et al. 2007 (Trials 8:16, "HR and CI" method)::

        yi = ln HR,    SE = (ln ci_high - ln ci_low) / (2 · Phi^-1((1 + level)/2)),    vi = SE²

    Tierney et al. express the same as ``V = 1 / SE²`` and ``O - E = ln(HR) · V``.

    Returns
    -------
    (yi, vi)
    """
    return _log_ratio_from_ci("hr", hr, ci_low, ci_high, level)


def log_hr_from_p(hr: ArrayLike, p: ArrayLike):
    """Log hazard ratio and variance from a printed HR and its two-sided p-value.

    ``yi = ln HR``, ``SE = |ln HR| / Phi^-1(1 - p/2)`` (Altman & Bland 2011, BMJ 343:d2090; Tierney et al.
    2007 use the same normal deviate of p/2); ``vi = SE²``.

    Returns
    -------
    (yi, vi)
    """
    return _log_ratio_from_p("hr", hr, p)


def _direction_sign(direction: Any) -> int:
    mapping = {-1: -1, 1: 1, "favours_cells": -1, "favours_control": 1}
    key = direction if not isinstance(direction, str) else direction.strip().lower()
    try:
        return mapping[key]
    except (KeyError, TypeError):
        raise InputError(
            f"direction={direction!r} is not one of -1, +1, 'favours_cells', 'favours_control'; it is the "
            "sign of the log HR (cells vs control): -1 when the cells arm had fewer events than expected"
        ) from None


def log_hr_from_logrank(
    p: ArrayLike,
    events_total: ArrayLike | None = None,
    direction: Any = None,
    *,
    ratio: ArrayLike = 1.0,
    events_t: ArrayLike | None = None,
    events_c: ArrayLike | None = None,
    one_sided: bool = False,
):
    """Log hazard ratio from a log-rank p-value and event counts (Tierney et al. 2007, Trials 8:16).

    Tierney et al. estimate the log-rank observed-minus-expected events ``O - E`` of the research (cells)
    arm and its variance ``V``, then ``ln HR = (O - E) / V`` and ``var(ln HR) = 1 / V`` (Peto / log-rank
    approximation; Parmar et al. 1998).

    * Events in each arm given (``events_t``, ``events_c``; Tierney 2007 eq 14, "O - E = sqrt(observed
      events research × observed events control / total observed events) × z score for P value / 2",
      with ``V`` the same product ratio, as in Parmar et al. 1998)::

          V = O_t · O_c / (O_t + O_c),        O - E = sqrt(V) · z

    * Only the total number of events ``O`` given, with allocation ratio ``R = ratio`` (patients
      randomised to cells per patient randomised to control; 1 for 1:1). Tierney et al. assume the events
      split in the allocation ratio, ``O_t = O R / (1+R)`` and ``O_c = O / (1+R)``, so the formula above
      becomes::

          V = O · R / (1 + R)²        (= O / 4 for 1:1 randomisation)

    Here ``z = Phi^-1(1 - p/2)`` for a two-sided p (Tierney's "z score for P value / 2") or
    ``Phi^-1(1 - p)`` with ``one_sided=True``. The p-value carries no sign, so ``direction`` (required)
    gives it: the sign of ln HR (cells vs control), ``-1`` / ``"favours_cells"`` when the cells arm had
    fewer events than expected, ``+1`` / ``"favours_control"`` otherwise.

    Returns
    -------
    (yi, vi)
    """
    sign = _direction_sign(direction)
    pp = _p_value("p", p)
    _fail_if(pp == 1, "p", pp, "gives z = 0; the log-rank method needs p < 1")
    if events_t is not None or events_c is not None:
        if events_t is None or events_c is None:
            raise InputError("give both events_t and events_c (or events_total with ratio)")
        if events_total is not None:
            raise InputError("give either events_t and events_c, or events_total with ratio, not both")
        scalar = _is_scalar(p, events_t, events_c)
        ot = _positive("events_t", events_t, "an event count for the log-rank method")
        oc = _positive("events_c", events_c, "an event count for the log-rank method")
        v = ot * oc / (ot + oc)
    else:
        if events_total is None:
            raise InputError("events_total (with ratio) or events_t and events_c is required")
        scalar = _is_scalar(p, events_total, ratio)
        o = _positive("events_total", events_total, "a total event count")
        r = _positive("ratio", ratio, "an allocation ratio")
        v = o * r / (1 + r) ** 2
    z = special.ndtri(1 - pp) if one_sided else special.ndtri(1 - pp / 2)
    o_minus_e = sign * np.sqrt(v) * z
    return _out(o_minus_e / v, 1 / v, scalar=scalar)


def log_hr_from_medians(median_t: ArrayLike, median_c: ArrayLike, events_t: ArrayLike, events_c: ArrayLike):
    """Log hazard ratio from median survival times, ASSUMING exponential survival in both arms.

    Under an exponential model the hazard is ``lambda = ln 2 / median`` and its maximum-likelihood
    estimate with ``O`` events has ``var(ln lambda) = 1 / O``, so (Michiels et al. 2005, Int J Technol
    Assess Health Care 21:119)::

        yi = ln HR = ln(lambda_t / lambda_c) = ln(median_c / median_t),    vi = 1/events_t + 1/events_c

    A :class:`MetaanWarning` is always emitted: the exponential assumption is made and is rarely checkable.

    Returns
    -------
    (yi, vi)
    """
    scalar = _is_scalar(median_t, median_c, events_t, events_c)
    mt = _positive("median_t", median_t, "a median survival time")
    mc = _positive("median_c", median_c, "a median survival time")
    et = _positive("events_t", events_t, "an event count for this method")
    ec = _positive("events_c", events_c, "an event count for this method")
    warnings.warn("log HR from median survival assumes exponential survival in both arms (Michiels 2005)",
                  MetaanWarning, stacklevel=2)
    mt, mc, et, ec = np.broadcast_arrays(mt, mc, et, ec)
    return _out(np.log(mc / mt), 1 / et + 1 / ec, scalar=scalar)


# ----------------------------------------------------------------------------------------------------------
# means and SDs from medians, quartiles and ranges
# ----------------------------------------------------------------------------------------------------------


def _ordered(names: Sequence[str], values: Sequence[np.ndarray]) -> None:
    """Raise unless values[0] <= values[1] <= ... and values[0] < values[-1] (element-wise)."""
    for i in range(len(names) - 1):
        a, b = np.broadcast_arrays(values[i], values[i + 1])
        bad = a > b
        if bad.any():
            label, value = _where(names[i], a, bad)
            _, next_value = _where(names[i + 1], b, bad)
            raise InputError(f"{label}={value:g} exceeds {names[i + 1]}={next_value:g}; the summary must be "
                             f"ordered {' <= '.join(names)}")
    a, b = np.broadcast_arrays(values[0], values[-1])
    bad = a == b
    if bad.any():
        label, value = _where(names[0], a, bad)
        raise InputError(f"{label}={value:g} equals {names[-1]}; a spread of zero gives no SD")


def _xi(n: np.ndarray) -> np.ndarray:
    """Wan 2014 eq 9: 2 Phi^-1((n - 0.375) / (n + 0.25)), approximating the expected standardised range."""
    return 2 * special.ndtri((n - 0.375) / (n + 0.25))


def _eta(n: np.ndarray) -> np.ndarray:
    """Wan 2014 eq 16: 2 Phi^-1((0.75 n - 0.125) / (n + 0.25)), approximating the standardised IQR."""
    return 2 * special.ndtri((0.75 * n - 0.125) / (n + 0.25))


def mean_sd_from_median_range(minimum: ArrayLike, median: ArrayLike, maximum: ArrayLike, n: ArrayLike):
    """Mean and SD from the median, minimum, maximum and sample size (scenario S1 / C1).

    Mean: Luo et al. 2018, scenario S1, with weight ``w = 4 / (4 + n^0.75)``::

        mean = w · (min + max)/2 + (1 - w) · median

    SD: Wan et al. 2014, eq 9 (the Blom-type approximation of ``xi(n)`` in their eq 7)::

        SD = (max - min) / (2 Phi^-1((n - 0.375) / (n + 0.25)))

    The approximation is used for every n (Wan's Table 1 gives the exact ``xi(n)`` for n <= 50; the two
    differ by < 1.5% for n >= 5).

    Returns
    -------
    (mean, sd)
    """
    scalar = _is_scalar(minimum, median, maximum, n)
    a, m, b = _num("minimum", minimum), _num("median", median), _num("maximum", maximum)
    nn = _sample_size("n", n)
    _fail_if(nn < 2, "n", nn, "is below 2; a range needs n >= 2")
    _ordered(("minimum", "median", "maximum"), (a, m, b))
    w = 4 / (4 + nn**0.75)
    mean = w * (a + b) / 2 + (1 - w) * m
    sd = (b - a) / _xi(nn)
    return _out(mean, sd, scalar=scalar)


def mean_sd_from_median_iqr(q1: ArrayLike, median: ArrayLike, q3: ArrayLike, n: ArrayLike):
    """Mean and SD from the median, first and third quartiles and sample size (scenario S2 / C3).

    Mean: Luo et al. 2018, scenario S2, with weight ``w = 0.7 + 0.39 / n``::

        mean = w · (q1 + q3)/2 + (1 - w) · median

    SD: Wan et al. 2014, eq 16 (the approximation of ``eta(n)`` in their eq 15)::

        SD = (q3 - q1) / (2 Phi^-1((0.75 n - 0.125) / (n + 0.25)))

    Returns
    -------
    (mean, sd)
    """
    scalar = _is_scalar(q1, median, q3, n)
    lo, m, hi = _num("q1", q1), _num("median", median), _num("q3", q3)
    nn = _sample_size("n", n)
    _fail_if(nn < 2, "n", nn, "is below 2; quartiles need n >= 2")
    _ordered(("q1", "median", "q3"), (lo, m, hi))
    w = 0.7 + 0.39 / nn
    mean = w * (lo + hi) / 2 + (1 - w) * m
    sd = (hi - lo) / _eta(nn)
    return _out(mean, sd, scalar=scalar)


def mean_sd_from_five_numbers(
    minimum: ArrayLike, q1: ArrayLike, median: ArrayLike, q3: ArrayLike, maximum: ArrayLike, n: ArrayLike
):
    """Mean and SD from the five-number summary and sample size (scenario S3 / C2).

    Mean: Luo et al. 2018, scenario S3, with weights ``w1 = 2.2 / (2.2 + n^0.75)`` and
    ``w2 = 0.7 - 0.72 / n^0.55``::

        mean = w1 · (min + max)/2 + w2 · (q1 + q3)/2 + (1 - w1 - w2) · median

    SD: Wan et al. 2014, eq 13 (the approximation of their eq 12)::

        SD = (max - min) / (4 Phi^-1((n - 0.375)/(n + 0.25)))
             + (q3 - q1) / (4 Phi^-1((0.75 n - 0.125)/(n + 0.25)))

    (metafor >= 4's ``conv.fivenum`` defaults to Shi et al. 2020's SD for this scenario; Wan's is used here.)

    Returns
    -------
    (mean, sd)
    """
    scalar = _is_scalar(minimum, q1, median, q3, maximum, n)
    a, lo, m = _num("minimum", minimum), _num("q1", q1), _num("median", median)
    hi, b = _num("q3", q3), _num("maximum", maximum)
    nn = _sample_size("n", n)
    _fail_if(nn < 2, "n", nn, "is below 2; a five-number summary needs n >= 2")
    _ordered(("minimum", "q1", "median", "q3", "maximum"), (a, lo, m, hi, b))
    w1 = 2.2 / (2.2 + nn**0.75)
    w2 = 0.7 - 0.72 / nn**0.55
    mean = w1 * (a + b) / 2 + w2 * (lo + hi) / 2 + (1 - w1 - w2) * m
    sd = (b - a) / (2 * _xi(nn)) + (hi - lo) / (2 * _eta(nn))
    return _out(mean, sd, scalar=scalar)


# ----------------------------------------------------------------------------------------------------------
# effect_sizes: the tidy table from data/trials.csv rows
# ----------------------------------------------------------------------------------------------------------

MEASURE_BY_OUTCOME = {
    "alsfrs_change": "MD",
    "alsfrs_slope": "MD",
    "alsfrs_slope_change": "MD",
    "responder": "logOR",
    "survival": "logHR",
}

OUTPUT_COLUMNS = (
    "study", "label", "yi", "vi", "sei", "measure", "derivation", "design", "control", "n_t", "n_c",
    "evidence", "risk_of_bias", "timepoint_months", "population", "outcome", "outcome_detail",
    "result_version", "source_url", "locator",
)

_REQUIRED = (
    "study", "design", "control", "outcome", "status", "evidence", "timepoint_months", "population",
    "contrast_direction", "measure", "n_t", "n_c",
)

_LEVEL_RE = re.compile(r"(\d{2}(?:\.\d+)?)\s*%\s*(?:CI|confidence)", re.IGNORECASE)
_P_BOUND_RE = re.compile(r"\bp\s*(?:<|≤|<=)", re.IGNORECASE)


class _Skip(Exception):
    """A row that passed the filters but gives no effect size (reason in the message)."""


def _text(row: pd.Series, col: str) -> str:
    v = row.get(col)
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v) else str(v).strip()


def _val(row: pd.Series, col: str) -> float:
    v = row.get(col)
    if v is None or (not isinstance(v, str) and pd.isna(v)) or (isinstance(v, str) and not v.strip()):
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InputError(f"column {col}: {v!r} is not a number") from None


def _has(*xs: float) -> bool:
    return all(not math.isnan(x) for x in xs)


def _ci_level(row: pd.Series) -> float:
    """95% unless the notes say otherwise (SPEC.md: 'ci_low, ci_high (95% unless notes say otherwise)')."""
    m = _LEVEL_RE.search(_text(row, "notes"))
    return float(m.group(1)) / 100 if m else 0.95


def _crit_label(df: float | None) -> str:
    return "normal quantile" if df is None else f"t quantile, df={df:g}"


def _small_sample_df(n_t: float, n_c: float) -> float | None:
    """Cochrane Handbook 6.5.2.3: t with n_t + n_c - 2 df when a group has < 60 patients, else normal."""
    if _has(n_t, n_c) and min(n_t, n_c) < T_QUANTILE_BELOW_N and n_t + n_c > 2:
        return n_t + n_c - 2
    return None


def _flip_md(row: pd.Series) -> bool:
    direction = _text(row, "contrast_direction")
    if direction == "cells_minus_control":
        return False
    if direction == "control_minus_cells":
        return True
    raise _Skip(f"printed MD has contrast_direction={direction!r}; expected cells_minus_control or "
                "control_minus_cells")


def _flip_ratio(row: pd.Series) -> bool:
    direction = _text(row, "contrast_direction")
    if direction == "cells_vs_control":
        return False
    if direction == "control_vs_cells":
        return True
    raise _Skip(f"printed ratio has contrast_direction={direction!r}; expected cells_vs_control or "
                "control_vs_cells")


def _p_note(row: pd.Series) -> str:
    printed = _text(row, "notes") + " " + _text(row, "as_printed")
    return " (p printed as an upper bound; SE is conservative)" if _P_BOUND_RE.search(printed) else ""


def _from_printed_difference(row: pd.Series, est: float, df: float | None, what: str) -> tuple | None:
    """(yi, vi, how) for a printed difference with SE, CI or p; None when none of them is printed."""
    se, lo, hi, p = (_val(row, c) for c in ("se", "ci_low", "ci_high", "p"))
    if _has(se):
        return est, _positive("se", se, "a standard error") ** 2, f"{what} and SE"
    if _has(lo, hi):
        level = _ci_level(row)
        _contains("estimate", np.asarray(est), *_ci_bounds("ci_low", lo, "ci_high", hi, ratio=False))
        s = se_from_ci(lo, hi, level=level, df=df)
        return est, s**2, f"{what} and {level * 100:g}% CI ({_crit_label(df)})"
    if _has(p):
        s = se_from_p(est, p, df=df)
        return est, s**2, f"{what} and p-value ({_crit_label(df)}){_p_note(row)}"
    return None


def _md_row(row: pd.Series) -> tuple[float, float, str]:
    n_t, n_c = _val(row, "n_t"), _val(row, "n_c")
    est = _val(row, "estimate")
    problem = "no printed MD with SE/CI/p and no arm means with SD (and n) or SE"
    if _text(row, "measure") == "MD" and _has(est):
        got = _from_printed_difference(row, est, _small_sample_df(n_t, n_c), "MD from printed difference")
        if got is not None:
            try:
                flip = _flip_md(row)
            except _Skip as reason:
                problem = f"{reason}, and no usable arm statistics"
            else:
                yi, vi, how = got
                how += "; sign flipped from control minus cells" if flip else ""
                return (-yi if flip else yi), vi, how
    m_t, m_c = _val(row, "mean_t"), _val(row, "mean_c")
    if _has(m_t, m_c):
        sd_t, sd_c, se_t, se_c = (_val(row, c) for c in ("sd_t", "sd_c", "se_t", "se_c"))
        if _has(sd_t, sd_c, n_t, n_c):
            yi, vi = md_from_arms(m_t, sd_t, n_t, m_c, sd_c, n_c)
            return yi, vi, "MD from arm means and SDs (Welch)"
        if _has(se_t, se_c):
            yi, vi = md_from_arm_se(m_t, se_t, m_c, se_c)
            return yi, vi, "MD from arm means and SEs"
        arm_var = []
        for sd, se, n, arm in ((sd_t, se_t, n_t, "t"), (sd_c, se_c, n_c, "c")):
            if _has(se):
                arm_var.append(_positive(f"se_{arm}", se, "a standard error") ** 2)
            elif _has(sd, n):
                arm_var.append(_positive(f"sd_{arm}", sd, "a standard deviation") ** 2
                               / _sample_size(f"n_{arm}", n))
        if len(arm_var) == 2:
            how = "MD from arm means with an SD in one arm and an SE in the other"
            return m_t - m_c, float(arm_var[0] + arm_var[1]), how
    raise _Skip(problem)


def _or_row(row: pd.Series) -> tuple[float, float, str]:
    est, lo, hi, p = (_val(row, c) for c in ("estimate", "ci_low", "ci_high", "p"))
    problem = "no printed OR with CI/p and no events and n in both arms"
    if _text(row, "measure") == "OR" and _has(est) and (_has(lo, hi) or _has(p)):
        try:
            flip = _flip_ratio(row)
        except _Skip as reason:
            problem = f"{reason}, and no events and n in both arms"
        else:
            if _has(lo, hi):
                level = _ci_level(row)
                yi, vi = log_or_from_ci(est, lo, hi, level=level)
                how = f"log OR from printed OR and {level * 100:g}% CI"
            else:
                yi, vi = log_or_from_p(est, p)
                how = f"log OR from printed OR and p-value (normal quantile){_p_note(row)}"
            how += "; inverted from control vs cells" if flip else ""
            return (-yi if flip else yi), vi, how
    e_t, n_t, e_c, n_c = (_val(row, c) for c in ("events_t", "n_t", "events_c", "n_c"))
    if _has(e_t, n_t, e_c, n_c):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yi, vi = log_or_from_counts(e_t, n_t, e_c, n_c)
        corrected = any(issubclass(w.category, MetaanWarning) for w in caught)
        how = "log OR from 2x2 counts" + ("; 0.5 added to every cell (zero cell)" if corrected else "")
        return yi, vi, how
    raise _Skip(problem)


def _hr_row(row: pd.Series) -> tuple[float, float, str]:
    hr, lo, hi = _val(row, "hr"), _val(row, "hr_ci_low"), _val(row, "hr_ci_high")
    p = _val(row, "p")
    if not _has(hr) and _text(row, "measure") == "HR":
        hr, lo, hi = _val(row, "estimate"), _val(row, "ci_low"), _val(row, "ci_high")
    problem = "no HR with CI/p and no medians with events in both arms"
    if _has(hr) and (_has(lo, hi) or _has(p)):
        try:
            flip = _flip_ratio(row)
        except _Skip as reason:
            problem = f"{reason}, and no medians with events in both arms"
        else:
            if _has(lo, hi):
                level = _ci_level(row)
                yi, vi = log_hr_from_ci(hr, lo, hi, level=level)
                how = f"log HR from HR and {level * 100:g}% CI"
            else:
                yi, vi = log_hr_from_p(hr, p)
                how = f"log HR from HR and p-value (normal quantile){_p_note(row)}"
            how += "; inverted from control vs cells" if flip else ""
            return (-yi if flip else yi), vi, how
    med_t, med_c, e_t, e_c = (_val(row, c) for c in ("median_t", "median_c", "events_t", "events_c"))
    if _has(med_t, med_c, e_t, e_c):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetaanWarning)
            yi, vi = log_hr_from_medians(med_t, med_c, e_t, e_c)
        return yi, vi, "log HR from medians (exponential assumption)"
    raise _Skip(problem)


def _single_arm_row(row: pd.Series) -> tuple[float, float, str]:
    tail = " (single arm, no control)"
    m_t, sd_t, se_t, n_t = (_val(row, c) for c in ("mean_t", "sd_t", "se_t", "n_t"))
    if _has(m_t) and _has(se_t):
        vi = _positive("se_t", se_t, "a standard error") ** 2
        return m_t, vi, "within-arm mean change from mean and SE" + tail
    if _has(m_t, sd_t, n_t):
        vi = _positive("sd_t", sd_t, "a standard deviation") ** 2 / _sample_size("n_t", n_t)
        return m_t, vi, "within-arm mean change from mean and SD" + tail
    est = _val(row, "estimate")
    if _has(est):
        df = n_t - 1 if _has(n_t) and 1 < n_t < T_QUANTILE_BELOW_N else None
        got = _from_printed_difference(row, est, df, "within-arm change from printed estimate")
        if got is not None:
            return got[0], got[1], got[2] + tail
    raise _Skip("single-arm row without a mean change with SD/SE or a printed estimate with SE/CI/p")


def _match(values: pd.Series, wanted: Any) -> pd.Series:
    wanted_list = [wanted] if isinstance(wanted, str) or not isinstance(wanted, Sequence) else list(wanted)
    return values.isin(wanted_list)


def _labels(out: pd.DataFrame) -> list[str]:
    """Study key, plus the fields that tell several rows of one study apart (e.g. ``Oh2018 (6 mo)``)."""
    labels = out["study"].astype(str).tolist()
    fields = ("timepoint_months", "population", "outcome_detail", "result_version", "measure")
    for _, group in out.groupby("study", sort=False):
        if len(group) < 2:
            continue
        varying = [f for f in fields if group[f].astype(str).nunique(dropna=False) > 1]
        for i, r in group.iterrows():
            parts = []
            for f in varying:
                v = r[f]
                if f == "timepoint_months":
                    parts.append("no time point" if pd.isna(v) else f"{v:g} mo")
                elif isinstance(v, str) and v:
                    parts.append(v)
            if parts:
                labels[int(i)] = f"{labels[int(i)]} ({', '.join(parts)})"
    totals = Counter(labels)
    seen: Counter[str] = Counter()
    for i, lab in enumerate(labels):
        if totals[lab] > 1:
            seen[lab] += 1
            labels[i] = f"{lab} #{seen[lab]}"
    return labels


def effect_sizes(
    trials: pd.DataFrame,
    outcome: str,
    *,
    timepoint_months: float | None = None,
    population: str | Sequence[str] | None = None,
    evidence: str | Sequence[str] = "primary",
    include_single_arm: bool = False,
) -> pd.DataFrame:
    """Effect sizes ``(yi, vi)`` for one outcome from ``data/trials.csv`` rows, one output row per input row.

    Parameters
    ----------
    trials
        DataFrame with the SPEC.md columns (as ``load_trials`` returns them; numeric columns float).
    outcome
        ``alsfrs_change``, ``alsfrs_slope``, ``alsfrs_slope_change`` (measure ``"MD"``), ``responder``
        (``"logOR"``) or ``survival`` (``"logHR"``).
    timepoint_months, population
        Keep only rows at this time point (months) / in this analysis population (a string or a list).
        By default every time point and population is kept: filter before pooling.
    evidence
        ``"primary"`` (default; secondary sources excluded), ``"secondary"``, ``"all"``, or a list.
    include_single_arm
        Also return single-arm rows (``design == "single_arm"`` or ``control == "none"``) as within-arm
        before/after changes, measure ``"mean_change"`` (continuous outcomes only). These are not
        between-arm effects and must not be pooled with them.

    Notes
    -----
    Only ``status == "extracted"`` rows. For a between-arm row, a printed contrast is preferred (estimate
    with SE, else CI, else p), then arm statistics: MD from arm means and SDs (Welch, :func:`md_from_arms`)
    or SEs; log OR from a printed OR or from 2x2 counts (:func:`log_or_from_counts`); log HR from HR and CI
    or p, else from medians with events (:func:`log_hr_from_medians`, exponential assumption). CIs are 95%
    unless the notes give another level ("90% CI"). A printed MD's CI or p is converted with a t quantile
    on ``n_t + n_c - 2`` df when an arm has < 60 patients (Cochrane Handbook 6.5.2.3), else normal.
    ``contrast_direction`` is applied so that a positive MD favours cells, log OR > 0 favours cells and
    log HR < 0 favours cells. The ``derivation`` column names the conversion of every row.

    Rows that pass the filters but give no effect size are listed in one :class:`MetaanWarning`; so are
    rows using a continuity correction or the exponential-survival assumption. Bad numbers raise
    :class:`InputError` naming the study and row.

    Returns
    -------
    DataFrame with columns ``OUTPUT_COLUMNS`` (``sei = sqrt(vi)``), in input order.
    """
    if outcome not in MEASURE_BY_OUTCOME:
        raise InputError(f"outcome={outcome!r} is not one of {', '.join(MEASURE_BY_OUTCOME)}")
    if not isinstance(trials, pd.DataFrame):
        raise InputError(f"trials must be a pandas DataFrame, not {type(trials).__name__}")
    missing = [c for c in _REQUIRED if c not in trials.columns]
    if missing:
        raise InputError(f"trials lacks column(s) {', '.join(missing)}; see the SPEC.md columns")
    measure = MEASURE_BY_OUTCOME[outcome]
    levels = [evidence] if isinstance(evidence, str) else list(evidence)
    unknown = [e for e in levels if e not in ("primary", "secondary", "all")]
    if unknown or not levels:
        raise InputError(f"evidence={evidence!r} is not 'primary', 'secondary', 'all' or a list of them")

    keep = (trials["status"].astype(str).str.strip() == "extracted") & (trials["outcome"] == outcome)
    if "all" not in levels:
        keep &= _match(trials["evidence"], levels)
    if timepoint_months is not None:
        tp = pd.to_numeric(trials["timepoint_months"], errors="coerce")
        keep &= np.isclose(tp.to_numpy(dtype=float), float(timepoint_months), rtol=0, atol=1e-6)
    if population is not None:
        keep &= _match(trials["population"], population)
    rows = trials[keep.to_numpy()]

    converters = {"MD": _md_row, "logOR": _or_row, "logHR": _hr_row}
    records, skipped, notes = [], [], {"zero cell": [], "exponential": []}
    for idx, row in rows.iterrows():
        study = _text(row, "study")
        where = f"study {study} (trials row {idx})"
        single = _text(row, "design") == "single_arm" or _text(row, "control") == "none"
        if single and not include_single_arm:
            continue
        try:
            if single:
                if measure != "MD":
                    raise _Skip("single-arm rows give within-arm effects only for ALSFRS-R outcomes")
                yi, vi, how = _single_arm_row(row)
                row_measure = "mean_change"
            else:
                yi, vi, how = converters[measure](row)
                row_measure = measure
            n_t, n_c, tp = _val(row, "n_t"), _val(row, "n_c"), _val(row, "timepoint_months")
        except _Skip as reason:
            skipped.append(f"{where}: {reason}")
            continue
        except InputError as err:
            raise InputError(f"{where}, outcome {outcome}: {err}") from err
        yi, vi = float(yi), float(vi)
        if not (math.isfinite(yi) and math.isfinite(vi) and vi > 0):
            raise InputError(f"{where}, outcome {outcome}: conversion gave yi={yi}, vi={vi}; vi must be > 0")
        if "zero cell" in how:
            notes["zero cell"].append(study)
        if "exponential" in how:
            notes["exponential"].append(study)
        rec = {c: row.get(c, math.nan) for c in OUTPUT_COLUMNS}
        rec.update(study=study, yi=yi, vi=vi, sei=math.sqrt(vi), measure=row_measure, derivation=how,
                   n_t=n_t, n_c=n_c, timepoint_months=tp)
        records.append(rec)

    if skipped:
        warnings.warn(f"effect_sizes(outcome={outcome!r}): {len(skipped)} row(s) gave no effect size: "
                      + "; ".join(skipped), MetaanWarning, stacklevel=2)
    if notes["zero cell"]:
        warnings.warn("effect_sizes: 0.5 continuity correction added to 2x2 tables with a zero cell for "
                      + ", ".join(notes["zero cell"]), MetaanWarning, stacklevel=2)
    if notes["exponential"]:
        warnings.warn("effect_sizes: log HR from median survival assumes exponential survival for "
                      + ", ".join(notes["exponential"]), MetaanWarning, stacklevel=2)

    out = pd.DataFrame.from_records(records, columns=list(OUTPUT_COLUMNS))
    for col in ("yi", "vi", "sei", "n_t", "n_c", "timepoint_months"):
        out[col] = out[col].astype(float)
    out["label"] = _labels(out) if len(out) else []
    return out.reset_index(drop=True)
