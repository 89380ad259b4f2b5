"""Conversions from printed trial statistics to effect sizes ``(yi, vi)``; the tidy ``effect_sizes`` table.

This module is the public face of the effect-size layer: it holds :func:`effect_sizes` (``data/trials.csv`` rows
to a tidy table of ``yi, vi``) and re-exports the converters, which live by responsibility in
:mod:`metaan.conversions` (MD, SMD, SD, SE, OR, HR and counts from printed statistics) and :mod:`metaan.medians`
(mean and SD from a median with range and/or IQR); their input checks are in :mod:`metaan.checks`. Import the
converters from here.

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
from typing import Any

import numpy as np
import pandas as pd

from .checks import ArrayLike as ArrayLike  # re-exported: the converters' argument type
from .checks import _ci_bounds, _contains, _positive, _sample_size
from .conversions import (
    T_QUANTILE_BELOW_N,
    counts_from_percent,
    log_hr_from_ci,
    log_hr_from_logrank,
    log_hr_from_medians,
    log_hr_from_p,
    log_or_from_ci,
    log_or_from_counts,
    log_or_from_p,
    md_from_arm_se,
    md_from_arms,
    sd_from_ci,
    sd_from_se,
    se_from_ci,
    se_from_p,
    smd_hedges_g,
)
from .errors import InputError, MetaanWarning
from .medians import mean_sd_from_five_numbers, mean_sd_from_median_iqr, mean_sd_from_median_range

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
                arm_var.append(_positive(f"sd_{arm}", sd, "a standard deviation") ** 2
                               / _sample_size(f"n_{arm}", n))
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


def _or_row(row: pd.Series) -> tuple[float, float, str]:
    est, lo, hi, p = (_val(row, c) for c in ("estimate", "ci_low", "ci_high", "p"))
    problem = "no printed OR with CI/p and no events and n in both arms"
    if _text(row, "measure") == "OR" and _has(est) and (_has(lo, hi) or _has(p)):
        try:
            return _from_printed_ratio(row, est, lo, hi, p, "log OR from printed OR", log_or_from_ci, log_or_from_p)
        except _Skip as reason:
            problem = f"{reason}, and no events and n in both arms"
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
