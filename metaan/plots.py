"""Figures from metaan results in one house style; ``save_figure`` writes reproducible PNG, SVG and PDF files.

Forest plots follow the RevMan / R ``meta`` tradition: text columns (study, design, n per arm), squares
whose area is proportional to the weight, the pooled diamond, the prediction interval as a bar, "favours"
labels under the axis and ratio measures on a log axis labelled with back-transformed values.

Every figure function applies :func:`house_style` (Okabe–Ito colour-blind-safe palette, sans-serif text of
7–8 pt at the printed size, TrueType fonts embedded in PDF), sizes the figure for a journal column (single
85 mm, double 175 mm; ``width_mm=``) and returns the matplotlib ``Figure``. Plots compute no statistics
beyond trivial transformations — a study's normal CI y ± z·√v (the Wald interval every forest plot shows),
exp() for ratio measures, counts and sums of patients — and take the rest from metaan's own functions.

Artists that tests and users look for carry a ``gid``:

========================  =================================================================================
gid                       artist
========================  =================================================================================
``study-square``          one square marker per study (forest)
``study-ci``              one CI line per study (forest)
``ci-arrow``              arrow head where a CI runs beyond ``xlim`` (forest, cumulative_forest)
``pooled-diamond``        the overall pooled diamond (forest)
``subtotal-diamond``      one diamond per subgroup with >= 2 studies (forest)
``prediction-interval``   the prediction-interval bar (forest, drapery)
``pooled-line``           vertical line at the pooled estimate (forest, funnel)
``null-line``             vertical line at no effect (0, or 1 on a ratio axis)
``forest-cell-<key>``     text cells of a table column; ``<key>`` is study, design, n_t, n_c, est, weight,
                          rob, k, tau2, i2 (forest, cumulative_forest); ``forest-header-<key>`` the headers
``forest-<kind>-label``   labels of the group, subtotal, overall and pi (prediction interval) rows
``forest-footer``         footnote lines (heterogeneity, test for overall effect, subgroup test, legends)
``rob-marker``            risk-of-bias circles, ``get_label()`` is the judgement; ``rob-symbol`` the sign
``favours-left/right``    the "favours" labels under a forest axis; ``favours-label`` in tsa_plot
``contour-region``        shaded significance regions (funnel); ``study-points``, ``filled-points``,
                          ``pseudo-ci``, ``trimfill-line``
``cumulative-point``      one marker per step (cumulative_forest); ``cumulative-ci`` its CI line
``evidence-point``        studies with a sample size (evidence_map; ``get_label()`` is the study);
                          ``evidence-gap`` studies without one or not found
``claims-<verdict>``      the bar segments of one verdict (claims_chart)
``study-curve``           one p-value function per study (drapery); ``pooled-curve``, ``level-line``
``gosh-points``           the GOSH scatter (or ``gosh-hexbin``); ``gosh-full`` the fit to all studies
``z-curve``               cumulative z (tsa_plot); ``efficacy-boundary``, ``harm-boundary``,
                          ``futility-boundary``, ``conventional-boundary``, ``ris-line``
========================  =================================================================================
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib import transforms
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon, Rectangle
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from scipy import special

from .errors import InputError, MetaanWarning
from .models import MetaResult, pool

__all__ = [
    "OKABE_ITO", "HOUSE_RC", "SINGLE_COLUMN_MM", "DOUBLE_COLUMN_MM", "house_style", "save_figure", "forest",
    "funnel", "cumulative_forest", "evidence_map", "claims_chart", "drapery", "gosh_plot", "tsa_plot",
]  # fmt: skip

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
    "axes.prop_cycle": cycler(color=[_C[c] for c in ("blue", "vermillion", "bluish_green", "orange",
                                                     "reddish_purple", "sky_blue", "yellow", "black")]),
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


FIGURES_DIR = Path(__file__).resolve().parent.parent / "figures"


def save_figure(fig: Figure, name: str, directory: str | Path | None = None, *,
                formats: Sequence[str] = ("png", "svg", "pdf"), dpi: int = 300) -> list[Path]:  # fmt: skip
    """Write ``<directory>/<name>.png`` (``dpi``, 300 by default), ``.svg`` and ``.pdf``; return the paths.

    ``directory`` defaults to the repository's ``figures/`` folder, whatever the working directory.

    The folder is created if needed. Output is byte-identical on reruns: no creation dates (PDF
    ``CreationDate``, SVG ``Date``), a fixed ``svg.hashsalt`` for SVG ids, and the house style's embedded
    TrueType font (``pdf.fonttype = 42``). The figure keeps its size (no tight cropping), so a figure made for
    an 85 mm column stays 85 mm wide.
    """
    name = str(name)
    if not name or any(ch in name for ch in "/\\") or name in (".", ".."):
        raise InputError(f"figure name {name!r} must be a plain file name without folders (e.g. 'forest')")
    allowed = {"png", "svg", "pdf"}
    bad = [f for f in formats if f not in allowed]
    if bad:
        raise InputError(f"format(s) {', '.join(map(repr, bad))} unsupported; use png, svg and/or pdf")
    suffix = Path(name).suffix.lstrip(".").lower()
    if suffix in allowed:
        raise InputError(f"figure name {name!r} has an extension; give the name alone ('{Path(name).stem}')")
    folder = Path(directory) if directory is not None else FIGURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {"png": {"Software": None}, "svg": {"Date": None},
                "pdf": {"CreationDate": None, "ModDate": None}}  # fmt: skip
    paths = []
    with house_style():
        for fmt in formats:
            path = folder / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata[fmt])
            paths.append(path)
    return paths


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

DESIGN_ORDER = ("rct", "nonrandomised_controlled", "external_control", "within_patient_control", "single_arm")
DESIGN_LABELS = {
    "rct": "RCT",
    "nonrandomised_controlled": "Non-randomised controlled",
    "external_control": "External control",
    "within_patient_control": "Within-patient control",
    "single_arm": "Single-arm",
}
_DESIGN_SHORT = {
    "rct": "RCT",
    "nonrandomised_controlled": "Non-rand.",
    "external_control": "Ext. control",
    "within_patient_control": "Within-pt",
    "single_arm": "Single-arm",
}
ROB_LEVELS = {  # judgement -> (fill colour, symbol, symbol colour, legend text)
    "low": (_C["bluish_green"], "+", "white", "low"),
    "some_concerns": (_C["yellow"], "?", "black", "some concerns"),
    "high": (_C["vermillion"], "\u2212", "white", "high"),
    "critical": (_C["black"], "\u00d7", "white", "critical"),
}
VERDICTS = ("supported", "overstated", "misquoted", "unsupported", "contradicted", "unverifiable")
VERDICT_COLOURS = {
    "supported": _C["bluish_green"],
    "overstated": _C["yellow"],
    "misquoted": _C["orange"],
    "unsupported": _C["vermillion"],
    "contradicted": _C["black"],
    "unverifiable": "#BBBBBB",
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
    ax.xaxis.set_major_locator(FixedLocator([t for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]
                                            if scale.log else list(ticks)))
    if scale.log:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _tick_label(x)))


def _text_width_in(text: str, size: float, weight: str = "normal") -> float:
    """Width of a one-line text in inches, from the font's own metrics (renderer independent)."""
    if not text:
        return 0.0
    prop = FontProperties(family=mpl.rcParams["font.family"], size=size, weight=weight)
    w, _, _ = TextToPath().get_text_width_height_descent(text.replace(r"\$", "$"), prop, ismath=False)
    return w * _PT * 1.02  # 2 % slack for hinting differences between renderers


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


# ----------------------------------------------------------------------------------------------------------
# the table layout shared by forest() and cumulative_forest()
# ----------------------------------------------------------------------------------------------------------


@dataclass
class _Col:
    key: str
    header: str
    align: str = "left"  # left | right | center
    side: str = "left"  # left of the plot panel or right of it
    width: float = 0.0  # inches
    x: float = 0.0  # anchor in inches from the figure's left edge


@dataclass
class _Row:
    y: float
    kind: str  # study | group | subtotal | overall | pi | step
    cells: dict[str, str] = field(default_factory=dict)
    span: str | None = None  # a label that may run across the whole left block (group, subtotal, overall)
    bold: bool = False


@dataclass
class _Layout:
    width: float
    height: float
    panel_x: float
    panel_w: float
    top: float  # inches from the top of the figure to the top of the panel
    bottom: float  # inches from the bottom of the figure to the bottom of the panel
    row_h: float
    y_top: float  # row coordinate at the top edge of the panel
    y_bottom: float
    margin: float


_GAP = 0.13  # inches between table columns
_MARGIN = 0.06


