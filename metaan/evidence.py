"""Is the evidence enough? Information size, TSA, power, fragility, Bayesian pooling and GRADE.

Every function here sits on top of the pooled analysis (``metaan.models``) and answers a question a reader of
a meta-analysis asks next: how many participants would settle the question (``information_size``), has the
accumulated evidence crossed a monitoring boundary (``trial_sequential``), could these trials have detected
the effect (``power``, ``pooled_power``), how many patients does a "significant" trial hinge on
(``fragility_index``), what should one believe under a stated prior (``bayes_pool``), and how certain is the
evidence (``grade_table``). Minimal clinically important differences are data: ``load_mcid`` reads
``data/mcid.csv``.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .bias import egger
from .effects import MEASURE_BY_OUTCOME, effect_sizes
from .errors import DataError, InputError, MetaanWarning
from .models import pool

__all__ = [
    "information_size", "diversity", "obf_spending", "sequential_boundaries", "Boundaries",
    "trial_sequential", "TSAResult", "power", "pooled_power", "fragility_index", "bayes_pool", "BayesResult",
    "sceptical_prior", "enthusiastic_prior", "SCEPTICAL", "ENTHUSIASTIC", "grade_table", "load_mcid",
]  # fmt: skip


def _z(p: float) -> float:
    """Standard normal quantile Φ⁻¹(p)."""
    return float(special.ndtri(p))


def _check_prob(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 < value < 1.0:
        raise InputError(f"{name} = {value!r}; it must lie strictly between 0 and 1")
    return value


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{name} = {value!r}; it must be a finite number > 0")
    return value


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
            raise InputError(
                "a continuous outcome needs sd, the standard deviation of the outcome in each arm"
            )
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
            raise InputError(
                f"rrr = {rrr!r}; it must be non-zero, < 1, and give an intervention risk below 1"
            )
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
# group-sequential boundaries by recursive numerical integration
# ----------------------------------------------------------------------------------------------------------
# The cumulative statistic is Z_t = S_t/√t with S a Brownian motion of drift θ in information time t (Jennison
# & Turnbull 2000, ch. 3 and 19). The sub-density of Z at look k on the continuation region is carried forward
# on a grid with Simpson's rule (Armitage, McPherson & Rowe 1969; the method of Reboussin, DeMets, Kim & Lan
# 2000): Z_k | Z_{k-1} = y  ~  N((y√t_{k-1} + θΔ)/√t_k, Δ/t_k),  Δ = t_k − t_{k-1}, exit probabilities beyond
# a bound use the exact normal tail of that conditional law.

_SPAN = 9.0  # the continuation region is truncated at mean ± 9 (normal tail < 1e-18)
_H_MAX = 0.02  # largest grid step on the z scale
_PER_SD = 8.0  # at least 8 grid steps per conditional standard deviation
_ORIGIN = (0.0, np.zeros(1), np.ones(1))  # (t, nodes, density × quadrature weight): Z_0 = 0 with certainty


def obf_spending(t, level: float = 0.05) -> np.ndarray:
    r"""O'Brien-Fleming-type spending function of Lan & DeMets (1983, Biometrika 70:659, eq 2.3):
    α(t) = 2 − 2Φ(z₁₋α/₂ / √t) for 0 < t ≤ 1, and α(t) = α for t > 1 (nothing left to spend)."""
    t = np.minimum(np.asarray(t, dtype=float), 1.0)
    return 2.0 - 2.0 * special.ndtr(_z(1 - level / 2) / np.sqrt(t))


def _simpson_weights(n: int, h: float) -> np.ndarray:
    """Composite Simpson weights for n (odd) equally spaced nodes h apart."""
    w = np.full(n, 2.0)
    w[1::2] = 4.0
    w[0] = w[-1] = 1.0
    return w * h / 3


def _conditional(state, t_next: float, drift: float):
    t0, z, _ = state
    dt = t_next - t0
    return (z * math.sqrt(t0) + drift * dt) / math.sqrt(t_next), math.sqrt(dt / t_next)


def _log_exit(state, t_next: float, drift: float, bound: float, upper: bool) -> float:
    """log P(no earlier exit, Z_next beyond ``bound``) — above it if ``upper``, else below it."""
    m, s = _conditional(state, t_next, drift)
    lp = special.log_ndtr((m - bound) / s if upper else (bound - m) / s)
    return float(special.logsumexp(lp + np.log(state[2])))


def _advance(state, t_next: float, drift: float, lo: float, hi: float, s_next: float | None):
    """Sub-density of Z at ``t_next`` on the continuation region (lo, hi), on a Simpson grid."""
    m, s = _conditional(state, t_next, drift)
    centre = drift * math.sqrt(t_next)
    a, b = max(lo, centre - _SPAN), min(hi, centre + _SPAN)
    if not b > a:
        return (t_next, np.array([centre]), np.array([1e-300]))
    h = min(_H_MAX, s / _PER_SD, (s_next or np.inf) / _PER_SD)
    n = max(3, int(math.ceil((b - a) / h)) + 1)
    n += 1 - n % 2  # Simpson needs an odd number of nodes
    z = np.linspace(a, b, n)
    dens = np.empty(n)
    step = max(1, 2**22 // m.size)
    for i in range(0, n, step):
        dens[i : i + step] = np.exp(-0.5 * ((z[i : i + step, None] - m[None, :]) / s) ** 2) @ state[2]
    dens *= _simpson_weights(n, (b - a) / (n - 1)) / (s * math.sqrt(2 * math.pi))
    return (t_next, z, np.maximum(dens, 1e-300))


def _solve_bound(f, lo: float = -40.0, hi: float = 40.0) -> float:
    """Root of the decreasing function ``f`` in [lo, hi]; the end point when there is none."""
    flo, fhi = f(lo), f(hi)
    if flo <= 0:
        return lo
    if fhi >= 0:
        return hi
    return float(optimize.brentq(f, lo, hi, xtol=1e-11))


def _log_spend(level: float, t: float, t_prev: float) -> float:
    """log(α(t) − α(t_prev)) of :func:`obf_spending` without underflow; −inf when nothing is left."""
    c = _z(1 - level / 2)
    la = math.log(2) + float(special.log_ndtr(-c / math.sqrt(min(t, 1.0))))
    if t_prev <= 0:
        return la
    lb = math.log(2) + float(special.log_ndtr(-c / math.sqrt(min(t_prev, 1.0))))
    return la + math.log1p(-math.exp(lb - la)) if la > lb else -math.inf


def _efficacy_bound(state, t: float, log_target: float, sides: int) -> float:
    """b with log P(no earlier exit, Z_t ≥ b [or ≤ −b]) = log_target under no effect."""
    if log_target == -math.inf:
        return math.inf
    if state[0] == 0:  # first look: P(|Z| ≥ b) = 2Φ(−b), or Φ(−b) one-sided
        return -float(special.ndtri_exp(log_target - (math.log(2) if sides == 2 else 0.0)))

    def excess(b):
        lp = _log_exit(state, t, 0.0, b, True)
        if sides == 2:
            lp = np.logaddexp(lp, _log_exit(state, t, 0.0, -b, False))
        return lp - log_target

    return _solve_bound(excess, 0.0 if sides == 2 else -40.0)


def _futility_bound(state, t: float, drift: float, log_target: float) -> float:
    """f with log P_θ(no earlier exit, Z_t ≤ f) = log_target."""
    if log_target == -math.inf:
        return -math.inf
    if state[0] == 0:  # first look: Z ~ N(θ√t, 1)
        return drift * math.sqrt(t) + float(special.ndtri_exp(log_target))
    return _solve_bound(lambda f: log_target - _log_exit(state, t, drift, f, False))


def _sequential_probabilities(t, lower, upper, drift: float = 0.0):
    """Probabilities of first exit below ``lower`` and above ``upper`` at each look (fixed boundaries)."""
    t = np.asarray(t, dtype=float)
    state, low, up = _ORIGIN, [], []
    for k, tk in enumerate(t):
        low.append(math.exp(_log_exit(state, tk, drift, lower[k], False)) if np.isfinite(lower[k]) else 0.0)
        up.append(math.exp(_log_exit(state, tk, drift, upper[k], True)) if np.isfinite(upper[k]) else 0.0)
        s_next = math.sqrt((t[k + 1] - tk) / t[k + 1]) if k + 1 < t.size else None
        state = _advance(state, tk, drift, lower[k], upper[k], s_next)
    return np.array(low), np.array(up)


@dataclass(frozen=True)
class Boundaries:
    """Group-sequential boundaries at information fractions ``t`` (Z scale; efficacy for the benefit side).

    ``efficacy`` crosses for benefit at Z ≥ efficacy (two-sided designs also stop for harm at Z ≤ −efficacy);
    ``futility`` is the beta-spending inner wedge: Z ≤ futility means the effect assumed in the required
    information size is implausible. ``alpha_spent``/``beta_spent`` are cumulative; ``drift`` is the mean of
    Z at t = 1 under the alternative, z₁₋α/₂ + z₁₋β.
    """

    t: np.ndarray
    efficacy: np.ndarray
    futility: np.ndarray
    alpha_spent: np.ndarray
    beta_spent: np.ndarray
    alpha: float
    power: float
    sides: int
    drift: float
    _eff_states: list = field(default_factory=list, repr=False, compare=False)
    _fut_states: list = field(default_factory=list, repr=False, compare=False)

    def _next(self, j: int, t: float) -> tuple[float, float]:
        """Bounds of an analysis at ``t`` following the first ``j`` analyses of ``self.t``."""
        st_e = self._eff_states[j - 1] if j else _ORIGIN
        st_f = self._fut_states[j - 1] if j else _ORIGIN
        e = _efficacy_bound(st_e, t, _log_spend(self.alpha, t, st_e[0]), self.sides)
        if not np.isfinite(e):  # the alpha is spent (t > 1): hold the last boundary
            e = float(self.efficacy[j - 1])
        f = _futility_bound(st_f, t, self.drift, _log_spend(1 - self.power, t, st_f[0]))
        return e, (e if t >= 1 or f > e else f)

    def at(self, t_new) -> tuple[np.ndarray, np.ndarray]:
        """(efficacy, futility) boundaries that a NEXT analysis at information fraction ``t_new`` would face,
        given the analyses already made at ``self.t`` before it — the curve a trial sequential plot draws."""
        t_new = np.atleast_1d(np.asarray(t_new, dtype=float))
        eff, fut = np.empty(t_new.size), np.empty(t_new.size)
        for i, tg in enumerate(t_new):
            j = int(np.searchsorted(self.t, tg, side="left"))  # analyses strictly before tg
            if j < self.t.size and self.t[j] == tg:
                eff[i], fut[i] = self.efficacy[j], self.futility[j]
            else:
                eff[i], fut[i] = self._next(j, tg)
        return eff, fut


def sequential_boundaries(t, alpha: float = 0.05, power: float = 0.8, *, sides: int = 2) -> Boundaries:
    r"""Lan-DeMets O'Brien-Fleming-type efficacy and futility boundaries at information fractions ``t``.

    Efficacy: at look k the bound b_k solves P₀(|Z_j| < b_j for j < k, |Z_k| ≥ b_k) = α(t_k) − α(t_{k−1}) with
    α(t) from :func:`obf_spending` (Lan & DeMets 1983; one-sided when ``sides=1``: Z_k ≥ b_k). Probabilities
    are computed by the recursive numerical integration of Armitage, McPherson & Rowe (1969) as in Reboussin,
    DeMets, Kim & Lan (2000, Control Clin Trials 21:190). Looks after the spending is complete (t > 1) keep
    the last bound.

    Futility (non-binding, beta-spending; Pampallona & Tsiatis 1994): f_k solves
    P_θ(f_j < Z_j < b_j for j < k, Z_k ≤ f_k) = β(t_k) − β(t_{k−1}) with β(t) = 2 − 2Φ(z₁₋β/₂/√t) (the same
    O'Brien-Fleming form) and drift θ = z₁₋α/₂ + z₁₋β, the alternative for which the required information size
    (t = 1) has power 1 − β in a single analysis. f_k is capped at b_k, and f = b from t = 1 on, so the wedge
    closes at the required information size.
    """
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0) or np.any(np.diff(t) <= 0):
        raise InputError("information fractions t must be finite, > 0 and strictly increasing")
    alpha, power = _check_prob("alpha", alpha), _check_prob("power", power)
    if sides not in (1, 2):
        raise InputError(f"sides = {sides!r}; use 1 or 2")
    drift = _z(1 - alpha / 2) + _z(power)
    spent_a, spent_b = obf_spending(t, alpha), obf_spending(t, 1 - power)
    out = Boundaries(t, np.empty(t.size), np.empty(t.size), spent_a, spent_b, alpha, power, sides, drift)
    for k, tk in enumerate(t):
        e, f = out._next(k, tk)
        out.efficacy[k], out.futility[k] = e, f
        s_next = math.sqrt((t[k + 1] - tk) / t[k + 1]) if k + 1 < t.size else None
        st_e = out._eff_states[k - 1] if k else _ORIGIN
        st_f = out._fut_states[k - 1] if k else _ORIGIN
        out._eff_states.append(_advance(st_e, tk, 0.0, -e if sides == 2 else -math.inf, e, s_next))
        out._fut_states.append(_advance(st_f, tk, drift, f, e, s_next))
    return out


# ----------------------------------------------------------------------------------------------------------
# trial sequential analysis
# ----------------------------------------------------------------------------------------------------------

BENEFIT = "firm evidence of benefit"
NO_BENEFIT = "firm evidence of no meaningful benefit"
INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class TSAResult:
    """A trial sequential analysis: one row per cumulative meta-analysis (look) plus a plotting grid.

    Per look (arrays in trial order): ``labels``, ``n`` (participants or events of each trial),
    ``information`` (cumulative), ``fraction`` (information / RIS), ``estimate``, ``se`` and ``z`` of the
    cumulative pooled effect (sign as the data), ``boundary`` (efficacy boundary on the benefit side, signed),
    ``harm_boundary`` (its mirror), ``futility`` (inner wedge, signed), ``alpha_spent``/``beta_spent``
    (cumulative). ``grid`` is a DataFrame (fraction, information, boundary, harm_boundary, futility) on a fine
    grid from 0 to max(1, last fraction): the boundaries a next analysis at that information would face —
    everything a TSA plot needs with ``z``.
    """

    labels: tuple[str, ...]
    n: np.ndarray
    information: np.ndarray
    fraction: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    z: np.ndarray
    boundary: np.ndarray
    harm_boundary: np.ndarray
    futility: np.ndarray
    alpha_spent: np.ndarray
    beta_spent: np.ndarray
    ris: float
    alpha: float
    power: float
    method: str
    direction: str
    verdict: str
    reason: str
    grid: pd.DataFrame = field(repr=False)

    @property
    def crossed(self) -> np.ndarray:
        """Looks at which the cumulative Z was on or beyond the efficacy boundary for benefit."""
        sign = 1.0 if self.direction == "greater" else -1.0
        return sign * self.z >= np.abs(self.boundary)

    def summary(self) -> pd.DataFrame:
        """One row per look."""
        return pd.DataFrame({
            "study": self.labels, "n": self.n, "information": self.information, "fraction": self.fraction,
            "estimate": self.estimate, "se": self.se, "z": self.z, "boundary": self.boundary,
            "harm_boundary": self.harm_boundary, "futility": self.futility, "alpha_spent": self.alpha_spent,
            "beta_spent": self.beta_spent,
        })  # fmt: skip

    def __str__(self) -> str:
        last = len(self.z) - 1
        return (
            f"Trial sequential analysis ({self.method}), k = {len(self.z)}, RIS = {self.ris:.1f}, "
            f"alpha = {self.alpha:g}, power = {self.power:g}\n"
            f"information = {self.information[last]:.1f} ({100 * self.fraction[last]:.1f}% of RIS), "
            f"z = {self.z[last]:.3f}, boundary = {self.boundary[last]:.3f}, "
            f"futility = {self.futility[last]:.3f}\n"
            f"verdict: {self.verdict} ({self.reason})"
        )


def _tsa_verdict(zb: float, eff: float, fut: float, frac: float) -> tuple[str, str]:
    """Verdict from the last look, with Z oriented so that benefit is positive."""
    if zb >= eff:
        return BENEFIT, f"benefit-oriented z = {zb:.2f} is beyond the efficacy boundary {eff:.2f}"
    if zb <= -eff:
        return NO_BENEFIT, f"benefit-oriented z = {zb:.2f} is beyond the harm boundary {-eff:.2f}"
    if zb <= fut:
        return NO_BENEFIT, f"benefit-oriented z = {zb:.2f} is inside the futility wedge (bound {fut:.2f})"
    if frac >= 1:
        return NO_BENEFIT, "the required information size was reached without crossing for benefit"
    return INCONCLUSIVE, f"{100 * frac:.1f}% of the required information size; no boundary crossed"


def trial_sequential(
    yi,
    vi,
    n,
    ris: float,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    method: str = "DL",
    direction: str = "greater",
    labels: Sequence[str] | None = None,
    grid_points: int = 201,
) -> TSAResult:
    r"""Trial sequential analysis of a cumulative meta-analysis (Wetterslev 2008; Thorlund et al. 2011).

    Trials are taken in the order given (chronological). After trial j the first j trials are pooled with
    ``metaan.models.pool(method=method)`` — DerSimonian-Laird by default, as the Copenhagen TSA program — and
    the cumulative Z_j = μ̂_j / SE(μ̂_j) is compared with boundaries from :func:`sequential_boundaries`
    computed at the information fractions t_j = Σ_{i≤j} n_i / RIS (``n`` and ``ris`` in the same unit:
    participants, or events for a survival RIS from :func:`information_size`). ``direction`` says which sign
    of the effect is benefit: ``"greater"`` (e.g. ALSFRS-R mean difference) or ``"less"`` (log hazard ratio).

    Verdict, read at the last look (Z oriented so that benefit is positive, b = efficacy and f = futility
    bound): Z ≥ b → "firm evidence of benefit"; Z ≤ −b (harm boundary) or Z ≤ f (futility wedge), or the RIS
    reached (t ≥ 1, where f = b) without Z ≥ b → "firm evidence of no meaningful benefit"; otherwise
    "inconclusive". MetaanWarnings of the per-look pooling (few studies with a z-test) are silenced: the TSA
    boundaries are the multiplicity adjustment here.
    """
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    n = np.asarray(n, dtype=float).ravel()
    k = y.size
    labels = (
        tuple(str(s) for s in labels) if labels is not None else tuple(f"study {i + 1}" for i in range(k))
    )
    if not (v.size == n.size == len(labels) == k) or k == 0:
        raise InputError(
            f"yi, vi, n and labels must have the same non-zero length; got {k}, {v.size}, {n.size}, "
            f"{len(labels)}"
        )
    for i in range(k):
        if not (np.isfinite(n[i]) and n[i] > 0):
            raise InputError(f"{labels[i]}: n = {n[i]!r}; the information a trial adds must be > 0")
    ris = _check_positive("ris", ris)
    if direction not in ("greater", "less"):
        raise InputError(
            f"direction = {direction!r}; use 'greater' or 'less' (the sign of a beneficial effect)"
        )
    sign = 1.0 if direction == "greater" else -1.0
    est, se = np.empty(k), np.empty(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        for j in range(k):
            res = pool(y[: j + 1], v[: j + 1], method=method, labels=labels[: j + 1])
            est[j], se[j] = res.estimate, res.se
    z = est / se
    info = np.cumsum(n)
    frac = info / ris
    b = sequential_boundaries(frac, alpha, power)
    verdict, reason = _tsa_verdict(sign * z[-1], b.efficacy[-1], b.futility[-1], frac[-1])
    tg = np.union1d(np.linspace(0.0, max(1.0, frac[-1]), grid_points)[1:], [1.0])
    ge, gf = b.at(tg)
    grid = pd.DataFrame({"fraction": tg, "information": tg * ris, "boundary": sign * ge,
                         "harm_boundary": -sign * ge, "futility": sign * gf})  # fmt: skip
    return TSAResult(
        labels=labels, n=n, information=info, fraction=frac, estimate=est, se=se, z=z,
        boundary=sign * b.efficacy, harm_boundary=-sign * b.efficacy, futility=sign * b.futility,
        alpha_spent=b.alpha_spent, beta_spent=b.beta_spent, ris=ris, alpha=alpha, power=power, method=method,
        direction=direction, verdict=verdict, reason=reason, grid=grid,
    )  # fmt: skip


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


# ----------------------------------------------------------------------------------------------------------
# Bayesian random-effects pooling on a grid
# ----------------------------------------------------------------------------------------------------------


class Interval(NamedTuple):
    """A posterior summary: mean, a central credible interval (low, high) and the median."""

    mean: float
    low: float
    high: float
    median: float


def _mixture_quantile(p: float, weights, means, sds) -> float:
    """Quantile of the normal mixture Σ w_j N(means_j, sds_j²)."""
    lo, hi = float(np.min(means - 12 * sds)), float(np.max(means + 12 * sds))
    return float(optimize.brentq(lambda x: weights @ special.ndtr((x - means) / sds) - p, lo, hi, xtol=1e-12))


@dataclass(frozen=True)
class BayesResult:
    """Posterior of a normal-normal random-effects meta-analysis (see :func:`bayes_pool`).

    ``mean``, ``sd`` and ``ci`` (central credible interval at ``level``) summarise μ; ``predictive`` the
    effect θ_new in a new study; ``tau`` the heterogeneity SD. The tau grid, its posterior weights and the
    conditional posterior N(cond_mean, cond_sd²) of μ at each grid point are kept for plots.
    """

    mean: float
    sd: float
    ci: tuple[float, float]
    median: float
    predictive: Interval
    tau: Interval
    level: float
    k: int
    prior_mu_mean: float
    prior_mu_sd: float
    tau_prior_scale: float
    tau_grid: np.ndarray = field(repr=False)
    tau_weights: np.ndarray = field(repr=False)
    cond_mean: np.ndarray = field(repr=False)
    cond_sd: np.ndarray = field(repr=False)

    def prob_greater(self, x: float) -> float:
        """Posterior probability that μ > x."""
        return float(self.tau_weights @ special.ndtr((self.cond_mean - x) / self.cond_sd))

    def prob_less(self, x: float) -> float:
        """Posterior probability that μ < x."""
        return 1.0 - self.prob_greater(x)

    def summary(self) -> pd.DataFrame:
        """One row per quantity (mu, new-study effect, tau): mean, median, interval."""
        rows = [
            ("mu", self.mean, self.median, *self.ci),
            (
                "theta_new",
                self.predictive.mean,
                self.predictive.median,
                self.predictive.low,
                self.predictive.high,
            ),
            ("tau", self.tau.mean, self.tau.median, self.tau.low, self.tau.high),
        ]
        return pd.DataFrame(rows, columns=["parameter", "mean", "median", "low", "high"])

    def __str__(self) -> str:
        pct = f"{100 * self.level:g}%"
        return (
            f"Bayesian random-effects meta-analysis, k = {self.k}; priors mu ~ N({self.prior_mu_mean:g}, "
            f"{self.prior_mu_sd:g}^2), tau ~ half-normal({self.tau_prior_scale:g})\n"
            f"mu: mean {self.mean:.4f} (sd {self.sd:.4f}), {pct} CrI [{self.ci[0]:.4f}, {self.ci[1]:.4f}]\n"
            f"new study: {pct} interval [{self.predictive.low:.4f}, {self.predictive.high:.4f}]\n"
            f"tau: median {self.tau.median:.4f}, {pct} CrI [{self.tau.low:.4f}, {self.tau.high:.4f}]"
        )


def bayes_pool(
    yi,
    vi,
    *,
    prior_mu_sd: float,
    tau_prior_scale: float,
    prior_mu_mean: float = 0.0,
    grid: int = 1001,
    level: float = 0.95,
) -> BayesResult:
    r"""Random-effects meta-analysis with priors μ ~ N(m₀, s₀²) and τ ~ half-normal(scale), by quadrature.

    Model: y_i | μ, τ ~ N(μ, v_i + τ²), the study effects integrated out analytically (Spiegelhalter, Abrams &
    Myles 2004, §8.2; the model of bayesmeta, Röver 2020). Given τ, μ is conjugate: its posterior is N(m(τ),
    s(τ)²) with 1/s² = 1/s₀² + Σ w_i, m = s² (m₀/s₀² + Σ w_i y_i), w_i = 1/(v_i + τ²), and the marginal
    likelihood is p(y | τ) ∝ Π w_i^½ · s/s₀ · exp(−½ [Σ w_i y_i² + m₀²/s₀² − m²/s²]). The posterior of τ,
    p(τ | y) ∝ p(τ) p(y | τ), is evaluated on ``grid`` equally spaced points (Simpson's rule) from 0 to a
    bound extended until the density is below e⁻³⁰ of its maximum; μ's posterior is the resulting mixture of
    normals, whose quantiles give ``ci``. The effect in a new study is θ_new | τ ~ N(m(τ), s(τ)² + τ²).

    Priors must be stated on the scale of ``yi``. For log odds/hazard ratios, half-normal scales 0.5 (weakly
    informative) to 1.0 (conservative) for τ are recommended by Röver et al. (2021, Res Synth Methods 12:448)
    and Friede et al. (2017, Biom J 59:658); for a mean difference in points, choose a τ scale in points (for
    example the size of the MCID). :func:`sceptical_prior` and :func:`enthusiastic_prior` give (m₀, s₀) from
    an MCID.
    """
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    finite = np.all(np.isfinite(y)) and np.all(np.isfinite(v))
    if y.size == 0 or y.size != v.size or not finite or np.any(v <= 0):
        raise InputError("yi and vi must be non-empty, finite, of the same length, with every vi > 0")
    s0 = _check_positive("prior_mu_sd", prior_mu_sd)
    scale = _check_positive("tau_prior_scale", tau_prior_scale)
    m0 = float(prior_mu_mean)
    level = _check_prob("level", level)
    if int(grid) < 101:
        raise InputError(f"grid = {grid!r}; use at least 101 points")
    n = int(grid) + 1 - int(grid) % 2

    def conditional(tau):
        w = 1.0 / (v[None, :] + np.asarray(tau, dtype=float)[:, None] ** 2)
        prec = 1.0 / s0**2 + w.sum(1)
        mean = (m0 / s0**2 + (w * y).sum(1)) / prec
        logpost = (0.5 * np.log(w).sum(1) - 0.5 * np.log(prec * s0**2)
                   - 0.5 * ((w * y**2).sum(1) + m0**2 / s0**2 - mean**2 * prec)
                   - 0.5 * (np.asarray(tau) / scale) ** 2)  # fmt: skip
        return mean, 1.0 / np.sqrt(prec), logpost

    upper = 6.0 * scale
    for _ in range(60):
        lp = conditional(np.linspace(0, upper, 201))[2]
        if lp[-1] < lp.max() - 30:
            break
        upper *= 2
    tau = np.linspace(0.0, upper, n)
    mean_c, sd_c, lp = conditional(tau)
    dens = np.exp(lp - lp.max())
    wts = dens * _simpson_weights(n, upper / (n - 1))
    wts /= wts.sum()
    mean = float(wts @ mean_c)
    sd = float(math.sqrt(wts @ (sd_c**2 + mean_c**2) - mean**2))
    q = ((1 - level) / 2, 0.5, (1 + level) / 2)
    mu_q = [_mixture_quantile(p, wts, mean_c, sd_c) for p in q]
    sd_new = np.sqrt(sd_c**2 + tau**2)
    pred_q = [_mixture_quantile(p, wts, mean_c, sd_new) for p in q]
    # tau quantiles from the cumulative trapezoid of the normalised density
    cdf = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2)])
    cdf /= cdf[-1]
    tau_q = np.interp(q, cdf, tau)
    return BayesResult(
        mean=mean, sd=sd, ci=(mu_q[0], mu_q[2]), median=mu_q[1],
        predictive=Interval(mean, pred_q[0], pred_q[2], pred_q[1]),
        tau=Interval(float(wts @ tau), float(tau_q[0]), float(tau_q[2]), float(tau_q[1])),
        level=level, k=y.size, prior_mu_mean=m0, prior_mu_sd=s0, tau_prior_scale=scale, tau_grid=tau,
        tau_weights=wts, cond_mean=mean_c, cond_sd=sd_c,
    )  # fmt: skip


def sceptical_prior(mcid: float, tail: float = 0.05) -> tuple[float, float]:
    """Sceptical prior for μ: centred on no effect, with probability ``tail`` of an effect beyond the MCID
    (Spiegelhalter, Freedman & Parmar 1994, JRSS A 157:357, §4.1): (0, |mcid| / z₁₋tail)."""
    mcid = float(mcid)
    if mcid == 0 or not math.isfinite(mcid):
        raise InputError(f"mcid = {mcid!r}; it must be a finite non-zero effect on the analysis scale")
    return 0.0, abs(mcid) / _z(1 - _check_prob("tail", tail))


def enthusiastic_prior(mcid: float, tail: float = 0.05) -> tuple[float, float]:
    """Enthusiastic prior for μ: centred on the MCID, with probability ``tail`` of no benefit or harm
    (Spiegelhalter, Freedman & Parmar 1994, §4.2): (mcid, |mcid| / z₁₋tail)."""
    mean, sd = sceptical_prior(mcid, tail)
    return float(mcid), sd


SCEPTICAL = sceptical_prior
ENTHUSIASTIC = enthusiastic_prior


# ----------------------------------------------------------------------------------------------------------
# GRADE certainty of evidence
# ----------------------------------------------------------------------------------------------------------

CERTAINTY = {4: "high", 3: "moderate", 2: "low", 1: "very_low"}
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
_POPULATION_RANK = {"itt": 0, "mitt": 1, "all": 2, "per_protocol": 3, "completers": 4}
_VERSION_RANK = {"paper": 0, "erratum": 0, "registry_results": 1, "conference_abstract": 2,
                 "press_release": 3, "review_secondary": 4}  # fmt: skip


def _one_per_study(es: pd.DataFrame) -> pd.DataFrame:
    """One row per study: ITT-most population, then the longest follow-up, then the paper version."""
    if es.empty:
        return es
    rank = pd.DataFrame({
        "pop": es["population"].map(lambda p: _POPULATION_RANK.get(str(p), 9)),
        "time": -es["timepoint_months"].fillna(-np.inf),
        "version": es["result_version"].map(lambda v: _VERSION_RANK.get(str(v), 9)),
        "order": np.arange(len(es)),
    })  # fmt: skip
    keep = rank.assign(study=es["study"].to_numpy()).sort_values(["study", "pop", "time", "version", "order"])
    return es.loc[sorted(keep.groupby("study", sort=False).head(1).index)].reset_index(drop=True)


def _mcid_for(mcid, outcome: str, measure: str) -> float | None:
    value = mcid.get(outcome) if isinstance(mcid, Mapping) else mcid
    if value is None:
        return None
    value = float(value)
    if measure.startswith("log"):
        if not value > 0:
            raise InputError(
                f"{outcome}: mcid = {value!r}; for a ratio measure give the ratio (e.g. HR 0.75) > 0"
            )
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


def _imprecision_domain(res, m: float | None, n_total: float, alpha: float, power_: float) -> tuple:
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
    se_req = a / (_z(1 - alpha / 2) + _z(power_))
    ois = n_total * (1.0 / np.sum(1.0 / res.vi)) / se_req**2 if np.isfinite(n_total) else math.nan
    if np.isfinite(ois) and n_total < ois:
        points += 1
        reasons.append(f"N = {n_total:.0f} below the optimal information size (OIS = {ois:.0f})")
    elif np.isfinite(ois):
        reasons.append(f"N = {n_total:.0f} meets the optimal information size (OIS = {ois:.0f})")
    else:
        reasons.append("participants not reported for every study: OIS not assessed")
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
    (primary evidence, between-arm designs); one row per study is kept (ITT-most population, then the longest
    follow-up, then the paper version) and pooled with ``metaan.models.pool(method, test, level)`` (k = 1: the
    study itself). ``mcid`` (a number, or a mapping outcome → number) is on the reported scale: points for MD,
    the ratio for HR/OR (it is log-transformed); its sign on the analysis scale says which direction is
    benefit.

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
      participants N fall below the optimal information size OIS = N·V_F/SE_req² (the N at which a
      fixed-effect analysis would have SE_req = MCID/(z₁₋α/₂ + z₁₋β); Guyatt et al. 2011, J Clin Epidemiol
      64:1283), at most −2. Without an MCID: −1 if the CI includes no effect; the OIS is not assessed.
    - publication_bias: not assessable with k < 10 (0, reason stated); −1 if Egger's test p < 0.10.

    Certainty = start − Σ downgrades (floor very_low): high | moderate | low | very_low. Upgrading (large
    effect, dose-response) is not automated. ``judgements[(outcome, domain)] = (downgrade, reason)`` replaces
    a domain's data-driven rating. An outcome without effect sizes gives a row with k = 0 and no certainty.
    """
    judgements = judgements or {}
    for key, (value, _) in judgements.items():
        if key[1] not in DOMAINS or value not in (0, -1, -2):
            raise InputError(
                f"judgement {key}: domain must be one of {DOMAINS} and the downgrade 0, -1 or -2"
            )
    if outcomes is None:
        outcomes = list(dict.fromkeys(o for o in trials["outcome"].dropna().astype(str) if o.strip()))
    rows = []
    for outcome in outcomes:
        es = _one_per_study(effect_sizes(trials, outcome, **effect_kwargs))
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
        imp, imp_reason, ois = _imprecision_domain(res, m, n_total, alpha, power)
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

MCID_PATH = Path(__file__).resolve().parents[1] / "data" / "mcid.csv"
MCID_COLUMNS = ("outcome", "measure", "mcid", "unit", "direction", "definition", "citation", "source_url",
                "locator", "as_printed")  # fmt: skip
MCID_MEASURES = ("MD", "relative_slope_reduction", "HR", "OR")
MCID_OUTCOMES = tuple(MEASURE_BY_OUTCOME)  # the outcomes of data/trials.csv


def _finite_positive(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and float(text) > 0
    except ValueError:
        return False


_MCID_RULES = {
    "outcome": (lambda v: v in MCID_OUTCOMES, f"outcome must be one of {', '.join(MCID_OUTCOMES)}"),
    "measure": (lambda v: v in MCID_MEASURES, f"measure must be one of {', '.join(MCID_MEASURES)}"),
    "mcid": (_finite_positive, "mcid must be a finite number > 0 (the direction column gives the sign)"),
    "unit": (bool, "unit must not be empty"),
    "direction": (lambda v: v in ("higher_is_better", "lower_is_better"),
                  "direction must be higher_is_better or lower_is_better"),
    "definition": (bool, "definition must not be empty"),
    "citation": (bool, "citation must not be empty"),
    "source_url": (lambda v: v.startswith(("http://", "https://")), "source_url must be an http(s) URL"),
    "locator": (bool, "locator must not be empty (e.g. 'Abstract', 'Table 2')"),
    "as_printed": (bool, "as_printed must quote the printed text the number was read in"),
}  # fmt: skip


def load_mcid(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the table of minimal clinically important differences (default ``data/mcid.csv``).

    Columns: outcome, measure, mcid (a positive magnitude; ``direction`` says which side is better), unit,
    direction, definition, citation, source_url, locator, as_printed. Several rows per outcome are candidate
    MCIDs from different sources. A broken file raises :class:`DataError` naming the file, CSV line, column,
    value and the rule.
    """
    path = Path(path) if path is not None else MCID_PATH
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if tuple(h.strip() for h in header) != MCID_COLUMNS:
            raise DataError(f"{path} line 1: header {header!r}; expected exactly {', '.join(MCID_COLUMNS)}")
        records = []
        for record in reader:
            line = reader.line_num
            if len(record) != len(MCID_COLUMNS):
                raise DataError(f"{path} line {line}: {len(record)} fields; expected {len(MCID_COLUMNS)}")
            values = dict(zip(MCID_COLUMNS, (v.strip() for v in record), strict=True))
            for column, (ok, rule) in _MCID_RULES.items():
                if not ok(values[column]):
                    raise DataError(
                        f"{path} line {line}, column {column}: {values[column]!r} breaks the rule: {rule}"
                    )
            records.append(values)
    out = pd.DataFrame.from_records(records, columns=list(MCID_COLUMNS))
    out["mcid"] = out["mcid"].astype(float)
    return out
