"""Checks of numeric arguments, shared by the modules that convert or compute from user-given numbers.

Every check raises :class:`metaan.errors.InputError` with a message that names the argument, the offending
value (and its index in an array) and the rule it breaks, e.g. ``sd_t[2]=-1 is negative; a standard deviation
must be > 0``. Array checks are used by :mod:`metaan.conversions`, :mod:`metaan.medians` and
:func:`metaan.effects.effect_sizes`: their inputs broadcast against each other and, when every input is a scalar,
the outputs are Python floats (``_is_scalar``, ``_out``). Scalar checks (``_check_prob``, ``_check_positive``)
are used by the evidence modules (:mod:`metaan.information`, :mod:`metaan.sequential`, :mod:`metaan.bayes`) for
design parameters such as ``alpha``, ``power`` and prior scales.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import InputError

ArrayLike = Any  # float | Sequence[float] | np.ndarray


def _where(name: str, arr: np.ndarray, mask: np.ndarray) -> tuple[str, float]:
    """Name and value of the first element of ``arr`` flagged by ``mask`` (``sd_t`` or ``sd_t[2]``)."""
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    value = float(arr[idx]) if arr.ndim else float(arr)
    label = name if arr.ndim == 0 else f"{name}[{', '.join(map(str, idx))}]"
    return label, value


def _fail_if(mask: np.ndarray, name: str, arr: np.ndarray, rule: str) -> None:
    mask = np.asarray(mask)
    if mask.any():
        arr_b = np.broadcast_to(arr, mask.shape) if arr.shape != mask.shape else arr
        label, value = _where(name, arr_b, mask)
        raise InputError(f"{label}={value:g} {rule}")


def _num(name: str, x: ArrayLike) -> np.ndarray:
    """``x`` as a float array; NaN or infinite values raise InputError naming ``name``."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name}={x!r} is not numeric; a number is required") from None
    _fail_if(np.isnan(arr), name, arr, "is NaN; a number is required")
    _fail_if(np.isinf(arr), name, arr, "is infinite; a finite number is required")
    return arr


def _positive(name: str, x: ArrayLike, what: str) -> np.ndarray:
    arr = _num(name, x)
    _fail_if(arr < 0, name, arr, f"is negative; {what} must be > 0")
    _fail_if(arr == 0, name, arr, f"is zero; {what} must be > 0")
    return arr


def _sample_size(name: str, x: ArrayLike) -> np.ndarray:
    return _positive(name, x, "a sample size")


def _p_value(name: str, x: ArrayLike) -> np.ndarray:
    arr = _num(name, x)
    _fail_if((arr <= 0) | (arr > 1), name, arr, "is outside (0, 1]; a p-value must satisfy 0 < p <= 1")
    return arr


def _level(level: float) -> float:
    try:
        value = float(level)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(level, bool) or not 0 < value < 1:
        raise InputError(f"level={level!r} is outside (0, 1); a confidence level must satisfy 0 < level < 1")
    return value


def _counts(e_name: str, e: ArrayLike, n_name: str, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    ev = _num(e_name, e)
    nn = _sample_size(n_name, n)
    _fail_if(ev < 0, e_name, ev, "is negative; an event count must be >= 0")
    _fail_if(ev != np.round(ev), e_name, ev, "is not a whole number; an event count must be an integer")
    _fail_if(nn != np.round(nn), n_name, nn, "is not a whole number; a number of patients must be an integer")
    ev_b, nn_b = np.broadcast_arrays(ev, nn)
    over = ev_b > nn_b
    if over.any():
        label, value = _where(e_name, ev_b, over)
        _, n_value = _where(n_name, nn_b, over)
        raise InputError(f"{label}={value:g} exceeds {n_name}={n_value:g}; events must be <= patients")
    return ev, nn


def _ci_bounds(lo_name: str, lo: ArrayLike, hi_name: str, hi: ArrayLike, *, ratio: bool) -> tuple:
    low = _num(lo_name, lo)
    high = _num(hi_name, hi)
    if ratio:
        low = _positive(lo_name, low, "a ratio's confidence limit")
        high = _positive(hi_name, high, "a ratio's confidence limit")
    low_b, high_b = np.broadcast_arrays(low, high)
    bad = low_b >= high_b
    if bad.any():
        label, value = _where(lo_name, low_b, bad)
        _, hv = _where(hi_name, high_b, bad)
        raise InputError(f"{label}={value:g} is not below {hi_name}={hv:g}; a CI needs ci_low < ci_high")
    return low, high


def _contains(est_name: str, est: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    est_b, low_b, high_b = np.broadcast_arrays(est, low, high)
    bad = (est_b < low_b) | (est_b > high_b)
    if bad.any():
        label, value = _where(est_name, est_b, bad)
        _, lv = _where("ci_low", low_b, bad)
        _, hv = _where("ci_high", high_b, bad)
        raise InputError(f"{label}={value:g} lies outside its CI ({lv:g}, {hv:g}); a CI must contain its estimate")


def _out(*arrays: np.ndarray, scalar: bool):
    vals = tuple(float(a) if scalar else np.asarray(a, dtype=float) for a in arrays)
    return vals if len(vals) > 1 else vals[0]


def _is_scalar(*xs: ArrayLike) -> bool:
    return all(np.ndim(x) == 0 for x in xs)


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