def _layout_table(cols: list[_Col], rows: list[_Row], *, width: float, bottom: float, title: str | None,
                  size: float, min_panel: float) -> _Layout:  # fmt: skip
    """Column widths and positions (inches) from the text they hold; widen the figure if the panel is thin."""
    for c in cols:
        widths = [_text_width_in(c.header, size, "bold")]
        for r in rows:
            if c.key in r.cells:
                widths.append(_text_width_in(r.cells[c.key], size, "bold" if r.bold else "normal"))
        c.width = max(widths)
    left = [c for c in cols if c.side == "left"]
    right = [c for c in cols if c.side == "right"]
    extra = 0.0  # widen the first column until every spanning label fits over its row's empty columns
    for r in rows:
        if r.span:
            free, room = [], 0.0
            for c in left:
                if c.key in r.cells:
                    break
                free.append(c)
            room = sum(c.width for c in free) + _GAP * len(free) - (_GAP if len(free) == len(left) else 0.0)
            extra = max(extra, _text_width_in(r.span, size, "bold" if r.bold else "normal") - room)
    left[0].width += extra
    left_w = sum(c.width for c in left) + _GAP * max(0, len(left) - 1)
    right_w = sum(c.width for c in right) + _GAP * max(0, len(right) - 1)
    needed = 2 * _MARGIN + left_w + right_w + 2 * _GAP + min_panel
    if needed > width + 1e-9:
        warnings.warn(f"the table needs {needed / _MM:.0f} mm; the figure is wider than the {width / _MM:.0f}"
                      " mm asked for (give width_mm, shorten labels or drop columns)", MetaanWarning,
                      stacklevel=4)  # fmt: skip
        width = needed
    x = _MARGIN
    for c in left:
        c.x = {"left": x, "right": x + c.width, "center": x + c.width / 2}[c.align]
        x += c.width + _GAP
    panel_x = _MARGIN + left_w + _GAP
    panel_w = width - 2 * _MARGIN - left_w - right_w - 2 * _GAP
    x = panel_x + panel_w + _GAP
    for c in right:
        c.x = {"left": x, "right": x + c.width, "center": x + c.width / 2}[c.align]
        x += c.width + _GAP
    row_h = size * 1.75 * _PT
    ys = [r.y for r in rows]
    y_top, y_bottom = min(ys) - 0.5, max(ys) + 0.5
    top = _MARGIN + 1.1 * row_h + (1.6 * size * _PT if title else 0.0)
    height = top + (y_bottom - y_top) * row_h + bottom
    return _Layout(width, height, panel_x, panel_w, top, bottom, row_h, y_top, y_bottom, _MARGIN)


def _table_axes(lay: _Layout, title: str | None) -> tuple[Figure, Any, transforms.Transform]:
    fig = _new_figure(lay.width, lay.height)
    ax = fig.add_axes((lay.panel_x / lay.width, lay.bottom / lay.height, lay.panel_w / lay.width,
                       (lay.height - lay.top - lay.bottom) / lay.height))  # fmt: skip
    ax.set_ylim(lay.y_bottom, lay.y_top)
    ax.yaxis.set_visible(False)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.patch.set_alpha(0.0)
    blend = transforms.blended_transform_factory(fig.dpi_scale_trans, ax.transData)
    if title:
        fig.text(lay.margin / lay.width, 1 - lay.margin / lay.height, _safe(title), ha="left", va="top",
                 fontweight="bold", gid="figure-title")  # fmt: skip
    return fig, ax, blend


def _draw_cells(fig, cols: list[_Col], rows: list[_Row], blend, lay: _Layout, size: float) -> None:
    y_header = lay.y_top - 0.62
    first = next(c for c in cols if c.side == "left")
    for c in cols:
        fig.text(c.x, y_header, c.header, ha=c.align, va="center", fontweight="bold", transform=blend,
                 gid=f"forest-header-{c.key}")  # fmt: skip
        for r in rows:
            if c.key in r.cells:
                fig.text(c.x, r.y, r.cells[c.key], ha=c.align, va="center", transform=blend,
                         fontweight="bold" if r.bold else "normal", gid=f"forest-cell-{c.key}")  # fmt: skip
    for r in rows:
        if r.span:
            fig.text(first.x, r.y, r.span, ha="left", va="center", transform=blend,
                     gid=f"forest-{r.kind}-label", fontweight="bold" if r.bold else "normal")  # fmt: skip
    rule_y = lay.y_top - 0.12
    fig.add_artist(Line2D([lay.margin, lay.width - lay.margin], [rule_y, rule_y], transform=blend, lw=0.6,
                          color="black", gid="header-rule"))  # fmt: skip


def _draw_bottom(fig, ax, lay: _Layout, scale: _Scale, fav: tuple[str, str] | None, xlabel: str,
                 footer: list[str]) -> None:  # fmt: skip
    """Favours labels under the tick labels, the axis label under them, footnotes at the bottom left."""
    tick_block = 3.0 + 3.5 + 7.0 * 1.25  # tick length + pad + label height, points
    lo, hi = ax.get_xlim()
    null_in = lo < scale.null < hi
    xpos = scale.null if null_in else (np.sqrt(lo * hi) if scale.log else (lo + hi) / 2)
    if fav:
        for side, text in zip(("left", "right"), fav, strict=True):
            dx = -4.0 if side == "left" else 4.0
            shift = transforms.ScaledTranslation(dx * _PT, -(tick_block + 2.0) * _PT, fig.dpi_scale_trans)
            tr = transforms.blended_transform_factory(ax.transData, ax.transAxes) + shift
            arrow = f"\u2190 {text}" if side == "left" else f"{text} \u2192"
            ax.text(xpos, 0, _safe(arrow), transform=tr, ha="right" if side == "left" else "left", va="top",
                    fontsize=7.0, clip_on=False, gid=f"favours-{side}")  # fmt: skip
    ax.set_xlabel(_safe(xlabel), labelpad=(12.0 if fav else 2.0))
    y = lay.bottom - (tick_block + (12.0 if fav else 2.0) + 8.0 * 1.3 + 6.0) * _PT
    for line in footer:
        fig.text(lay.margin, y, line, transform=fig.dpi_scale_trans, ha="left", va="top", fontsize=7.0,
                 gid="forest-footer")  # fmt: skip
        y -= 7.0 * 1.45 * _PT


def _bottom_height(n_footer: int, fav: bool) -> float:
    tick_block = 3.0 + 3.5 + 7.0 * 1.25
    return (tick_block + (12.0 if fav else 2.0) + 8.0 * 1.3 + 6.0 + n_footer * 7.0 * 1.45 + 4.0) * _PT


# ----------------------------------------------------------------------------------------------------------
# forest plot
# ----------------------------------------------------------------------------------------------------------


def _align_effects(res: MetaResult, effects: pd.DataFrame | None) -> pd.DataFrame | None:
    """The rows of ``effects`` in the order of the studies in ``res`` (by position, else by label/study)."""
    if effects is None:
        return None
    if not isinstance(effects, pd.DataFrame):
        raise InputError(f"effects must be a pandas DataFrame, not {type(effects).__name__}")
    eff = effects.reset_index(drop=True)
    if len(eff) == res.k:
        if "yi" not in eff.columns:
            return eff
        yi = pd.to_numeric(eff["yi"], errors="coerce").to_numpy(dtype=float)
        if np.allclose(yi, res.yi, rtol=1e-9, atol=1e-12):
            return eff
    for col in ("label", "study"):
        if col in eff.columns:
            keys = eff[col].astype(str)
            if keys.is_unique and set(res.labels) <= set(keys):
                pos = {k: i for i, k in enumerate(keys)}
                return eff.iloc[[pos[lab] for lab in res.labels]].reset_index(drop=True)
    raise InputError(
        f"effects has {len(eff)} rows that do not match the {res.k} studies of the MetaResult: give the "
        "effects DataFrame the result was pooled from (same order, or 'label'/'study' equal to its labels)"
    )


def _measure_of(table: pd.DataFrame | None, measure: str | None) -> str | None:
    if measure is not None or table is None or "measure" not in table.columns:
        return measure
    found = [m for m in dict.fromkeys(table["measure"].dropna().astype(str))]
    if len(found) > 1:
        raise InputError(f"effects mixes measures {', '.join(found)}; one forest plot shows one measure")
    return found[0] if found else None


def _groups_of(groups, table: pd.DataFrame | None, res: MetaResult) -> list[str]:
    k = res.k
    if isinstance(groups, str):
        if table is None or groups not in table.columns:
            raise InputError(f"groups={groups!r} names a column, but no effects DataFrame has that column")
        vals = table[groups]
    elif isinstance(groups, Mapping):
        has_study = table is not None and "study" in table.columns
        studies = table["study"].astype(str).tolist() if has_study else list(res.labels)
        vals = []
        for lab, st in zip(res.labels, studies, strict=True):
            if lab in groups:
                vals.append(groups[lab])
            elif st in groups:
                vals.append(groups[st])
            else:
                raise InputError(f"groups has no subgroup for study '{lab}'")
    else:
        vals = list(groups)
        if len(vals) != k:
            raise InputError(f"groups has {len(vals)} values but there are {k} studies; give one per study")
    out = []
    for v in vals:
        out.append("Not reported" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return out


def _rob_of(rob, table: pd.DataFrame | None, k: int) -> list[str | None] | None:
    if rob is None or rob is False:
        return None
    if rob is True:
        if table is None or "risk_of_bias" not in table.columns:
            raise InputError("rob=True reads the 'risk_of_bias' column of effects; give effects or values")
        vals = table["risk_of_bias"].tolist()
    else:
        vals = list(rob)
        if len(vals) != k:
            raise InputError(f"rob has {len(vals)} values but there are {k} studies; give one per study")
    out = []
    for v in vals:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
        elif str(v) in ROB_LEVELS:
            out.append(str(v))
        else:
            raise InputError(f"risk of bias {v!r} is unknown; use {', '.join(ROB_LEVELS)}")
    return out


def _model_label(res: MetaResult, detail: bool = False) -> str:
    """'Random-effects model' (with detail: the tau² estimator and Hartung-Knapp) or 'Fixed-effect model'."""
    if res.method == "FE":
        return "Fixed-effect model"
    if not detail:
        return "Random-effects model"
    hk = ", Hartung\u2013Knapp" if res.test == "knha" else ""
    return f"Random-effects model ({res.method}{hk})"


def _heterogeneity_lines(res: MetaResult) -> list[str]:
    """The two footnote lines of R meta / RevMan, naming the tau² estimator and the test used."""
    lines = []
    if res.k >= 2:
        tau = "" if res.method == "FE" else f"\u03c4\u00b2 = {_fmt_tau2(res.tau2)} ({res.method}); "
        lines.append(f"Heterogeneity: {tau}I\u00b2 = {res.i2:.0f}%; Q = {res.q:.2f}, df = {res.q_df}, "
                     f"p {_fmt_p(res.q_pvalue)}")  # fmt: skip
    stat = f"t({res.k - 1})" if res.test == "knha" else "z"
    how = " (Hartung\u2013Knapp)" if res.test == "knha" else ""
    lines.append(f"Test for overall effect{how}: {stat} = {_num(res.zval, 2)}, p {_fmt_p(res.pval)}")
    return lines


def _sum_n(values) -> str:
    v = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)
    return f"{v.sum():.0f}" if v.size and np.all(np.isfinite(v)) else ""


