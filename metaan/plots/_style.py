"""The house style shared by every figure: palette, rcParams, journal sizes, labels, number formats and axes.

``house_style`` (and the ``_styled`` decorator every figure function wears) applies ``HOUSE_RC``; the helpers
below turn a measure into an axis (identity, or exp() on a log axis), choose round limits and ticks, format
numbers with a typographic minus, measure text from the font's metrics and size figures for a journal column.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from ..data import DESIGNS
from ..errors import InputError, MetaanWarning
from ..models import MetaResult

# ----------------------------------------------------------------------------------------------------------
# house style
# ----------------------------------------------------------------------------------------------------------

SINGLE_COLUMN_MM = 85.0
DOUBLE_COLUMN_MM = 175.0
_MM = 1 / 25.4  # inches per millimetre
_PT = 1 / 72  # inches per point

#: Okabe & Ito (2008) "Color Universal Design" palette, safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
_C = OKABE_ITO
_GREY = "#6E6E6E"

#: rcParams applied by every figure function and by :func:`save_figure`. DejaVu Sans ships with matplotlib, so
#: the same text metrics (and bytes) come out on every machine; ``pdf.fonttype = 42`` embeds it as TrueType.
HOUSE_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8.0,
    "axes.labelsize": 8.0,
    "axes.titlesize": 8.0,
    "axes.titleweight": "bold",
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "legend.title_fontsize": 7.0,
    "legend.frameon": False,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(
        color=[
            _C[c]
            for c in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "yellow", "black")
        ]
    ),
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 3.0,
    "ytick.major.size": 3.0,
    "xtick.minor.visible": False,
    "ytick.minor.visible": False,
    "lines.linewidth": 1.0,
    "lines.markersize": 4.0,
    "patch.linewidth": 0.6,
    "image.cmap": "cividis",
    "axes.unicode_minus": True,
    "mathtext.default": "regular",
    "figure.dpi": 150,
    "figure.facecolor": "white",
    "savefig.dpi": 300,
    "savefig.facecolor": "white",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "metaan",
    "path.simplify": True,
}


@contextmanager
def house_style(rc: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Apply the metaan house style (``HOUSE_RC``, updated with ``rc``) inside a ``with`` block.

    Every figure function and :func:`save_figure` already run inside it; use it for your own figures::

        with house_style():
            fig, ax = plt.subplots(figsize=(85 / 25.4, 60 / 25.4))
    """
    params = dict(HOUSE_RC)
    params.update(rc or {})
    with mpl.rc_context(params):
        yield


def _styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with house_style():
            return func(*args, **kwargs)

    return wrapper


# ----------------------------------------------------------------------------------------------------------
# small helpers: measures, number formats, axes
# ----------------------------------------------------------------------------------------------------------

_MEASURES = {  # measure -> (axis name, short name for the table header)
    "MD": ("Mean difference", "MD"),
    "SMD": ("Standardised mean difference", "SMD"),
    "mean_change": ("Mean change from baseline", "Change"),
    "RD": ("Risk difference", "RD"),
    "logOR": ("Odds ratio", "OR"),
    "logRR": ("Risk ratio", "RR"),
    "logHR": ("Hazard ratio", "HR"),
    "logROM": ("Ratio of means", "ROM"),
}
#: measures for which a value below the null favours the cell-treated arm (sign convention of data/README.md)
_LOWER_FAVOURS_CELLS = {"logHR"}

#: display order of study designs: the schema's order (``metaan.data.DESIGNS``)
DESIGN_ORDER = DESIGNS
DESIGN_LABELS = {
    "rct": "RCT",
    "nonrandomised_controlled": "Non-randomised controlled",
    "external_control": "External control",
    "within_patient_control": "Within-patient control",
    "single_arm": "Single-arm",
}
_MINUS = "\u2212"
_DASH = "\u2013"


def _safe(text: Any) -> str:
    """A user string shown literally (a ``$`` would otherwise start matplotlib mathtext)."""
    return str(text).replace("$", r"\$")


def _num(x: float, digits: int) -> str:
    """Fixed-point number with a typographic minus; '−0.00' is written '0.00'."""
    if not np.isfinite(x):
        return _DASH
    s = f"{x:.{digits}f}"
    if float(s) == 0:
        s = s.lstrip("-")
    return s.replace("-", _MINUS)


def _est_ci(est: float, lo: float, hi: float, digits: int) -> str:
    return f"{_num(est, digits)} [{_num(lo, digits)}, {_num(hi, digits)}]"


def _fmt_p(p: float) -> str:
    if not np.isfinite(p):
        return _DASH
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _p_label(p: float) -> str:
    """0.10, 0.05, 0.01, 0.001: two decimals unless more are needed."""
    return f"{p:.2f}" if abs(p - round(p, 2)) < 1e-9 else f"{p:.3g}"


