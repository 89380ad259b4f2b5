"""How certain is the evidence? The GRADE summary-of-findings table, and the MCIDs it is judged against.

``grade_table`` pools each outcome (one row per study) and rates the five GRADE domains from the data (Guyatt
et al. 2008; Schünemann et al. 2013), with the reason for every downgrade; the imprecision domain uses the
optimal information size of an MCID. Minimal clinically important differences are data (``data/mcid.csv``,
read by :func:`metaan.data.load_mcid`); ``absolute_mcid`` turns a relative slowing of decline into points.
Import these from :mod:`metaan.evidence`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .bias import egger
from .effects import effect_sizes, one_per_study
from .errors import InputError, MetaanWarning
from .information import _z, information_size
from .models import pool

__all__ = [
    "grade_table", "absolute_mcid", "CERTAINTY", "DOMAINS",
]  # fmt: skip


# ----------------------------------------------------------------------------------------------------------
# GRADE certainty of evidence
# ----------------------------------------------------------------------------------------------------------

CERTAINTY = {4: "high", 3: "moderate", 2: "low", 1: "very_low"}
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")


def _mcid_for(mcid, outcome: str, measure: str) -> float | None:
    value = mcid.get(outcome) if isinstance(mcid, Mapping) else mcid
    if value is None:
        return None
    value = float(value)
    if measure.startswith("log"):
        if not value > 0:
            raise InputError(f"{outcome}: mcid = {value!r}; for a ratio measure give the ratio (e.g. HR 0.75) > 0")
        value = math.log(value)
    if value == 0 or not math.isfinite(value):
        raise InputError(f"{outcome}: mcid = {value!r} on the analysis scale; it must be finite and non-zero")
    return value


def _rob_domain(rob: np.ndarray, w: np.ndarray) -> tuple[int, str]:
    high = np.isin(rob, ["high", "critical", ""])
    some = high | (rob == "some_concerns")
    if w[high].sum() > 50:
        return (
            -2,
            f"{w[high].sum():.0f}% of the weight from studies at high/critical (or unassessed) risk of bias",
        )
    if w[some].sum() > 50:
        return -1, f"{w[some].sum():.0f}% of the weight from studies at some concerns or worse"
    return 0, f"{100 - w[some].sum():.0f}% of the weight from studies at low risk of bias"


def _inconsistency_domain(res, k: int) -> tuple[int, str]:
    if k < 2:
        return 0, "single study: inconsistency not assessable"
    text = f"I² = {res.i2:.0f}%, Q p = {res.q_pvalue:.3f}"
    if res.i2 >= 75 and res.pi_low < 0 < res.pi_high:
        return -2, f"{text}; the prediction interval includes benefit and harm"
    if res.i2 >= 50 or res.q_pvalue < 0.10:
        return -1, text
    return 0, text


def _sd_for(sd, outcome: str, measure: str) -> float | None:
    """The outcome's SD for the optimal information size (None: not given), checked."""
    value = sd.get(outcome) if isinstance(sd, Mapping) else sd
    if value is None:
        return None
    if measure != "MD":
        if isinstance(sd, Mapping):
            raise InputError(
                f"{outcome}: sd = {value!r} was given, but an SD applies to mean-difference outcomes "
                f"only, not to {measure}"
            )
        return None  # one number for every outcome: the mean-difference outcomes use it
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise InputError(f"{outcome}: sd = {value!r}; the standard deviation must be a finite number > 0")
    return number


def _imprecision_domain(res, m: float | None, n_total: float, alpha: float, power_: float,
                        sd: float | None = None) -> tuple:  # fmt: skip
    lo, hi = res.ci_low, res.ci_high
    if m is None:
        crosses = lo < 0 < hi
        return (
            (-1 if crosses else 0),
            ("CI includes no effect" if crosses else "CI excludes no effect")
            + "; no MCID given, optimal information size not assessed",
            math.nan,
        )
    s, a = math.copysign(1.0, m), abs(m)
    low, high = sorted((s * lo, s * hi))  # benefit is positive from here on
    reasons, points = [], 0
    if low < -a and high > a:
        points, reasons = 2, ["CI includes both important benefit (beyond the MCID) and important harm"]
    elif low < a < high or low < -a < high:
        points, reasons = (
            1,
            ["CI crosses the MCID" if low < a < high else "CI crosses the harm threshold −MCID"],
        )
    else:
        reasons = ["CI does not cross the MCID"]
    if sd is not None:
        ois = information_size(delta=a, sd=sd, alpha=alpha, power=power_)
        how = f"information_size(delta = MCID {a:g}, sd = {sd:g})"
    else:
        se_req = a / (_z(1 - alpha / 2) + _z(power_))
        ois = n_total * (1.0 / np.sum(1.0 / res.vi)) / se_req**2 if np.isfinite(n_total) else math.nan
        how = "N·V_F/SE_req² from the studies' variances, no SD given"
    if np.isfinite(n_total) and n_total < ois:
        points += 1
        reasons.append(f"N = {n_total:.0f} below the optimal information size (OIS = {ois:.0f}; {how})")
    elif np.isfinite(n_total):
        reasons.append(f"N = {n_total:.0f} meets the optimal information size (OIS = {ois:.0f}; {how})")
    else:
        known = f" (OIS = {ois:.0f}; {how})" if np.isfinite(ois) else ""
        reasons.append(f"participants not reported for every study: N not compared with the OIS{known}")
    return -min(points, 2), "; ".join(reasons), ois


