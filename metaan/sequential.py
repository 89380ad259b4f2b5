"""Group-sequential monitoring of a cumulative meta-analysis: Lan-DeMets boundaries and trial sequential analysis.

``sequential_boundaries`` gives O'Brien-Fleming-type efficacy boundaries (alpha spending, Lan & DeMets 1983) and
the beta-spending futility wedge (Pampallona & Tsiatis 1994) at any information fractions, by the recursive
numerical integration of Armitage, McPherson & Rowe (1969) as in Reboussin et al. (2000). ``trial_sequential``
pools the trials cumulatively with :func:`metaan.models.pool` and reads the z-curve against those boundaries at
the information fractions of a required information size (Wetterslev 2008; Thorlund et al. 2011). Import these
from :mod:`metaan.evidence`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import optimize, special

from .checks import _check_positive, _check_prob
from .errors import InputError, MetaanWarning
from .information import _z
from .models import pool

__all__ = [
    "obf_spending", "sequential_boundaries", "Boundaries", "trial_sequential", "TSAResult", "BENEFIT",
    "NO_BENEFIT", "INCONCLUSIVE",
]  # fmt: skip


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
    grid of ``grid_points`` fractions from 0 to max(1, last fraction), plus t = 1: the boundaries a next
    analysis at that information would face — everything a TSA plot needs with ``z``. It is a cached property,
    computed from ``boundaries`` on first access (by :func:`metaan.plots.tsa_plot`, say), because the
    recursive integration at every grid point costs far more than the analysis itself.
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
    grid_points: int = 201
    boundaries: Boundaries | None = field(default=None, repr=False, compare=False)

    @cached_property
    def grid(self) -> pd.DataFrame:
        """The boundaries a next analysis would face on ``grid_points`` fractions in (0, max(1, last]], and 1."""
        if self.boundaries is None:
            raise InputError("this TSAResult was built without its boundaries; the plotting grid needs them")
        sign = 1.0 if self.direction == "greater" else -1.0
        tg = np.union1d(np.linspace(0.0, max(1.0, self.fraction[-1]), self.grid_points)[1:], [1.0])
        ge, gf = self.boundaries.at(tg)
        return pd.DataFrame({"fraction": tg, "information": tg * self.ris, "boundary": sign * ge,
                             "harm_boundary": -sign * ge, "futility": sign * gf})  # fmt: skip

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

    Only the boundaries at the looks are computed here; the plotting grid of ``grid_points`` information
    fractions (``TSAResult.grid``) is computed when it is first read.
    """
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    n = np.asarray(n, dtype=float).ravel()
    k = y.size
    labels = tuple(str(s) for s in labels) if labels is not None else tuple(f"study {i + 1}" for i in range(k))
    if not (v.size == n.size == len(labels) == k) or k == 0:
        raise InputError(
            f"yi, vi, n and labels must have the same non-zero length; got {k}, {v.size}, {n.size}, {len(labels)}"
        )
    for i in range(k):
        if not (np.isfinite(n[i]) and n[i] > 0):
            raise InputError(f"{labels[i]}: n = {n[i]!r}; the information a trial adds must be > 0")
    ris = _check_positive("ris", ris)
    if isinstance(grid_points, bool) or not isinstance(grid_points, int | np.integer) or grid_points < 2:
        raise InputError(f"grid_points = {grid_points!r}; the plotting grid needs an integer >= 2")
    if direction not in ("greater", "less"):
        raise InputError(f"direction = {direction!r}; use 'greater' or 'less' (the sign of a beneficial effect)")
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
    return TSAResult(
        labels=labels, n=n, information=info, fraction=frac, estimate=est, se=se, z=z,
        boundary=sign * b.efficacy, harm_boundary=-sign * b.efficacy, futility=sign * b.futility,
        alpha_spent=b.alpha_spent, beta_spent=b.beta_spent, ris=ris, alpha=alpha, power=power, method=method,
        direction=direction, verdict=verdict, reason=reason, grid_points=grid_points, boundaries=b,
    )  # fmt: skip
