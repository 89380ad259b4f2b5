"""Conversions from printed trial statistics to effect sizes ``(yi, vi)``; the tidy ``effect_sizes`` table.

This module is the public face of the effect-size layer: it holds :func:`effect_sizes` (``data/trials.csv`` rows
to a tidy table of ``yi, vi``), :func:`one_per_study` (the documented rule that keeps one row per study of that
table), :func:`within_arm_changes` (each arm's own before/after change, which is not an effect) and re-exports
the converters, which live by responsibility in :mod:`metaan.conversions` (MD, SMD, SD, SE, OR, HR and counts
from printed statistics) and :mod:`metaan.medians` (mean and SD from a median with range and/or IQR); their
input checks are in :mod:`metaan.checks`. Import the converters from here.

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
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .checks import ArrayLike as ArrayLike  # re-exported: the converters' argument type
from .checks import _level
from .conversions import (
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
from .selection import one_per_study
from .trial_rows import _arm_change, _hr_row, _md_row, _or_row, _single_arm_row, _Skip, _text, _val

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
    "one_per_study",
    "sd_from_ci",
    "sd_from_se",
    "se_from_ci",
    "se_from_p",
    "smd_hedges_g",
    "within_arm_changes",
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
    "study",
    "label",
    "yi",
    "vi",
    "sei",
    "ci_low",
    "ci_high",
    "measure",
    "derivation",
    "design",
    "control",
    "blinding",
    "n_t",
    "n_c",
    "events_t",
    "events_c",
    "pct_t",
    "pct_c",
    "evidence",
    "risk_of_bias",
    "timepoint_months",
    "population",
    "outcome",
    "outcome_detail",
    "result_version",
    "primary_analysis",
    "source_url",
    "locator",
    "line",
)
SKIPPED_COLUMNS = ("study", "line", "outcome_detail", "reason")
ALSFRS_OUTCOMES = ("alsfrs_change", "alsfrs_slope", "alsfrs_slope_change")

_REQUIRED = (
    "study",
    "design",
    "control",
    "outcome",
    "status",
    "evidence",
    "timepoint_months",
    "population",
    "contrast_direction",
    "measure",
    "n_t",
    "n_c",
)


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


class SkippedRows(pd.DataFrame):
    """The rows :func:`effect_sizes` could not convert (``study, line, outcome_detail, reason``).

    A plain DataFrame in use; it sits in ``effect_sizes(...).attrs["skipped"]``. pandas compares the ``attrs`` of
    the frames it concatenates with ``==``, which for a DataFrame is element-wise and cannot be truth-tested,
    so ``pd.concat`` of two effect-size tables would raise. This subclass compares as a whole instead
    (``a == b`` is ``a.equals(b)``, a bool); everything else is DataFrame behaviour.
    """

    @property
    def _constructor(self):
        return SkippedRows

    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return isinstance(other, pd.DataFrame) and self.equals(other)

    def __ne__(self, other: object) -> bool:  # type: ignore[override]
        return not self.__eq__(other)


def _line(row: pd.Series) -> float:
    """The CSV line ``load_trials`` recorded for the row (NaN when the frame has no ``line`` column)."""
    v = row.get("line")
    try:
        return float(v) if v is not None and not pd.isna(v) else math.nan
    except (TypeError, ValueError):
        return math.nan


def _where(row: pd.Series, idx: Any) -> str:
    return f"study {_text(row, 'study')} (trials row {idx})"


def _check_frame(trials: Any, evidence: str | Sequence[str]) -> list[str]:
    """Validate the trials frame and ``evidence``; return the evidence levels as a list."""
    if not isinstance(trials, pd.DataFrame):
        raise InputError(f"trials must be a pandas DataFrame, not {type(trials).__name__}")
    missing = [c for c in _REQUIRED if c not in trials.columns]
    if missing:
        raise InputError(f"trials lacks column(s) {', '.join(missing)}; see data/README.md (codebook)")
    levels = [evidence] if isinstance(evidence, str) else list(evidence)
    unknown = [e for e in levels if e not in ("primary", "secondary", "all")]
    if unknown or not levels:
        raise InputError(f"evidence={evidence!r} is not 'primary', 'secondary', 'all' or a list of them")
    return levels


def _extracted(trials: pd.DataFrame, outcome: str, levels: list[str]) -> pd.Series:
    """Rows with status=extracted for ``outcome`` at the requested evidence levels."""
    keep = (trials["status"].astype(str).str.strip() == "extracted") & (trials["outcome"] == outcome)
    if "all" not in levels:
        keep &= _match(trials["evidence"], levels)
    return keep


def _is_single_arm(row: pd.Series) -> bool:
    return _text(row, "design") == "single_arm" or _text(row, "control") == "none"


def effect_sizes(
    trials: pd.DataFrame,
    outcome: str,
    *,
    timepoint_months: float | None = None,
    population: str | Sequence[str] | None = None,
    evidence: str | Sequence[str] = "primary",
    include_single_arm: bool = False,
    level: float = 0.95,
) -> pd.DataFrame:
    """Effect sizes ``(yi, vi)`` for one outcome from ``data/trials.csv`` rows, one output row per input row.

    Parameters
    ----------
    trials
        DataFrame with the data/trials.csv columns (as ``load_trials`` returns them; numeric columns float).
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
        between-arm effects and must not be pooled with them (see also :func:`within_arm_changes`).
    level
        Confidence level of the ``ci_low``/``ci_high`` columns.

    Notes
    -----
    Only ``status == "extracted"`` rows. For a between-arm row, a printed contrast is preferred (estimate
    with SE, else CI, else p), then arm statistics: MD from arm means and SDs (Welch, :func:`md_from_arms`)
    or SEs; log OR from a printed OR with CI or p, else from printed 2x2 counts (:func:`log_or_from_counts`),
    else from printed percentages and n (``pct_t``/``pct_c``; counts ``round(pct·n/100)`` by
    :func:`counts_from_percent`, an assumption the derivation names; per arm a printed count is preferred to
    a percentage); log HR from HR and CI or p, else from medians with events (:func:`log_hr_from_medians`,
    exponential assumption). CIs are 95% unless the notes give another level ("90% CI"). A printed MD's CI
    or p is converted with a t quantile on ``n_t + n_c - 2`` df when an arm has < 60 patients (Cochrane
    Handbook 6.5.2.3), else normal. ``contrast_direction`` is applied so that a positive MD favours cells,
    log OR > 0 favours cells and log HR < 0 favours cells; on responder rows whose event is bad
    (``events_are == "harm"``, e.g. "poor responders") the log OR is negated as well, so that log OR > 0
    still favours cells. The ``derivation`` column names the conversion and every sign change of a row.

    Rows that pass the filters but give no effect size are listed in one :class:`MetaanWarning` and in
    ``out.attrs["skipped"]`` (a :class:`SkippedRows` DataFrame: study, line, outcome_detail, reason); so
    are rows using a continuity correction or the exponential-survival assumption (warnings only). Bad
    numbers raise :class:`InputError` naming the study and row.

    Returns
    -------
    DataFrame with columns ``OUTPUT_COLUMNS``, in input order: ``sei = sqrt(vi)``; ``ci_low``, ``ci_high``
    the Wald interval ``yi ± z·sei`` with ``z = Φ⁻¹((1 + level)/2)`` on the analysis scale (MD, log OR, log HR;
    not the printed CI); ``events_t``, ``events_c``, ``pct_t``, ``pct_c`` as printed (blank when not printed,
    even when a count was derived from a percentage); ``line`` the CSV line from :func:`metaan.load_trials`
    (missing when ``trials`` has no ``line`` column).
    """
    if outcome not in MEASURE_BY_OUTCOME:
        raise InputError(f"outcome={outcome!r} is not one of {', '.join(MEASURE_BY_OUTCOME)}")
    levels = _check_frame(trials, evidence)
    z = float(special.ndtri((1.0 + _level(level)) / 2.0))
    measure = MEASURE_BY_OUTCOME[outcome]

    keep = _extracted(trials, outcome, levels)
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
        where = _where(row, idx)
        single = _is_single_arm(row)
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
            skipped.append(
                {
                    "study": study,
                    "line": _line(row),
                    "outcome_detail": _text(row, "outcome_detail"),
                    "reason": str(reason),
                    "where": where,
                }
            )
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
        sei = math.sqrt(vi)
        rec.update(
            study=study,
            yi=yi,
            vi=vi,
            sei=sei,
            ci_low=yi - z * sei,
            ci_high=yi + z * sei,
            measure=row_measure,
            derivation=how,
            n_t=n_t,
            n_c=n_c,
            timepoint_months=tp,
            events_t=_val(row, "events_t"),
            events_c=_val(row, "events_c"),
            pct_t=_val(row, "pct_t"),
            pct_c=_val(row, "pct_c"),
            line=_line(row),
        )
        records.append(rec)

    messages = []  # one MetaanWarning per call, joining every reason that applies
    if skipped:
        messages.append(
            f"effect_sizes(outcome={outcome!r}): {len(skipped)} row(s) gave no effect size: "
            + "; ".join(f"{s['where']}: {s['reason']}" for s in skipped)
        )
    if notes["zero cell"]:
        messages.append(
            "effect_sizes: 0.5 continuity correction added to 2x2 tables with a zero cell for "
            + ", ".join(notes["zero cell"])
        )
    if notes["exponential"]:
        messages.append(
            "effect_sizes: log HR from median survival assumes exponential survival for "
            + ", ".join(notes["exponential"])
        )
    if messages:
        warnings.warn(" | ".join(messages), MetaanWarning, stacklevel=2)

    out = pd.DataFrame.from_records(records, columns=list(OUTPUT_COLUMNS))
    for col in (
        "yi",
        "vi",
        "sei",
        "ci_low",
        "ci_high",
        "n_t",
        "n_c",
        "events_t",
        "events_c",
        "pct_t",
        "pct_c",
        "timepoint_months",
    ):
        out[col] = out[col].astype(float)
    out["line"] = out["line"].astype("Int64")
    out["label"] = _labels(out) if len(out) else []
    out = out.reset_index(drop=True)
    table = SkippedRows.from_records(skipped, columns=list(SKIPPED_COLUMNS))
    table["line"] = table["line"].astype("Int64")
    out.attrs["skipped"] = table
    return out


# within-arm changes: what a before/after comparison shows (and why it is not an effect)
# ----------------------------------------------------------------------------------------------------------

WITHIN_ARM_COLUMNS = (
    "study",
    "arm",
    "design",
    "control",
    "yi",
    "vi",
    "sei",
    "ci_low",
    "ci_high",
    "n",
    "derivation",
    "timepoint_months",
    "population",
    "label",
    "outcome_detail",
    "result_version",
    "evidence",
    "line",
)


def within_arm_changes(
    trials: pd.DataFrame, outcome: str, *, evidence: str | Sequence[str] = "primary", level: float = 0.95
) -> pd.DataFrame:
    """Every printed within-arm change of an ALSFRS-R outcome, one row per arm: cells, control and single arms.

    A before/after change in the cell arm is not an effect of the cells: ALS progresses, so the control arm
    of a controlled trial changes too, and only the difference between the arms estimates the effect. This
    table puts the two arms side by side (and single-arm studies next to them) to show it.

    Parameters
    ----------
    trials
        DataFrame with the data/trials.csv columns (as ``load_trials`` returns them).
    outcome
        ``alsfrs_change`` (points), ``alsfrs_slope`` or ``alsfrs_slope_change`` (points/month): the arm's
        ``mean_t`` / ``mean_c`` is then its mean change, slope or change in slope.
    evidence
        ``"primary"`` (default), ``"secondary"``, ``"all"`` or a list, as in :func:`effect_sizes`.

    Notes
    -----
    Rows with ``status == "extracted"``. An arm is listed when it prints its mean with an SE (``vi = SE²``)
    or with an SD and n (``vi = SD²/n``; Cochrane Handbook 6.5.2.2: SE = SD/√n), the single-arm conversion of
    :func:`effect_sizes` (``include_single_arm=True``); a single-arm row without arm statistics may also give
    its printed estimate with SE, CI or p. Arms printing neither are left out silently (they are not effect
    sizes that went missing: the between-arm table is :func:`effect_sizes`). Controlled trials give a
    ``"cells"`` and a ``"control"`` row; single-arm rows (``design == "single_arm"`` or ``control == "none"``)
    a ``"cells"`` row.

    Returns
    -------
    DataFrame with columns ``WITHIN_ARM_COLUMNS`` in input order (cells arm before control arm): ``yi`` the
    mean change, ``vi``, ``sei = sqrt(vi)``, ``ci_low``/``ci_high`` the Wald interval yi ± z·sei at ``level``,
    ``n`` the arm's patients, ``label`` the study (with what tells its rows apart) and the arm.
    """
    if outcome not in ALSFRS_OUTCOMES:
        raise InputError(
            f"outcome={outcome!r}: within-arm changes are for the ALSFRS-R outcomes {', '.join(ALSFRS_OUTCOMES)}"
        )
    levels = _check_frame(trials, evidence)
    rows = trials[_extracted(trials, outcome, levels).to_numpy()]
    records, sources = [], []
    for idx, row in rows.iterrows():
        single = _is_single_arm(row)
        arms = []
        try:
            if single:
                try:
                    arms.append(("cells", *_single_arm_row(row), _val(row, "n_t")))
                except _Skip:
                    pass
            else:
                for arm, key, name in (("cells", "t", "cells arm"), ("control", "c", "control arm")):
                    got = _arm_change(row, key)
                    if got is not None:
                        arms.append((arm, got[0], got[1], f"{got[2]} ({name})", _val(row, f"n_{key}")))
        except InputError as err:
            raise InputError(f"{_where(row, idx)}, outcome {outcome}: {err}") from err
        if not arms:
            continue
        source = {c: row.get(c, math.nan) for c in ("study", "timepoint_months", "population", "outcome_detail",
                                                     "result_version")}  # fmt: skip
        source.update(study=_text(row, "study"), timepoint_months=_val(row, "timepoint_months"), measure="mean_change")
        sources.append(source)
        for arm, yi, vi, how, n in arms:
            records.append({
                "source": len(sources) - 1, "study": source["study"], "arm": arm, "design": row.get("design"),
                "control": row.get("control"), "yi": float(yi), "vi": float(vi), "sei": math.sqrt(vi), "n": n,
                "derivation": how, "timepoint_months": source["timepoint_months"],
                "population": row.get("population"), "outcome_detail": row.get("outcome_detail"),
                "result_version": row.get("result_version"), "evidence": row.get("evidence"), "line": _line(row),
                "single": single,
            })  # fmt: skip
    out = pd.DataFrame.from_records(records, columns=[*WITHIN_ARM_COLUMNS, "source", "single"])
    if len(out):
        base = _labels(pd.DataFrame(sources))
        out["label"] = [
            f"{base[s]}: {'single arm' if one else arm + ' arm'}"
            for s, one, arm in zip(out["source"], out["single"], out["arm"], strict=True)
        ]
    for col in ("yi", "vi", "sei", "n", "timepoint_months"):
        out[col] = out[col].astype(float)
    z = float(special.ndtri(0.5 + level / 2))
    out["ci_low"] = out["yi"] - z * out["sei"]
    out["ci_high"] = out["yi"] + z * out["sei"]
    out["line"] = out["line"].astype("Int64")
    return out[list(WITHIN_ARM_COLUMNS)].reset_index(drop=True)
