"""The RevMan-style layout shared by ``forest`` and ``cumulative_forest``: text columns around a plot panel.

Column widths come from the text they hold (measured with the font's own metrics), so a figure of a given width
fits its table or widens with a warning; the favours labels, axis label and footnotes sit under the panel.
The interval marks of such panels are here too: CI lines, diamonds and bars cut at the axis limits with an
arrow head at the cut end (RevMan style), so nothing is drawn over the text columns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib import transforms
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Polygon, Rectangle
from matplotlib.path import Path

from ..errors import MetaanWarning
from ._style import _MM, _PT, _new_figure, _safe, _Scale, _text_width_in, _width_in


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
                      stacklevel=5)  # fmt: skip
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
    footnotes = 6.0 + n_footer * 7.0 * 1.45 if n_footer else 0.0
    return (tick_block + (12.0 if fav else 2.0) + 8.0 * 1.3 + footnotes + 4.0) * _PT


def _table_figure(
    cols: list[_Col],
    rows: list[_Row],
    footer: list[str],
    fav: tuple[str, str] | None,
    *,
    title: str | None,
    width_mm: float,
    panel_share: float,
) -> tuple[Figure, Any, Any, _Layout]:
    """Lay the table out (the panel gets at least 35 mm or ``panel_share`` of the width), make the figure and
    draw the header and cells; returns (figure, panel axes, blended transform, layout)."""
    size = float(mpl.rcParams["font.size"])
    width = _width_in(width_mm)
    lay = _layout_table(cols, rows, width=width, bottom=_bottom_height(len(footer), fav is not None),
                        title=title, size=size, min_panel=max(35 * _MM, panel_share * width))  # fmt: skip
    fig, ax, blend = _table_axes(lay, title)
    _draw_cells(fig, cols, rows, blend, lay, size)
    return fig, ax, blend, lay


# ----------------------------------------------------------------------------------------------------------
# interval marks cut at the axis limits, with an arrow head where they run beyond them
# ----------------------------------------------------------------------------------------------------------

# arrow heads as marker paths, normalised by matplotlib so that the largest |coordinate| is half the marker size:
# with markersize 7 the head is 3.5 pt long and 3.9 pt high. "tip": the tip sits on the point (inside the panel);
# "base": the base sits on the point and the head points out of the panel.
_HEAD = {
    ("right", "tip"): Path([(0, 0), (-1, 0.55), (-1, -0.55), (0, 0)], closed=True),
    ("left", "tip"): Path([(0, 0), (1, 0.55), (1, -0.55), (0, 0)], closed=True),
    ("right", "base"): Path([(1, 0), (0, 0.55), (0, -0.55), (1, 0)], closed=True),
    ("left", "base"): Path([(-1, 0), (0, 0.55), (0, -0.55), (-1, 0)], closed=True),
}


def _arrow_head(ax, x: float, y: float, side: str, *, gid: str, color: str = "black", anchor: str = "tip",
                size: float = 7.0, zorder: float = 3) -> None:  # fmt: skip
    """An arrow head at (x, y) pointing ``side`` ("left" or "right")."""
    ax.plot([x], [y], marker=MarkerStyle(_HEAD[(side, anchor)]), markersize=size, color=color,
            markeredgewidth=0, ls="none", clip_on=False, gid=gid, zorder=zorder)  # fmt: skip


def _ci_with_arrows(ax, a: float, b: float, y: float, xmin: float, xmax: float, *, gid: str,
                    arrow_gid: str = "ci-arrow", color: str = "black", lw: float = 0.8,
                    arrow_zorder: float = 3, **line) -> None:  # fmt: skip
    """A CI line from ``a`` to ``b`` cut at the axis limits; an arrow head ends it where it runs beyond them."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return
    left, right = max(a, xmin), min(b, xmax)
    if left < right:
        ax.plot([left, right], [y, y], color=color, lw=lw, gid=gid, zorder=2, solid_capstyle="butt", **line)
    if a < xmin and b > xmin:
        _arrow_head(ax, xmin, y, "left", gid=arrow_gid, color=color, zorder=arrow_zorder)
    if b > xmax and a < xmax:
        _arrow_head(ax, xmax, y, "right", gid=arrow_gid, color=color, zorder=arrow_zorder)
    if b <= xmin or a >= xmax:  # wholly outside: only an arrow at the side where it lies
        side, x = ("left", xmin) if b <= xmin else ("right", xmax)
        _arrow_head(ax, x, y, side, gid=arrow_gid, color=color, zorder=arrow_zorder)


def _clip_x(points: list[tuple[float, float]], umin: float, umax: float) -> list[tuple[float, float]]:
    """Sutherland–Hodgman clipping of a polygon (x, y) to umin <= x <= umax (vertex order kept)."""

    def cut(poly, inside, at):
        out = []
        for i in range(len(poly)):
            p, q = poly[i - 1], poly[i]
            if inside(q) != inside(p):
                t = (at - p[0]) / (q[0] - p[0])
                out.append((at, p[1] + t * (q[1] - p[1])))
            if inside(q):
                out.append(q)
        return out

    poly = cut(points, lambda p: p[0] >= umin, umin) if points else []
    return cut(poly, lambda p: p[0] <= umax, umax) if poly else []


def _diamond(ax, y: float, est: float, lo: float, hi: float, xmin: float, xmax: float, *, log: bool, gid: str,
             face: str, half_height: float = 0.34) -> None:  # fmt: skip
    """A pooled-estimate diamond (values on the displayed scale), cut at the axis limits; where it runs beyond
    them an arrow head (``diamond-arrow``) points on from the cut edge."""
    f, finv = (np.log, np.exp) if log else ((lambda v: v), (lambda v: v))
    pts = [(f(lo), y), (f(est), y - half_height), (f(hi), y), (f(est), y + half_height)]
    clipped = _clip_x(pts, f(xmin), f(xmax))
    if clipped:
        xy = np.array([(finv(u), v) for u, v in clipped])
        ax.add_patch(Polygon(xy, closed=True, facecolor=face, edgecolor="black", lw=0.6, gid=gid, zorder=4))
    if lo < xmin:
        _arrow_head(ax, xmin, y, "left", gid="diamond-arrow", anchor="base", size=9.0, zorder=4)
    if hi > xmax:
        _arrow_head(ax, xmax, y, "right", gid="diamond-arrow", anchor="base", size=9.0, zorder=4)


def _bar(ax, y: float, lo: float, hi: float, xmin: float, xmax: float, *, gid: str, color: str,
         half_height: float = 0.13) -> None:  # fmt: skip
    """A prediction-interval bar cut at the axis limits, with an arrow head (``pi-arrow``) where it is cut."""
    a, b = max(lo, xmin), min(hi, xmax)
    if a < b:
        ax.add_patch(Rectangle((a, y - half_height), b - a, 2 * half_height, facecolor=color, edgecolor="none",
                               gid=gid, zorder=3))  # fmt: skip
    if lo < xmin:
        _arrow_head(ax, xmin, y, "left", gid="pi-arrow", color=color, anchor="base", size=9.0)
    if hi > xmax:
        _arrow_head(ax, xmax, y, "right", gid="pi-arrow", color=color, anchor="base", size=9.0)
