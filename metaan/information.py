"""How much information is there? Information size, diversity, power and fragility.

The required information size of a comparison (``information_size``, Wetterslev 2008/2009; Schoenfeld 1983),
adjusted for heterogeneity with the diversity D² of a meta-analysis (``diversity``); the power of one trial
(``power``) and of a pooled analysis (``pooled_power``, Hedges & Pigott 2001); and how many patients a
"significant" 2×2 result hinges on (``fragility_index``, Walsh et al. 2014). Import these from
:mod:`metaan.evidence`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from .checks import _check_positive, _check_prob
from .errors import InputError

__all__ = ["information_size", "diversity", "power", "pooled_power", "fragility_index"]


def _z(p: float) -> float:
    """Standard normal quantile Φ⁻¹(p)."""
    return float(special.ndtri(p))


# ----------------------------------------------------------------------------------------------------------
# information size and diversity
# ----------------------------------------------------------------------------------------------------------


def information_size(
    delta: float | None = None,
    sd: float | None = None,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    control_risk: float | None = None,
    rrr: float | None = None,
    hr: float | None = None,
    d2: float = 0.0,
) -> float:
    r"""Required information size of a two-arm 1:1 comparison, optionally adjusted for heterogeneity.

    Exactly one kind of outcome is described:

    - continuous (``delta`` and ``sd``): total participants N = 4 (z₁₋α/₂ + z₁₋β)² sd² / δ²  (the two-sample
      normal formula; Wetterslev et al. 2008, J Clin Epidemiol 61:64, eq 1 with the variance of a mean
      difference 4 sd²/N);
    - binary (``control_risk`` = P_C and ``rrr``): P_E = P_C (1 − RRR), P̄ = (P_C + P_E)/2 and total
      participants N = 4 (z₁₋α/₂ + z₁₋β)² P̄ (1 − P̄) / (P_C − P_E)²  (Wetterslev et al. 2008, eq 1);
    - survival (``hr``): required number of EVENTS D = 4 (z₁₋α/₂ + z₁₋β)² / log(HR)²  (Schoenfeld 1983,
      Biometrika 70:315, eq 1 with equal allocation).

    The result is divided by (1 − D²) for between-trial heterogeneity, the diversity-adjusted required
    information size of Wetterslev, Thorlund, Brok & Gluud (2009, BMC Med Res Methodol 9:86, eq 4); D² comes
    from :func:`diversity`. ``alpha`` is the two-sided significance level, ``power`` = 1 − β. The value is not
    rounded; round up (``math.ceil``) for a recruitment target.
    """
    alpha = _check_prob("alpha", alpha)
    power = _check_prob("power", power)
    d2 = float(d2)
    if not 0.0 <= d2 < 1.0:
        raise InputError(f"d2 = {d2!r}; the diversity D² must satisfy 0 <= D² < 1")
    zz = (_z(1 - alpha / 2) + _z(power)) ** 2
    kinds = [delta is not None, control_risk is not None or rrr is not None, hr is not None]
    if sum(kinds) != 1:
        raise InputError(
            "give exactly one of: delta (+ sd) for a continuous outcome, control_risk + rrr for a binary "
            "outcome, or hr for a time-to-event outcome"
        )
    if delta is not None:
        delta = float(delta)
        if delta == 0 or not math.isfinite(delta):
            raise InputError(f"delta = {delta!r}; the effect to detect must be a finite non-zero difference")
        if sd is None:
            raise InputError("a continuous outcome needs sd, the standard deviation of the outcome in each arm")
        n = 4 * zz * _check_positive("sd", sd) ** 2 / delta**2
    elif hr is not None:
        hr = _check_positive("hr", hr)
        if hr == 1.0:
            raise InputError("hr = 1 is no effect; the hazard ratio to detect must differ from 1")
        n = 4 * zz / math.log(hr) ** 2
    else:
        if control_risk is None or rrr is None:
            raise InputError("a binary outcome needs both control_risk and rrr (relative risk reduction)")
        pc = _check_prob("control_risk", control_risk)
        rrr = float(rrr)
        if not (rrr < 1 and rrr != 0 and pc * (1 - rrr) < 1):
            raise InputError(f"rrr = {rrr!r}; it must be non-zero, < 1, and give an intervention risk below 1")
        pe = pc * (1 - rrr)
        pbar = (pc + pe) / 2
        n = 4 * zz * pbar * (1 - pbar) / (pc - pe) ** 2
    return n / (1 - d2)


def diversity(res) -> float:
    r"""Diversity D² of a meta-analysis (Wetterslev et al. 2009, eq 3): D² = (V_R − V_F) / V_R.

    V_F = 1/Σ(1/v_i) is the variance of the fixed-effect pooled estimate and V_R = 1/Σ 1/(v_i + τ²) that of
    the random-effects estimate, both computed from ``res.vi`` and ``res.tau2`` (so a Hartung-Knapp rescaled
    ``se`` does not enter). ``res`` is a :class:`metaan.models.MetaResult`; D² = 0 when τ² = 0 (or is
    undefined, k = 1).
    """
    vi = np.asarray(res.vi, dtype=float)
    tau2 = float(res.tau2) if np.isfinite(res.tau2) else 0.0
    vf = 1.0 / np.sum(1.0 / vi)
    vr = 1.0 / np.sum(1.0 / (vi + tau2))
    return float((vr - vf) / vr)


# ----------------------------------------------------------------------------------------------------------
# power and fragility
# ----------------------------------------------------------------------------------------------------------


def _two_sided_power(ncp, crit: float):
    return special.ndtr(np.abs(ncp) - crit) + special.ndtr(-np.abs(ncp) - crit)


def power(delta: float, n_t: float, n_c: float, sd: float, alpha: float = 0.05, *, test: str = "z") -> float:
    r"""Power of one two-arm trial to detect a true mean difference ``delta`` at two-sided level ``alpha``.

    ``test="z"`` (normal approximation; e.g. Chow, Shao & Wang 2008, §3.2.1): with SE = sd √(1/n_t + 1/n_c)
    and λ = |δ|/SE, power = Φ(λ − z₁₋α/₂) + Φ(−λ − z₁₋α/₂). ``test="t"`` (exact for the pooled-variance
    two-sample t-test): power = 1 − F(t_c; ν, λ) + F(−t_c; ν, λ) with the noncentral t distribution F, ν = n_t
    + n_c − 2 and t_c = t₁₋α/₂,ν. Both arms share the standard deviation ``sd``.
    """
    alpha = _check_prob("alpha", alpha)
    n_t, n_c, sd = _check_positive("n_t", n_t), _check_positive("n_c", n_c), _check_positive("sd", sd)
    ncp = float(delta) / (sd * math.sqrt(1 / n_t + 1 / n_c))
    if test == "z":
        return float(_two_sided_power(ncp, _z(1 - alpha / 2)))
    if test == "t":
        df = n_t + n_c - 2
        if df < 1:
            raise InputError("the t approximation needs n_t + n_c >= 3")
        tc = special.stdtrit(df, 1 - alpha / 2)
        return float(1 - special.nctdtr(df, ncp, tc) + special.nctdtr(df, ncp, -tc))
    raise InputError(f"test = {test!r}; use 'z' or 't'")


def pooled_power(delta: float, vi, alpha: float = 0.05, *, tau2: float = 0.0) -> float:
    r"""Power of the pooled (inverse-variance) analysis to detect ``delta`` with a two-sided z-test.

    SE = (Σ 1/(v_i + τ²))^(−1/2), power = Φ(|δ|/SE − z₁₋α/₂) + Φ(−|δ|/SE − z₁₋α/₂) (Hedges & Pigott 2001,
    Psychol Methods 6:203, eq 5 and 17; τ² = 0 gives the fixed-effect power). ``vi`` is a sequence of sampling
    variances or a :class:`metaan.models.MetaResult`, whose ``vi`` and ``tau2`` are then used.
    """
    alpha = _check_prob("alpha", alpha)
    if hasattr(vi, "vi") and hasattr(vi, "tau2"):
        tau2 = float(vi.tau2) if np.isfinite(vi.tau2) else 0.0
        vi = vi.vi
    v = np.asarray(vi, dtype=float).ravel()
    if v.size == 0 or np.any(~np.isfinite(v)) or np.any(v <= 0):
        raise InputError("vi must be a non-empty sequence of finite sampling variances > 0")
    if not (math.isfinite(tau2) and tau2 >= 0):
        raise InputError(f"tau2 = {tau2!r}; it must be finite and >= 0")
    se = 1.0 / math.sqrt(np.sum(1.0 / (v + tau2)))
    return float(_two_sided_power(float(delta) / se, _z(1 - alpha / 2)))


def fragility_index(events_t: int, n_t: int, events_c: int, n_c: int, alpha: float = 0.05) -> int:
    """Fragility index of a 2×2 trial result (Walsh et al. 2014, J Clin Epidemiol 67:622).

    In the arm with fewer events (the treatment arm on a tie), patients are moved one at a time from non-event
    to event, recomputing the two-sided Fisher exact test (``scipy.stats.fisher_exact``), until p ≥ ``alpha``;
    the number moved is the index. A result that is not significant (p ≥ alpha) has index 0.
    """
    counts = {"events_t": events_t, "n_t": n_t, "events_c": events_c, "n_c": n_c}
    for name, value in counts.items():
        if int(value) != value or value < 0:
            raise InputError(f"{name} = {value!r}; counts must be non-negative integers")
    if events_t > n_t or events_c > n_c or n_t == 0 or n_c == 0:
        raise InputError(f"events must not exceed arm sizes and arms must be non-empty; got {counts}")
    alpha = _check_prob("alpha", alpha)
    e_t, e_c = int(events_t), int(events_c)

    def p(et, ec):
        return stats.fisher_exact([[et, n_t - et], [ec, n_c - ec]]).pvalue

    treated_arm = e_t <= e_c  # the arm with fewer events is chosen once, before any move
    moved = 0
    while p(e_t, e_c) < alpha and (e_t < n_t if treated_arm else e_c < n_c):
        e_t, e_c = (e_t + 1, e_c) if treated_arm else (e_t, e_c + 1)
        moved += 1
    return moved