def _publication_domain(res, k: int) -> tuple[int, str]:
    if k < 10:
        return 0, f"k = {k} < 10: publication bias not assessable"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        p = egger(res).pvalue
    return (-1, f"Egger test p = {p:.3f} < 0.10") if p < 0.10 else (0, f"Egger test p = {p:.3f}")


def grade_table(
    trials: pd.DataFrame,
    outcomes: Sequence[str] | None = None,
    mcid: float | Mapping[str, float] | None = None,
    *,
    sd: float | Mapping[str, float] | None = None,
    method: str = "REML",
    test: str = "knha",
    level: float = 0.95,
    alpha: float = 0.05,
    power: float = 0.8,
    judgements: Mapping[tuple[str, str], tuple[int, str]] | None = None,
    **effect_kwargs,
) -> pd.DataFrame:
    r"""GRADE summary-of-findings table: one row per outcome with certainty and the reason for each downgrade.

    For each outcome, ``metaan.effects.effect_sizes(trials, outcome, **effect_kwargs)`` gives the effect sizes
    (primary evidence, between-arm designs); one row per study is kept by :func:`metaan.effects.one_per_study`
    (the row marked ``primary_analysis``, else the full population, primary evidence, the paper, the longest
    follow-up, file order) and pooled with ``metaan.models.pool(method, test, level)`` (k = 1: the study
    itself). ``mcid`` (a number, or a mapping outcome → number) is on the reported scale: points for MD, the
    ratio for HR/OR (it is log-transformed); its sign on the analysis scale says which direction is benefit.
    An MCID given as a relative slowing of decline converts to points with :func:`absolute_mcid`. ``sd`` (a
    number for every mean-difference outcome, or a mapping outcome → SD in the outcome's unit) is the
    standard deviation of the outcome per patient, used for the optimal information size.

    Rules (Guyatt et al. 2008, BMJ 336:924; GRADE handbook, Schünemann et al. 2013; weights are the pooled
    model's percentage weights; a domain is downgraded by 0, −1 or −2):

    - start: high if every study is an RCT, otherwise low.
    - risk_of_bias: −2 if > 50% of the weight is from studies at high/critical (or unassessed) risk; −1 if >
      50% is from studies at some concerns or worse.
    - inconsistency: −2 if I² ≥ 75% and the prediction interval includes 0; −1 if I² ≥ 50% or Q p < 0.10
      (Cochrane Handbook §10.10.2 thresholds); not assessable with one study.
    - indirectness: −1 if > 50% of the weight is from subgroup populations (``population`` "subgroup:…").
      PICO directness otherwise needs judgement: pass it in ``judgements``.
    - imprecision (thresholds: the MCID and −MCID; Zeng et al. 2021, J Clin Epidemiol 137:163): −2 if the CI
      includes both important benefit and important harm, −1 if it crosses the MCID or −MCID, plus −1 if the
      participants N fall below the optimal information size (Guyatt et al. 2011, J Clin Epidemiol 64:1283),
      at most −2. With ``sd`` for the outcome, OIS = :func:`metaan.information.information_size` (delta = |MCID|,
      sd) = 4 (z₁₋α/₂ + z₁₋β)² sd² / MCID², the participants of a two-arm 1:1 trial powered for the MCID;
      without it, OIS = N·V_F/SE_req², the N at which a fixed-effect analysis of these studies would have
      SE_req = |MCID|/(z₁₋α/₂ + z₁₋β) (V_F = 1/Σ(1/v_i); the same number when every study has equal arms and
      the outcome SD). The reason says which was used. Without an MCID: −1 if the CI includes no effect; the
      OIS is not assessed.
    - publication_bias: not assessable with k < 10 (0, reason stated); −1 if Egger's test p < 0.10.

    Certainty = start − Σ downgrades (floor very_low): high | moderate | low | very_low. Upgrading (large
    effect, dose-response) is not automated. ``judgements[(outcome, domain)] = (downgrade, reason)`` replaces
    a domain's data-driven rating. An outcome without effect sizes gives a row with k = 0 and no certainty.
    """
    judgements = judgements or {}
    for key, (value, _) in judgements.items():
        if key[1] not in DOMAINS or value not in (0, -1, -2):
            raise InputError(f"judgement {key}: domain must be one of {DOMAINS} and the downgrade 0, -1 or -2")
    if outcomes is None:
        outcomes = list(dict.fromkeys(o for o in trials["outcome"].dropna().astype(str) if o.strip()))
    rows = []
    for outcome in outcomes:
        es = one_per_study(effect_sizes(trials, outcome, **effect_kwargs))
        k = len(es)
        row = {"outcome": outcome, "k": k, "studies": ", ".join(es["label"].astype(str)) if k else ""}
        if k == 0:
            rows.append(row | {f"{d}_reason": "no usable effect size" for d in DOMAINS})
            continue
        measure = str(es["measure"].iloc[0])
        n_total = float((es["n_t"] + es["n_c"]).sum(min_count=k))
        designs = sorted(set(es["design"].astype(str)))
        yi, vi = es["yi"].to_numpy(float), es["vi"].to_numpy(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetaanWarning)
            res = pool(yi, vi, method=method, test=test if k > 1 else "z", level=level,
                       labels=list(es["label"].astype(str)))  # fmt: skip
        m = _mcid_for(mcid, outcome, measure)
        w = np.asarray(res.weights, dtype=float)
        rob = es["risk_of_bias"].fillna("").astype(str).str.strip().to_numpy()
        subgroup = es["population"].fillna("").astype(str).str.startswith("subgroup").to_numpy()
        imp, imp_reason, ois = _imprecision_domain(res, m, n_total, alpha, power, _sd_for(sd, outcome, measure))
        rated = {
            "risk_of_bias": _rob_domain(rob, w),
            "inconsistency": _inconsistency_domain(res, k),
            "indirectness": (-1, f"{w[subgroup].sum():.0f}% of the weight from subgroup analyses")
            if w[subgroup].sum() > 50 else (0, "no data-driven concern (PICO directness is a judgement)"),
            "imprecision": (imp, imp_reason),
            "publication_bias": _publication_domain(res, k),
        }  # fmt: skip
        for d in DOMAINS:
            if (outcome, d) in judgements:
                value, why = judgements[(outcome, d)]
                rated[d] = (value, f"judgement: {why}")
        rct = designs == ["rct"]
        level_ = (4 if rct else 2) + sum(v for v, _ in rated.values())
        ratio = measure.startswith("log")
        name = measure[3:] if ratio else measure
        tr = np.exp if ratio else (lambda x: x)
        row |= {
            "participants": n_total, "design": " + ".join(designs),
            "start": "high (RCTs)" if rct else "low (non-randomised evidence)", "measure": measure,
            "estimate": res.estimate, "ci_low": res.ci_low, "ci_high": res.ci_high, "pi_low": res.pi_low,
            "pi_high": res.pi_high,
            "effect": f"{name} {tr(res.estimate):.2f} ({tr(res.ci_low):.2f} to {tr(res.ci_high):.2f})",
            "mcid": math.nan if m is None else m, "ois": ois, "certainty": CERTAINTY[max(1, level_)],
        }  # fmt: skip
        for d in DOMAINS:
            row[d], row[f"{d}_reason"] = rated[d]
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------
# MCIDs are data: data/mcid.csv
# ----------------------------------------------------------------------------------------------------------


