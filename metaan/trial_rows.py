"""One ``data/trials.csv`` row to one effect size: ``(yi, vi, derivation)``.

The row converters behind :func:`metaan.effects.effect_sizes`. Each picks the best printed statistic of a row
(a printed contrast before arm statistics), applies ``contrast_direction`` and ``events_are`` so that the sign
convention holds (positive MD, log OR > 0, log HR < 0 favour cells), and says in ``derivation`` which conversion
of :mod:`metaan.conversions` produced the number. A row that gives no effect size raises ``_Skip`` with the reason.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd

from .checks import _ci_bounds, _contains, _positive, _sample_size
from .conversions import (
    T_QUANTILE_BELOW_N,
    counts_from_percent,
    log_hr_from_ci,
    log_hr_from_medians,
    log_hr_from_p,
    log_or_from_ci,
    log_or_from_counts,
    log_or_from_p,
    md_from_arm_se,
    md_from_arms,
    se_from_ci,
    se_from_p,
)
from .errors import InputError, MetaanWarning

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
    """95% unless the notes say otherwise (data/README.md: CIs are 95% unless the notes say otherwise)."""
    m = _LEVEL_RE.search(_text(row, "notes"))
    return float(m.group(1)) / 100 if m else 0.95


def _crit_label(df: float | None) -> str:
    return "normal quantile" if df is None else f"t quantile, df={df:g}"


def _small_sample_df(n_t: float, n_c: float) -> float | None:
    """Cochrane Handbook 6.5.2.3: t with n_t + n_c - 2 df when a group has < 60 patients, else normal."""
    if _has(n_t, n_c) and min(n_t, n_c) < T_QUANTILE_BELOW_N and n_t + n_c > 2:
        return n_t + n_c - 2
    return None


def _flip(row: pd.Series, what: str, as_is: str, inverted: str) -> bool:
    """Whether the printed contrast (``what``: "MD" or "ratio") runs control vs cells and must be inverted."""
    direction = _text(row, "contrast_direction")
    if direction == as_is:
        return False
    if direction == inverted:
        return True
    raise _Skip(f"printed {what} has contrast_direction={direction!r}; expected {as_is} or {inverted}")


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
                flip = _flip(row, "MD", "cells_minus_control", "control_minus_cells")
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
                arm_var.append(_positive(f"sd_{arm}", sd, "a standard deviation") ** 2 / _sample_size(f"n_{arm}", n))
        if len(arm_var) == 2:
            how = "MD from arm means with an SD in one arm and an SE in the other"
            return m_t - m_c, float(arm_var[0] + arm_var[1]), how
    raise _Skip(problem)


def _from_printed_ratio(
    row: pd.Series, est: float, lo: float, hi: float, p: float, what: str, from_ci, from_p
) -> tuple[float, float, str]:
    """(yi, vi, how) for a printed ratio (OR or HR) with a CI, else a p-value, inverted to cells vs control.

    ``from_ci`` / ``from_p`` are the converters (:func:`log_or_from_ci` / :func:`log_or_from_p`, or the
    log HR ones); ``what`` starts the derivation text. Raises ``_Skip`` for an unknown contrast_direction.
    """
    flip = _flip(row, "ratio", "cells_vs_control", "control_vs_cells")
    if _has(lo, hi):
        level = _ci_level(row)
        yi, vi = from_ci(est, lo, hi, level=level)
        how = f"{what} and {level * 100:g}% CI"
    else:
        yi, vi = from_p(est, p)
        how = f"{what} and p-value (normal quantile){_p_note(row)}"
    how += "; inverted from control vs cells" if flip else ""
    return (-yi if flip else yi), vi, how


def _log_or_counts(e_t: float, n_t: float, e_c: float, n_c: float, how: str) -> tuple[float, float, str]:
    """log OR from a 2x2 table, naming the 0.5 continuity correction in ``how`` when a cell is zero."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yi, vi = log_or_from_counts(e_t, n_t, e_c, n_c)
    corrected = any(issubclass(w.category, MetaanWarning) for w in caught)
    return yi, vi, how + ("; 0.5 added to every cell (zero cell)" if corrected else "")


