"""General charts in the house style: the labelled dot chart and the curve plot.

``dot_chart`` is a Cleveland dot plot with the forest plot's typography (labels left, values right, optional
group blocks and intervals); ``curve_plot`` draws lines with markers over a shared x (power curves, coverage
against k). Both take numbers as given: nothing is estimated here.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from ..errors import InputError, MetaanWarning
from ._style import (
    _C,
    _DASH,
    _GREY,
    _MM,
    _PT,
    DESIGN_LABELS,
    SINGLE_COLUMN_MM,
    _new_figure,
    _nice_limits,
    _num,
    _require_columns,
    _safe,
    _Scale,
    _set_x_axis,
    _styled,
    _text_width_in,
    _user_limits,
    _width_in,
    _wrap,
)
from ._table import _ci_with_arrows

#: (colour, marker) of successive series: Okabe–Ito colours (yellow left out: too pale on white) with a
#: different marker each, so series stay apart in grey-scale print and for colour-blind readers
SERIES_STYLES = [
    (_C["blue"], "o"),
    (_C["vermillion"], "s"),
    (_C["bluish_green"], "^"),
    (_C["orange"], "D"),
    (_C["reddish_purple"], "v"),
    (_C["sky_blue"], "P"),
    (_C["black"], "X"),
]
_REF_COLOUR = "0.35"
_REF_STYLE = (0, (3, 2))
_MARGIN = 0.06  # inches
_GAP = 0.12


# ----------------------------------------------------------------------------------------------------------
# shared helpers
# ----------------------------------------------------------------------------------------------------------


def _references(reference, what: str = "reference") -> list[tuple[float, str | None]]:
    """None, a number, numbers, or a mapping label -> number, as a list of (value, label or None)."""
    if reference is None:
        return []
    if isinstance(reference, Mapping):
        items = [(v, str(k)) for k, v in reference.items()]
    elif np.ndim(reference) == 0:
        items = [(reference, None)]
    else:
        items = [(v, None) for v in reference]
    out = []
    for v, lab in items:
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise InputError(f"{what} value {v!r} is not a number") from None
        if not np.isfinite(x):
            raise InputError(f"{what} value {v!r} must be finite")
        out.append((x, lab))
    return out


def _numeric(df: pd.DataFrame, col: str) -> np.ndarray:
    """A column as floats; missing values are NaN, anything else that is not a number is an error."""
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & raw.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"column {col!r}, row {i}: {raw.iloc[i]!r} is not a number")
    return num.to_numpy(dtype=float)


def _categories(values: pd.Series) -> list:
    """Distinct values in display order: a categorical's order, else the order of first appearance."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        return [c for c in values.cat.categories if c in present]
    return list(dict.fromkeys(values.dropna()))


def _filled(values: pd.Series) -> list:
    """The values as a list, missing ones written "Not reported"."""
    return ["Not reported" if pd.isna(v) else v for v in values]