@_styled
def forest(
    res_or_effects: MetaResult | pd.DataFrame,
    effects: pd.DataFrame | None = None,
    *,
    measure: str | None = None,
    transform: str | None = None,
    groups: str | Sequence | Mapping | None = None,
    rob: bool | Sequence | None = None,
    columns: Sequence[str] | None = None,
    prediction: bool = True,
    xlim: tuple[float, float] | None = None,
    xlabel: str | None = None,
    favours: tuple[str, str] | bool | None = None,
    digits: int = 2,
    labels: Sequence[str] | Mapping[str, str] | None = None,
    max_label_chars: int | None = 48,
    title: str | None = None,
    width_mm: float = DOUBLE_COLUMN_MM,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
) -> Figure:
    """Forest plot in the RevMan / R ``meta`` tradition.

    Parameters
    ----------
    res_or_effects
        A :class:`~metaan.models.MetaResult`, or an effects DataFrame (columns ``yi``, ``vi`` and ``label`` or
        ``study``), which is then pooled with ``pool(yi, vi, method=method, test=test, level=level)``.
    effects
        With a MetaResult: the effects DataFrame it was pooled from (``metaan.effects.effect_sizes`` output:
        study, label, yi, vi, design, n_t, n_c, risk_of_bias, evidence, measure), matched by position (checked
        on ``yi``) or by ``label``/``study``. It supplies the text columns.
    measure
        ``"MD"``, ``"logOR"``, ``"logHR"``, ...; default: the ``measure`` column of ``effects``. Names the
        axis, and for log measures the axis is logarithmic with back-transformed (exp) labels.
    transform
        ``"exp"`` (show exp(effect) on a log axis), ``"identity"``, or None (decided by ``measure``).
    groups
        Subgroups: a column of ``effects`` (e.g. ``"design"``), one value per study, or a mapping
        study/label → group. Each block gets a header and, with >= 2 studies, a subtotal diamond from
        :func:`metaan.metareg.subgroup` (same method, test and level; separate τ² per subgroup, as RevMan);
        the test for subgroup differences is printed under the plot. The subgroup fits' small-k warnings are
        not repeated here.
    rob
        Risk-of-bias column: True reads ``effects["risk_of_bias"]``; or one judgement per study
        (low | some_concerns | high | critical). Drawn as RevMan-style circles with a symbol (+ ? − ×).
    columns
        Left text columns among ``"design"``, ``"n_t"``, ``"n_c"``; default: those ``effects`` has.
    prediction
        Show the prediction interval (``res.pi_low``, ``res.pi_high``; metafor's convention) as a bar, for
        random-effects models with k >= 2.
    xlim
        Axis limits on the displayed scale (ratios for log measures); CIs beyond them end in an arrow.
    favours
        (left, right) texts under the axis; default "Favours control" | "Favours cells", swapped for measures
        where lower favours cells (log HR); False for none.
    digits
        Decimals of the estimate [CI] column.
    labels, max_label_chars
        Study labels to show instead of ``effects["label"]`` (or ``study``, or the result's labels): one per
        study, or a mapping from those labels to new ones. Longer labels are cut to ``max_label_chars`` with
        an ellipsis (None: no limit), with a MetaanWarning if that makes two labels equal.
    width_mm
        Figure width (175 mm double column by default; the figure widens, with a MetaanWarning, when the
        text columns leave less than ~35 mm for the plot).

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Study CIs are y_i ± z_{(1+level)/2}·√v_i (normal, as RevMan and R ``meta`` draw them); squares have an
    area proportional to the study's weight in the pooled model (``res.weights``). The diamond spans the
    pooled CI, the bar the prediction interval. Numbers are rounded for display only.
    """
    if isinstance(res_or_effects, MetaResult):
        res = res_or_effects
        table = _align_effects(res, effects)
    elif isinstance(res_or_effects, pd.DataFrame):
        if effects is not None:
            raise InputError("give an effects DataFrame, or a MetaResult and its effects; not two DataFrames")
        table = res_or_effects.reset_index(drop=True)
        _require_columns(table, ["yi", "vi"], "effects")
        if "label" in table.columns:
            labels = table["label"].astype(str).tolist()
        elif "study" in table.columns:
            labels = table["study"].astype(str).tolist()
        else:
            labels = None
        res = pool(table["yi"], table["vi"], method=method, test=test, level=level, labels=labels)
    else:
        what = type(res_or_effects).__name__
        raise InputError(f"forest() takes a MetaResult or an effects DataFrame, not {what}")
    measure = _measure_of(table, measure)
    sc = _scale(measure, transform)
    fav = _favours(favours, sc)
    k = res.k
    z = float(special.ndtri(0.5 + res.level / 2))
    pct = f"{100 * res.level:g}%"
    se = np.sqrt(res.vi)
    est, lo, hi = sc(res.yi), sc(res.yi - z * se), sc(res.yi + z * se)

    # study texts
    if table is not None and "label" in table.columns:
        names = [str(s) if pd.notna(s) else lab for s, lab in zip(table["label"], res.labels, strict=True)]
    elif table is not None and "study" in table.columns:
        names = table["study"].astype(str).tolist()
    else:
        names = list(res.labels)
    if isinstance(labels, Mapping):
        names = [str(labels.get(n, n)) for n in names]
    elif labels is not None:
        names = [str(n) for n in labels]
        if len(names) != k:
            raise InputError(f"labels has {len(names)} values but there are {k} studies; give one per study")
    names = _shorten(names, max_label_chars)
    secondary = np.zeros(k, dtype=bool)
    if table is not None and "evidence" in table.columns:
        secondary = (table["evidence"].astype(str) == "secondary").to_numpy()
    names = [_safe(n) + (" \u2020" if s else "") for n, s in zip(names, secondary, strict=True)]
    if columns is None:
        columns = [c for c in ("design", "n_t", "n_c") if table is not None and c in table.columns]
    for c in columns:
        if c not in ("design", "n_t", "n_c"):
            raise InputError(f"column {c!r} is unknown; forest() text columns are 'design', 'n_t' and 'n_c'")
        if table is None or c not in table.columns:
            raise InputError(f"column {c!r} needs an effects DataFrame with that column")
    robs = _rob_of(rob, table, k)

    cols = [_Col("study", "Study")]
    if "design" in columns:
        cols.append(_Col("design", "Design"))
    if "n_t" in columns:
        cols.append(_Col("n_t", "Cells n", "right"))
    if "n_c" in columns:
        cols.append(_Col("n_c", "Control n", "right"))
    cols += [_Col("est", f"{sc.short} [{pct} CI]", "right", "right"),
             _Col("weight", "Weight", "right", "right")]  # fmt: skip
    if robs is not None:
        cols.append(_Col("rob", "RoB", "center", "right"))

    def study_cells(i: int) -> dict[str, str]:
        cells = {"study": names[i], "est": _est_ci(est[i], lo[i], hi[i], digits),
                 "weight": f"{res.weights[i]:.1f}%"}  # fmt: skip
        if "design" in columns:
            d = table["design"].iloc[i]
            cells["design"] = _DESIGN_SHORT.get(str(d), _safe(d)) if pd.notna(d) else _DASH
        for c in ("n_t", "n_c"):
            if c in columns:
                cells[c] = _fmt_n(table[c].iloc[i])
        if robs is not None:
            cells["rob"] = ""  # the marker is drawn; the empty cell keeps the column
        return cells

    def n_sums(idx) -> dict[str, str]:
        return {c: _sum_n(table[c].iloc[idx]) for c in ("n_t", "n_c") if c in columns}

    # rows
    rows: list[_Row] = []
    order: list[tuple[int, float]] = []  # (study index, y)
    subtotals: list[tuple[float, MetaResult]] = []
    footer: list[str] = []
    y = 0.0
    if groups is not None:
        glabels = _groups_of(groups, table, res)
        names_g = list(dict.fromkeys(glabels))
        sub = None
        if len(names_g) >= 2:
            from .metareg import subgroup

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MetaanWarning)
                sub = subgroup(res.yi, res.vi, glabels, method=res.method, test=res.test, level=res.level,
                               labels=list(res.labels))  # fmt: skip
        for g in names_g:
            idx = [i for i in range(k) if glabels[i] == g]
            rows.append(_Row(y, "group", span=_safe(DESIGN_LABELS.get(g, g)), bold=True))
            y += 1
            for i in idx:
                rows.append(_Row(y, "study", study_cells(i)))
                order.append((i, y))
                y += 1
            if sub is not None and len(idx) >= 2:
                r = sub.results[g]
                cells = {"est": _est_ci(sc(r.estimate), sc(r.ci_low), sc(r.ci_high), digits),
                         "weight": f"{res.weights[idx].sum():.1f}%", **n_sums(idx)}  # fmt: skip
                het = f"; I\u00b2 = {r.i2:.0f}%" if np.isfinite(r.i2) else ""
                rows.append(_Row(y, "subtotal", cells, span=f"Subtotal (k = {len(idx)}{het})"))
                subtotals.append((y, r))
                y += 1
            y += 0.5
        if sub is not None:
            footer.append(f"Test for subgroup differences: Q = {sub.q_between:.2f}, df = {sub.q_between_df}, "
                          f"p {_fmt_p(sub.q_between_pvalue)}")  # fmt: skip
    else:
        for i in range(k):
            rows.append(_Row(y, "study", study_cells(i)))
            order.append((i, y))
            y += 1
        y += 0.5
    y_overall = y
    rows.append(_Row(y, "overall", {"est": _est_ci(sc(res.estimate), sc(res.ci_low), sc(res.ci_high), digits),
                                    "weight": "100.0%", **n_sums(list(range(k)))},
                     span=_model_label(res), bold=True))  # fmt: skip
    y += 1
    pi_ok = bool(np.isfinite([res.pi_low, res.pi_high]).all())
    show_pi = bool(prediction and res.method != "FE" and k >= 2 and pi_ok)
    y_pi = y
    if show_pi:
        pi_text = f"[{_num(sc(res.pi_low), digits)}, {_num(sc(res.pi_high), digits)}]"
        rows.append(_Row(y, "pi", {"est": pi_text}, span="Prediction interval"))
    footer = _heterogeneity_lines(res) + footer
    if secondary.any():
        footer.append("\u2020 Number from a secondary source (press release, conference abstract or review).")
    if robs is not None:
        footer.append("Risk of bias: " + ", ".join(f"{v[1]} {v[3]}" for v in ROB_LEVELS.values()) + ".")

    # layout and axes
    size = float(mpl.rcParams["font.size"])
    width = _width_in(width_mm)
    lay = _layout_table(cols, rows, width=width, bottom=_bottom_height(len(footer), fav is not None),
                        title=title, size=size, min_panel=max(35 * _MM, 0.2 * width))  # fmt: skip
    fig, ax, blend = _table_axes(lay, title)
    _draw_cells(fig, cols, rows, blend, lay, size)

    # x axis
    if xlim is not None:
        xmin, xmax = (float(v) for v in xlim)
        if not xmin < xmax or (sc.log and xmin <= 0):
            raise InputError(f"xlim {xlim!r} must be increasing (and > 0 on a ratio axis)")
        _, _, ticks = _nice_limits([xmin, xmax], sc, include_null=False)
        ticks = [t for t in ticks if xmin <= t <= xmax] or [xmin, xmax]
    else:
        vals = [lo, hi, [sc(res.ci_low), sc(res.ci_high)]]
        if show_pi:
            vals.append([sc(res.pi_low), sc(res.pi_high)])
        xmin, xmax, ticks = _nice_limits(np.concatenate([np.ravel(v) for v in vals]), sc)
    _set_x_axis(ax, sc, xmin, xmax, ticks)

    # reference lines
    if xmin < sc.null < xmax:
        ax.plot([sc.null] * 2, [lay.y_top, y_overall + 0.5], color="black", lw=0.6, gid="null-line", zorder=1)
    if k >= 2:
        ax.plot([sc(res.estimate)] * 2, [lay.y_top, y_overall - 0.4], color=_GREY, lw=0.6, ls=(0, (3, 2)),
                gid="pooled-line", zorder=1)  # fmt: skip

    # studies: CI line, square with area proportional to the weight
    max_side = 0.72 * lay.row_h / _PT
    wmax = float(np.max(res.weights))
    for i, yy in order:
        a, b = lo[i], hi[i]
        ax.plot([max(a, xmin), min(b, xmax)], [yy, yy], color="black", lw=0.8, solid_capstyle="butt",
                gid="study-ci", zorder=2)  # fmt: skip
        for end, beyond, marker in ((xmin, a < xmin, "<"), (xmax, b > xmax, ">")):
            if beyond:
                ax.plot([end], [yy], marker=marker, color="black", markersize=3.5, clip_on=False,
                        gid="ci-arrow", zorder=3)  # fmt: skip
        side = max(2.6, max_side * np.sqrt(res.weights[i] / wmax))
        ax.plot([est[i]], [yy], marker="s", markersize=side, color=_C["blue"], markeredgewidth=0, ls="none",
                gid="study-square", zorder=3)  # fmt: skip

    # diamonds and the prediction bar
    h = 0.34

    def diamond(yy: float, e: float, a: float, b: float, gid: str, face: str) -> None:
        ax.add_patch(Polygon([(sc(a), yy), (sc(e), yy - h), (sc(b), yy), (sc(e), yy + h)], closed=True,
                             facecolor=face, edgecolor="black", lw=0.6, gid=gid, zorder=4))  # fmt: skip

    for yy, r in subtotals:
        diamond(yy, r.estimate, r.ci_low, r.ci_high, "subtotal-diamond", "white")
    diamond(y_overall, res.estimate, res.ci_low, res.ci_high, "pooled-diamond", "black")
    if show_pi:
        a, b = sc(res.pi_low), sc(res.pi_high)
        ax.add_patch(Rectangle((a, y_pi - 0.13), b - a, 0.26, facecolor=_C["vermillion"], edgecolor="none",
                               gid="prediction-interval", zorder=3))  # fmt: skip

    # risk-of-bias circles
    if robs is not None:
        rc = next(c for c in cols if c.key == "rob")
        for (i, yy) in order:
            j = robs[i]
            if j is None:
                fig.text(rc.x, yy, _DASH, ha="center", va="center", transform=blend, gid="forest-cell-rob")
                continue
            face, sym, ink, _ = ROB_LEVELS[j]
            fig.add_artist(Line2D([rc.x], [yy], transform=blend, marker="o", markersize=9.0,
                                  markerfacecolor=face, markeredgecolor="black", markeredgewidth=0.5,
                                  ls="none", gid="rob-marker", label=j))  # fmt: skip
            fig.text(rc.x, yy, sym, ha="center", va="center_baseline", color=ink, fontsize=7.0,
                     fontweight="bold", transform=blend, gid="rob-symbol")  # fmt: skip

    _draw_bottom(fig, ax, lay, sc, fav, xlabel or sc.name, footer)
    return fig


