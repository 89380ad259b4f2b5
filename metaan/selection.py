"""One row per study from an effect-size table: the stated, ordered rule of :func:`one_per_study`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError, MetaanWarning

POPULATION_RANK = {"itt": 0, "mitt": 1, "all": 2, "per_protocol": 3, "completers": 4}
VERSION_RANK = {"paper": 0, "erratum": 1, "registry_results": 2, "conference_abstract": 3, "press_release": 4,
                "review_secondary": 5}  # fmt: skip
EVIDENCE_RANK = {"primary": 0, "secondary": 1}
#: The criteria of :func:`one_per_study`, in their default order; ``file_order`` always ends the rule.
SELECTION_RULE = ("primary_analysis", "population", "evidence", "result_version", "follow_up")


def _population_rank(p: Any) -> int:
    text = "" if pd.isna(p) else str(p).strip()
    if text in POPULATION_RANK:
        return POPULATION_RANK[text]
    return 6 if text.startswith("subgroup") else 5  # an unlisted whole population, then subgroups last


def _selection_ranks(es: pd.DataFrame) -> pd.DataFrame:
    """One integer-or-float rank column per criterion (lower is preferred)."""

    def text(col: str) -> pd.Series:
        if col not in es.columns:
            return pd.Series("", index=es.index)
        return es[col].map(lambda v: "" if pd.isna(v) else str(v).strip())

    line = pd.to_numeric(es["line"], errors="coerce") if "line" in es.columns else None
    order = np.arange(len(es), dtype=float)
    file_order = (line.to_numpy(dtype=float, na_value=np.nan) if line is not None
                  else np.full(len(es), np.nan))  # fmt: skip
    file_order = np.where(np.isnan(file_order), np.inf, file_order)
    tp = pd.to_numeric(es["timepoint_months"], errors="coerce") if "timepoint_months" in es.columns else None
    return pd.DataFrame({
        "primary_analysis": (text("primary_analysis") != "yes").astype(int).to_numpy(),
        "population": es["population"].map(_population_rank).to_numpy() if "population" in es.columns
        else np.zeros(len(es), int),
        "evidence": text("evidence").map(lambda v: EVIDENCE_RANK.get(v, 2)).to_numpy(),
        "result_version": text("result_version").map(lambda v: VERSION_RANK.get(v, 6)).to_numpy(),
        "follow_up": (-tp.fillna(-np.inf)).to_numpy(dtype=float) if tp is not None else np.zeros(len(es)),
        "file_order": file_order,
        "_position": order,
    }, index=es.index)  # fmt: skip


def one_per_study(es: pd.DataFrame, *, rule: Sequence[str] = SELECTION_RULE, subgroups: bool = False) -> pd.DataFrame:
    """One row per study of an :func:`effect_sizes` table, with a ``selection`` column saying which rule chose it.

    The criteria are applied in the order of ``rule``, each only to break the ties the previous ones left
    (the rule of ``data/README.md``, "primary_analysis: one row per study × outcome"):

    1. ``primary_analysis``: the row marked ``primary_analysis == "yes"``, if the study has one;
    2. ``population``: the full population before subgroups: itt > mitt > all > per_protocol > completers
       (> any other whole-population label); ``subgroup:…`` rows only if the study has nothing else;
    3. ``evidence``: primary before secondary;
    4. ``result_version``: paper > erratum > registry_results > conference_abstract > press_release >
       review_secondary;
    5. ``follow_up``: the longest follow-up (``timepoint_months``; a blank time point last);
    6. ``file_order``: the first row in the file (the ``line`` column when present, else table order).

    Subgroup rows (``population`` starting with ``subgroup:``) are dropped first unless ``subgroups=True``: a
    subgroup must not silently stand for a trial. A study left with no row is named in a :class:`MetaanWarning`.

    ``rule`` names a subset or another order of criteria 1-5; ``file_order`` always ends it so that the choice
    is deterministic. When ``file_order`` had to decide between rows with different ``outcome_detail``
    definitions (e.g. several responder thresholds, none marked primary), one :class:`MetaanWarning` per call
    names each such study and its definitions. A table with several outcomes gives one row per study and
    outcome.

    Returns
    -------
    The chosen rows in table order, index reset, plus ``selection``: ``"only row"`` for a study with one row,
    else the name of the criterion that broke the last tie (``"primary_analysis"``, ``"population"``,
    ``"evidence"``, ``"result_version"``, ``"follow_up"`` or ``"file_order"``).
    """
    if not isinstance(es, pd.DataFrame):
        raise InputError(f"es must be an effect_sizes DataFrame, not {type(es).__name__}")
    if "study" not in es.columns:
        raise InputError("es lacks the column 'study'; pass an effect_sizes() table")
    names = [rule] if isinstance(rule, str) else list(rule)
    unknown = [r for r in names if r not in SELECTION_RULE + ("file_order",)]
    if unknown or len(set(names)) != len(names):
        raise InputError(
            f"rule={rule!r}: give distinct criteria from {', '.join(SELECTION_RULE)} (file_order always ends the rule)"
        )
    criteria = [r for r in names if r != "file_order"] + ["file_order", "_position"]
    out = es.copy()
    if not subgroups and "population" in out.columns:
        is_subgroup = out["population"].fillna("").astype(str).str.startswith("subgroup")
        only_subgroups = sorted(set(out.loc[is_subgroup, "study"]) - set(out.loc[~is_subgroup, "study"]))
        if only_subgroups:
            warnings.warn(
                "one_per_study: no whole-population row (only subgroups) for "
                + ", ".join(map(str, only_subgroups))
                + "; these studies are left out (pass subgroups=True to let a subgroup stand for the study)",
                MetaanWarning,
                stacklevel=2,
            )
        out = out[~is_subgroup]
    if out.empty:
        out["selection"] = pd.Series(dtype=object)
        return out.reset_index(drop=True)
    out.index = pd.RangeIndex(len(out))
    ranks = _selection_ranks(out)
    several = "outcome" in out.columns and out["outcome"].nunique(dropna=False) > 1
    chosen, selection, undecided = [], {}, []
    for _, group in out.groupby(["outcome", "study"] if several else ["study"], sort=False, dropna=False):
        candidates, decided, tied = ranks.loc[group.index], "only row", None
        for criterion in criteria if len(candidates) > 1 else ():
            if criterion == "file_order":
                tied = candidates.index
            candidates = candidates[candidates[criterion] == candidates[criterion].min()]
            if len(candidates) == 1:
                decided = "file_order" if criterion == "_position" else criterion
                break
        if decided == "file_order" and "outcome_detail" in out.columns:
            definitions = list(dict.fromkeys(out.loc[tied, "outcome_detail"].fillna("").astype(str)))
            if len(definitions) > 1:
                undecided.append(f"{group['study'].iat[0]}: {' | '.join(definitions)}")
        chosen.append(candidates.index[0])
        selection[candidates.index[0]] = decided
    if undecided:
        warnings.warn(
            "one_per_study: file order chose between different outcome definitions (mark the intended "
            "row primary_analysis=yes): " + "; ".join(undecided),
            MetaanWarning,
            stacklevel=2,
        )
    picked = sorted(chosen)
    result = out.loc[picked].copy()
    result["selection"] = [selection[i] for i in picked]
    return result.reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------
