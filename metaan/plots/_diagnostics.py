"""Figures of a fitted model's studies: the contour-enhanced funnel, the drapery plot and the GOSH plot."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter
from scipy import special

from ..errors import InputError
from ..models import MetaResult
from ._style import (
    _C,
    _GREY,
    SINGLE_COLUMN_MM,
    _model_label,
    _new_figure,
    _nice_limits,
    _p_label,
    _require_columns,
    _safe,
    _scale,
    _set_x_axis,
    _styled,
    _user_limits,
    _width_in,
)

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
    other = [
        Line2D([], [], color="black", lw=0.9, label="Pooled estimate"),
        Line2D([], [], color="black", lw=0.6, ls=(0, (3, 2)), label=f"{100 * res.level:g}% pseudo-CI"),
    ]
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
        xmin, xmax, ticks = _user_limits(xlim, sc)
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
