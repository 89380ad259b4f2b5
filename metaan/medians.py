"""Means and SDs from medians, quartiles and ranges (for trials that print a skewed summary).

A trial may print the median with the range and/or the interquartile range instead of a mean and SD. The mean is
estimated with the weights of Luo et al. (2018) and the SD with the approximations of Wan et al. (2014); the
scenarios are S1 (median, range), S2 (median, IQR) and S3 (the five-number summary), as Wan's C1, C3 and C2.
Inputs are checked by :mod:`metaan.checks`. Import these from :mod:`metaan.effects`.

References
----------
- Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the sample size, median,
  mid-range, and/or mid-quartile range. Stat Methods Med Res 27(6):1785-1805.
- Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation from the sample
  size, median, range and/or interquartile range. BMC Med Res Methodol 14:135.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from .checks import ArrayLike, _fail_if, _is_scalar, _num, _out, _sample_size, _where
from .errors import InputError

__all__ = ["mean_sd_from_five_numbers", "mean_sd_from_median_iqr", "mean_sd_from_median_range"]


def _ordered(names: Sequence[str], values: Sequence[np.ndarray]) -> None:
    """Raise unless values[0] <= values[1] <= ... and values[0] < values[-1] (element-wise)."""
    for i in range(len(names) - 1):
        a, b = np.broadcast_arrays(values[i], values[i + 1])
        bad = a > b
        if bad.any():
            label, value = _where(names[i], a, bad)
            _, next_value = _where(names[i + 1], b, bad)
            raise InputError(
                f"{label}={value:g} exceeds {names[i + 1]}={next_value:g}; the summary must be "
                f"ordered {' <= '.join(names)}"
            )
    a, b = np.broadcast_arrays(values[0], values[-1])
    bad = a == b
    if bad.any():
        label, value = _where(names[0], a, bad)
        raise InputError(f"{label}={value:g} equals {names[-1]}; a spread of zero gives no SD")


def _xi(n: np.ndarray) -> np.ndarray:
    """Wan 2014 eq 9: 2 Phi^-1((n - 0.375) / (n + 0.25)), approximating the expected standardised range."""
    return 2 * special.ndtri((n - 0.375) / (n + 0.25))


def _eta(n: np.ndarray) -> np.ndarray:
    """Wan 2014 eq 16: 2 Phi^-1((0.75 n - 0.125) / (n + 0.25)), approximating the standardised IQR."""
    return 2 * special.ndtri((0.75 * n - 0.125) / (n + 0.25))


def mean_sd_from_median_range(minimum: ArrayLike, median: ArrayLike, maximum: ArrayLike, n: ArrayLike):
    """Mean and SD from the median, minimum, maximum and sample size (scenario S1 / C1).

    Mean: Luo et al. 2018, scenario S1, with weight ``w = 4 / (4 + n^0.75)``::

        mean = w · (min + max)/2 + (1 - w) · median

    SD: Wan et al. 2014, eq 9 (the Blom-type approximation of ``xi(n)`` in their eq 7)::

        SD = (max - min) / (2 Phi^-1((n - 0.375) / (n + 0.25)))

    The approximation is used for every n (Wan's Table 1 gives the exact ``xi(n)`` for n <= 50; the two
    differ by < 1.5% for n >= 5).

    Returns
    -------
    (mean, sd)
    """
    scalar = _is_scalar(minimum, median, maximum, n)
    a, m, b = _num("minimum", minimum), _num("median", median), _num("maximum", maximum)
    nn = _sample_size("n", n)
    _fail_if(nn < 2, "n", nn, "is below 2; a range needs n >= 2")
    _ordered(("minimum", "median", "maximum"), (a, m, b))
    w = 4 / (4 + nn**0.75)
    mean = w * (a + b) / 2 + (1 - w) * m
    sd = (b - a) / _xi(nn)
    return _out(mean, sd, scalar=scalar)


def mean_sd_from_median_iqr(q1: ArrayLike, median: ArrayLike, q3: ArrayLike, n: ArrayLike):
    """Mean and SD from the median, first and third quartiles and sample size (scenario S2 / C3).

    Mean: Luo et al. 2018, scenario S2, with weight ``w = 0.7 + 0.39 / n``::

        mean = w · (q1 + q3)/2 + (1 - w) · median

    SD: Wan et al. 2014, eq 16 (the approximation of ``eta(n)`` in their eq 15)::

        SD = (q3 - q1) / (2 Phi^-1((0.75 n - 0.125) / (n + 0.25)))

    Returns
    -------
    (mean, sd)
    """
    scalar = _is_scalar(q1, median, q3, n)
    lo, m, hi = _num("q1", q1), _num("median", median), _num("q3", q3)
    nn = _sample_size("n", n)
    _fail_if(nn < 2, "n", nn, "is below 2; quartiles need n >= 2")
    _ordered(("q1", "median", "q3"), (lo, m, hi))
    w = 0.7 + 0.39 / nn
    mean = w * (lo + hi) / 2 + (1 - w) * m
    sd = (hi - lo) / _eta(nn)
    return _out(mean, sd, scalar=scalar)


def mean_sd_from_five_numbers(
    minimum: ArrayLike, q1: ArrayLike, median: ArrayLike, q3: ArrayLike, maximum: ArrayLike, n: ArrayLike
):
    """Mean and SD from the five-number summary and sample size (scenario S3 / C2).

    Mean: Luo et al. 2018, scenario S3, with weights ``w1 = 2.2 / (2.2 + n^0.75)`` and
    ``w2 = 0.7 - 0.72 / n^0.55``::

        mean = w1 · (min + max)/2 + w2 · (q1 + q3)/2 + (1 - w1 - w2) · median

    SD: Wan et al. 2014, eq 13 (the approximation of their eq 12)::

        SD = (max - min) / (4 Phi^-1((n - 0.375)/(n + 0.25)))
             + (q3 - q1) / (4 Phi^-1((0.75 n - 0.125)/(n + 0.25)))

    (metafor >= 4's ``conv.fivenum`` defaults to Shi et al. 2020's SD for this scenario; Wan's is used here.)

    Returns
    -------
    (mean, sd)
    """
    scalar = _is_scalar(minimum, q1, median, q3, maximum, n)
    a, lo, m = _num("minimum", minimum), _num("q1", q1), _num("median", median)
    hi, b = _num("q3", q3), _num("maximum", maximum)
    nn = _sample_size("n", n)
    _fail_if(nn < 2, "n", nn, "is below 2; a five-number summary needs n >= 2")
    _ordered(("minimum", "q1", "median", "q3", "maximum"), (a, lo, m, hi, b))
    w1 = 2.2 / (2.2 + nn**0.75)
    w2 = 0.7 - 0.72 / nn**0.55
    mean = w1 * (a + b) / 2 + w2 * (lo + hi) / 2 + (1 - w1 - w2) * m
    sd = (b - a) / (2 * _xi(nn)) + (hi - lo) / (2 * _eta(nn))
    return _out(mean, sd, scalar=scalar)
