"""The trial sequential analysis plot: cumulative z-curve, monitoring boundaries, futility wedge and RIS."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy import special

from ..errors import InputError
from ._style import _C, _GREY, SINGLE_COLUMN_MM, _new_figure, _safe, _styled, _width_in

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
