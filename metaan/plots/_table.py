"""The RevMan-style layout shared by ``forest`` and ``cumulative_forest``: text columns around a plot panel.

Column widths come from the text they hold (measured with the font's own metrics), so a figure of a given width
fits its table or widens with a warning; the favours labels, axis label and footnotes sit under the panel.
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
    return (tick_block + (12.0 if fav else 2.0) + 8.0 * 1.3 + 6.0 + n_footer * 7.0 * 1.45 + 4.0) * _PT


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