def _legend_ncol(labels: Sequence[str], width_in: float, size: float = 7.0) -> int:
    """As many legend columns as fit the width (handle, text and spacing measured)."""
    entry = max(_text_width_in(lab, size) for lab in labels) + (1.2 + 0.4 + 1.2) * size * _PT
    return int(max(1, min(len(labels), width_in // entry)))


# ----------------------------------------------------------------------------------------------------------
# dot chart
# ----------------------------------------------------------------------------------------------------------


@_styled
def dot_chart(
    df: pd.DataFrame,
    *,
    estimate: str,
    label: str,
    xlabel: str,
    ci_low: str | None = None,
    ci_high: str | None = None,
    group: str | None = None,
    second: str | None = None,
    marker_by: str | None = None,
    log: bool = False,
    xlim: tuple[float, float] | None = None,
    percent: bool = False,
    reference: float | Sequence[float] | Mapping[str, float] | None = None,
    annotate: bool | str = True,
    value_header: str | None = None,
    digits: int | None = None,
    legend_labels: tuple[str, str] | None = None,
    title: str | None = None,
    width_mm: float = SINGLE_COLUMN_MM,
) -> Figure:
    """Labelled dot chart: one row per record, a dot (and interval) per row, labels left and values right.

    Parameters
    ----------
    df
        One record per row. Records with the same ``label`` in the same group share a row (long format, e.g.
        one record per arm with ``marker_by="arm"``); their markers are nudged apart when they have intervals.
    estimate, label
        Columns of the value (NaN: no marker, the row stays visible with a dash) and of the row label.
    ci_low, ci_high
        Columns of an interval drawn as a line (both or neither); cut at ``xlim`` with an arrow head.
    group
        Column whose values form blocks, each under a bold header (design codes are written out, e.g.
        ``"rct"`` → "RCT"); block order is a categorical's order, else the order of first appearance.
    second
        Column of a second value on the same row (e.g. the comparator arm's median), drawn as an open marker
        joined to the first by a thin grey line.
    marker_by
        Column whose categories get their own colour and marker (Okabe–Ito, ``SERIES_STYLES``) and a legend
        entry: evidence type, statistic, estimation method, ...
    xlabel, log, xlim
        Axis label; a log axis (values > 0); limits (default: round values around every value and reference).
    percent
        Values are percentages: axis 0–100 (unless ``xlim``) and value texts with a % sign.
    reference
        Vertical reference line(s): a value, values, or a mapping label → value (the label is written above the
        panel), e.g. ``{"nominal 95%": 95}``.
    annotate
        True: the value text right of the panel ("est", "est [low, high]", "est vs second"; with ``percent``
        the estimate carries the % sign: "45% [30, 60]", "45% vs 30%"); a column name:
        that column's text instead (e.g. the numbers as printed, "12/36"); False: no value column.
    value_header
        A bold header over the value column (e.g. "Responders/n"), right-aligned; it may reach over the panel.
    digits
        Decimals of the value text; default 0 for percentages, else 2, 1 or 0 as the values reach 10 or 100.
    legend_labels
        Legend names of the filled (``estimate``) and open (``second``) markers; default the column names. With
        ``marker_by`` these two entries are grey circles (filled and open) after the categories' own entries
        (colour and marker); without it they take the one series' colour and marker.
    width_mm
        Figure width (85 mm single column by default). Long labels are wrapped so that the panel keeps at least
        30 mm; if the value texts leave no room the figure widens, with a MetaanWarning.

    Returns
    -------
    matplotlib.figure.Figure
        gids: ``dot-label`` (one per row), ``dot-group-label``, ``dot-point`` (one per record with a value;
        ``get_label()`` is the row label), ``dot-ci``, ``ci-arrow``, ``dot-second``, ``dot-connector``,
        ``dot-value``, ``dot-value-header``, ``reference-line``, ``reference-label``, ``figure-title``.
    """
    need = [estimate, label] + [c for c in (ci_low, ci_high, group, second, marker_by) if c is not None]
    if isinstance(annotate, str):
        need.append(annotate)
    _require_columns(df, list(dict.fromkeys(need)), "df")
    if (ci_low is None) != (ci_high is None):
        raise InputError("give both ci_low and ci_high (the interval's two columns), or neither")
    if len(df) == 0:
        raise InputError("df has no rows")
    d = df.reset_index(drop=True)
    est = _numeric(d, estimate)
    lo = _numeric(d, ci_low) if ci_low else np.full(len(d), np.nan)
    hi = _numeric(d, ci_high) if ci_high else np.full(len(d), np.nan)
    sec = _numeric(d, second) if second else np.full(len(d), np.nan)
    if ci_low and np.any((lo > est) | (hi < est)):
        i = int(np.flatnonzero((lo > est) | (hi < est))[0])
        raise InputError(f"row {i}: the interval [{lo[i]:g}, {hi[i]:g}] does not contain the estimate {est[i]:g}")
    scale = _Scale(log=bool(log), name=xlabel, short="", lower_favours_cells=False)
    refs = _references(reference)
    values = np.concatenate([est, lo, hi, sec, [v for v, _ in refs]])
    if log and np.any(values[np.isfinite(values)] <= 0):
        raise InputError("log=True needs values > 0 (estimates, intervals, second values and references)")
    if not np.isfinite(values).any():
        raise InputError(f"column {estimate!r} has no numbers to plot")

    # rows: (group, label) -> record indices, in display order
    gvals = _filled(d[group]) if group else [None] * len(d)
    order_g = _categories(d[group]) + (["Not reported"] if d[group].isna().any() else []) if group else [None]
    rows: list[tuple[Any, str, list[int]]] = []
    for g in order_g:
        members = [i for i in range(len(d)) if gvals[i] == g]
        by_label: dict[str, list[int]] = {}
        for i in members:
            by_label.setdefault(str(d[label].iloc[i]), []).append(i)
        rows += [(g, lab, idx) for lab, idx in by_label.items()]

    # styles
    if marker_by:
        cat_of = _filled(d[marker_by])
        cats = _categories(d[marker_by]) + (["Not reported"] if d[marker_by].isna().any() else [])
        style = {c: SERIES_STYLES[j % len(SERIES_STYLES)] for j, c in enumerate(cats)}
    else:
        cats, cat_of, style = [], [None] * len(d), {None: SERIES_STYLES[0]}

    # value texts
    finite = np.abs(values[np.isfinite(values)])
    if digits is None:
        top = float(finite.max()) if finite.size else 0.0
        digits = 0 if percent else (2 if top < 10 else 1 if top < 100 else 0)
    pct = "%" if percent else ""

    def value_text(i: int) -> str:
        if isinstance(annotate, str):
            v = d[annotate].iloc[i]
            return _safe(v) if pd.notna(v) else _DASH
        if not np.isfinite(est[i]):
            return _DASH
        text = _num(est[i], digits) + pct
        if np.isfinite(lo[i]) and np.isfinite(hi[i]):
            return f"{text} [{_num(lo[i], digits)}, {_num(hi[i], digits)}]"
        if np.isfinite(sec[i]):
            text += f" vs {_num(sec[i], digits)}{pct}"
        return text

    values_txt = [" / ".join(value_text(i) for i in idx) for _, _, idx in rows] if annotate is not False else []

    # horizontal layout (inches): labels | panel | values
    size = 7.0
    width = _width_in(width_mm)
    value_w = max((_text_width_in(t, size) for t in values_txt), default=0.0)
    value_block = value_w + _GAP if values_txt else 0.0
    min_panel = max(30 * _MM, 0.35 * width)
    headers = [_safe(DESIGN_LABELS.get(str(g), str(g))) for g in order_g] if group else []
    labels_txt = [_safe(lab) for _, lab, _ in rows]
    natural = max([_text_width_in(t, size) for t in labels_txt]
                  + [_text_width_in(h, size, "bold") for h in headers])  # fmt: skip
    room = width - 2 * _MARGIN - value_block - _GAP - min_panel
    if room < 20 * _MM and natural > room:
        needed = 2 * _MARGIN + value_block + _GAP + min_panel + min(natural, 20 * _MM)
        warnings.warn(f"the labels and values need {needed / _MM:.0f} mm; the figure is wider than the "
                      f"{width / _MM:.0f} mm asked for (shorten labels or values, or give width_mm)",
                      MetaanWarning, stacklevel=3)  # fmt: skip
        width, room = needed, min(natural, 20 * _MM)
    label_w = min(natural, room)
    wrapped = [_wrap(t, label_w, size, balance=True) for t in labels_txt]
    wrapped_h = {h: _wrap(h, label_w, size, "bold", balance=True) for h in headers}
    label_w = max([_text_width_in(x, size) for w in wrapped for x in w]
                  + [_text_width_in(x, size, "bold") for w in wrapped_h.values() for x in w])  # fmt: skip
    panel_x = _MARGIN + label_w + _GAP
    panel_w = width - panel_x - _MARGIN - value_block

    # vertical layout in row units (one text line = 1)
    ys: list[float] = []
    head_y: list[tuple[str, float, int]] = []
    y, prev_g = 0.0, object()
    for (g, _, _), lines in zip(rows, wrapped, strict=True):
        if group and g != prev_g:
            h = _safe(DESIGN_LABELS.get(str(g), str(g)))
            y += 0.4 if ys else 0.0
            n = len(wrapped_h[h])
            head_y.append((h, y + 0.36 * (n - 1), n))
            y += 1 + 0.72 * (n - 1)
            prev_g = g
        extra = 0.72 * (len(lines) - 1)
        ys.append(y + extra / 2)
        y += 1 + extra
    y_top, y_bottom = -0.6, y - 0.4
    row_h = size * 1.65 * _PT
    title_lines = _wrap(title, width - 2 * _MARGIN, 8.0, "bold") if title else []
    above = any(lab for _, lab in refs) or bool(values_txt and value_header)  # a text line above the panel
    top = _MARGIN + len(title_lines) * 8.0 * 1.35 * _PT + (7.0 * 1.6 * _PT if above else 0.0) + 2 * _PT
    legend_names = [str(c) for c in cats]
    if second:
        legend_labels = legend_labels or (str(estimate), str(second))
        if len(legend_labels) != 2:
            raise InputError("legend_labels must be a pair of texts: (filled marker, open marker)")
        legend_names += [str(legend_labels[0]), str(legend_labels[1])]
    ncol = _legend_ncol(legend_names, width - 2 * _MARGIN) if legend_names else 1
    legend_h = (int(np.ceil(len(legend_names) / ncol)) * 7.0 * 1.75 + 6.0) * _PT if legend_names else 0.0
    tick_block = (3.0 + 3.5 + 7.0 * 1.25) * _PT
    xlabel_lines = _wrap(_safe(xlabel), width - 2 * _MARGIN, 8.0)
    xlabel_w = max(_text_width_in(t, 8.0) for t in xlabel_lines)
    bottom = tick_block + (0.5 + 8.0 * 1.25 * len(xlabel_lines)) * _PT + legend_h + _MARGIN
    height = top + (y_bottom - y_top) * row_h + bottom

    fig = _new_figure(width, height)
    ax = fig.add_axes((panel_x / width, bottom / height, panel_w / width, (height - top - bottom) / height))
    ax.set_ylim(y_bottom, y_top)
    ax.yaxis.set_visible(False)
    ax.spines["left"].set_visible(False)
    ax.patch.set_alpha(0.0)
    blend = transforms.blended_transform_factory(fig.dpi_scale_trans, ax.transData)
    if percent and xlim is None:
        xmin, xmax, ticks = 0.0, 100.0, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    elif xlim is not None:
        xmin, xmax, ticks = _user_limits(xlim, scale)
    else:
        xmin, xmax, ticks = _nice_limits(values, scale, include_null=False)
    _set_x_axis(ax, scale, xmin, xmax, ticks)
    ax.grid(axis="x", color="0.9", lw=0.5)
    ax.set_axisbelow(True)
    # the axis label centred under the panel, moved left or right as little as needed to stay in the figure
    centre = min(max(panel_x + panel_w / 2, _MARGIN + xlabel_w / 2), width - _MARGIN - xlabel_w / 2)
    ax.set_xlabel("\n".join(xlabel_lines), linespacing=1.25)
    panel_h = height - top - bottom
    ax.xaxis.set_label_coords((centre - panel_x) / panel_w, -(tick_block + 0.5 * _PT) / panel_h)

    for y0, lines in zip(ys, wrapped, strict=True):
        fig.text(_MARGIN, y0, "\n".join(lines), ha="left", va="center", fontsize=size, transform=blend,
                 linespacing=1.15, gid="dot-label")  # fmt: skip
    for h, y0, _ in head_y:
        fig.text(_MARGIN, y0, "\n".join(wrapped_h[h]), ha="left", va="center", fontsize=size, fontweight="bold",
                 transform=blend, linespacing=1.15, gid="dot-group-label")  # fmt: skip
    if values_txt:
        for y0, t in zip(ys, values_txt, strict=True):
            fig.text(width - _MARGIN, y0, t, ha="right", va="center", fontsize=size, transform=blend,
                     gid="dot-value")  # fmt: skip
    if values_txt and value_header:
        fig.text(1 - _MARGIN / width, 1 - (top - 2 * _PT) / height, _safe(value_header), ha="right", va="bottom",
                 fontsize=size, fontweight="bold", gid="dot-value-header")  # fmt: skip

    for (_, text, idx), y0 in zip(rows, ys, strict=True):
        dodge = len(idx) > 1 and bool(np.isfinite(lo[idx]).any())
        for j, i in enumerate(idx):
            yy = y0 + ((j - (len(idx) - 1) / 2) * 0.3 if dodge else 0.0)
            colour, marker = style[cat_of[i]]
            if np.isfinite(est[i]) and np.isfinite(sec[i]):
                ax.plot([est[i], sec[i]], [yy, yy], color="0.6", lw=0.8, zorder=2, gid="dot-connector")
            _ci_with_arrows(ax, lo[i], hi[i], yy, xmin, xmax, gid="dot-ci", color=colour, lw=0.9)
            if np.isfinite(sec[i]):
                ax.plot([sec[i]], [yy], marker=marker, markersize=4.5, markerfacecolor="white",
                        markeredgecolor=colour, markeredgewidth=1.0, ls="none", zorder=3, gid="dot-second",
                        label=text)  # fmt: skip
            if np.isfinite(est[i]):
                ax.plot([est[i]], [yy], marker=marker, markersize=4.5, color=colour, markeredgewidth=0,
                        ls="none", zorder=4, gid="dot-point", label=text)  # fmt: skip

    xtr = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    for v, lab in refs:
        if not xmin <= v <= xmax:
            continue
        ax.axvline(v, color=_REF_COLOUR, lw=0.7, ls=_REF_STYLE, zorder=1, gid="reference-line")
        if lab:
            frac = (np.log(v / xmin) / np.log(xmax / xmin)) if log else (v - xmin) / (xmax - xmin)
            ha = "left" if frac < 0.15 else "right" if frac > 0.85 else "center"
            ax.text(v, 1.0, _safe(lab), transform=xtr, ha=ha, va="bottom", fontsize=6.5, color="0.3",
                    clip_on=False, gid="reference-label")  # fmt: skip
    if title_lines:
        fig.text(_MARGIN / width, 1 - _MARGIN / height, "\n".join(title_lines), ha="left", va="top",
                 fontweight="bold", fontsize=8.0, linespacing=1.2, gid="figure-title")  # fmt: skip
    if legend_names:
        handles = [Line2D([], [], marker=style[c][1], color=style[c][0], ls="none", markersize=4.5, label=str(c))
                   for c in cats]  # fmt: skip
        if second:  # filled = estimate, open = second; with marker_by in neutral grey (colours name categories)
            ink, mk = (_GREY, "o") if marker_by else style[None]
            handles += [Line2D([], [], marker=mk, color=ink, ls="none", markersize=4.5, label=legend_names[-2]),
                        Line2D([], [], marker=mk, markerfacecolor="white", markeredgecolor=ink, ls="none",
                               markersize=4.5, markeredgewidth=1.0, label=legend_names[-1])]  # fmt: skip
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(_MARGIN / width, _MARGIN / height),
                   ncol=ncol, borderaxespad=0.0, borderpad=0.0, handlelength=1.2, handletextpad=0.4,
                   columnspacing=1.2, fontsize=7.0)  # fmt: skip
    return fig


# ----------------------------------------------------------------------------------------------------------
# curve plot
# ----------------------------------------------------------------------------------------------------------


def _label_spot(ax, xs: np.ndarray, curves: list[np.ndarray], v: float) -> tuple[float, bool]:
    """Where to write a horizontal reference line's label: (0 = left end or 1 = right end, above the line?).

    The end (last or first fifth of the x range) where the curves keep farthest from the line, on the side of
    the line away from them; ties go to the right end, above."""
    y0, y1 = ax.get_ylim()
    span = abs(y1 - y0) or 1.0
    log = ax.get_xscale() == "log"
    u = np.log(xs) if log else xs
    lo_u, hi_u = ax.get_xlim()
    lo_u, hi_u = (np.log(lo_u), np.log(hi_u)) if log else (lo_u, hi_u)
    best = (1.0, True, -1.0)
    for end, mask in ((1.0, u >= hi_u - 0.2 * (hi_u - lo_u)), (0.0, u <= lo_u + 0.2 * (hi_u - lo_u))):
        near = np.concatenate([c[mask] for c in curves]) if mask.any() else np.array([])
        near = near[np.isfinite(near)]
        for above in (True, False):
            side = near[near >= v] if above else near[near <= v]
            gap = float(np.min(np.abs(side - v))) / span if side.size else 1.0
            if gap > best[2] + 1e-9:
                best = (end, above, gap)
    return best[0], best[1]


def _spread(x: np.ndarray, widths: np.ndarray, span: float, gap: float) -> tuple[np.ndarray, bool]:
    """Centres of labels of ``widths`` placed along ``[0, span]`` as near their anchors ``x`` (sorted) as they
    can be without overlapping (``gap`` between neighbours) or leaving the span: least squares under the order
    constraints (pool-adjacent-violators). The flag is False when they cannot fit side by side."""
    shift = np.concatenate([[0.0], np.cumsum((widths[:-1] + widths[1:]) / 2 + gap)])
    target = x - shift  # the centres minus their least spacing must not decrease
    blocks: list[list[float]] = []  # [mean, count]
    for t in target:
        blocks.append([float(t), 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m1, n1), (m2, n2) = blocks[-2], blocks.pop()
            blocks[-1] = [(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2]
    fit = np.concatenate([np.full(int(n), m) for m, n in blocks])
    lo, hi = widths[0] / 2, span - widths[-1] / 2 - shift[-1]
    return np.clip(fit, lo, max(lo, hi)) + shift, bool(lo <= hi + 1e-9)


def _x_reference_labels(fig: Figure, ax, items: list[tuple[float, str]]) -> None:
    """Write the labels of vertical reference lines above the panel, where no curve can reach them.

    Each label is centred over its line, in one row, moved sideways as little as needed to keep clear of its
    neighbours and inside the panel's width, and joined to the line's top by a thin leader (straight up when it
    was not moved). When the labels are too wide for one row they are written upwards (rotated 90°)."""
    fig.draw_without_rendering()  # the panel's size once laid out; the labels above change only its height
    ax_w = ax.get_position().width * fig.get_figwidth()
    size, lead = 6.5, 6.5 * 1.2 * _PT
    found = []
    for v, lab in items:
        with np.errstate(all="ignore"):
            f = float(ax.transAxes.inverted().transform(ax.transData.transform((v, 0.0)))[0])
        if np.isfinite(f) and -1e-9 <= f <= 1 + 1e-9:  # lines outside the x limits are not drawn
            found.append((f * ax_w, v, _safe(lab)))
    if not found:
        return
    found.sort(key=lambda item: item[0])
    x = np.array([f for f, _, _ in found])
    lines = [lab.split("\n") for _, _, lab in found]
    gap = 3 * _PT
    across = np.array([max(_text_width_in(t, size) for t in ls) for ls in lines])
    centres, fits = _spread(x, across, ax_w, gap)
    rotation = 0
    if not fits:  # written upwards, a label takes only its line height across
        rotation = 90
        centres, _ = _spread(x, np.array([len(ls) * lead for ls in lines]), ax_w, gap)
    moved = np.abs(centres - x) / _PT > 0.25  # points
    rise = 10.0 if moved.any() else 6.0  # points from the panel's top to the labels: room for slanted leaders
    for (f, v, lab), c, m in zip(found, centres, moved, strict=True):
        arm = "arc,angleA=-90,angleB=90,armA=3,armB=2,rad=0" if m else "arc3"  # up, slant across, up
        ax.annotate(lab, (v, 1.0), xycoords=("data", "axes fraction"), xytext=((c - f) / _PT, rise),
                    textcoords="offset points", ha="center", va="bottom", rotation=rotation, fontsize=size,
                    color="0.3", linespacing=1.2, annotation_clip=False, gid="x-reference-label",
                    arrowprops=dict(arrowstyle="-", color="0.8", lw=0.6, shrinkA=0, shrinkB=0, relpos=(0.5, 0.0),
                                    connectionstyle=arm))  # fmt: skip


@_styled
def curve_plot(
    x,
    curves: Mapping[str, Any],
    *,
    xlabel: str,
    ylabel: str,
    reference: float | Sequence[float] | Mapping[str, float] | None = None,
    band: tuple[float, float] | Mapping[str, tuple[Any, Any]] | None = None,
    x_reference: float | Sequence[float] | Mapping[str, float] | None = None,
    markers: bool = True,
    log_x: bool = False,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    title: str | None = None,
    width_mm: float = SINGLE_COLUMN_MM,
    height_mm: float | None = None,
) -> Figure:
    """Lines (with markers) of y against a shared x: power curves, coverage against the number of studies k.

    Parameters
    ----------
    x
        The x values shared by every curve.
    curves
        Mapping name → y values (same length as ``x``; NaN leaves a gap). Each curve gets an Okabe–Ito colour
        and a marker (``SERIES_STYLES``); with two or more curves a legend names them under the plot.
    reference
        Horizontal reference line(s): a value, values, or a mapping label → value whose label is written at the
        right end of the line (e.g. ``{"nominal 95%": 0.95}``, ``{"80% power": 0.8}``).
    band
        A shaded horizontal band ``(low, high)`` (e.g. the Monte Carlo tolerance around a nominal coverage),
        or a mapping curve name → ``(low values, high values)``: a band around that curve in its colour.
    x_reference
        Vertical reference line(s), as ``reference`` (e.g. candidate MCIDs on a power curve). Labels are written
        above the panel, clear of the curves: centred over their lines, moved apart when they are close (a thin
        leader joins each to its line), written upwards when they are too wide for one row.
    markers
        Markers on the curves; with more than 25 points they are spaced out (about eight per curve, staggered
        between curves). False: no markers, and the curves differ by line style as well as colour.
    log_x
        Logarithmic x axis; with at most 12 x values the ticks are those values, written plainly.
    width_mm, height_mm
        Figure size (85 mm single column; height 0.8 × width plus the legend, by default).

    Returns
    -------
    matplotlib.figure.Figure
        gids: ``curve`` (one line per curve, ``get_label()`` its name), ``curve-band``, ``reference-band``,
        ``reference-line``, ``reference-label``, ``x-reference-line``, ``x-reference-label``.
    """
    xs = np.asarray(x, dtype=float).ravel()
    if xs.size == 0 or not np.isfinite(xs).all():
        raise InputError("x must be a non-empty sequence of finite numbers")
    if not isinstance(curves, Mapping) or not curves:
        raise InputError("curves must be a non-empty mapping: name -> y values")
    ys = {}
    for name, y in curves.items():
        arr = np.asarray(y, dtype=float).ravel()
        if arr.size != xs.size:
            raise InputError(f"curve {name!r} has {arr.size} values but x has {xs.size}; give one y per x")
        ys[str(name)] = arr
    if log_x and np.any(xs <= 0):
        raise InputError("log_x=True needs x > 0")
    refs = _references(reference)
    xrefs = _references(x_reference, "x_reference")
    width = _width_in(width_mm)
    height = _width_in(height_mm) if height_mm is not None else 0.8 * width
    n_legend = len(ys) if len(ys) > 1 else 0
    ncol = _legend_ncol(list(ys), width - 2 * _MARGIN) if n_legend else 1
    legend_h = (int(np.ceil(n_legend / ncol)) * 7.0 * 1.75 * _PT + 0.05) if n_legend else 0.0
    fig = _new_figure(width, height + legend_h, layout="constrained")
    ax = fig.add_subplot()
    styles = {name: SERIES_STYLES[j % len(SERIES_STYLES)] for j, name in enumerate(ys)}
    dashes = ["-", (0, (4, 1.5)), (0, (1, 1.2)), (0, (5, 1.5, 1, 1.5))]

    if isinstance(band, Mapping):
        for name, pair in band.items():
            if str(name) not in ys:
                raise InputError(f"band names curve {name!r}, which is not among the curves")
            lo_b, hi_b = (np.asarray(v, dtype=float).ravel() for v in pair)
            if lo_b.size != xs.size or hi_b.size != xs.size:
                raise InputError(f"band of {name!r} needs (low, high) arrays as long as x ({xs.size})")
            ax.fill_between(xs, lo_b, hi_b, color=styles[str(name)][0], alpha=0.18, lw=0, zorder=1,
                            gid="curve-band")  # fmt: skip
    elif band is not None:
        lo_b, hi_b = (float(v) for v in band)
        if not lo_b < hi_b:
            raise InputError(f"band {band!r} must be (low, high) with low < high")
        ax.axhspan(lo_b, hi_b, color="0.9", lw=0, zorder=0, gid="reference-band")

    n = xs.size
    step = int(np.ceil(n / 8)) if markers and n > 25 else 1
    for j, (name, y) in enumerate(ys.items()):
        colour, marker = styles[name]
        every = (int(j * step / len(ys)), step) if step > 1 else None
        ax.plot(xs, y, color=colour, lw=1.2, ls="-" if markers else dashes[j % len(dashes)],
                marker=marker if markers else None, markersize=3.8, markevery=every, zorder=3, gid="curve",
                label=_safe(name))  # fmt: skip

    for v, _ in refs:
        ax.axhline(v, color=_REF_COLOUR, lw=0.7, ls=_REF_STYLE, zorder=2, gid="reference-line")
    for v, _ in xrefs:
        ax.axvline(v, color="0.8", lw=0.6, zorder=0, gid="x-reference-line")

    if log_x:
        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(NullLocator())
        if len(np.unique(xs)) <= 12:
            ax.xaxis.set_major_locator(FixedLocator(np.unique(xs)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    if xlim is not None:
        ax.set_xlim(*(float(v) for v in xlim))
    if ylim is not None:
        lo_y, hi_y = (float(v) for v in ylim)
        if not lo_y < hi_y:
            raise InputError(f"ylim {ylim!r} must be increasing")
        ax.set_ylim(lo_y, hi_y)
    ax.set_xlabel(_safe(xlabel))
    ax.set_ylabel(_safe(ylabel))
    box = dict(boxstyle="square,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85)
    for v, lab in refs:  # at the end of the line where the curves are farther from it, on their far side
        if lab:
            end, above = _label_spot(ax, xs, list(ys.values()), v)
            ax.annotate(_safe(lab), (end, v), xycoords=("axes fraction", "data"),
                        xytext=(3 if end == 0 else -3, 2.5 if above else -2.5), textcoords="offset points",
                        ha="left" if end == 0 else "right", va="bottom" if above else "top", fontsize=6.5,
                        color="0.3", bbox=box, zorder=2.5, gid="reference-label")  # curves stay on top  # fmt: skip
    if title:
        fig.suptitle("\n".join(_wrap(_safe(title), width - 2 * _MARGIN, 8.0, "bold")), x=_MARGIN / width,
                     ha="left", fontsize=8.0, fontweight="bold", gid="figure-title")  # fmt: skip
    if n_legend:
        fig.legend(loc="outside lower center", ncol=ncol, handlelength=2.2, handletextpad=0.5, columnspacing=1.2)
    if any(lab for _, lab in xrefs):  # last: the layout of everything else decides the panel's width
        _x_reference_labels(fig, ax, [(v, lab) for v, lab in xrefs if lab])
    return fig