def absolute_mcid(relative_slowing: float, control_change: float) -> float:
    r"""An MCID stated as a relative slowing of decline, converted to the outcome's units.

    ``absolute_mcid = relative_slowing · |control_change|``

    ALS MCIDs for the ALSFRS-R are usually stated relative to the rate of decline: clinicians rated a 20-25%
    slowing of the ALSFRS-R slope as clinically meaningful (Castrillo-Viguera et al. 2010, Amyotroph Lateral
    Scler 11:178), and people with ALS named a median minimum important slowing of 20% (Meyer et al.;
    ``data/mcid.csv``, measure ``relative_slope_reduction``, stores these as percentages). A mean difference
    between arms is in points (or points/month), so the relative slowing is applied to the control arm's
    decline: with a control arm that changed by −6.0 points over 6 months, a 20% slowing is 0.20 × 6.0 =
    1.2 points of ALSFRS-R change; with a control slope of −1.0 points/month it is 0.2 points/month. The
    result is positive (the MD at which cells would be beneficial, MD > 0 favouring cells), in the unit of
    ``control_change``, and inherits its uncertainty: the control change is itself an estimate.

    Parameters
    ----------
    relative_slowing
        A fraction in (0, 1]: 0.20 for 20% (divide the percentages of ``data/mcid.csv`` by 100).
    control_change
        The control arm's mean change (points) or slope (points/month) over the same period as the outcome;
        its sign is ignored.
    """
    try:
        r, c = float(relative_slowing), float(control_change)
    except (TypeError, ValueError):
        raise InputError(
            f"relative_slowing = {relative_slowing!r} and control_change = {control_change!r} must be numbers"
        ) from None
    if not (math.isfinite(r) and 0 < r <= 1):
        raise InputError(
            f"relative_slowing = {relative_slowing!r}; give a fraction in (0, 1] (0.20 for 20%; "
            "data/mcid.csv stores percentages)"
        )
    if not (math.isfinite(c) and c != 0):
        raise InputError(f"control_change = {control_change!r}; the control arm's change must be finite and non-zero")
    return r * abs(c)
