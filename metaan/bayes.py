"""Bayesian random-effects meta-analysis on a grid, and sceptical / enthusiastic priors from an MCID.

``bayes_pool`` integrates the normal-normal random-effects model over a grid of τ (Simpson's rule, the same
quadrature weights as the group-sequential integration in :mod:`metaan.sequential`) with a normal prior on μ and
a half-normal prior on τ; ``sceptical_prior`` and ``enthusiastic_prior`` give the prior on μ from a minimal
clinically important difference (Spiegelhalter, Freedman & Parmar 1994). Import these from
:mod:`metaan.evidence`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import optimize, special

from .checks import _check_positive, _check_prob
from .errors import InputError
from .information import _z
from .sequential import _simpson_weights

__all__ = [
    "bayes_pool", "BayesResult", "Interval", "sceptical_prior", "enthusiastic_prior", "SCEPTICAL", "ENTHUSIASTIC",
]  # fmt: skip


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
