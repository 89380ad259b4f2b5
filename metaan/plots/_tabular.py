"""A small DataFrame as a publication table figure (booktabs style: three rules, no grid, no zebra stripes)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..errors import InputError, MetaanWarning
from ._style import (
    _DASH,
    _MM,
    _PT,
    DOUBLE_COLUMN_MM,
    _new_figure,
    _num,
    _safe,
    _styled,
    _text_width_in,
    _width_in,
    _wrap,
)

_MARGIN = 0.06  # inches
_PAD = 0.1  # inches between columns
# a cell that reads as a number: an optional comparison sign, a number, then only digits, signs, brackets, % and
# separators (no words): "12", "−0.52 [−1.20, 0.31]", "< 0.001", "45%", "1,434"
_NUMBER = re.compile(r"^[<>\u2264\u2265~\u2248]?\s*[\u2212+\-]?\d[\d\s.,%\u2212+\-\u2013\[\]()/:]*$")


def _cell_text(v: Any, digits: int) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return _DASH
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v)).replace("-", "\u2212")
    if isinstance(v, float | np.floating):
        return _num(float(v), digits)
    return _safe(v)


def _natural(lines: Sequence[str], size: float, weight: str) -> float:
    return max((_text_width_in(t, size, weight) for t in lines), default=0.0)


def _lines(text: str, width: float, size: float, weight: str) -> int:
    return len(_wrap(text, width + 1e-6, size, weight))


def _one_line_fewer(text: str, width: float, size: float, weight: str) -> float | None:
    """The narrowest width at which ``text`` wraps to one line fewer than at ``width`` (None: it cannot)."""
    n = _lines(text, width, size, weight)
    hi = _natural(text.split("\n"), size, weight)
    if n <= 1 or _lines(text, hi, size, weight) >= n:
        return None
    lo = width
    for _ in range(14):
        mid = (lo + hi) / 2
        if _lines(text, mid, size, weight) < n:
            hi = mid
        else:
            lo = mid
    return hi


def _fit_widths(grid: list[list[tuple[str, str]]], minimum: np.ndarray, available: float,
                size: float) -> np.ndarray:  # fmt: skip
    """Column widths that make the wrapped table short: start every column at its longest word, then keep
    widening the column whose widening saves the most lines per inch (rows count by their tallest cell), until
    no width is left or nothing wraps; the rest is shared out evenly."""
    ncol = minimum.size
    widths = minimum.astype(float).copy()
    if widths.sum() >= available:
        return widths * available / widths.sum()

    def counts(j: int, w: float) -> np.ndarray:
        return np.array([_lines(row[j][0], w, size, row[j][1]) for row in grid])

    lines = np.column_stack([counts(j, widths[j]) for j in range(ncol)])

    def steps(j: int) -> float | None:
        found = [s for row in grid if (s := _one_line_fewer(row[j][0], widths[j], size, row[j][1])) is not None]
        return min(found) if found else None

    step = [steps(j) for j in range(ncol)]
    while (free := available - widths.sum()) > 1e-6:
        height = lines.max(axis=1).sum() + 0.01 * lines.sum()  # the small term breaks ties between moves
        best, best_ratio = None, 0.0
        for j in range(ncol):
            if step[j] is None or step[j] - widths[j] > free:
                continue
            trial = lines.copy()
            trial[:, j] = counts(j, step[j])
            gain = height - (trial.max(axis=1).sum() + 0.01 * trial.sum())
            ratio = gain / max(step[j] - widths[j], 1e-6)
            if gain > 0 and ratio > best_ratio:
                best, best_ratio, best_lines = j, ratio, trial
        if best is None:
            break
        widths[best] = step[best]
        lines = best_lines
        step[best] = steps(best)
    return widths + (available - widths.sum()) / ncol


@_styled
def table_figure(
    df: pd.DataFrame,
    *,
    title: str | None = None,
    note: str | None = None,
    col_widths: Sequence[float] | None = None,
    width_mm: float = DOUBLE_COLUMN_MM,
    wrap: bool = True,
    index: bool | None = None,
    align: Sequence[str] | Mapping[Any, str] | None = None,
    digits: int = 2,
    font_size: float = 7.0,
) -> Figure:
    """Render a small DataFrame as a publication table: a bold header between rules, no grid or stripes.

    Parameters
    ----------
    df
        The table. Cells are shown as given: strings literally, integers as integers, floats with ``digits``
        decimals and a typographic minus, missing values as a dash. Newlines in a cell are kept.
    title, note
        A bold title above the table and a footnote under it (both wrapped to the width).
    col_widths
        Relative widths of the columns (the index column first when it is shown), scaled to the table width.
        Default: each column's natural width (the spare room shared out); when they do not fit, widths that
        keep the wrapped table short (each column at least as wide as its longest word).
    width_mm
        Figure width (175 mm double column by default).
    wrap
        Wrap text to the column widths (at spaces, by the font's metrics). False: one line per cell (and
        its newlines); if the table is then too wide the figure widens, with a MetaanWarning.
    index
        Show the index as the first column (its name as the header); default: when it is not a plain
        0, 1, 2, ... range.
    align
        "left", "right" or "center" per column (a sequence, index column first when shown, or a mapping
        column → alignment). Default: right for columns whose every cell reads as a number ("12", "−0.52
        [−1.20, 0.31]", "< 0.001", "45%"), left otherwise; the header follows its column.
    digits
        Decimals of float cells.

    Returns
    -------
    matplotlib.figure.Figure
        One axes spanning the figure, axis off (``fig.axes[0]``), holds the table's artists. gids:
        ``table-header`` (one per column), ``table-cell`` (one per body cell, row by row;
        ``get_label()`` is "row,column"), ``table-rule`` (top, header and bottom rules), ``figure-title``,
        ``table-note``.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"table_figure() takes a pandas DataFrame, not {type(df).__name__}")
    if df.shape[1] == 0:
        raise InputError("the DataFrame has no columns")
    if index is None:
        index = not (isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1)
    heads = ([_safe(df.index.name or "")] if index else []) + [_safe(c) for c in df.columns]
    body = [([_cell_text(i, digits)] if index else []) + [_cell_text(v, digits) for v in row]
            for i, row in zip(df.index, df.itertuples(index=False, name=None), strict=True)]  # fmt: skip
    ncol = len(heads)

    # alignment
    if align is None:
        aligns = []
        for j in range(ncol):
            cells = [r[j] for r in body if r[j] not in (_DASH, "")]
            numeric = bool(cells) and all(_NUMBER.match(c) for c in cells) and not (index and j == 0)
            aligns.append("right" if numeric else "left")
    elif isinstance(align, Mapping):
        keys = ([df.index.name] if index else []) + list(df.columns)
        unknown = [k for k in align if k not in keys]
        if unknown:
            raise InputError(f"align names unknown column(s) {', '.join(map(repr, unknown))}")
        aligns = [str(align.get(k, "left")) for k in keys]
    else:
        aligns = [str(a) for a in align]
        if len(aligns) != ncol:
            raise InputError(f"align has {len(aligns)} entries but the table has {ncol} columns (index included)")
    bad = [a for a in aligns if a not in ("left", "right", "center")]
    if bad:
        raise InputError(f"alignment {bad[0]!r} is unknown; use 'left', 'right' or 'center'")

    # widths (inches)
    size = float(font_size)
    width = _width_in(width_mm)
    available = width - 2 * _MARGIN - _PAD * (ncol - 1)
    lines_b = [[c.split("\n") for c in r] for r in body]
    natural = np.array([max(_natural(heads[j].split("\n"), size, "bold"),
                            max((_natural(r[j], size, "normal") for r in lines_b), default=0.0))
                        for j in range(ncol)])  # fmt: skip
    if col_widths is not None:
        rel = np.asarray(col_widths, dtype=float)
        if rel.size != ncol or np.any(~np.isfinite(rel)) or np.any(rel <= 0):
            raise InputError(f"col_widths needs {ncol} positive numbers (index column first when shown)")
        widths = available * rel / rel.sum()
    elif wrap and natural.sum() > available:
        words = np.array([max([_text_width_in(w, size, "bold") for w in heads[j].split()]
                              + [_text_width_in(w, size) for r in body for w in r[j].split()] + [0.0])
                          for j in range(ncol)])  # fmt: skip
        grid = [[(h, "bold") for h in heads]] + [[(c, "normal") for c in r] for r in body]
        widths = _fit_widths(grid, np.minimum(words, natural), available, size)
    elif wrap:
        widths = natural + (available - natural.sum()) / ncol
    else:
        widths = natural + max(0.0, available - natural.sum()) / ncol
    if not wrap and natural.sum() > available + 1e-9:
        warnings.warn(f"the table needs {(natural.sum() + width - available) / _MM:.0f} mm; the figure is wider"
                      f" than the {width / _MM:.0f} mm asked for (wrap=True, col_widths or fewer columns)",
                      MetaanWarning, stacklevel=3)  # fmt: skip
        widths = natural
        width = natural.sum() + 2 * _MARGIN + _PAD * (ncol - 1)
    if wrap:
        heads_l = [_wrap(h, widths[j] + 1e-6, size, "bold") for j, h in enumerate(heads)]
        body_l = [[_wrap(c, widths[j] + 1e-6, size) for j, c in enumerate(r)] for r in body]
    else:
        heads_l = [h.split("\n") for h in heads]
        body_l = lines_b
    xs = _MARGIN + np.concatenate([[0.0], np.cumsum(widths + _PAD)[:-1]])

    # heights (inches from the top)
    line_h = size * 1.22 * _PT
    pad = 0.4 * size * _PT
    title_l = _wrap(title, width - 2 * _MARGIN, 8.0, "bold") if title else []
    note_l = _wrap(note, width - 2 * _MARGIN, 6.5) if note else []
    y = _MARGIN + (len(title_l) * 8.0 * 1.3 * _PT + 3 * _PT if title_l else 0.0)
    y_top_rule = y
    head_h = max(len(h) for h in heads_l) * line_h + 2 * pad
    y_mid_rule = y_top_rule + head_h
    row_tops, y = [], y_mid_rule
    for r in body_l:
        row_tops.append(y)
        y += max(len(c) for c in r) * line_h + 2 * pad
    y_bottom_rule = y
    height = y_bottom_rule + (len(note_l) * 6.5 * 1.3 * _PT + 3 * _PT if note_l else 0.0) + _MARGIN

    fig = _new_figure(width, height)
    # one invisible axes spanning the figure holds the table: a figure without axes shows in Jupyter only as
    # "<Figure ... with 0 Axes>" (IPython draws no image for it); with the axis off nothing else is drawn
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    at = ax.transAxes  # figure fraction, as the axes spans the figure; no clipping: the output is as without axes

    def fy(inches_from_top: float) -> float:
        return 1 - inches_from_top / height

    def anchor(j: int) -> tuple[float, str]:
        a = aligns[j]
        x = xs[j] + {"left": 0.0, "right": widths[j], "center": widths[j] / 2}[a]
        return x / width, a

    for yy, lw in ((y_top_rule, 0.8), (y_mid_rule, 0.5), (y_bottom_rule, 0.8)):
        ax.add_artist(Line2D([_MARGIN / width, 1 - _MARGIN / width], [fy(yy)] * 2, color="black", lw=lw,
                             solid_capstyle="butt", transform=at, clip_on=False, gid="table-rule"))  # fmt: skip
    for j, lines in enumerate(heads_l):  # headers sit on the rule under them
        x, a = anchor(j)
        ax.text(x, fy(y_mid_rule - pad), "\n".join(lines), ha=a, va="bottom", fontsize=size, fontweight="bold",
                linespacing=1.22, multialignment=a, transform=at, clip_on=False, gid="table-header")  # fmt: skip
    for i, (top, r) in enumerate(zip(row_tops, body_l, strict=True)):  # body cells hang from the row's top
        for j, lines in enumerate(r):
            x, a = anchor(j)
            ax.text(x, fy(top + pad), "\n".join(lines), ha=a, va="top", fontsize=size, linespacing=1.22,
                    multialignment=a, transform=at, clip_on=False, gid="table-cell", label=f"{i},{j}")  # fmt: skip
    if title_l:
        ax.text(_MARGIN / width, fy(_MARGIN), "\n".join(title_l), ha="left", va="top", fontsize=8.0,
                fontweight="bold", linespacing=1.3, transform=at, clip_on=False, gid="figure-title")  # fmt: skip
    if note_l:
        ax.text(_MARGIN / width, fy(y_bottom_rule + 3 * _PT), "\n".join(note_l), ha="left", va="top",
                fontsize=6.5, color="0.3", linespacing=1.3, transform=at, clip_on=False, gid="table-note")  # fmt: skip
    return fig