def _or_unflipped(row: pd.Series) -> tuple[float, float, str]:
    """log OR of the event as recorded (before the ``events_are`` flip): printed OR, counts, percentages."""
    est, lo, hi, p = (_val(row, c) for c in ("estimate", "ci_low", "ci_high", "p"))
    problem = "no printed OR with CI/p and no events (or percentages) and n in both arms"
    if _text(row, "measure") == "OR" and _has(est) and (_has(lo, hi) or _has(p)):
        try:
            return _from_printed_ratio(row, est, lo, hi, p, "log OR from printed OR", log_or_from_ci, log_or_from_p)
        except _Skip as reason:
            problem = f"{reason}, and no events (or percentages) and n in both arms"
    e_t, n_t, e_c, n_c = (_val(row, c) for c in ("events_t", "n_t", "events_c", "n_c"))
    if _has(e_t, n_t, e_c, n_c):
        return _log_or_counts(e_t, n_t, e_c, n_c, "log OR from 2x2 counts")
    pct_t, pct_c = _val(row, "pct_t"), _val(row, "pct_c")
    if _has(n_t, n_c) and (_has(e_t) or _has(pct_t)) and (_has(e_c) or _has(pct_c)):
        from_pct = []
        if not _has(e_t):
            e_t = counts_from_percent(pct_t, n_t)[0]
            from_pct.append("cells")
        if not _has(e_c):
            e_c = counts_from_percent(pct_c, n_c)[0]
            from_pct.append("control")
        how = "log OR from printed percentages and n (counts rounded)"
        if len(from_pct) == 1:
            how = (
                f"log OR from the printed percentage and n in the {from_pct[0]} arm (count rounded) and the "
                "printed count in the other"
            )
        return _log_or_counts(e_t, n_t, e_c, n_c, how)
    raise _Skip(problem)


def _or_row(row: pd.Series) -> tuple[float, float, str]:
    """log OR, cells vs control, > 0 favouring cells: the sign is flipped when the events are harms."""
    yi, vi, how = _or_unflipped(row)
    if _text(row, "events_are") == "harm":
        return -yi, vi, how + "; sign flipped: the events are harms (events_are=harm), so log OR > 0 favours cells"
    return yi, vi, how


def _hr_row(row: pd.Series) -> tuple[float, float, str]:
    hr, lo, hi = _val(row, "hr"), _val(row, "hr_ci_low"), _val(row, "hr_ci_high")
    p = _val(row, "p")
    if not _has(hr) and _text(row, "measure") == "HR":
        hr, lo, hi = _val(row, "estimate"), _val(row, "ci_low"), _val(row, "ci_high")
    problem = "no HR with CI/p and no medians with events in both arms"
    if _has(hr) and (_has(lo, hi) or _has(p)):
        try:
            return _from_printed_ratio(row, hr, lo, hi, p, "log HR from HR", log_hr_from_ci, log_hr_from_p)
        except _Skip as reason:
            problem = f"{reason}, and no medians with events in both arms"
    med_t, med_c, e_t, e_c = (_val(row, c) for c in ("median_t", "median_c", "events_t", "events_c"))
    if _has(med_t, med_c, e_t, e_c):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetaanWarning)
            yi, vi = log_hr_from_medians(med_t, med_c, e_t, e_c)
        return yi, vi, "log HR from medians (exponential assumption)"
    raise _Skip(problem)


def _arm_change(row: pd.Series, arm: str) -> tuple[float, float, str] | None:
    """Within-arm mean change of arm ``"t"`` or ``"c"``: (mean, SE², how) from the mean with its SE, else with
    its SD and n (SE = SD/√n); None when the arm prints neither."""
    m, sd, se, n = (_val(row, f"{c}_{arm}") for c in ("mean", "sd", "se", "n"))
    if _has(m) and _has(se):
        return m, _positive(f"se_{arm}", se, "a standard error") ** 2, "within-arm mean change from mean and SE"
    if _has(m, sd, n):
        vi = _positive(f"sd_{arm}", sd, "a standard deviation") ** 2 / _sample_size(f"n_{arm}", n)
        return m, vi, "within-arm mean change from mean and SD"
    return None


def _single_arm_row(row: pd.Series) -> tuple[float, float, str]:
    tail = " (single arm, no control)"
    got = _arm_change(row, "t")
    if got is not None:
        return got[0], got[1], got[2] + tail
    n_t = _val(row, "n_t")
    est = _val(row, "estimate")
    if _has(est):
        df = n_t - 1 if _has(n_t) and 1 < n_t < T_QUANTILE_BELOW_N else None
        got = _from_printed_difference(row, est, df, "within-arm change from printed estimate")
        if got is not None:
            return got[0], got[1], got[2] + tail
    raise _Skip("single-arm row without a mean change with SD/SE or a printed estimate with SE/CI/p")