def _fmt_tau2(t: float) -> str:
    if not np.isfinite(t):
        return _DASH
    if t == 0:
        return "0"
    return "< 0.0001" if t < 1e-4 else f"{t:.3g}".replace("-", _MINUS)


def _fmt_n(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return _DASH
    return f"{v:.0f}" if np.isfinite(v) else _DASH


@dataclass(frozen=True)
class _Scale:
    """How effects are shown: identity, or exp() on a log axis (ratio measures)."""

    log: bool
    name: str
    short: str
    lower_favours_cells: bool

    @property
    def null(self) -> float:
        return 1.0 if self.log else 0.0

    def __call__(self, x):
        return np.exp(x) if self.log else np.asarray(x, dtype=float)


def _scale(measure: str | None, transform: str | None) -> _Scale:
    if measure is not None and not isinstance(measure, str):
        raise InputError(f"measure {measure!r} must be a string such as 'MD', 'logOR' or 'logHR'")
    if transform not in (None, "exp", "identity", "none"):
        raise InputError(f"transform {transform!r} is unknown; use 'exp', 'identity' or None (by measure)")
    is_log_measure = bool(measure) and measure.startswith("log")
    log = transform == "exp" or (transform is None and is_log_measure)
    name, short = _MEASURES.get(measure, (None, None)) if measure else (None, None)
    if name is None:
        name, short = ("Ratio", "Ratio") if log else ("Effect size", "Estimate")
        if measure:
            name = short = measure
    elif is_log_measure and not log:
        name, short = f"Log {name.lower()}", f"log {short}"
    return _Scale(log=log, name=name, short=short, lower_favours_cells=measure in _LOWER_FAVOURS_CELLS)


def _favours(favours, scale: _Scale) -> tuple[str, str] | None:
    if favours is False:
        return None
    if favours is None:
        pair = ("Favours control", "Favours cells")
        return pair[::-1] if scale.lower_favours_cells else pair
    if isinstance(favours, str) or len(favours) != 2:
        raise InputError("favours must be a pair of texts (left, right), None (automatic) or False (none)")
    return (str(favours[0]), str(favours[1]))


_LOG_TICKS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
_LOG_FINE = (0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10)


def _nice_limits(values, scale: _Scale, include_null: bool = True) -> tuple[float, float, list[float]]:
    """Axis limits that contain ``values`` (display scale) and the ticks to show."""
    v = np.asarray([x for x in np.ravel(values) if np.isfinite(x)], dtype=float)
    if include_null:
        v = np.append(v, scale.null)
    if scale.log:
        v = v[v > 0]
        llo, lhi = float(np.log(v.min())), float(np.log(v.max()))
        pad = 0.04 * (lhi - llo) if lhi > llo else 0.1
        lo, hi = float(np.exp(llo - pad)), float(np.exp(lhi + pad))
        cand = np.asarray(_LOG_TICKS)
        reach = 0.15 * np.log(hi / lo)  # extend a limit to a round value this close (log units)
        if (cand <= lo).any() and np.log(lo / cand[cand <= lo].max()) < reach:
            lo = float(cand[cand <= lo].max())
        if (cand >= hi).any() and np.log(cand[cand >= hi].min() / hi) < reach:
            hi = float(cand[cand >= hi].min())
        ticks = [t for t in _LOG_TICKS if lo <= t <= hi]
        if len(ticks) < 3:
            fine = [t for t in _LOG_FINE if lo <= t <= hi]
            ticks = fine if len(fine) > len(ticks) else ticks
        if len(ticks) < 2:  # a very narrow range: widen to the neighbouring round values
            lo = float(cand[cand <= lo].max()) if (cand <= lo).any() else lo
            hi = float(cand[cand >= hi].min()) if (cand >= hi).any() else hi
            ticks = [t for t in _LOG_TICKS if lo <= t <= hi]
        if len(ticks) > 7:  # powers of ten only
            decades = [t for t in ticks if np.isclose(np.log10(t), np.round(np.log10(t)))]
            ticks = decades if len(decades) >= 2 else ticks[::2]
        return lo, hi, ticks
    lo, hi = float(v.min()), float(v.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    loc = mpl.ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10])
    ticks = [float(t) for t in loc.tick_values(lo, hi)]
    ticks = [t for t in ticks if lo - 1e-9 * (hi - lo) <= t <= hi + 1e-9 * (hi - lo)] or ticks
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    while ticks[0] > lo + 1e-12 * step:
        ticks.insert(0, ticks[0] - step)
    while ticks[-1] < hi - 1e-12 * step:
        ticks.append(ticks[-1] + step)
    return ticks[0], ticks[-1], ticks


def _tick_label(x: float) -> str:
    s = f"{x:.10g}"
    return s.replace("-", _MINUS)