# ----------------------------------------------------------------------------------------------------------
# cumulative forest plot
# ----------------------------------------------------------------------------------------------------------


@_styled
def cumulative_forest(
    res_or_df: MetaResult | pd.DataFrame,
    order=None,
    *,
    measure: str | None = None,
    transform: str | None = None,
    xlim: tuple[float, float] | None = None,
    xlabel: str | None = None,
    favours: tuple[str, str] | bool | None = None,
    digits: int = 2,
    level: float = 0.95,
    max_label_chars: int | None = 48,
    title: str | None = None,
    width_mm: float = DOUBLE_COLUMN_MM,
) -> Figure:
    """Cumulative forest plot: row j shows the pooled estimate after adding the j-th study (Lau et al. 1992).

    ``res_or_df`` is a MetaResult — then :func:`metaan.diagnostics.cumulative` (res, ``order``) is called — or
    its output DataFrame (columns ``study, estimate, ci_low, ci_high``; ``k``, ``tau2``, ``i2`` shown when
    present). ``order`` (with a MetaResult only) is passed to ``cumulative``: positions or sort keys such as
    publication years. ``level`` labels the CI column when a DataFrame is given (a MetaResult's own level is
    used otherwise). Other parameters as in :func:`forest`.
    """
    if isinstance(res_or_df, MetaResult):
        from . import diagnostics

        level = res_or_df.level
        df = diagnostics.cumulative(res_or_df, order)
        model = _model_label(res_or_df, detail=True)
    elif isinstance(res_or_df, pd.DataFrame):
        if order is not None:
            raise InputError("order applies when a MetaResult is given; sort the DataFrame yourself")
        df = res_or_df
        model = None
    else:
        what = type(res_or_df).__name__
        raise InputError(f"cumulative_forest() takes a MetaResult or a DataFrame, not {what}")
    _require_columns(df, ["study", "estimate", "ci_low", "ci_high"], "the cumulative DataFrame")
    df = df.reset_index(drop=True)
    if len(df) == 0:
        raise InputError("the cumulative DataFrame has no rows")
    sc = _scale(measure, transform)
    fav = _favours(favours, sc)
    est = sc(df["estimate"].to_numpy(float))
    lo = sc(df["ci_low"].to_numpy(float))
    hi = sc(df["ci_high"].to_numpy(float))
    cols = [_Col("study", "Study added")]
    if "k" in df.columns:
        cols.append(_Col("k", "k", "right"))
    cols.append(_Col("est", f"{sc.short} [{100 * level:g}% CI]", "right", "right"))
    if "tau2" in df.columns:
        cols.append(_Col("tau2", "\u03c4\u00b2", "right", "right"))
    if "i2" in df.columns:
        cols.append(_Col("i2", "I\u00b2", "right", "right"))
    rows = []
    names = _shorten(df["study"].astype(str), max_label_chars)
    for j, r in df.iterrows():
        cells = {"study": f"+ {_safe(names[j])}", "est": _est_ci(est[j], lo[j], hi[j], digits)}
        if "k" in df.columns:
            cells["k"] = _fmt_n(r["k"])
        if "tau2" in df.columns:
            cells["tau2"] = _fmt_tau2(float(r["tau2"]))
        if "i2" in df.columns:
            cells["i2"] = f"{float(r['i2']):.0f}%" if np.isfinite(float(r["i2"])) else _DASH
        rows.append(_Row(float(j), "step", cells))
    footer = ["Each row pools that study and all studies above it"
              + (f"; {model[0].lower()}{model[1:]}." if model else ".")]  # fmt: skip
    size = float(mpl.rcParams["font.size"])
    width = _width_in(width_mm)
    lay = _layout_table(cols, rows, width=width, bottom=_bottom_height(len(footer), fav is not None),
                        title=title, size=size, min_panel=max(35 * _MM, 0.25 * width))  # fmt: skip
    fig, ax, blend = _table_axes(lay, title)
    _draw_cells(fig, cols, rows, blend, lay, size)
    if xlim is not None:
        xmin, xmax = (float(v) for v in xlim)
        if not xmin < xmax or (sc.log and xmin <= 0):
            raise InputError(f"xlim {xlim!r} must be increasing (and > 0 on a ratio axis)")
        _, _, ticks = _nice_limits([xmin, xmax], sc, include_null=False)
        ticks = [t for t in ticks if xmin <= t <= xmax] or [xmin, xmax]
    else:
        xmin, xmax, ticks = _nice_limits(np.concatenate([lo, hi]), sc)
    _set_x_axis(ax, sc, xmin, xmax, ticks)
    if xmin < sc.null < xmax:
        ax.plot([sc.null] * 2, [lay.y_top, lay.y_bottom], color="black", lw=0.6, gid="null-line", zorder=1)
    for j in range(len(df)):
        ax.plot([max(lo[j], xmin), min(hi[j], xmax)], [j, j], color="black", lw=0.8, gid="cumulative-ci",
                zorder=2)  # fmt: skip
        for end, beyond, marker in ((xmin, lo[j] < xmin, "<"), (xmax, hi[j] > xmax, ">")):
            if beyond:
                ax.plot([end], [j], marker=marker, color="black", markersize=3.5, clip_on=False,
                        gid="ci-arrow")  # fmt: skip
        ax.plot([est[j]], [j], marker="s", markersize=5.0, color=_C["blue"], markeredgewidth=0, ls="none",
                gid="cumulative-point", zorder=3)  # fmt: skip
    _draw_bottom(fig, ax, lay, sc, fav, xlabel or sc.name, footer)
    return fig


