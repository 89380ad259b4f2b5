"""Conversions from printed trial statistics to effect sizes ``(yi, vi)``, each with its reference.

Every conversion is a pure, numpy-vectorised function whose docstring gives the formula and its reference.
Inputs broadcast against each other; when every input is a scalar the outputs are Python floats.
Bad input (negative SD/SE, n <= 0, events > n, a CI that does not contain its estimate, p outside (0, 1],
NaN, ...) raises :class:`metaan.errors.InputError` with a message naming the argument, the value and the rule.
The input checks are in :mod:`metaan.checks`; the t/normal quantiles of a CI or p-value are here.

Import these from :mod:`metaan.effects`, which re-exports every converter.

References
----------
- Altman DG, Bland JM (2011). How to obtain the confidence interval from a P value. BMJ 343:d2090.
- Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to Meta-Analysis. Wiley, chapter 4.
- Higgins JPT et al., eds (2023). Cochrane Handbook for Systematic Reviews of Interventions v6.4, chapter 6
  (sections 6.5.1, 6.5.2.2, 6.5.2.3; sections 7.7.3.2-7.7.3.3 in v5.1).
- Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related estimators.
  J Educ Stat 6:107-128.
- Michiels S, Piedbois P, Burdett S, et al. (2005). Meta-analysis when only the median survival times are
  known: a comparison with individual patient data results. Int J Technol Assess Health Care 21(1):119-125.
- Parmar MKB, Torri V, Stewart L (1998). Extracting summary statistics to perform meta-analyses of the
  published literature for survival endpoints. Stat Med 17:2815-2834.
- Tierney JF, Stewart LA, Ghersi D, Burdett S, Sydes MR (2007). Practical methods for incorporating summary
  time-to-event data into meta-analysis. Trials 8:16.
- Woolf B (1955). On estimating the relation between blood group and disease. Ann Hum Genet 19:251-253.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
from scipy import special

from .checks import (
    ArrayLike,
    _ci_bounds,
    _contains,
    _counts,
    _fail_if,
    _is_scalar,
    _level,
    _num,
    _out,
    _p_value,
    _positive,
    _sample_size,
)
from .errors import InputError, MetaanWarning

__all__ = [
    "T_QUANTILE_BELOW_N",
    "counts_from_percent",
    "log_hr_from_ci",
    "log_hr_from_logrank",
    "log_hr_from_medians",
    "log_hr_from_p",
    "log_or_from_ci",
    "log_or_from_counts",
    "log_or_from_p",
    "md_from_arm_se",
    "md_from_arms",
    "sd_from_ci",
    "sd_from_se",
    "se_from_ci",
    "se_from_p",
    "smd_hedges_g",
]

#: Cochrane Handbook 6.5.2.2: below this many participants per group a t quantile is used for a CI.
T_QUANTILE_BELOW_N = 60


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


def _arms(mean_t: ArrayLike, sd_t: ArrayLike, n_t: ArrayLike, mean_c: ArrayLike, sd_c: ArrayLike, n_c: ArrayLike):
    """(scalar, mean_t, sd_t, n_t, mean_c, sd_c, n_c): the arm statistics checked, and whether all are scalars."""
    scalar = _is_scalar(mean_t, sd_t, n_t, mean_c, sd_c, n_c)
    mt, mc = _num("mean_t", mean_t), _num("mean_c", mean_c)
    st, sc = _positive("sd_t", sd_t, "a standard deviation"), _positive("sd_c", sd_c, "a standard deviation")
    nt, nc = _sample_size("n_t", n_t), _sample_size("n_c", n_c)
    return scalar, mt, st, nt, mc, sc, nc


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
    scalar, mt, st, nt, mc, sc, nc = _arms(mean_t, sd_t, n_t, mean_c, sd_c, n_c)
    yi = mt - mc
    if pooled:
        nt_b, nc_b = np.broadcast_arrays(nt, nc)
        _fail_if(
            nt_b + nc_b <= 2, "n_t", nt_b, "with n_c leaves no degrees of freedom; a pooled SD needs n_t + n_c > 2"
        )
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
    scalar, mt, st, nt, mc, sc, nc = _arms(mean_t, sd_t, n_t, mean_c, sd_c, n_c)
    nt_b, nc_b = np.broadcast_arrays(nt, nc)
    _fail_if(
        nt_b + nc_b - 2 < 2,
        "n_t",
        nt_b,
        "with n_c leaves < 2 degrees of freedom; Hedges' correction needs n_t + n_c - 2 >= 2",
    )
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
        if isinstance(correction, bool) or not (isinstance(correction, int | float | np.number) and correction > 0):
            raise InputError(
                f"correction={correction!r} with a zero cell gives an infinite log OR; "
                "the continuity correction must be > 0"
            )
        where = "the table" if a.ndim == 0 else f"tables {np.flatnonzero(zero.ravel()).tolist()}"
        warnings.warn(
            f"{correction:g} added to every cell of {where} with a zero cell (metafor 'only0')",
            MetaanWarning,
            stacklevel=2,
        )
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
    warnings.warn(
        "log HR from median survival assumes exponential survival in both arms (Michiels 2005)",
        MetaanWarning,
        stacklevel=2,
    )
    mt, mc, et, ec = np.broadcast_arrays(mt, mc, et, ec)
    return _out(np.log(mc / mt), 1 / et + 1 / ec, scalar=scalar)