def _set_x_axis(ax, scale: _Scale, lo: float, hi: float, ticks: Sequence[float]) -> None:
    if scale.log:
        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(
        FixedLocator([t for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)] if scale.log else list(ticks))
    )
    if scale.log:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _tick_label(x)))


def _text_width_in(text: str, size: float, weight: str = "normal") -> float:
    """Width of a one-line text in inches, from the font's own metrics (renderer independent)."""
    if not text:
        return 0.0
    family = mpl.rcParams["font.family"]
    return _measure(text, float(size), weight, tuple(family) if isinstance(family, list) else (family,),
                    tuple(mpl.rcParams["font.sans-serif"]))  # fmt: skip


@functools.lru_cache(maxsize=20000)
def _measure(text: str, size: float, weight: str, family: tuple, sans: tuple) -> float:
    with mpl.rc_context({"font.sans-serif": list(sans)}):
        prop = FontProperties(family=list(family), size=size, weight=weight)
        w, _, _ = TextToPath().get_text_width_height_descent(text.replace(r"\$", "$"), prop, ismath=False)
    return w * _PT * 1.02  # 2 % slack for hinting differences between renderers


def _wrap(text: str, width_in: float, size: float, weight: str = "normal", balance: bool = False) -> list[str]:
    """Greedy word wrap of ``text`` to ``width_in`` inches (font metrics); explicit newlines are kept and a word
    longer than the width is cut between characters. ``balance``: the same number of lines, as even as they
    can be (no one-word last line)."""
    lines = _wrap_greedy(str(text), width_in, size, weight)
    if not balance or len(lines) < 2 or "\n" in str(text):
        return lines
    lo = max(_text_width_in(w, size, weight) for w in str(text).split())
    hi = width_in
    if lo >= hi:
        return lines
    for _ in range(16):  # the narrowest width that keeps the number of lines
        mid = (lo + hi) / 2
        if len(_wrap_greedy(str(text), mid, size, weight)) <= len(lines):
            hi = mid
        else:
            lo = mid
    return _wrap_greedy(str(text), hi, size, weight)


def _wrap_greedy(text: str, width_in: float, size: float, weight: str) -> list[str]:
    lines: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else word
            if _text_width_in(trial, size, weight) <= width_in or not line and len(word) <= 1:
                line = trial
                continue
            if line:
                lines.append(line)
            line = word
            while len(line) > 1 and _text_width_in(line, size, weight) > width_in:  # a word wider than the column
                cut = len(line) - 1
                while cut > 1 and _text_width_in(line[:cut], size, weight) > width_in:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


def _new_figure(width_in: float, height_in: float, layout: str | None = None) -> Figure:
    return plt.figure(figsize=(width_in, height_in), layout=layout)


def _width_in(width_mm: float) -> float:
    width_mm = float(width_mm)
    if not 30 <= width_mm <= 500:
        raise InputError(f"width_mm = {width_mm!r}; give a width in millimetres (85 single, 175 double)")
    return width_mm * _MM


def _shorten(names: Sequence[str], max_chars: int | None) -> list[str]:
    """Cut labels longer than ``max_chars`` with an ellipsis; warn if that makes two labels equal."""
    names = [str(n) for n in names]
    if max_chars is None:
        return names
    if int(max_chars) < 8:
        raise InputError(f"max_label_chars = {max_chars!r}; use at least 8 (or None for no limit)")
    out = [n if len(n) <= max_chars else n[: int(max_chars) - 1].rstrip() + "\u2026" for n in names]
    if len(set(out)) < len(set(names)):
        warnings.warn(f"study labels cut to {max_chars} characters are no longer unique; pass shorter labels "
                      "(labels=...) or a larger max_label_chars", MetaanWarning, stacklevel=3)  # fmt: skip
    return out


def _require_columns(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, not {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"{what} lacks column(s) {', '.join(missing)}; it needs {', '.join(cols)}")


def _model_label(res: MetaResult, detail: bool = False) -> str:
    """'Random-effects model' (with detail: the tau² estimator and Hartung-Knapp) or 'Fixed-effect model'."""
    if res.method == "FE":
        return "Fixed-effect model"
    if not detail:
        return "Random-effects model"
    hk = ", Hartung\u2013Knapp" if res.test == "knha" else ""
    return f"Random-effects model ({res.method}{hk})"


def _user_limits(xlim, scale: _Scale) -> tuple[float, float, list[float]]:
    """Limits given by the user (checked: increasing, > 0 on a ratio axis) and the round ticks inside them."""
    xmin, xmax = (float(v) for v in xlim)
    if not xmin < xmax or (scale.log and xmin <= 0):
        raise InputError(f"xlim {xlim!r} must be increasing (and > 0 on a ratio axis)")
    _, _, ticks = _nice_limits([xmin, xmax], scale, include_null=False)
    return xmin, xmax, [t for t in ticks if xmin <= t <= xmax] or [xmin, xmax]