# ----------------------------------------------------------------------------------------------------------
# funnel plot
# ----------------------------------------------------------------------------------------------------------


@_styled
def funnel(
    res: MetaResult,
    contours: Sequence[float] = (0.9, 0.95, 0.99),
    trimfill=None,
    *,
    measure: str | None = None,
    transform: str | None = None,
    xlabel: str | None = None,
    width_mm: float = SINGLE_COLUMN_MM,
) -> Figure:
    """Contour-enhanced funnel plot (Peters et al. 2008, J Clin Epidemiol 61:991).

    Effect (x) against standard error (y, 0 at the top). The shaded regions are where a study's own two-sided
    Wald test of no effect has p in a band: a study with SE s is outside the ``c`` contour when
    |y| > z_{(1+c)/2}·s (contours centred on no effect, darker = smaller p). The dashed funnel is the pooled
    estimate ± z_{(1+level)/2}·s and the solid vertical line the pooled estimate.

    ``trimfill`` is a :func:`metaan.bias.trim_and_fill` result (``.result`` — the MetaResult on observed plus
    imputed studies — and ``.filled``, a boolean array marking the imputed ones in ``.result.yi``): imputed
    studies are drawn as open circles and the adjusted estimate as a dashed vermillion line.
    """
    if not isinstance(res, MetaResult):
        raise InputError(f"funnel() takes a MetaResult, not {type(res).__name__}")
    cs = sorted(float(c) for c in contours)
    if any(not 0 < c < 1 for c in cs) or len(set(cs)) != len(cs):
        raise InputError(f"contours {tuple(contours)!r} must be distinct confidence levels between 0 and 1")
    sc = _scale(measure, transform)
    yi, vi = res.yi, res.vi
    filled = np.zeros(res.k, dtype=bool)
    adjusted = None
    if trimfill is not None:
        tf_res = getattr(trimfill, "result", None)
        if not isinstance(tf_res, MetaResult) or not hasattr(trimfill, "filled"):
            raise InputError("trimfill must be a trim_and_fill() result (.result, a MetaResult, and .filled)")
        yi, vi = tf_res.yi, tf_res.vi
        filled = np.asarray(trimfill.filled, dtype=bool)
        if filled.size != yi.size:
            raise InputError(f"trimfill.filled has {filled.size} entries; trimfill.result has {yi.size}")
        adjusted = tf_res.estimate
    se = np.sqrt(vi)
    se_max = float(se.max()) * 1.08
    grid = np.linspace(0.0, se_max, 60)
    zl = float(special.ndtri(0.5 + res.level / 2))

    fig = _new_figure(_width_in(width_mm), _width_in(width_mm) * 0.92, layout="constrained")
    ax = fig.add_subplot()
    z_out = float(special.ndtri(0.5 + cs[-1] / 2))
    span = [yi, res.estimate - zl * se_max, res.estimate + zl * se_max, z_out * se_max, -z_out * se_max]
    xmin, xmax, ticks = _nice_limits(sc(np.concatenate([np.ravel(s) for s in span])), sc)
    _set_x_axis(ax, sc, xmin, xmax, ticks)
    shades = [str(round(g, 3)) for g in np.linspace(0.9, 0.72, len(cs))]  # region just beyond contour i
    ax.set_facecolor(shades[-1])
    for i in range(len(cs) - 1, -1, -1):
        zc = float(special.ndtri(0.5 + cs[i] / 2))
        inner = "white" if i == 0 else shades[i - 1]
        ax.fill_betweenx(grid, sc(-zc * grid), sc(zc * grid), color=inner, lw=0, gid="contour-region",
                         zorder=0)  # fmt: skip
    regions = [Patch(facecolor="white", edgecolor="0.6", lw=0.4, label=f"p > {_p_label(1 - cs[0])}")]
    for i in range(len(cs)):
        lower = f"{_p_label(1 - cs[i + 1])} < " if i + 1 < len(cs) else ""
        regions.append(Patch(facecolor=shades[i], label=f"{lower}p \u2264 {_p_label(1 - cs[i])}"))
    ax.plot(sc(res.estimate - zl * grid), grid, color="black", lw=0.6, ls=(0, (3, 2)), gid="pseudo-ci")
    ax.plot(sc(res.estimate + zl * grid), grid, color="black", lw=0.6, ls=(0, (3, 2)), gid="pseudo-ci")
    ax.axvline(sc(res.estimate), color="black", lw=0.9, gid="pooled-line")
    other = [Line2D([], [], color="black", lw=0.9, label="Pooled estimate"),
             Line2D([], [], color="black", lw=0.6, ls=(0, (3, 2)), label=f"{100 * res.level:g}% pseudo-CI")]
    obs = ~filled
    ax.plot(sc(yi[obs]), se[obs], "o", color="black", markersize=3.6, gid="study-points", zorder=4)
    other.append(Line2D([], [], marker="o", color="black", ls="none", markersize=3.6, label="Study"))
    if filled.any():
        ax.plot(sc(yi[filled]), se[filled], "o", markerfacecolor="white", markeredgecolor="black",
                markeredgewidth=0.8, markersize=3.6, ls="none", gid="filled-points", zorder=4)  # fmt: skip
        other.append(Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor="black", ls="none",
                            markersize=3.6, label="Imputed (trim-and-fill)"))  # fmt: skip
    if adjusted is not None:
        ax.axvline(sc(adjusted), color=_C["vermillion"], lw=0.9, ls=(0, (4, 2)), gid="trimfill-line")
        other.append(Line2D([], [], color=_C["vermillion"], lw=0.9, ls=(0, (4, 2)),
                            label="Trim-and-fill estimate"))  # fmt: skip
    rows = max(len(regions), len(other))
    blank = Line2D([], [], alpha=0.0, label=" ")
    handles = regions + [blank] * (rows - len(regions)) + other + [blank] * (rows - len(other))
    ax.set_ylim(se_max, 0)
    ax.set_xlabel(_safe(xlabel or sc.name))
    ax.set_ylabel("Standard error")
    ax.spines["right"].set_visible(True)
    ax.spines["top"].set_visible(True)
    fig.legend(handles=handles, loc="outside lower center", ncol=2, handlelength=1.6, columnspacing=1.5)
    return fig


