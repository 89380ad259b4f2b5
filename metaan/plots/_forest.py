"""Forest plots in the RevMan / R ``meta`` tradition: ``forest`` and ``cumulative_forest``.

Text columns (study, design, n per arm, estimate [CI], weight, risk of bias), squares whose area is proportional
to the weight, the pooled and subgroup diamonds, the prediction interval as a bar and "favours" labels under
the axis; ratio measures on a log axis labelled with back-transformed values. The table layout is in
:mod:`metaan.plots._table`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy import special

from ..errors import InputError, MetaanWarning
from ..models import MetaResult, pool
from ._style import (
    _C,
    _DASH,
    _GREY,
    _PT,
    DESIGN_LABELS,
    DOUBLE_COLUMN_MM,
    _est_ci,
    _favours,
    _fmt_n,
    _fmt_p,
    _fmt_tau2,
    _model_label,
    _nice_limits,
    _num,
    _require_columns,
    _safe,
    _scale,
    _set_x_axis,
    _shorten,
    _styled,
    _user_limits,
)
from ._table import _bar, _ci_with_arrows, _Col, _diamond, _draw_bottom, _Row, _table_figure

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
    overall: bool = True,
    subtotals: bool = True,
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
    overall
        False: no pooled diamond, prediction interval, overall row, pooled line or overall heterogeneity and
        test lines — for displays where pooling all rows is not meaningful (one trial under several outcome
        definitions; within-arm changes next to between-arm effects). The weight column then shows weights
        within each subgroup (subtotals shown) or is left out, and squares have one size (no pooling shown).
        An effects DataFrame is still pooled (quietly) to get the study CIs and subgroup fits.
    subtotals
        With ``groups``: False draws no subgroup diamonds, subtotal rows or test for subgroup differences
        (the group headers stay).
    xlim
        Axis limits on the displayed scale (ratios for log measures). CIs, diamonds and the prediction bar
        are cut at the limits and end in an arrow head where they run beyond them (RevMan style).
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
            pool_labels = table["label"].astype(str).tolist()
        elif "study" in table.columns:
            pool_labels = table["study"].astype(str).tolist()
        else:
            pool_labels = None
        with warnings.catch_warnings():
            if not overall:  # nothing pooled is shown: the model's small-k warnings do not apply
                warnings.simplefilter("ignore", MetaanWarning)
            res = pool(table["yi"], table["vi"], method=method, test=test, level=level, labels=pool_labels)
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
    glabels = _groups_of(groups, table, res) if groups is not None else None
    names_g = list(dict.fromkeys(glabels)) if glabels is not None else []
    sub_results: dict[str, MetaResult] | None = None  # the subgroup fits whose diamonds are drawn
    sub = None
    if glabels is not None and subtotals:
        if len(names_g) >= 2:
            from ..metareg import subgroup

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MetaanWarning)
                sub = subgroup(res.yi, res.vi, glabels, method=res.method, test=res.test, level=res.level,
                               labels=list(res.labels))  # fmt: skip
            sub_results = dict(sub.results)
        elif not overall:  # one group and no overall row: its subtotal is the whole model
            sub_results = {names_g[0]: res}
    # weights shown: of the overall model; without it, within each subgroup; with no pooling at all, none
    if overall:
        weights = np.asarray(res.weights, dtype=float)
    elif sub_results is not None:
        weights = np.full(k, np.nan)
        for g, r in sub_results.items():
            weights[[i for i in range(k) if glabels[i] == g]] = r.weights
    else:
        weights = None
    cols.append(_Col("est", f"{sc.short} [{pct} CI]", "right", "right"))
    if weights is not None:
        cols.append(_Col("weight", "Weight", "right", "right"))
    if robs is not None:
        cols.append(_Col("rob", "RoB", "center", "right"))

    def study_cells(i: int) -> dict[str, str]:
        cells = {"study": names[i], "est": _est_ci(est[i], lo[i], hi[i], digits)}
        if weights is not None:
            cells["weight"] = f"{weights[i]:.1f}%"
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
    sub_rows: list[tuple[float, MetaResult]] = []
    footer: list[str] = []
    y = 0.0
    if glabels is not None:
        for g in names_g:
            idx = [i for i in range(k) if glabels[i] == g]
            rows.append(_Row(y, "group", span=_safe(DESIGN_LABELS.get(g, g)), bold=True))
            y += 1
            for i in idx:
                rows.append(_Row(y, "study", study_cells(i)))
                order.append((i, y))
                y += 1
            if sub_results is not None and len(idx) >= 2:
                r = sub_results[g]
                cells = {"est": _est_ci(sc(r.estimate), sc(r.ci_low), sc(r.ci_high), digits), **n_sums(idx)}
                if weights is not None:
                    cells["weight"] = f"{weights[idx].sum():.1f}%"
                het = f"; I\u00b2 = {r.i2:.0f}%" if np.isfinite(r.i2) else ""
                rows.append(_Row(y, "subtotal", cells, span=f"Subtotal (k = {len(idx)}{het})"))
                sub_rows.append((y, r))
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
    if overall:
        rows.append(_Row(y, "overall", {"est": _est_ci(sc(res.estimate), sc(res.ci_low), sc(res.ci_high), digits),
                                        "weight": "100.0%", **n_sums(list(range(k)))},
                         span=_model_label(res), bold=True))  # fmt: skip
        y += 1
    pi_ok = bool(np.isfinite([res.pi_low, res.pi_high]).all())
    show_pi = bool(overall and prediction and res.method != "FE" and k >= 2 and pi_ok)
    y_pi = y
    if show_pi:
        pi_text = f"[{_num(sc(res.pi_low), digits)}, {_num(sc(res.pi_high), digits)}]"
        rows.append(_Row(y, "pi", {"est": pi_text}, span="Prediction interval"))
    if overall:
        footer = _heterogeneity_lines(res) + footer
    elif sub_rows:
        model = _model_label(res, detail=True)
        footer.insert(0, f"Subtotals: {model[0].lower()}{model[1:]}; weights are shares within each subgroup"
                         " (no overall estimate).")  # fmt: skip
    if secondary.any():
        footer.append("\u2020 Number from a secondary source (press release, conference abstract or review).")
    if robs is not None:
        footer.append("Risk of bias: " + ", ".join(f"{v[1]} {v[3]}" for v in ROB_LEVELS.values()) + ".")

    # layout and axes
    fig, ax, blend, lay = _table_figure(cols, rows, footer, fav, title=title, width_mm=width_mm, panel_share=0.2)

    # x axis
    if xlim is not None:
        xmin, xmax, ticks = _user_limits(xlim, sc)
    else:
        vals = [lo, hi] + [[sc(r.ci_low), sc(r.ci_high)] for _, r in sub_rows]
        if overall:
            vals.append([sc(res.ci_low), sc(res.ci_high)])
        if show_pi:
            vals.append([sc(res.pi_low), sc(res.pi_high)])
        xmin, xmax, ticks = _nice_limits(np.concatenate([np.ravel(v) for v in vals]), sc)
    _set_x_axis(ax, sc, xmin, xmax, ticks)

    # reference lines
    y_last = max(r.y for r in rows if r.kind != "pi")
    if xmin < sc.null < xmax:
        ax.plot([sc.null] * 2, [lay.y_top, y_last + 0.5], color="black", lw=0.6, gid="null-line", zorder=1)
    if overall and k >= 2:
        ax.plot([sc(res.estimate)] * 2, [lay.y_top, y_overall - 0.4], color=_GREY, lw=0.6, ls=(0, (3, 2)),
                gid="pooled-line", zorder=1)  # fmt: skip

    # studies: CI line, square with area proportional to the weight
    max_side = 0.72 * lay.row_h / _PT
    wmax = float(np.nanmax(weights)) if weights is not None else 1.0
    for i, yy in order:
        _ci_with_arrows(ax, lo[i], hi[i], yy, xmin, xmax, gid="study-ci")
        # area proportional to the weight; with no pooling shown, one small size that leaves short CIs visible
        side = max(2.6, max_side * np.sqrt(weights[i] / wmax)) if weights is not None else 4.0
        ax.plot([est[i]], [yy], marker="s", markersize=side, color=_C["blue"], markeredgewidth=0, ls="none",
                gid="study-square", zorder=3)  # fmt: skip

    # diamonds and the prediction bar, cut at the axis limits with an arrow head
    for yy, r in sub_rows:
        _diamond(ax, yy, sc(r.estimate), sc(r.ci_low), sc(r.ci_high), xmin, xmax, log=sc.log,
                 gid="subtotal-diamond", face="white")  # fmt: skip
    if overall:
        _diamond(ax, y_overall, sc(res.estimate), sc(res.ci_low), sc(res.ci_high), xmin, xmax, log=sc.log,
                 gid="pooled-diamond", face="black")  # fmt: skip
    if show_pi:
        _bar(ax, y_pi, sc(res.pi_low), sc(res.pi_high), xmin, xmax, gid="prediction-interval",
             color=_C["vermillion"])  # fmt: skip

    # risk-of-bias circles
    if robs is not None:
        rc = next(c for c in cols if c.key == "rob")
        for i, yy in order:
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
        from .. import diagnostics

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
    fig, ax, _, lay = _table_figure(cols, rows, footer, fav, title=title, width_mm=width_mm, panel_share=0.25)
    if xlim is not None:
        xmin, xmax, ticks = _user_limits(xlim, sc)
    else:
        xmin, xmax, ticks = _nice_limits(np.concatenate([lo, hi]), sc)
    _set_x_axis(ax, sc, xmin, xmax, ticks)
    if xmin < sc.null < xmax:
        ax.plot([sc.null] * 2, [lay.y_top, lay.y_bottom], color="black", lw=0.6, gid="null-line", zorder=1)
    for j in range(len(df)):
        _ci_with_arrows(ax, lo[j], hi[j], j, xmin, xmax, gid="cumulative-ci")
        ax.plot([est[j]], [j], marker="s", markersize=5.0, color=_C["blue"], markeredgewidth=0, ls="none",
                gid="cumulative-point", zorder=3)  # fmt: skip
    _draw_bottom(fig, ax, lay, sc, fav, xlabel or sc.name, footer)
    return fig
