"""The compendium at a glance: the evidence map of every study and the claims chart of the verdicts."""

from __future__ import annotations

import re
from collections.abc import Mapping

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from ..data import VERDICTS
from ..errors import InputError
from ._style import (
    _C,
    _GREY,
    DESIGN_LABELS,
    DESIGN_ORDER,
    DOUBLE_COLUMN_MM,
    SINGLE_COLUMN_MM,
    _new_figure,
    _require_columns,
    _safe,
    _styled,
    _width_in,
)

#: the claim verdicts in display order (``metaan.data.VERDICTS``, the claims schema) and their colours
VERDICT_COLOURS = {
    "supported": _C["bluish_green"],
    "overstated": _C["yellow"],
    "misquoted": _C["orange"],
    "unsupported": _C["vermillion"],
    "contradicted": _C["black"],
    "unverifiable": "#BBBBBB",
}


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
    height = 0.42 * len(designs) + 1.15
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