# ----------------------------------------------------------------------------------------------------------
# drapery plot
# ----------------------------------------------------------------------------------------------------------


@_styled
def drapery(
    res: MetaResult,
    *,
    measure: str | None = None,
    transform: str | None = None,
    prediction: bool = True,
    yscale: str = "z",
    xlim: tuple[float, float] | None = None,
    xlabel: str | None = None,
    width_mm: float = SINGLE_COLUMN_MM,
) -> Figure:
    """Drapery plot: p-value functions of every study and of the pooled estimate (Rücker & Schwarzer 2021,
    "Beyond the forest plot: the drapery plot", Res Synth Methods 12:13–19; online 2020).

    For a hypothesised effect θ, study i's two-sided p-value is p_i(θ) = 2Φ(−|y_i − θ|/√v_i) and the pooled
    one 2Φ(−|μ̂ − θ|/SE(μ̂)) — with the t distribution on k − 1 df when the model used Hartung–Knapp. Each
    curve peaks at its estimate (p = 1) and crosses the dotted line p = 1 − level at its CI limits; the
    prediction interval is drawn as a bar on that line. The right axis gives the confidence level 1 − p.

    ``yscale="z"`` (default, as R ``meta::drapery``'s "zvalue") spaces the p-values by Φ⁻¹(1 − p/2), so the
    curves are straight-sided tents and every confidence level is readable; ``"linear"`` plots p itself.
    """
    if not isinstance(res, MetaResult):
        raise InputError(f"drapery() takes a MetaResult, not {type(res).__name__}")
    if yscale not in ("z", "linear"):
        raise InputError(f"yscale {yscale!r} is unknown; use 'z' or 'linear'")
    sc = _scale(measure, transform)
    se_i = np.sqrt(res.vi)
    show_pi = prediction and res.method != "FE" and res.k >= 2 and bool(np.isfinite(res.pi_low))
    if xlim is not None:
        xmin, xmax = (float(v) for v in xlim)
        if not xmin < xmax or (sc.log and xmin <= 0):
            raise InputError(f"xlim {xlim!r} must be increasing (and > 0 on a ratio axis)")
        _, _, ticks = _nice_limits([xmin, xmax], sc, include_null=False)
        ticks = [t for t in ticks if xmin <= t <= xmax] or [xmin, xmax]
    else:
        z3 = 3.29  # p = 0.001: the curves have all but reached the bottom
        vals = [res.yi - z3 * se_i, res.yi + z3 * se_i]
        if show_pi:
            vals.append([res.pi_low, res.pi_high])
        xmin, xmax, ticks = _nice_limits(sc(np.concatenate([np.ravel(v) for v in vals])), sc)
    theta_d = np.geomspace(xmin, xmax, 801) if sc.log else np.linspace(xmin, xmax, 801)
    theta = np.log(theta_d) if sc.log else theta_d

    def to_y(p):
        p = np.asarray(p, dtype=float)
        return np.minimum(-special.ndtri(p / 2), 5.0) if yscale == "z" else p

    fig = _new_figure(_width_in(width_mm), _width_in(width_mm) * 0.82, layout="constrained")
    ax = fig.add_subplot()
    for i in range(res.k):
        p = 2 * special.ndtr(-np.abs(res.yi[i] - theta) / se_i[i])
        ax.plot(theta_d, to_y(p), color=_GREY, lw=0.7, gid="study-curve", zorder=2)
    zt = np.abs(res.estimate - theta) / res.se
    p_pool = 2 * special.stdtr(res.k - 1, -zt) if res.test == "knha" else 2 * special.ndtr(-zt)
    ax.plot(theta_d, to_y(p_pool), color="black", lw=1.6, gid="pooled-curve", zorder=3)
    _set_x_axis(ax, sc, xmin, xmax, ticks)
    alpha = 1 - res.level
    y_alpha = float(to_y(alpha))
    ax.axhline(y_alpha, color="black", lw=0.6, ls=(0, (1, 1.5)), gid="level-line", zorder=1)
    handles = [Line2D([], [], color=_GREY, lw=0.7, label=f"Studies (k = {res.k})"),
               Line2D([], [], color="black", lw=1.6, label=_model_label(res, detail=True))]  # fmt: skip
    if show_pi:
        a, b = sc(res.pi_low), sc(res.pi_high)
        hh = 0.09 if yscale == "z" else 0.024
        ax.add_patch(Rectangle((a, y_alpha - hh / 2), b - a, hh, facecolor=_C["vermillion"], edgecolor="none",
                               gid="prediction-interval", zorder=4))  # fmt: skip
        handles.append(Patch(facecolor=_C["vermillion"], label=f"{100 * res.level:g}% prediction interval"))
    if xmin < sc.null < xmax:
        ax.axvline(sc.null, color="black", lw=0.6, gid="null-line", zorder=1)
    if yscale == "z":
        p_ticks = [1, 0.5, 0.2, 0.1, 0.05, 0.01, 0.001]
        pos = [float(to_y(p)) for p in p_ticks]
        ax.set_ylim(float(to_y(0.0004)), 0)
        ax.set_yticks(pos, [f"{p:g}" for p in p_ticks])
        sec = ax.secondary_yaxis("right")
        sec.set_yticks(pos, [f"{100 * (1 - p):g}" for p in p_ticks])
    else:
        ax.set_ylim(0, 1.0)
        ax.set_yticks([0, 0.05, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        sec = ax.secondary_yaxis("right", functions=(lambda p: 100 * (1 - p), lambda c: 1 - c / 100))
        sec.set_yticks([100, 95, 80, 60, 40, 20, 0])
    ax.set_ylabel("p-value")
    sec.set_ylabel("Confidence level (%)")
    ax.set_xlabel(_safe(xlabel or sc.name))
    fig.legend(handles=handles, loc="outside lower center", ncol=1, handlelength=1.6)
    return fig


# ----------------------------------------------------------------------------------------------------------
# GOSH plot
# ----------------------------------------------------------------------------------------------------------


@_styled
def gosh_plot(
    gosh_df: pd.DataFrame,
    *,
    measure: str | None = None,
    transform: str | None = None,
    kind: str = "auto",
    xlabel: str | None = None,
    width_mm: float = SINGLE_COLUMN_MM,
) -> Figure:
    """GOSH plot (Olkin, Dahabreh & Trikalinos 2012, Res Synth Methods 3:214): the pooled estimate (x) against
    I² (y) of the model refitted to subsets of the studies, with marginal histograms.

    ``gosh_df`` is :func:`metaan.diagnostics.gosh` output (columns ``estimate`` and ``i2``; boolean study
    membership columns, if present, mark the fit to all studies with a vermillion cross). ``kind`` is
    ``"scatter"``, ``"hexbin"`` (log-count colour scale, for many subsets) or ``"auto"`` (hexbin above 5000).
    """
    _require_columns(gosh_df, ["estimate", "i2"], "gosh_df")
    if kind not in ("auto", "scatter", "hexbin"):
        raise InputError(f"kind {kind!r} is unknown; use 'auto', 'scatter' or 'hexbin'")
    sc = _scale(measure, transform)
    est = sc(gosh_df["estimate"].to_numpy(float))
    i2 = gosh_df["i2"].to_numpy(float)
    ok = np.isfinite(est) & np.isfinite(i2)
    est, i2 = est[ok], i2[ok]
    if est.size == 0:
        raise InputError("gosh_df has no finite (estimate, i2) pairs")
    n = est.size
    if kind == "auto":
        kind = "hexbin" if n > 5000 else "scatter"
    width = _width_in(width_mm)
    fig = _new_figure(width, width * 0.9, layout="constrained")
    gs = fig.add_gridspec(2, 2, width_ratios=(4, 1), height_ratios=(1, 4))
    ax = fig.add_subplot(gs[1, 0])
    ax_top = fig.add_subplot(gs[0, 0], sharex=ax)
    ax_right = fig.add_subplot(gs[1, 1], sharey=ax)
    xmin, xmax, ticks = _nice_limits(est, sc, include_null=False)
    if kind == "scatter":
        alpha = float(np.clip(30 / np.sqrt(n), 0.08, 0.9))
        ax.scatter(est, i2, s=4, color=_C["blue"], alpha=alpha, linewidths=0, rasterized=n > 2000,
                   gid="gosh-points")  # fmt: skip
    else:
        ext = (np.log10(xmin), np.log10(xmax)) if sc.log else (xmin, xmax)
        hb = ax.hexbin(est, i2, gridsize=(40, 24), bins="log", mincnt=1, cmap="cividis", linewidths=0.1,
                       xscale="log" if sc.log else "linear", extent=(*ext, 0, 100),
                       gid="gosh-hexbin")  # fmt: skip
        cax = fig.add_subplot(gs[0, 1])
        cb = fig.colorbar(hb, cax=cax, orientation="vertical")
        cb.set_label("Subsets", fontsize=7)
        cb.ax.tick_params(labelsize=6)
    member = [c for c in gosh_df.columns if gosh_df[c].dtype == bool]
    if member:
        full = gosh_df[member].all(axis=1).to_numpy()
        if full.any():
            j = int(np.flatnonzero(full)[0])
            ax.plot(sc(float(gosh_df["estimate"].iloc[j])), float(gosh_df["i2"].iloc[j]), marker="x",
                    color=_C["vermillion"], markersize=7, markeredgewidth=1.6, ls="none", gid="gosh-full",
                    label=f"All {len(member)} studies", zorder=5)  # fmt: skip
            ax.legend(loc="upper right", handletextpad=0.3)
    bins_x = np.geomspace(xmin, xmax, 41) if sc.log else np.linspace(xmin, xmax, 41)
    ax_top.hist(est, bins=bins_x, color=_C["blue"], edgecolor="white", linewidth=0.3,
                gid="gosh-hist-estimate")  # fmt: skip
    ax_right.hist(i2, bins=np.linspace(0, 100, 41), orientation="horizontal", color=_C["blue"],
                  edgecolor="white", linewidth=0.3, gid="gosh-hist-i2")  # fmt: skip
    ax_top.tick_params(labelbottom=False)
    ax_right.tick_params(labelleft=False)
    ax_top.set_ylabel("Subsets")
    ax_right.set_xlabel("Subsets")
    counts = FuncFormatter(lambda x, _: f"{x / 1000:g}k" if x >= 1000 else f"{x:g}")
    ax_top.yaxis.set_major_locator(mpl.ticker.MaxNLocator(3, integer=True))
    ax_top.yaxis.set_major_formatter(counts)
    ax_right.xaxis.set_major_locator(mpl.ticker.MaxNLocator(2, integer=True))
    ax_right.xaxis.set_major_formatter(counts)
    _set_x_axis(ax, sc, xmin, xmax, ticks)  # after hexbin/hist, which reset a log axis's ticker
    ax.set_ylim(-2, 102)
    ax.set_xlabel(_safe(xlabel or sc.name))
    ax.set_ylabel("I\u00b2 (%)")
    return fig


# ----------------------------------------------------------------------------------------------------------
# evidence map and claims chart
# ----------------------------------------------------------------------------------------------------------


def _study_table(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per study: design, total n (and whether only one arm is known), evidence, not-found flag."""
    t = trials.reset_index(drop=True)
    n_t = pd.to_numeric(t["n_t"], errors="coerce")
    n_c = pd.to_numeric(t["n_c"], errors="coerce")
    single = t["design"].astype(str) == "single_arm"
    t["_full"] = np.where(single, n_t, n_t + n_c)  # both arms known (treated arm alone for single-arm)
    t["_partial"] = np.where(n_t.notna() | n_c.notna(), n_t.fillna(0) + n_c.fillna(0), np.nan)
    status = t["status"].astype(str) if "status" in t.columns else pd.Series("extracted", index=t.index)
    evidence = t["evidence"].astype(str) if "evidence" in t.columns else pd.Series("primary", index=t.index)
    out = []
    for study, g in t.groupby("study", sort=False):
        designs = g["design"].dropna().astype(str)
        design = designs.mode().iloc[0] if len(designs) else "unknown"
        full = g["_full"].max()
        partial = g["_partial"].max()
        ev = evidence.loc[g.index]
        out.append({
            "study": str(study),
            "design": design,
            "n": full if np.isfinite(full) else partial,
            "one_arm_only": bool(not np.isfinite(full) and np.isfinite(partial)),
            "not_found": bool((status.loc[g.index] == "not_found").all()),
            "secondary": bool((ev == "secondary").any() and not (ev == "primary").any()),
        })  # fmt: skip
    return pd.DataFrame(out)


@_styled
def evidence_map(trials: pd.DataFrame, *, width_mm: float = DOUBLE_COLUMN_MM,
                 label_studies: bool = False) -> Figure:  # fmt: skip
    """Evidence map: every study a point, by design (rows) and sample size (log axis).

    ``trials`` is the :func:`metaan.data.load_trials` DataFrame (columns ``study, design, n_t, n_c, status``;
    ``evidence`` optional). One point per study at total n = max over its rows of n_t + n_c (n_t alone for
    single-arm studies). A controlled study with only one arm's n printed is an open circle at that n (a lower
    bound). Studies with no n at all, and studies whose text was not found, sit in the strip on the right, one
    dot each, so the gap stays visible. Row labels give the number and share of studies per design.
    """
    _require_columns(trials, ["study", "design", "n_t", "n_c", "status"], "trials")
    if len(trials) == 0:
        raise InputError("trials has no rows")
    st = _study_table(trials)
    designs = [d for d in DESIGN_ORDER] + sorted(set(st["design"]) - set(DESIGN_ORDER))
    ypos = {d: i for i, d in enumerate(designs)}
    total = len(st)
    width = _width_in(width_mm)
    height = (0.42 * len(designs) + 1.15)
    fig = _new_figure(width, height, layout="constrained")
    gs = fig.add_gridspec(1, 2, width_ratios=(3.2, 1), wspace=0.02)
    ax = fig.add_subplot(gs[0, 0])
    gap = fig.add_subplot(gs[0, 1], sharey=ax)
    has_n = st["n"].notna() & ~st["not_found"]
    with_n = st[has_n]
    offsets = np.array([0.0, -0.2, 0.2, -0.1, 0.1, -0.3, 0.3])
    style = {False: ("o", _C["blue"]), True: ("^", _C["orange"])}
    for d in designs:
        sub = with_n[with_n["design"] == d].sort_values(["n", "study"], kind="stable")
        for r, (_, s) in enumerate(sub.iterrows()):
            marker, colour = style[s["secondary"]]
            yy = ypos[d] + offsets[r % offsets.size]
            face = "white" if s["one_arm_only"] else colour
            ax.plot([s["n"]], [yy], marker=marker, markersize=5, markerfacecolor=face, markeredgecolor=colour,
                    markeredgewidth=0.9, ls="none", gid="evidence-point", label=s["study"])  # fmt: skip
            if label_studies:
                ax.annotate(_safe(s["study"]), (s["n"], yy), xytext=(3, 2), textcoords="offset points",
                            fontsize=6.0)  # fmt: skip
    ax.set_xscale("log")
    nmax = float(with_n["n"].max()) if len(with_n) else 100.0
    nmin = float(with_n["n"].min()) if len(with_n) else 1.0
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
             if nmin / 2.2 <= t <= nmax * 2.2]  # fmt: skip
    ax.set_xlim(min(ticks[0], nmin / 1.5), max(ticks[-1], nmax * 1.5))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.set_xlabel("Patients per study (cells + control arm)")
    ax.grid(axis="x", color="0.88", lw=0.5)
    ax.set_axisbelow(True)
    labels = []
    for d in designs:
        k = int((st["design"] == d).sum())
        name = DESIGN_LABELS.get(d, d.replace("_", " ").capitalize())
        labels.append(f"{name}\n{k} {'study' if k == 1 else 'studies'} ({100 * k / total:.0f}%)")
    ax.set_yticks(range(len(designs)), labels)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(designs) - 0.5, -0.5)
    for i in range(len(designs) - 1):
        for a in (ax, gap):
            a.axhline(i + 0.5, color="0.8", lw=0.5)
    # the gap strip: no n printed | not found
    per_row = 6
    dx, dy = 0.13, 0.2
    for col, (mask, what) in enumerate(((~has_n & ~st["not_found"], "no n"), (st["not_found"], "not found"))):
        for d in designs:
            sub = st[mask & (st["design"] == d)].sort_values("study")
            m = len(sub)
            n_lines = int(np.ceil(m / per_row))
            for j, (_, s) in enumerate(sub.iterrows()):
                in_line = min(per_row, m - (j // per_row) * per_row)
                x = col + (j % per_row - (in_line - 1) / 2) * dx
                yy = ypos[d] + (j // per_row - (n_lines - 1) / 2) * dy
                if what == "not found":
                    gap.plot([x], [yy], marker="x", color=_GREY, markersize=4, markeredgewidth=1.0, ls="none",
                             gid="evidence-gap", label=s["study"])  # fmt: skip
                else:
                    marker, colour = style[s["secondary"]]
                    gap.plot([x], [yy], marker=marker, markersize=4, color=colour, ls="none",
                             gid="evidence-gap", label=s["study"])  # fmt: skip
    gap.set_xlim(-0.5, 1.5)
    gap.set_xticks([0, 1], ["No n\nprinted", "Not\nfound"])
    gap.tick_params(axis="x", length=0)
    gap.tick_params(axis="y", left=False, labelleft=False)
    gap.axvline(0.5, color="0.8", lw=0.5)
    gap.spines["left"].set_visible(True)
    gap.set_facecolor("#F4F4F4")
    found = st[~st["not_found"]]
    handles = [Line2D([], [], marker="o", color=_C["blue"], ls="none", markersize=5, label="Primary source")]
    if found["secondary"].any():
        handles.append(Line2D([], [], marker="^", color=_C["orange"], ls="none", markersize=5,
                              label="Secondary source only"))  # fmt: skip
    if (found["one_arm_only"] & has_n).any():
        handles.append(Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor=_C["blue"],
                              ls="none", markersize=5, label="One arm's n only (lower bound)"))  # fmt: skip
    if st["not_found"].any():
        handles.append(Line2D([], [], marker="x", color=_GREY, ls="none", markersize=4,
                              label="Text not found"))  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), handletextpad=0.3,
               columnspacing=1.2)  # fmt: skip
    return fig


@_styled
def claims_chart(claims: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                 width_mm: float = SINGLE_COLUMN_MM) -> Figure:  # fmt: skip
    """Claims checked on each seed page, by verdict: a stacked horizontal bar per page plus one for all.

    ``claims`` has columns ``claim_id, seed_file, verdict`` (one of supported, overstated, misquoted,
    unsupported, contradicted, unverifiable). ``labels`` maps a seed_file to the text shown (default: the
    file name without its extension). Segments are counts, written inside when there is room.
    """
    _require_columns(claims, ["claim_id", "seed_file", "verdict"], "claims")
    if len(claims) == 0:
        raise InputError("claims has no rows")
    verdict = claims["verdict"]
    bad = ~verdict.isin(VERDICTS)
    if bad.any():
        r = claims[bad].iloc[0]
        raise InputError(f"claim {r['claim_id']}: verdict {r['verdict']!r} is not one of "
                         f"{', '.join(VERDICTS)}")  # fmt: skip
    counts = pd.crosstab(claims["seed_file"].astype(str), verdict)
    counts = counts.reindex(columns=list(VERDICTS), fill_value=0)
    counts = counts.sort_index()
    names = [(labels or {}).get(s, re.sub(r"\.[A-Za-z0-9]+$", "", s)) for s in counts.index]
    table = pd.concat([counts.sum().to_frame("All pages").T, counts])
    names = ["All pages", *names]
    width = _width_in(width_mm)
    n = len(table)
    ys = np.array([0.0, *np.arange(1, n) + 0.4])  # a gap below the total bar
    fig = _new_figure(width, 0.95 + 0.24 * (n + 0.4), layout="constrained")
    ax = fig.add_subplot()
    left = np.zeros(n)
    xmax = float(table.sum(axis=1).max())
    for v in VERDICTS:
        vals = table[v].to_numpy(float)
        bars = ax.barh(ys, vals, left=left, height=0.72, color=VERDICT_COLOURS[v], edgecolor="white",
                       linewidth=0.4, label=v.capitalize(), gid=f"claims-{v}")  # fmt: skip
        for patch in bars:
            patch.set_gid(f"claims-{v}")
        rgb = mpl.colors.to_rgb(VERDICT_COLOURS[v])
        ink = "white" if 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 0.45 else "black"
        for y, lft, val in zip(ys, left, vals, strict=True):
            if val > 0 and val >= 0.045 * xmax * len(f"{val:.0f}"):
                ax.text(lft + val / 2, y, f"{val:.0f}", ha="center", va="center", color=ink, fontsize=6.5)
        left += vals
    for y, tot in zip(ys, left, strict=True):
        ax.text(tot + 0.01 * xmax, y, f"{tot:.0f}", ha="left", va="center", fontsize=6.5, color="0.25")
    ax.set_yticks(ys, [_safe(s) for s in names])
    ax.get_yticklabels()[0].set_fontweight("bold")
    ax.set_ylim(ys[-1] + 0.6, -0.6)
    ax.set_xlim(0, xmax * 1.08)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(5, integer=True))
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Claims")
    fig.legend(loc="outside upper center", ncol=3, handlelength=1.0, handletextpad=0.4, columnspacing=1.0)
    return fig


# ----------------------------------------------------------------------------------------------------------
# trial sequential analysis
# ----------------------------------------------------------------------------------------------------------

_MISSING = object()


def _attr(obj, *names, default=_MISSING):
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    if default is _MISSING:
        raise InputError(f"the TSA result lacks attribute {names[0]!r} (see tsa_plot's docstring)")
    return default


@_styled
def tsa_plot(tsa, *, xlabel: str | None = None, ylim: float | None = None,
             width_mm: float = SINGLE_COLUMN_MM) -> Figure:  # fmt: skip
    """Trial sequential analysis plot (Wetterslev et al. 2008; Thorlund et al. 2011, TSA manual).

    ``tsa`` is a :func:`metaan.evidence.trial_sequential` result. Attributes read: ``information`` and ``z``
    (cumulative, one per trial), ``ris`` (required information size), ``alpha``, ``direction`` ("greater" or
    "less": the sign of benefit), ``grid`` (DataFrame with ``information, boundary, harm_boundary, futility``:
    the monitoring boundaries a next analysis would face), and optionally ``labels``, ``verdict``. Without
    ``grid``, the per-look ``boundary``, ``harm_boundary`` and ``futility`` arrays are joined by lines.

    Drawn: the cumulative z-curve from the origin, the O'Brien–Fleming alpha-spending efficacy and harm
    boundaries, the beta-spending futility wedge, the conventional boundaries ±z_{1−α/2} and the RIS.
    """
    info = np.asarray(_attr(tsa, "information"), dtype=float)
    z = np.asarray(_attr(tsa, "z"), dtype=float)
    if info.size == 0 or info.size != z.size:
        raise InputError("tsa.information and tsa.z must be non-empty arrays of equal length")
    ris = float(_attr(tsa, "ris", "required_information_size"))
    alpha = float(_attr(tsa, "alpha", default=0.05))
    direction = str(_attr(tsa, "direction", default="greater"))
    grid = _attr(tsa, "grid", default=None)
    if grid is not None:
        g_info = np.asarray(grid["information"], dtype=float)
        eff = np.asarray(grid["boundary"], dtype=float)
        harm = np.asarray(grid["harm_boundary"], dtype=float)
        fut = np.asarray(grid["futility"], dtype=float)
    else:
        g_info = info
        eff = np.asarray(_attr(tsa, "boundary"), dtype=float)
        harm = np.asarray(_attr(tsa, "harm_boundary", default=-eff), dtype=float)
        fut = np.asarray(_attr(tsa, "futility", default=np.full(info.size, np.nan)), dtype=float)
    z_conv = float(special.ndtri(1 - alpha / 2))
    lim = ylim or float(np.clip(max(np.nanmax(np.abs(z)) * 1.25, 2.3 * z_conv), 4.0, 10.0))
    fig = _new_figure(_width_in(width_mm), _width_in(width_mm) * 0.85, layout="constrained")
    ax = fig.add_subplot()
    xmax = max(float(g_info.max()), ris, float(info.max())) * 1.04
    ax.set_xlim(0, xmax)
    ax.set_ylim(-lim, lim)
    ax.axhline(0, color="black", lw=0.5, zorder=1)
    for s in (1, -1):
        ax.axhline(s * z_conv, color=_GREY, lw=0.7, ls=(0, (3, 2)), gid="conventional-boundary", zorder=1)
    keep = np.isfinite(eff) & (np.abs(eff) <= 4 * lim)
    ax.plot(g_info[keep], eff[keep], color=_C["vermillion"], lw=1.2, gid="efficacy-boundary", zorder=2)
    keep = np.isfinite(harm) & (np.abs(harm) <= 4 * lim)
    ax.plot(g_info[keep], harm[keep], color=_C["vermillion"], lw=1.2, gid="harm-boundary", zorder=2)
    sign = 1.0 if direction == "greater" else -1.0
    keep = np.isfinite(fut) & (sign * fut > -4 * lim)
    if keep.any():
        ax.plot(g_info[keep], fut[keep], color=_C["bluish_green"], lw=1.0, ls=(0, (4, 1.5)),
                gid="futility-boundary", zorder=2)  # fmt: skip
    ax.axvline(ris, color="black", lw=0.7, ls=(0, (1, 1.5)), gid="ris-line", zorder=1)
    ax.annotate(f"RIS = {ris:,.0f}", (ris, lim), xytext=(-2, -2), textcoords="offset points", ha="right",
                va="top", fontsize=6.5)  # fmt: skip
    ax.plot(np.r_[0.0, info], np.r_[0.0, z], color=_C["blue"], lw=1.3, marker="o", markersize=3.2,
            markevery=list(range(1, info.size + 1)), gid="z-curve", zorder=3)  # fmt: skip
    top, bottom = ("Favours cells", "Favours control")[:: int(sign)]
    box = dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none", alpha=0.8)
    for text, dy, va in ((f"\u2191 {top}", 3, "bottom"), (f"\u2193 {bottom}", -3, "top")):
        x_at = ris if ris >= info.max() else xmax
        ax.annotate(text, (x_at, 0), xytext=(-4, dy), textcoords="offset points", ha="right", va=va,
                    fontsize=6.5, color="0.3", bbox=box, gid="favours-label")  # fmt: skip
    ax.set_xlabel(_safe(xlabel or "Cumulative information (participants)"))
    ax.set_ylabel("Cumulative z-score")
    verdict = _attr(tsa, "verdict", default=None)
    if verdict:
        ax.set_title(_safe(str(verdict)[:1].upper() + str(verdict)[1:]), fontsize=7.5, loc="left")
    handles = [Line2D([], [], color=_C["blue"], lw=1.3, marker="o", markersize=3.2, label="Cumulative z"),
               Line2D([], [], color=_C["vermillion"], lw=1.2, label="Monitoring boundaries"),
               Line2D([], [], color=_C["bluish_green"], lw=1.0, ls=(0, (4, 1.5)), label="Futility boundary"),
               Line2D([], [], color=_GREY, lw=0.7, ls=(0, (3, 2)),
                      label=f"Conventional p = {alpha:g}")]  # fmt: skip
    fig.legend(handles=handles, loc="outside lower center", ncol=2, handlelength=2.0)
    return fig
