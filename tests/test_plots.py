"""Tests for metaan.plots: figure elements (rows, labels, diamond, PI, axes, text columns), never pixels.

Expected numbers are computed by hand in the tests (z_0.975 = 1.959963984540054; inverse-variance weights;
DerSimonian-Laird tau² from its formula), not read back from the plotting code.
"""

import os
import subprocess
import sys
import warnings
from itertools import combinations, pairwise
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from metaan import plots  # noqa: E402
from metaan.errors import InputError, MetaanWarning  # noqa: E402
from metaan.models import pool  # noqa: E402

Z975 = 1.959963984540054  # standard normal 97.5% quantile
MINUS = "\u2212"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def quiet_pool(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        return pool(*args, **kwargs)


def by_gid(fig, gid):
    return [a for a in fig.findobj(lambda a: a.get_gid() == gid)]


def texts(fig, gid):
    return [t.get_text() for t in by_gid(fig, gid)]


def main_axes(fig):
    return next(a for a in fig.axes if a.get_xlabel())


@pytest.fixture
def effects():
    """Seven studies; the first has yi = 0.5 and a 95% CI of exactly [0.2, 0.8]."""
    return pd.DataFrame({
        "study": ["Oh2018", "Oh2018", "Cudkowicz2022", "Berry2019", "Nefussy2010", "Kim2009", "Sharma2015"],
        "label": ["Oh2018 (4 mo)", "Oh2018 (6 mo)", "Cudkowicz2022", "Berry2019", "Nefussy2010", "Kim2009",
                  "Sharma2015"],
        "yi": [0.5, 2.1, 1.1, 2.5, -0.4, 4.0, 6.5],
        "vi": [(0.3 / Z975) ** 2, 1.9, 0.6, 4.0, 2.5, 3.5, 9.0],
        "design": ["rct", "rct", "rct", "rct", "rct", "nonrandomised_controlled", "nonrandomised_controlled"],
        "n_t": [32, 31, 95, 36, 20, 20, 37],
        "n_c": [27, 25, 94, 12, 20, 17, 20],
        "risk_of_bias": ["high", "high", "some_concerns", "some_concerns", "low", "critical", "critical"],
        "evidence": ["primary", "primary", "primary", "secondary", "primary", "primary", "primary"],
        "measure": "MD",
    })  # fmt: skip


@pytest.fixture
def res(effects):
    return quiet_pool(effects["yi"], effects["vi"], labels=effects["label"])


# --------------------------------------------------------------------------------------------------------
# forest
# --------------------------------------------------------------------------------------------------------


def test_forest_one_row_square_and_ci_per_study(res, effects):
    fig = plots.forest(res, effects)
    assert len(by_gid(fig, "study-square")) == 7
    assert len(by_gid(fig, "study-ci")) == 7
    expected = ["Oh2018 (4 mo)", "Oh2018 (6 mo)", "Cudkowicz2022", "Berry2019 \u2020", "Nefussy2010",
                "Kim2009", "Sharma2015"]  # fmt: skip
    assert texts(fig, "forest-cell-study") == expected
    assert any("secondary source" in t for t in texts(fig, "forest-footer"))


def test_forest_estimate_text_is_rounded_estimate_and_ci(res, effects):
    fig = plots.forest(res, effects)
    cells = texts(fig, "forest-cell-est")
    assert cells[0] == "0.50 [0.20, 0.80]"  # 0.5 ± 1.96 · 0.3/1.96
    # Nefussy2010: −0.4 ± 1.959964·√2.5 = [−3.499, 2.699]
    assert cells[4] == f"{MINUS}0.40 [{MINUS}3.50, 2.70]"
    square = by_gid(fig, "study-square")[0]
    assert square.get_xdata()[0] == pytest.approx(0.5)
    ci = by_gid(fig, "study-ci")[0]
    assert ci.get_xdata() == pytest.approx([0.2, 0.8])


def test_forest_text_columns_design_and_n(res, effects):
    fig = plots.forest(res, effects)
    assert texts(fig, "forest-cell-design") == ["RCT"] * 5 + ["Non-rand."] * 2
    n_t = texts(fig, "forest-cell-n_t")
    n_c = texts(fig, "forest-cell-n_c")
    assert n_t[:7] == ["32", "31", "95", "36", "20", "20", "37"]
    assert n_c[:7] == ["27", "25", "94", "12", "20", "17", "20"]
    assert n_t[7] == "271" and n_c[7] == "215"  # totals on the overall row: 32+31+95+36+20+20+37, 27+...+20
    headers = [texts(fig, f"forest-header-{key}") for key in ("study", "est", "weight")]
    assert headers == [["Study"], ["MD [95% CI]"], ["Weight"]]


def test_forest_fixed_effect_weights_diamond_and_no_prediction_interval():
    # inverse-variance weights 1, 1/2, 1/4 -> 57.1%, 28.6%, 14.3%; FE mean (0 + 1 + 0.5)/1.75 = 6/7
    res = quiet_pool([0.0, 2.0, 2.0], [1.0, 2.0, 4.0], method="FE", labels=["A", "B", "C"])
    fig = plots.forest(res)
    assert texts(fig, "forest-cell-weight") == ["57.1%", "28.6%", "14.3%", "100.0%"]
    diamond = by_gid(fig, "pooled-diamond")
    assert len(diamond) == 1
    est, se = 6 / 7, np.sqrt(1 / 1.75)
    xs = diamond[0].get_xy()[:4, 0]
    assert xs == pytest.approx([est - Z975 * se, est, est + Z975 * se, est])
    assert by_gid(fig, "prediction-interval") == []
    assert texts(fig, "forest-overall-label") == ["Fixed-effect model"]
    sizes = [sq.get_markersize() for sq in by_gid(fig, "study-square")]  # area proportional to weight
    assert sizes[1] / sizes[0] == pytest.approx(np.sqrt(0.5))
    assert sizes[2] / sizes[0] == pytest.approx(0.5)


def test_forest_prediction_interval_bar_dersimonian_laird_by_hand():
    # yi = (0, 0, 3), vi = 1: Q = 6, C = 3 - 1 = 2, tau² = (6 - 2)/2 = 2; mu = 1, se = sqrt(3/3) = 1;
    # PI = 1 ± 1.959964·sqrt(1 + 2) = [-2.3948, 4.3948]
    res = quiet_pool([0.0, 0.0, 3.0], [1.0, 1.0, 1.0], method="DL")
    fig = plots.forest(res)
    bar = by_gid(fig, "prediction-interval")
    assert len(bar) == 1
    lo, hi = 1 - Z975 * np.sqrt(3), 1 + Z975 * np.sqrt(3)
    assert bar[0].get_x() == pytest.approx(lo)
    assert bar[0].get_x() + bar[0].get_width() == pytest.approx(hi)
    est_texts = texts(fig, "forest-cell-est")
    assert est_texts[-2] == f"1.00 [{MINUS}0.96, 2.96]"
    assert est_texts[-1] == f"[{MINUS}2.39, 4.39]"
    assert texts(fig, "forest-pi-label") == ["Prediction interval"]
    footer = texts(fig, "forest-footer")
    assert footer[0] == "Heterogeneity: \u03c4\u00b2 = 2 (DL); I\u00b2 = 67%; Q = 6.00, df = 2, p = 0.050"


def test_forest_axis_label_and_favours_texts(res, effects):
    fig = plots.forest(res, effects)
    ax = main_axes(fig)
    assert ax.get_xlabel() == "Mean difference"
    assert ax.get_xscale() == "linear"
    assert texts(fig, "favours-left") == ["\u2190 Favours control"]
    assert texts(fig, "favours-right") == ["Favours cells \u2192"]
    fig = plots.forest(res, effects, xlabel="ALSFRS-R points", favours=("Sham", "Cells"))
    assert main_axes(fig).get_xlabel() == "ALSFRS-R points"
    assert texts(fig, "favours-left") == ["\u2190 Sham"]
    fig = plots.forest(res, effects, favours=False)
    assert by_gid(fig, "favours-left") == []


def test_forest_hazard_ratio_on_log_axis_with_back_transformed_text():
    hr = pd.DataFrame({"study": ["A", "B", "C"], "yi": np.log([0.5, 0.8, 1.2]),
                       "vi": [(np.log(2) / Z975) ** 2, 0.04, 0.09], "measure": "logHR"})  # fmt: skip
    res = quiet_pool(hr["yi"], hr["vi"], labels=hr["study"])
    fig = plots.forest(res, hr)
    ax = main_axes(fig)
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Hazard ratio"
    assert texts(fig, "forest-cell-est")[0] == "0.50 [0.25, 1.00]"  # exp(log 0.5 ± log 2)
    assert by_gid(fig, "study-square")[0].get_xdata()[0] == pytest.approx(0.5)
    assert texts(fig, "forest-header-est") == ["HR [95% CI]"]
    # lower HR favours cells: the labels swap sides
    assert texts(fig, "favours-left") == ["\u2190 Favours cells"]
    null = by_gid(fig, "null-line")[0]
    assert null.get_xdata()[0] == 1.0
    assert all(t.get_text() in {"0.2", "0.5", "1", "2", "5"} for t in ax.get_xticklabels())
    # transform="exp" without a measure also gives a log axis; "identity" keeps log HR linear
    assert main_axes(plots.forest(res, transform="exp")).get_xscale() == "log"
    assert main_axes(plots.forest(res, hr, transform="identity")).get_xlabel() == "Log hazard ratio"


def test_forest_accepts_an_effects_dataframe_alone():
    df = pd.DataFrame({"study": ["A", "B"], "yi": [0.0, 2.0], "vi": [1.0, 1.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        fig = plots.forest(df, method="FE")
    xs = by_gid(fig, "pooled-diamond")[0].get_xy()[:4, 0]
    se = np.sqrt(0.5)  # FE: mean 1, se = 1/sqrt(2)
    assert xs == pytest.approx([1 - Z975 * se, 1, 1 + Z975 * se, 1])
    assert texts(fig, "forest-cell-study") == ["A", "B"]


def test_forest_subgroups_have_headers_subtotals_and_difference_test(res, effects):
    fig = plots.forest(res, effects, groups="design")
    assert texts(fig, "forest-group-label") == ["RCT", "Non-randomised controlled"]
    assert len(by_gid(fig, "subtotal-diamond")) == 2
    assert len(by_gid(fig, "pooled-diamond")) == 1
    assert len(by_gid(fig, "study-square")) == 7
    assert any(t.startswith("Test for subgroup differences: Q = ") for t in texts(fig, "forest-footer"))
    # subtotal weights are the sums of the overall weights of the members
    w = 1 / (effects["vi"].to_numpy() + res.tau2)
    w = 100 * w / w.sum()
    weights = texts(fig, "forest-cell-weight")
    assert f"{w[:5].sum():.1f}%" in weights and f"{w[5:].sum():.1f}%" in weights


def test_forest_subtotal_diamond_by_hand():
    df = pd.DataFrame({"study": ["A", "B", "C", "D"], "yi": [0.0, 1.0, 3.0, 5.0], "vi": [1.0, 1.0, 1.0, 1.0],
                       "arm": ["x", "x", "y", "y"]})  # fmt: skip
    res = quiet_pool(df["yi"], df["vi"], method="FE", labels=df["study"])
    fig = plots.forest(res, df, groups="arm")
    first = by_gid(fig, "subtotal-diamond")[0].get_xy()[:4, 0]
    se = np.sqrt(0.5)  # FE of (0, 1): mean 0.5, se 1/sqrt(2)
    assert first == pytest.approx([0.5 - Z975 * se, 0.5, 0.5 + Z975 * se, 0.5])
    # a mapping and a list give the same blocks
    fig2 = plots.forest(res, df, groups={"A": "x", "B": "x", "C": "y", "D": "y"})
    assert texts(fig2, "forest-group-label") == ["x", "y"]
    with pytest.raises(InputError, match="no subgroup for study 'D'"):
        plots.forest(res, df, groups={"A": "x", "B": "x", "C": "y"})
    with pytest.raises(InputError, match="3 values but there are 4"):
        plots.forest(res, df, groups=["x", "x", "y"])


def test_forest_risk_of_bias_column(res, effects):
    fig = plots.forest(res, effects, rob=True)
    markers = by_gid(fig, "rob-marker")
    assert [m.get_label() for m in markers] == effects["risk_of_bias"].tolist()
    assert texts(fig, "forest-header-rob") == ["RoB"]
    assert texts(fig, "rob-symbol") == ["\u2212", "\u2212", "?", "?", "+", "\u00d7", "\u00d7"]
    with pytest.raises(InputError, match="risk of bias 'moderate' is unknown"):
        plots.forest(res, effects, rob=["moderate"] * 7)
    fig = plots.forest(res, effects)
    assert by_gid(fig, "rob-marker") == []


def test_forest_xlim_clips_ci_with_arrows(res, effects):
    fig = plots.forest(res, effects, xlim=(-2, 5))
    ax = main_axes(fig)
    assert ax.get_xlim() == pytest.approx((-2, 5))
    # CIs beyond the limits: Nefussy low end (−3.50), Kim2009 high end (7.67), Sharma2015 (0.62, 12.38),
    # Berry2019 (6.42); Oh2018 6 mo (4.80) and Cudkowicz (2.62) are inside
    assert len(by_gid(fig, "ci-arrow")) == 4


def test_forest_rejects_mismatched_effects_and_mixed_measures(res, effects):
    with pytest.raises(InputError, match="do not match"):
        plots.forest(res, effects.iloc[:3])
    mixed = effects.assign(measure=["MD"] * 6 + ["logOR"])
    with pytest.raises(InputError, match="mixes measures"):
        plots.forest(res, mixed)
    with pytest.raises(InputError, match="MetaResult or an effects DataFrame"):
        plots.forest([1, 2, 3])
    # reordered effects are matched by label
    fig = plots.forest(res, effects.iloc[::-1])
    assert texts(fig, "forest-cell-n_t")[:2] == ["32", "31"]


def test_forest_label_override_and_truncation(res, effects):
    new = [f"S{i}" for i in range(7)]
    assert texts(plots.forest(res, effects, labels=new), "forest-cell-study")[:3] == ["S0", "S1", "S2"]
    fig = plots.forest(res, effects, labels={"Kim2009": "Kim et al. 2009"})
    assert texts(fig, "forest-cell-study")[5] == "Kim et al. 2009"
    fig = plots.forest(res, effects, max_label_chars=10)
    assert texts(fig, "forest-cell-study")[0] == "Oh2018 (4\u2026"  # 9 characters and an ellipsis
    with pytest.warns(MetaanWarning, match="no longer unique"):
        plots.forest(res, effects, max_label_chars=8)  # both Oh2018 rows become "Oh2018 …"
    with pytest.raises(InputError, match="labels has 2 values"):
        plots.forest(res, effects, labels=["a", "b"])


def test_forest_single_study_has_no_heterogeneity_or_prediction_interval():
    res = quiet_pool([0.3], [0.04], labels=["Only"])
    fig = plots.forest(res)
    assert by_gid(fig, "prediction-interval") == []
    footer = texts(fig, "forest-footer")
    assert footer == ["Test for overall effect: z = 1.50, p = 0.134"]  # 0.3/0.2 = 1.5, 2Φ(−1.5) = 0.1336


def test_forest_narrow_width_widens_with_warning(res, effects):
    with pytest.warns(MetaanWarning, match="the table needs"):
        fig = plots.forest(res, effects, rob=True, width_mm=85)
    assert fig.get_size_inches()[0] * 25.4 > 85
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetaanWarning)  # all columns fit a double column: no widening
        fig = plots.forest(res, effects, rob=True, width_mm=175)
    assert fig.get_size_inches()[0] * 25.4 == pytest.approx(175)


def _boxes(fig):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return [(t, t.get_window_extent(r)) for t in fig.findobj(matplotlib.text.Text)
            if t.get_text().strip() and t.get_visible()]  # fmt: skip


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rob": True},
        {"groups": "design"},
        {"width_mm": 120, "columns": []},
        {"columns": ["n_t", "n_c"], "groups": "design"},
    ],
)
def test_forest_text_neither_overlaps_nor_leaves_the_figure(res, effects, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        fig = plots.forest(res, effects, title="ALSFRS-R change", **kwargs)
    boxes = [(t, b) for t, b in _boxes(fig) if t.get_gid() != "rob-symbol"]  # symbols sit inside their circle
    w, h = fig.canvas.get_width_height()
    for t, b in boxes:
        assert b.x0 >= -0.5 and b.y0 >= -0.5 and b.x1 <= w + 0.5 and b.y1 <= h + 0.5, t.get_text()
    for (t1, b1), (t2, b2) in combinations(boxes, 2):
        overlap = min(b1.x1, b2.x1) - max(b1.x0, b2.x0) > 0.5 and min(b1.y1, b2.y1) - max(b1.y0, b2.y0) > 0.5
        assert not overlap, (t1.get_text(), t2.get_text())


def test_forest_overall_false_draws_no_pooled_diamond_pi_or_overall_row(res, effects):
    fig = plots.forest(res, effects, overall=False)
    for gid in ("pooled-diamond", "prediction-interval", "pooled-line", "forest-overall-label", "forest-pi-label"):
        assert by_gid(fig, gid) == [], gid
    assert len(by_gid(fig, "study-square")) == 7 and len(by_gid(fig, "study-ci")) == 7
    assert texts(fig, "forest-cell-est")[0] == "0.50 [0.20, 0.80]"  # study rows only: 7 cells, no overall
    assert len(texts(fig, "forest-cell-est")) == 7
    assert texts(fig, "forest-header-weight") == []  # no pooling shown: no weights
    assert texts(fig, "forest-cell-n_t") == ["32", "31", "95", "36", "20", "20", "37"]  # no total row
    assert not any(t.startswith(("Heterogeneity", "Test for overall")) for t in texts(fig, "forest-footer"))
    sizes = {sq.get_markersize() for sq in by_gid(fig, "study-square")}
    assert len(sizes) == 1  # one square size: no weights to show
    null = by_gid(fig, "null-line")[0]  # the null line stops under the last study row
    assert max(null.get_ydata()) == pytest.approx(6.5)


def test_forest_overall_false_with_subtotals_uses_within_subgroup_weights():
    df = pd.DataFrame({"study": ["A", "B", "C", "D", "E"], "yi": [0.0, 1.0, 3.0, 5.0, 4.0],
                       "vi": [1.0, 1.0, 1.0, 3.0, 1.0], "arm": ["x", "x", "y", "y", "z"]})  # fmt: skip
    res = quiet_pool(df["yi"], df["vi"], method="FE", labels=df["study"])
    fig = plots.forest(res, df, groups="arm", overall=False)
    assert by_gid(fig, "pooled-diamond") == [] and by_gid(fig, "forest-overall-label") == []
    # FE within groups: x has weights 1:1, y has 1 : 1/3 -> 75% and 25%; z is one study (100%)
    assert texts(fig, "forest-cell-weight") == ["50.0%", "50.0%", "100.0%", "75.0%", "25.0%", "100.0%",
                                                 "100.0%"]  # fmt: skip
    diamonds = by_gid(fig, "subtotal-diamond")
    assert len(diamonds) == 2  # z has a single study: no subtotal row
    se = np.sqrt(0.5)
    assert diamonds[0].get_xy()[:4, 0] == pytest.approx([0.5 - Z975 * se, 0.5, 0.5 + Z975 * se, 0.5])
    footer = texts(fig, "forest-footer")
    assert footer[0].startswith("Subtotals: fixed-effect model; weights are shares within each subgroup")
    assert footer[1].startswith("Test for subgroup differences: Q = ")


def test_forest_subtotals_false_keeps_headers_and_overall(res, effects):
    fig = plots.forest(res, effects, groups="design", subtotals=False)
    assert texts(fig, "forest-group-label") == ["RCT", "Non-randomised controlled"]
    assert by_gid(fig, "subtotal-diamond") == [] and by_gid(fig, "forest-subtotal-label") == []
    assert len(by_gid(fig, "pooled-diamond")) == 1
    assert not any("subgroup differences" in t for t in texts(fig, "forest-footer"))
    fig = plots.forest(res, effects, groups="design", subtotals=False, overall=False)
    assert by_gid(fig, "subtotal-diamond") == [] and by_gid(fig, "pooled-diamond") == []
    assert texts(fig, "forest-group-label") == ["RCT", "Non-randomised controlled"]
    assert texts(fig, "forest-footer") == ["\u2020 Number from a secondary source (press release, conference "
                                           "abstract or review)."]  # fmt: skip


def test_forest_overall_false_from_a_dataframe_is_quiet():
    df = pd.DataFrame({"study": ["Arm change", "Between arms"], "yi": [-4.0, 1.5], "vi": [0.8, 1.2],
                       "measure": ["mean_change", "MD"]})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetaanWarning)  # k = 2 would warn if anything pooled were shown
        fig = plots.forest(df, overall=False, measure="MD")
    assert texts(fig, "forest-cell-study") == ["Arm change", "Between arms"]
    assert by_gid(fig, "pooled-diamond") == []
    with pytest.raises(InputError, match="mixes measures"):  # a mixed table still needs the measure named
        plots.forest(df, overall=False)


def test_forest_arrow_heads_sit_on_the_axis_limits_for_cis_and_diamonds():
    # FE of (0, 2) with v = 1: 1 ± 1.959964·sqrt(1/2) = [−0.386, 2.386]; study CIs [−1.96, 1.96], [0.04, 3.96]
    res = quiet_pool([0.0, 2.0], [1.0, 1.0], method="FE", labels=["A", "B"])
    fig = plots.forest(res, xlim=(-0.2, 3.0))
    arrows = by_gid(fig, "ci-arrow")
    assert sorted(a.get_xdata()[0] for a in arrows) == [-0.2, 3.0]  # A runs out left, B out right
    ci = [line.get_xdata() for line in by_gid(fig, "study-ci")]
    assert ci[0] == pytest.approx([-0.2, Z975]) and ci[1] == pytest.approx([2 - Z975, 3.0])  # cut at the limits
    diamond = by_gid(fig, "pooled-diamond")[0].get_xy()[:, 0]
    assert diamond.min() == pytest.approx(-0.2)  # cut at the left limit ...
    assert diamond.max() == pytest.approx(1 + Z975 * np.sqrt(0.5))  # ... and whole on the right
    head = by_gid(fig, "diamond-arrow")
    assert [a.get_xdata()[0] for a in head] == [-0.2]
    fig = plots.forest(res)  # default limits hold everything: no arrows
    assert by_gid(fig, "ci-arrow") == [] and by_gid(fig, "diamond-arrow") == []


def test_forest_clipped_subtotal_diamond_and_prediction_bar_on_a_log_axis():
    hr = pd.DataFrame({"study": list("ABCD"), "yi": np.log([0.5, 0.8, 1.2, 0.3]), "vi": [0.3, 0.04, 0.09, 0.8],
                       "g": ["a", "a", "b", "b"], "measure": "logHR"})  # fmt: skip
    res = quiet_pool(hr["yi"], hr["vi"], method="DL", labels=hr["study"])
    fig = plots.forest(res, hr, xlim=(0.6, 2.0), groups="g")
    assert main_axes(fig).get_xscale() == "log"
    lo, hi = np.exp(res.pi_low), np.exp(res.pi_high)
    assert lo < 0.6 and hi < 2.0  # the PI runs out on the left only
    bar = by_gid(fig, "prediction-interval")[0]
    assert bar.get_x() == pytest.approx(0.6) and bar.get_x() + bar.get_width() == pytest.approx(hi)
    assert [a.get_xdata()[0] for a in by_gid(fig, "pi-arrow")] == [0.6]
    for patch in by_gid(fig, "subtotal-diamond") + by_gid(fig, "pooled-diamond"):
        xs = patch.get_xy()[:, 0]
        assert xs.min() >= 0.6 - 1e-12 and xs.max() <= 2.0 + 1e-12  # nothing drawn past the limits
    assert np.exp(res.ci_low) < 0.6  # the pooled CI runs out on the left: its diamond ends in an arrow head there
    assert 0.6 in [a.get_xdata()[0] for a in by_gid(fig, "diamond-arrow")]
    assert {a.get_xdata()[0] for a in by_gid(fig, "diamond-arrow")} <= {0.6, 2.0}


def test_every_figure_uses_readable_font_sizes(res, effects):
    """No text below 6 pt at the printed size (the usual journal minimum)."""
    figs = [plots.forest(res, effects, rob=True, groups="design", width_mm=200), plots.funnel(res),
            plots.drapery(res), plots.cumulative_forest(res)]  # fmt: skip
    for fig in figs:
        sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
        assert min(sizes) >= 6


# --------------------------------------------------------------------------------------------------------
# funnel
# --------------------------------------------------------------------------------------------------------


def test_funnel_points_contours_and_axes(res):
    fig = plots.funnel(res, measure="MD")
    ax = fig.axes[0]
    pts = by_gid(fig, "study-points")[0]
    assert len(pts.get_xdata()) == 7
    assert np.sort(pts.get_ydata()) == pytest.approx(np.sort(np.sqrt(res.vi)))
    assert len(by_gid(fig, "contour-region")) == 3
    lo, hi = ax.get_ylim()
    assert hi == 0 and lo > 3.0  # SE axis inverted, 0 at the top; largest SE is sqrt(9) = 3
    assert ax.get_ylabel() == "Standard error"
    assert ax.get_xlabel() == "Mean difference"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"p > 0.10", "0.05 < p \u2264 0.10", "0.01 < p \u2264 0.05", "p \u2264 0.01"} <= set(legend)


def test_funnel_contour_edges_at_normal_quantiles(res):
    fig = plots.funnel(res, contours=(0.95,))
    region = by_gid(fig, "contour-region")[0]
    verts = region.get_paths()[0].vertices
    se = verts[:, 1].max()
    assert verts[:, 0].max() == pytest.approx(Z975 * se)  # |y| = 1.96·SE is the p = 0.05 contour


def test_funnel_trimfill_points_are_open():
    filled = np.array([False, False, False, True, True])
    tf_res = quiet_pool([0.1, 0.3, 0.5, -0.2, -0.4], [0.01, 0.04, 0.09, 0.04, 0.09])
    tf = SimpleNamespace(result=tf_res, filled=filled)
    orig = quiet_pool([0.1, 0.3, 0.5], [0.01, 0.04, 0.09])
    fig = plots.funnel(orig, trimfill=tf)
    open_pts = by_gid(fig, "filled-points")[0]
    assert open_pts.get_xdata() == pytest.approx([-0.2, -0.4])
    assert open_pts.get_markerfacecolor() == "white"
    assert len(by_gid(fig, "study-points")[0].get_xdata()) == 3
    assert by_gid(fig, "trimfill-line")[0].get_xdata()[0] == pytest.approx(tf_res.estimate)
    with pytest.raises(InputError, match="trim_and_fill"):
        plots.funnel(orig, trimfill=object())


def test_funnel_with_real_trim_and_fill(res):
    bias = pytest.importorskip("metaan.bias")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaanWarning)
        tf = bias.trim_and_fill(res)
    fig = plots.funnel(res, trimfill=tf)
    n_open = len(by_gid(fig, "filled-points")[0].get_xdata()) if tf.k0 else 0
    assert n_open == int(np.sum(tf.filled))


def test_funnel_log_axis_and_bad_contours():
    res = quiet_pool(np.log([0.5, 0.8, 1.2]), [0.1, 0.04, 0.09])
    fig = plots.funnel(res, measure="logHR")
    assert fig.axes[0].get_xscale() == "log"
    assert by_gid(fig, "study-points")[0].get_xdata() == pytest.approx([0.5, 0.8, 1.2])
    with pytest.raises(InputError, match="between 0 and 1"):
        plots.funnel(res, contours=(0.9, 95))


# --------------------------------------------------------------------------------------------------------
# cumulative forest
# --------------------------------------------------------------------------------------------------------


def test_cumulative_forest_from_result_by_hand():
    res = quiet_pool([0.0, 2.0, 4.0], [1.0, 1.0, 2.0], method="FE", labels=["A", "B", "C"])
    fig = plots.cumulative_forest(res)
    pts = by_gid(fig, "cumulative-point")
    assert len(pts) == 3
    # FE: step 1 = 0; step 2 = 1; step 3 = (0 + 2 + 2)/2.5 = 1.6 with se = sqrt(1/2.5)
    assert [p.get_xdata()[0] for p in pts] == pytest.approx([0.0, 1.0, 1.6])
    se = np.sqrt(1 / 2.5)
    assert texts(fig, "forest-cell-est")[2] == f"1.60 [{1.6 - Z975 * se:.2f}, {1.6 + Z975 * se:.2f}]"
    assert texts(fig, "forest-cell-study") == ["+ A", "+ B", "+ C"]
    assert texts(fig, "forest-cell-k") == ["1", "2", "3"]
    fig = plots.cumulative_forest(res, order=[2, 1, 0])
    assert texts(fig, "forest-cell-study") == ["+ C", "+ B", "+ A"]


def test_cumulative_forest_from_dataframe_and_errors():
    df = pd.DataFrame({"study": ["A", "B"], "estimate": np.log([0.5, 0.7]), "ci_low": np.log([0.25, 0.5]),
                       "ci_high": np.log([1.0, 0.98])})  # fmt: skip
    fig = plots.cumulative_forest(df, measure="logHR")
    assert main_axes(fig).get_xscale() == "log"
    assert texts(fig, "forest-cell-est") == ["0.50 [0.25, 1.00]", "0.70 [0.50, 0.98]"]
    with pytest.raises(InputError, match="order applies"):
        plots.cumulative_forest(df, order=[1, 0])
    with pytest.raises(InputError, match="lacks column"):
        plots.cumulative_forest(df.drop(columns="ci_low"))


# --------------------------------------------------------------------------------------------------------
# drapery
# --------------------------------------------------------------------------------------------------------


def test_drapery_curves_cross_the_level_line_at_the_ci():
    res = quiet_pool([0.0, 1.0, 2.0], [1.0, 1.0, 1.0], method="FE")
    fig = plots.drapery(res)
    assert len(by_gid(fig, "study-curve")) == 3
    curve = by_gid(fig, "pooled-curve")[0]
    x, y = curve.get_xdata(), curve.get_ydata()
    se = 1 / np.sqrt(3)  # FE mean 1
    assert np.interp(1 - Z975 * se, x, y) == pytest.approx(Z975, abs=1e-3)  # p = 0.05 on the z scale
    assert x[np.argmin(y)] == pytest.approx(1.0, abs=(x[1] - x[0]))  # the peak (p = 1) at the estimate
    assert by_gid(fig, "prediction-interval") == []  # FE: no prediction interval
    ax = fig.axes[0]
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert {"1", "0.05", "0.001"} <= labels


def test_drapery_prediction_bar_and_log_axis():
    res = quiet_pool(np.log([0.5, 0.8, 1.2, 0.6]), [0.1, 0.04, 0.09, 0.05], method="DL")
    fig = plots.drapery(res, measure="logHR", yscale="linear")
    assert fig.axes[0].get_xscale() == "log"
    bar = by_gid(fig, "prediction-interval")[0]
    assert bar.get_x() == pytest.approx(np.exp(res.pi_low))
    curve = by_gid(fig, "study-curve")[0]
    assert curve.get_ydata().max() == pytest.approx(1.0, abs=2e-3)  # linear p scale peaks at p = 1
    with pytest.raises(InputError, match="yscale"):
        plots.drapery(res, yscale="log")


# --------------------------------------------------------------------------------------------------------
# GOSH
# --------------------------------------------------------------------------------------------------------


def test_gosh_scatter_marks_the_full_model():
    df = pd.DataFrame({"estimate": [0.2, 0.4, 0.7], "tau2": [0, 0, 0.1], "i2": [0.0, 0.0, 35.0],
                       "A": [True, False, True], "B": [False, True, True]})  # fmt: skip
    fig = plots.gosh_plot(df)
    pts = by_gid(fig, "gosh-points")[0]
    assert pts.get_offsets().shape == (3, 2)
    full = by_gid(fig, "gosh-full")[0]
    assert (full.get_xdata()[0], full.get_ydata()[0]) == (0.7, 35.0)
    assert full.get_label() == "All 2 studies"
    ax = main_axes(fig)
    assert ax.get_ylabel() == "I\u00b2 (%)"


def test_gosh_hexbin_for_many_subsets_and_log_axis():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"estimate": rng.normal(0, 0.2, 6000), "i2": rng.uniform(0, 60, 6000)})
    fig = plots.gosh_plot(df, measure="logOR")
    assert len(by_gid(fig, "gosh-hexbin")) == 1
    assert main_axes(fig).get_xscale() == "log"
    assert main_axes(fig).get_xlabel() == "Odds ratio"
    with pytest.raises(InputError, match="kind"):
        plots.gosh_plot(df, kind="violin")


def test_gosh_plot_from_diagnostics(res):
    diagnostics = pytest.importorskip("metaan.diagnostics")
    g = diagnostics.gosh(res)
    fig = plots.gosh_plot(g)
    assert by_gid(fig, "gosh-points")[0].get_offsets().shape == (2**7 - 1, 2)
    assert len(by_gid(fig, "gosh-full")) == 1


# --------------------------------------------------------------------------------------------------------
# evidence map and claims chart
# --------------------------------------------------------------------------------------------------------


def test_evidence_map_one_point_per_study_and_visible_gaps():
    trials = pd.DataFrame({
        "study": ["A", "A", "B", "C", "D", "E"],
        "design": ["rct", "rct", "single_arm", "rct", "single_arm", "external_control"],
        "n_t": [10, 30, 7, np.nan, np.nan, 20],
        "n_c": [12, 28, np.nan, np.nan, np.nan, np.nan],
        "status": ["extracted", "extracted", "extracted", "no_numbers", "not_found", "extracted"],
        "evidence": ["primary", "primary", "secondary", "primary", np.nan, "primary"],
    }, index=[0, 1, 0, 1, 0, 1])  # duplicate index, as after concatenating files  # fmt: skip
    fig = plots.evidence_map(trials)
    pts = {p.get_label(): p for p in by_gid(fig, "evidence-point")}
    assert set(pts) == {"A", "B", "E"}
    assert pts["A"].get_xdata()[0] == 58  # max(10 + 12, 30 + 28)
    assert pts["B"].get_xdata()[0] == 7  # single-arm: n_t alone
    assert pts["E"].get_xdata()[0] == 20 and pts["E"].get_markerfacecolor() == "white"  # one arm only
    assert pts["B"].get_marker() == "^"  # secondary source
    gaps = {p.get_label(): p for p in by_gid(fig, "evidence-gap")}
    assert set(gaps) == {"C", "D"}
    assert gaps["D"].get_marker() == "x"  # not found
    ax = fig.axes[0]
    ylabels = [t.get_text() for t in ax.get_yticklabels()]
    assert ylabels[0] == "RCT\n2 studies (40%)"
    assert ylabels[-1] == "Single-arm\n2 studies (40%)"
    assert ax.get_xscale() == "log"


def test_evidence_map_on_the_trials_data_shows_every_study():
    data = pytest.importorskip("metaan.data")
    if not (REPO / "data" / "trials.csv").exists():
        pytest.skip("data/trials.csv not written yet")
    trials = data.load_trials()
    fig = plots.evidence_map(trials)
    shown = {p.get_label() for p in by_gid(fig, "evidence-point") + by_gid(fig, "evidence-gap")}
    assert shown == set(trials["study"].astype(str))


def test_claims_chart_counts_by_verdict_and_page():
    claims = pd.DataFrame({"claim_id": ["c1", "c2", "c3", "c4", "c5"],
                           "seed_file": ["001_b.txt", "000_a.txt", "000_a.txt", "001_b.txt", "000_a.txt"],
                           "verdict": ["supported", "supported", "contradicted", "unverifiable",
                                       "supported"]})  # fmt: skip
    fig = plots.claims_chart(claims)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["All pages", "000_a", "001_b"]
    supported = [p.get_width() for p in by_gid(fig, "claims-supported")]
    assert supported == [3, 2, 1]
    assert [p.get_width() for p in by_gid(fig, "claims-contradicted")] == [1, 1, 0]
    assert [p.get_width() for p in by_gid(fig, "claims-unverifiable")] == [1, 0, 1]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Supported", "Overstated", "Misquoted", "Unsupported", "Contradicted", "Unverifiable"]
    fig = plots.claims_chart(claims, labels={"000_a.txt": "Clinic page"})
    assert fig.axes[0].get_yticklabels()[1].get_text() == "Clinic page"
    with pytest.raises(InputError, match="claim c9: verdict 'true'"):
        plots.claims_chart(pd.concat([claims, pd.DataFrame({"claim_id": ["c9"], "seed_file": ["x"],
                                                            "verdict": ["true"]})]))  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# trial sequential analysis
# --------------------------------------------------------------------------------------------------------


def _duck_tsa(direction="greater"):
    grid = pd.DataFrame({"information": [50.0, 100.0, 200.0], "boundary": [6.0, 4.0, 2.0],
                         "harm_boundary": [-6.0, -4.0, -2.0], "futility": [np.nan, -1.0, 2.0]})  # fmt: skip
    return SimpleNamespace(information=np.array([60.0, 150.0]), z=np.array([1.2, 2.4]), ris=200.0, alpha=0.05,
                           direction=direction, grid=grid, verdict="inconclusive")  # fmt: skip


def test_tsa_plot_draws_curve_boundaries_and_ris():
    fig = plots.tsa_plot(_duck_tsa())
    curve = by_gid(fig, "z-curve")[0]
    assert list(curve.get_xdata()) == [0.0, 60.0, 150.0]
    assert list(curve.get_ydata()) == [0.0, 1.2, 2.4]
    conv = sorted(line.get_ydata()[0] for line in by_gid(fig, "conventional-boundary"))
    assert conv == pytest.approx([-Z975, Z975])
    assert by_gid(fig, "ris-line")[0].get_xdata()[0] == 200.0
    assert list(by_gid(fig, "efficacy-boundary")[0].get_ydata()) == [6.0, 4.0, 2.0]
    assert list(by_gid(fig, "futility-boundary")[0].get_xdata()) == [100.0, 200.0]  # NaN dropped
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Cumulative z-score"
    assert ax.get_title(loc="left") == "Inconclusive"
    assert texts(fig, "favours-label") == ["\u2191 Favours cells", "\u2193 Favours control"]
    fig = plots.tsa_plot(_duck_tsa("less"))
    assert texts(fig, "favours-label") == ["\u2191 Favours control", "\u2193 Favours cells"]
    with pytest.raises(InputError, match="lacks attribute 'z'"):
        plots.tsa_plot(SimpleNamespace(information=[1.0], ris=10.0))


def test_tsa_plot_with_trial_sequential_result():
    evidence = pytest.importorskip("metaan.evidence")
    if not hasattr(evidence, "trial_sequential"):
        pytest.skip("metaan.evidence.trial_sequential not available")
    tsa = evidence.trial_sequential([2.0, 1.5, 2.5], [1.0, 0.8, 1.2], [60, 80, 50], ris=400)
    fig = plots.tsa_plot(tsa)
    curve = by_gid(fig, "z-curve")[0]
    assert list(curve.get_xdata()) == [0.0, 60.0, 140.0, 190.0]  # cumulative participants
    assert curve.get_ydata()[1] == pytest.approx(2.0)  # first look: 2.0/sqrt(1.0)


# --------------------------------------------------------------------------------------------------------
# dot chart
# --------------------------------------------------------------------------------------------------------


@pytest.fixture
def arms():
    """Responder percentages of two placebo arms and three open-label arms (one from a secondary source)."""
    return pd.DataFrame({
        "label": ["Oh2018 placebo", "Cudkowicz2022 placebo", "Petrou2016", "Staff2016 cohort A", "Sharma2015"],
        "kind": ["Placebo arms", "Placebo arms", "Open-label arms", "Open-label arms", "Open-label arms"],
        "pct": [14.8, 27.66, 60.0, 42.9, 75.7],
        "printed": ["4/27", "26/94", "12/20", "6/14", "28/37"],
        "evidence": ["primary", "primary", "primary", "primary", "secondary"],
    })  # fmt: skip


def test_dot_chart_one_row_per_record_and_group_headers(arms):
    fig = plots.dot_chart(arms, estimate="pct", label="label", group="kind", percent=True,
                          xlabel="Responders (%)")  # fmt: skip
    assert texts(fig, "dot-label") == arms["label"].tolist()
    assert texts(fig, "dot-group-label") == ["Placebo arms", "Open-label arms"]
    points = by_gid(fig, "dot-point")
    assert [p.get_xdata()[0] for p in points] == arms["pct"].tolist()
    assert [p.get_label() for p in points] == arms["label"].tolist()
    assert texts(fig, "dot-value") == ["15%", "28%", "60%", "43%", "76%"]  # percentages, 0 decimals
    ax = main_axes(fig)
    assert ax.get_xlim() == (0.0, 100.0) and ax.get_xlabel() == "Responders (%)"
    assert fig.get_size_inches()[0] == pytest.approx(85 / 25.4)  # single column by default
    # the rows of a block sit under its header, in order
    label_y = [t.get_position()[1] for t in by_gid(fig, "dot-label")]
    head_y = [t.get_position()[1] for t in by_gid(fig, "dot-group-label")]
    assert head_y[0] < label_y[0] < label_y[1] < head_y[1] < label_y[2] < label_y[3] < label_y[4]


def test_dot_chart_group_order_of_a_categorical_and_design_names(arms):
    arms = arms.assign(design=pd.Categorical(["rct", "rct", "single_arm", "single_arm", "external_control"],
                                             categories=["rct", "external_control", "single_arm"]))  # fmt: skip
    fig = plots.dot_chart(arms, estimate="pct", label="label", group="design", xlabel="%")
    assert texts(fig, "dot-group-label") == ["RCT", "External control", "Single-arm"]
    assert texts(fig, "dot-label") == ["Oh2018 placebo", "Cudkowicz2022 placebo", "Sharma2015", "Petrou2016",
                                       "Staff2016 cohort A"]  # fmt: skip


def test_dot_chart_annotation_column_reference_and_marker_legend(arms):
    fig = plots.dot_chart(arms, estimate="pct", label="label", group="kind", percent=True, annotate="printed",
                          marker_by="evidence", reference={"pooled placebo": 21.0}, value_header="Responders/n",
                          xlabel="Responders (%)")  # fmt: skip
    assert texts(fig, "dot-value") == arms["printed"].tolist()
    assert texts(fig, "dot-value-header") == ["Responders/n"]
    ref = by_gid(fig, "reference-line")
    assert len(ref) == 1 and list(ref[0].get_xdata()) == [21.0, 21.0]
    assert texts(fig, "reference-label") == ["pooled placebo"]
    points = by_gid(fig, "dot-point")
    assert {p.get_marker() for p in points[:4]} == {"o"} and points[4].get_marker() == "s"
    assert points[4].get_color() != points[0].get_color()
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["primary", "secondary"]
    fig = plots.dot_chart(arms, estimate="pct", label="label", annotate=False, xlabel="%", reference=[20, 50])
    assert by_gid(fig, "dot-value") == [] and len(by_gid(fig, "reference-line")) == 2


def test_dot_chart_intervals_by_method_and_test():
    df = pd.DataFrame({"method": ["DL", "REML", "DL", "REML"], "test": ["z", "z", "HK", "HK"],
                       "est": [2.1, 2.2, 2.1, 2.2], "lo": [0.9, 0.7, -2.6, -2.8],
                       "hi": [3.3, 3.7, 6.8, 7.2]})  # fmt: skip
    fig = plots.dot_chart(df, estimate="est", ci_low="lo", ci_high="hi", label="method", group="test",
                          reference=0, xlabel="Mean difference")  # fmt: skip
    assert texts(fig, "dot-group-label") == ["z", "HK"]
    assert texts(fig, "dot-label") == ["DL", "REML", "DL", "REML"]
    assert [list(c.get_xdata()) for c in by_gid(fig, "dot-ci")] == [[0.9, 3.3], [0.7, 3.7], [-2.6, 6.8],
                                                                     [-2.8, 7.2]]  # fmt: skip
    assert texts(fig, "dot-value")[2] == f"2.10 [{MINUS}2.60, 6.80]"
    lo, hi = main_axes(fig).get_xlim()
    assert lo <= -2.8 and hi >= 7.2
    fig = plots.dot_chart(df, estimate="est", ci_low="lo", ci_high="hi", label="method", group="test",
                          xlim=(-2, 5), xlabel="Mean difference")  # fmt: skip
    arrows = sorted(a.get_xdata()[0] for a in by_gid(fig, "ci-arrow"))
    assert arrows == [-2.0, -2.0, 5.0, 5.0]  # the two HK intervals run out on both sides


def test_dot_chart_second_value_and_long_format():
    surv = pd.DataFrame({"label": ["Oh2018", "Sharma2015", "Kim2009", "Staff2016"],
                         "design": ["rct", "external_control", "single_arm", "single_arm"],
                         "median_t": [28.1, 41.0, 30.2, np.nan], "median_c": [24.6, 30.2, np.nan, np.nan],
                         "stat": ["Median", "Mean", "Median", "Median"]})  # fmt: skip
    fig = plots.dot_chart(surv, estimate="median_t", second="median_c", label="label", group="design",
                          marker_by="stat", legend_labels=("Cells", "Control"), xlabel="Months")  # fmt: skip
    assert texts(fig, "dot-label") == ["Oh2018", "Sharma2015", "Kim2009", "Staff2016"]
    assert [p.get_xdata()[0] for p in by_gid(fig, "dot-second")] == [24.6, 30.2]
    assert all(p.get_markerfacecolor() == "white" for p in by_gid(fig, "dot-second"))
    assert [list(c.get_xdata()) for c in by_gid(fig, "dot-connector")] == [[28.1, 24.6], [41.0, 30.2]]
    assert len(by_gid(fig, "dot-point")) == 3  # Staff2016 has no number: its row stays, with a dash
    assert texts(fig, "dot-value") == ["28.1 vs 24.6", "41.0 vs 30.2", "30.2", "\u2013"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Median", "Mean", "Cells", "Control"]
    # long format: records with the same label share a row, one marker each, nudged apart when they have CIs
    long = pd.DataFrame({"label": ["Oh2018", "Oh2018", "Kim2009"], "arm": ["cells", "control", "cells"],
                         "m": [28.1, 24.6, 30.2], "lo": [20.0, 18.0, 25.0], "hi": [35.0, 30.0, 36.0]})  # fmt: skip
    fig = plots.dot_chart(long, estimate="m", ci_low="lo", ci_high="hi", label="label", marker_by="arm",
                          xlabel="Months", width_mm=120)  # fmt: skip
    assert texts(fig, "dot-label") == ["Oh2018", "Kim2009"]
    ys = [p.get_ydata()[0] for p in by_gid(fig, "dot-point")]
    assert ys[0] < ys[1] < ys[2] and ys[1] - ys[0] == pytest.approx(0.3)
    assert texts(fig, "dot-value")[0] == "28.1 [20.0, 35.0] / 24.6 [18.0, 30.0]"
    with pytest.warns(MetaanWarning, match="the labels and values need"):  # these values leave no room at 85 mm
        fig = plots.dot_chart(long, estimate="m", ci_low="lo", ci_high="hi", label="label", xlabel="Months")
    assert fig.get_size_inches()[0] * 25.4 > 85


def test_dot_chart_legend_matches_markers_by_category_and_by_arm():
    """With marker_by and second, the categories show their colour and marker; filled = estimate and open =
    second are neutral grey circles, not black ones that match no marker."""
    surv = pd.DataFrame({"label": ["Oh2018", "Sharma2015", "Kim2009"], "median_t": [28.1, 41.0, 30.2],
                         "median_c": [24.6, 30.2, np.nan], "stat": ["Median", "Mean", "Median"]})  # fmt: skip
    fig = plots.dot_chart(surv, estimate="median_t", second="median_c", label="label", marker_by="stat",
                          legend_labels=("Cells", "Comparator"), xlabel="Months")  # fmt: skip
    legend = fig.legends[0]
    handles = dict(zip([t.get_text() for t in legend.get_texts()], legend.legend_handles, strict=True))
    assert list(handles) == ["Median", "Mean", "Cells", "Comparator"]
    hexa = matplotlib.colors.to_hex
    drawn = {(p.get_label(), p.get_marker(), hexa(p.get_color())) for p in by_gid(fig, "dot-point")}
    opened = {(p.get_marker(), hexa(p.get_markeredgecolor())) for p in by_gid(fig, "dot-second")}
    for row, cat in zip(surv["label"], surv["stat"], strict=True):  # each category's entry is its markers' look
        h = handles[cat]
        assert (row, h.get_marker(), hexa(h.get_color())) in drawn
    cells, comparator = handles["Cells"], handles["Comparator"]
    grey = hexa(cells.get_markerfacecolor())
    assert cells.get_marker() == comparator.get_marker() == "o"
    assert hexa(cells.get_markeredgecolor()) == grey == hexa(comparator.get_markeredgecolor())
    assert hexa(comparator.get_markerfacecolor()) == "#ffffff"  # open
    r, g, b = matplotlib.colors.to_rgb(grey)
    assert r == g == b and 0.25 < r < 0.75  # neutral grey: neither black nor a category's colour
    assert grey not in {c for _, _, c in drawn} | {c for _, c in opened}
    # one series: the two entries are that series' own marker, filled and open
    fig = plots.dot_chart(surv, estimate="median_t", second="median_c", label="label", xlabel="Months")
    cells, comparator = fig.legends[0].legend_handles
    point, second = by_gid(fig, "dot-point")[0], by_gid(fig, "dot-second")[0]
    assert cells.get_marker() == point.get_marker() and hexa(cells.get_color()) == hexa(point.get_color())
    assert comparator.get_marker() == second.get_marker()
    assert hexa(comparator.get_markeredgecolor()) == hexa(second.get_markeredgecolor())
    assert hexa(comparator.get_markerfacecolor()) == "#ffffff"


def test_dot_chart_log_axis_and_bad_input(arms):
    df = pd.DataFrame({"label": ["A", "B"], "hr": [0.5, 1.6], "lo": [0.25, 0.9], "hi": [1.0, 2.8]})
    fig = plots.dot_chart(df, estimate="hr", ci_low="lo", ci_high="hi", label="label", log=True, reference=1,
                          xlabel="Hazard ratio")  # fmt: skip
    assert main_axes(fig).get_xscale() == "log"
    with pytest.raises(InputError, match="lacks column"):
        plots.dot_chart(arms, estimate="rate", label="label", xlabel="%")
    with pytest.raises(InputError, match="both ci_low and ci_high"):
        plots.dot_chart(df, estimate="hr", ci_low="lo", label="label", xlabel="HR")
    with pytest.raises(InputError, match="values > 0"):
        plots.dot_chart(df.assign(lo=[-0.1, 0.9]), estimate="hr", ci_low="lo", ci_high="hi", label="label",
                        log=True, xlabel="HR")  # fmt: skip
    with pytest.raises(InputError, match="row 1: 'n/a' is not a number"):
        plots.dot_chart(df.assign(hr=[0.5, "n/a"]), estimate="hr", label="label", xlabel="HR")
    with pytest.raises(InputError, match="does not contain the estimate"):
        plots.dot_chart(df.assign(lo=[0.6, 0.9]), estimate="hr", ci_low="lo", ci_high="hi", label="label",
                        xlabel="HR")  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# table figure
# --------------------------------------------------------------------------------------------------------


@pytest.fixture
def headline():
    return pd.DataFrame({
        "ALSFRS-R change": ["1 (Oh2018)", 56, "MD 3.38 (1.28 to 5.48)", "inconclusive"],
        "Responders": ["2 (Oh2018, Cudkowicz2022)", 248, "OR 2.60 (0.00 to 29,913)",
                       "not possible: no minimal clinically important difference in data/mcid.csv"],
        "Survival": ["0 (none)", 0, None, "not possible: no randomised effect size"],
    }, index=pd.Index(["k (trials)", "participants", "pooled effect (95% CI)", "TSA verdict"],
                      name="quantity"))  # fmt: skip


def test_table_figure_shows_every_cell(headline):
    fig = plots.table_figure(headline, title="How thin is the evidence?", note="One row per trial.")
    assert texts(fig, "table-header") == ["quantity", "ALSFRS-R change", "Responders", "Survival"]
    cells = [t.replace("\n", " ") for t in texts(fig, "table-cell")]  # wrapped lines joined again
    expected = []
    for name, row in zip(headline.index, headline.itertuples(index=False), strict=True):
        expected += [name] + ["\u2013" if v is None else str(v) for v in row]
    assert cells == expected
    assert any("\n" in t for t in texts(fig, "table-cell"))  # the long verdict was wrapped
    assert len(by_gid(fig, "table-rule")) == 3  # top, under the header, bottom: no grid
    assert texts(fig, "figure-title") == ["How thin is the evidence?"]
    assert texts(fig, "table-note") == ["One row per trial."]
    assert fig.get_size_inches()[0] == pytest.approx(175 / 25.4)


def test_table_figure_aligns_numbers_right_and_formats_values():
    df = pd.DataFrame({"outcome": ["ALSFRS-R", "Survival"], "k": [2, 0], "estimate": [-0.5234, np.nan],
                       "CI": ["\u22121.20 [\u22122.0, 0.31]", "< 0.001"], "note": ["ok", "none"]})  # fmt: skip
    fig = plots.table_figure(df, digits=2)
    assert texts(fig, "table-header") == ["outcome", "k", "estimate", "CI", "note"]  # RangeIndex not shown
    cells = by_gid(fig, "table-cell")
    assert [t.get_text() for t in cells] == ["ALSFRS-R", "2", f"{MINUS}0.52", "\u22121.20 [\u22122.0, 0.31]", "ok",
                                             "Survival", "0", "\u2013", "< 0.001", "none"]  # fmt: skip
    assert [t.get_ha() for t in cells[:5]] == ["left", "right", "right", "right", "left"]
    assert [t.get_ha() for t in by_gid(fig, "table-header")] == ["left", "right", "right", "right", "left"]
    fig = plots.table_figure(df, align={"note": "center"})
    assert by_gid(fig, "table-cell")[4].get_ha() == "center"
    with pytest.raises(InputError, match="align has 2 entries"):
        plots.table_figure(df, align=["left", "right"])
    with pytest.raises(InputError, match="col_widths needs 5"):
        plots.table_figure(df, col_widths=[1, 2])


def test_table_figure_draws_in_one_invisible_axes_so_jupyter_shows_it(headline, tmp_path):
    fig = plots.table_figure(headline, title="How thin is the evidence?", note="One row per trial.")
    assert len(fig.axes) == 1  # a figure without axes shows in Jupyter only as "<Figure ... with 0 Axes>"
    ax = fig.axes[0]
    assert not ax.axison and tuple(ax.get_position().bounds) == (0.0, 0.0, 1.0, 1.0)
    for gid in ("table-header", "table-cell", "table-rule", "figure-title", "table-note"):
        assert by_gid(fig, gid) and all(a.axes is ax for a in by_gid(fig, gid)), gid
    ipython = pytest.importorskip("IPython.core.pylabtools")
    png = ipython.print_figure(fig, "png")  # what Jupyter's inline backend displays (None for no axes)
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    first = [p.read_bytes() for p in plots.save_figure(fig, "table", tmp_path / "a")]
    again = plots.table_figure(headline, title="How thin is the evidence?", note="One row per trial.")
    assert [p.read_bytes() for p in plots.save_figure(again, "table", tmp_path / "b")] == first


def test_table_figure_without_wrap_widens_with_a_warning(headline):
    with pytest.warns(MetaanWarning, match="the table needs"):
        fig = plots.table_figure(headline, wrap=False, width_mm=85)
    assert fig.get_size_inches()[0] * 25.4 > 85
    assert not any("\n" in t for t in texts(fig, "table-cell"))


# --------------------------------------------------------------------------------------------------------
# curve plot
# --------------------------------------------------------------------------------------------------------


def test_curve_plot_one_line_per_curve_and_the_reference():
    ks = [2, 3, 5, 10, 20]
    curves = {"DL + z": [0.82, 0.86, 0.89, 0.92, 0.93], "REML + HK": [0.95, 0.952, 0.949, 0.95, 0.951],
              "PM + z": [0.84, 0.87, 0.9, 0.925, 0.935]}  # fmt: skip
    fig = plots.curve_plot(ks, curves, xlabel="Number of studies k", ylabel="Coverage",
                           reference={"nominal 95%": 0.95}, log_x=True, ylim=(0.75, 1.0))  # fmt: skip
    lines = by_gid(fig, "curve")
    assert [ln.get_label() for ln in lines] == list(curves)
    for ln, y in zip(lines, curves.values(), strict=True):
        assert list(ln.get_xdata()) == ks and list(ln.get_ydata()) == y
    assert len({ln.get_marker() for ln in lines}) == 3 and len({ln.get_color() for ln in lines}) == 3
    ref = by_gid(fig, "reference-line")
    assert len(ref) == 1 and list(ref[0].get_ydata()) == [0.95, 0.95]
    assert texts(fig, "reference-label") == ["nominal 95%"]
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_ylim() == (0.75, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "3", "5", "10", "20"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(curves)
    assert fig.get_size_inches()[0] == pytest.approx(85 / 25.4)


def test_curve_plot_bands_vertical_references_and_dense_curves():
    x = np.linspace(0, 1, 201)
    fig = plots.curve_plot(x, {"power": x**2}, xlabel="Slowing", ylabel="Power", reference=[0.8, 0.9],
                           band=(0.78, 0.82), x_reference={"MCID": 0.2}, title="Power")  # fmt: skip
    line = by_gid(fig, "curve")[0]
    every = line.get_markevery()
    assert every is not None and every[1] == 26  # about eight markers on 201 points
    assert len(by_gid(fig, "reference-line")) == 2 and len(by_gid(fig, "reference-band")) == 1
    assert list(by_gid(fig, "x-reference-line")[0].get_xdata()) == [0.2, 0.2]
    assert texts(fig, "x-reference-label") == ["MCID"]
    assert fig.legends == []  # one curve: the axis label names it
    assert texts(fig, "figure-title") == ["Power"]
    fig = plots.curve_plot(x, {"a": x, "b": x / 2}, xlabel="x", ylabel="y", markers=False,
                           band={"a": (x - 0.1, x + 0.1)})  # fmt: skip
    lines = by_gid(fig, "curve")
    assert lines[0].get_linestyle() != lines[1].get_linestyle()  # told apart without markers
    assert len(by_gid(fig, "curve-band")) == 1
    with pytest.raises(InputError, match="has 2 values but x has 201"):
        plots.curve_plot(x, {"a": [1, 2]}, xlabel="x", ylabel="y")
    with pytest.raises(InputError, match="not among the curves"):
        plots.curve_plot(x, {"a": x}, xlabel="x", ylabel="y", band={"b": (x, x)})
    with pytest.raises(InputError, match="non-empty mapping"):
        plots.curve_plot(x, {}, xlabel="x", ylabel="y")


def _text_box(fig, t):
    """The extent of a text alone (an annotation's own extent includes its arrow)."""
    return matplotlib.text.Text.get_window_extent(t, fig.canvas.get_renderer())


@pytest.mark.parametrize("log_x", [False, True])
def test_curve_plot_x_reference_labels_sit_above_the_panel_apart(log_x):
    """Labels of vertical lines are written above the panel (no curve reaches them), apart from each other,
    in order, each joined to its own line; too many for one row are written upwards."""
    x = np.linspace(1, 80, 80)
    refs = {"MCID 10%": 10, "MCID 20%": 20, "MCID 25%": 25, "MCID 50%": 50, "off the axis": 95}
    fig = plots.curve_plot(x, {"a": np.minimum(1, x / 30), "b": np.minimum(1, x / 40)}, xlabel="Slowing (%)",
                           ylabel="Power", x_reference=refs, log_x=log_x, xlim=(1, 80), title="Power")  # fmt: skip
    ax = fig.axes[0]
    labels = by_gid(fig, "x-reference-label")
    assert [t.get_text() for t in labels] == list(refs)[:4]  # the line off the axis gets no label
    assert all(t.get_rotation() == 0 for t in labels)
    boxes = dict(_boxes(fig))
    panel = ax.get_window_extent()
    w, h = fig.canvas.get_width_height()
    spans = [_text_box(fig, t) for t in labels]  # the text alone, without its leader
    for t, b in zip(labels, spans, strict=True):
        assert b.y0 >= panel.y1 and b.x0 >= panel.x0 - 0.5 and b.x1 <= panel.x1 + 0.5, t.get_text()
        assert b.y1 <= h and not boxes[t].overlaps(boxes[by_gid(fig, "figure-title")[0]])
        assert t.xy == (refs[t.get_text()], 1.0)  # anchored on its line's top
        assert t.arrow_patch is not None  # the leader
    assert all(a.x1 < b.x0 for a, b in pairwise(spans)), "labels overlap or are out of order"
    fig = plots.curve_plot(x, {"a": x / 80}, xlabel="k", ylabel="y", x_reference={"MCID": 40}, log_x=log_x)
    (label,) = by_gid(fig, "x-reference-label")
    fig.canvas.draw()
    b = _text_box(fig, label)  # a label with room is centred on its line
    assert (b.x0 + b.x1) / 2 == pytest.approx(fig.axes[0].transData.transform((40, 0))[0], abs=0.5)
    # labels too wide for one row are written upwards, still apart
    many = {f"k = {k}": k for k in range(2, 40, 3)}
    fig = plots.curve_plot(x, {"a": x / 80}, xlabel="k", ylabel="y", x_reference=many, log_x=log_x)
    labels = by_gid(fig, "x-reference-label")
    assert len(labels) == len(many) and all(t.get_rotation() == 90 for t in labels)
    fig.canvas.draw()
    panel = fig.axes[0].get_window_extent()
    spans = [_text_box(fig, t) for t in labels]
    assert all(b.y0 >= panel.y1 for b in spans)
    assert all(a.x1 < b.x0 for a, b in pairwise(spans))


def test_new_figures_text_is_readable_inside_and_apart(arms, headline):
    """No text below 6 pt, outside the figure or over another text."""
    long = arms.assign(label=arms["label"] + " (a long description of the arm that must wrap in one column)")
    figs = [plots.dot_chart(long, estimate="pct", label="label", group="kind", percent=True, annotate="printed",
                            marker_by="evidence", reference={"pooled placebo": 21.0}, title="Responders by arm",
                            value_header="Responders/n",
                            xlabel="Responders (%), each study's own definition of a responder"),
            plots.table_figure(headline, title="How thin is the evidence?", note="One row per trial."),
            plots.curve_plot([2, 5, 10], {"a": [0.8, 0.9, 0.95], "b": [0.9, 0.93, 0.95]}, xlabel="k",
                             ylabel="Coverage", reference={"nominal 95%": 0.95}, title="Coverage")]  # fmt: skip
    for fig in figs:
        hidden = set()  # labels of ticks outside the axis limits are not drawn
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                lo, hi = sorted(axis.get_view_interval())
                hidden |= {id(lab) for tick in axis.get_major_ticks() if not lo <= tick.get_loc() <= hi
                           for lab in (tick.label1, tick.label2)}  # fmt: skip
        boxes = [(t, b) for t, b in _boxes(fig) if id(t) not in hidden]
        assert min(t.get_fontsize() for t, _ in boxes) >= 6
        w, h = fig.canvas.get_width_height()
        for t, b in boxes:
            assert b.x0 >= -0.5 and b.y0 >= -0.5 and b.x1 <= w + 0.5 and b.y1 <= h + 0.5, t.get_text()
        for (t1, b1), (t2, b2) in combinations(boxes, 2):
            overlap = min(b1.x1, b2.x1) - max(b1.x0, b2.x0) > 0.5 and min(b1.y1, b2.y1) - max(b1.y0, b2.y0) > 0.5
            assert not overlap, (t1.get_text(), t2.get_text())
    assert any("\n" in t for t in texts(figs[0], "dot-label"))  # the long labels were wrapped, not cut


# --------------------------------------------------------------------------------------------------------
# house style and save_figure
# --------------------------------------------------------------------------------------------------------


def test_house_style_context_and_figure_widths(res, effects):
    before = matplotlib.rcParams["pdf.fonttype"]
    with plots.house_style():
        assert matplotlib.rcParams["pdf.fonttype"] == 42
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == "#0072B2"  # Okabe-Ito blue
    assert matplotlib.rcParams["pdf.fonttype"] == before
    assert plots.forest(res).get_size_inches()[0] == pytest.approx(175 / 25.4)
    assert plots.funnel(res).get_size_inches()[0] == pytest.approx(85 / 25.4)
    assert plots.drapery(res, width_mm=120).get_size_inches()[0] == pytest.approx(120 / 25.4)


def test_save_figure_writes_three_formats_byte_identically(res, effects, tmp_path):
    fig = plots.forest(res, effects, rob=True, width_mm=200)
    paths = plots.save_figure(fig, "forest", tmp_path / "figs" / "nested")
    assert [p.name for p in paths] == ["forest.png", "forest.svg", "forest.pdf"]
    first = [p.read_bytes() for p in paths]
    png, svg, pdf = first
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width_px = int.from_bytes(png[16:20], "big")
    assert abs(width_px - 200 / 25.4 * 300) <= 1  # 300 dpi
    assert b"<svg" in svg and b"<dc:date>" not in svg
    assert pdf.startswith(b"%PDF") and b"/CreationDate" not in pdf
    assert b"/FontFile2" in pdf  # TrueType (Type 42) font embedded
    plots.save_figure(fig, "forest", tmp_path / "figs" / "nested")
    assert [p.read_bytes() for p in paths] == first
    again = plots.forest(res, effects, rob=True, width_mm=200)  # a rebuilt figure too
    paths2 = plots.save_figure(again, "forest", tmp_path / "other")
    assert [p.read_bytes() for p in paths2] == first


def test_save_figure_is_byte_identical_across_processes(tmp_path):
    script = (
        "import sys, warnings, matplotlib; matplotlib.use('Agg')\n"
        "from metaan import plots, pool\n"
        "warnings.simplefilter('ignore')\n"
        "r = pool([0.1, 0.5, 0.3, -0.2], [0.04, 0.09, 0.05, 0.1], labels=list('ABCD'))\n"
        "plots.save_figure(plots.forest(r), 'f', sys.argv[1])\n"
        "plots.save_figure(plots.funnel(r), 'g', sys.argv[1])\n"
    )
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env, cwd=REPO)
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert len(outs[0]) == 6
    assert all(len(b) > 1000 for b in outs[0].values())
    assert outs[0] == outs[1]


def test_save_figure_rejects_bad_names(res, tmp_path):
    fig = plots.funnel(res)
    with pytest.raises(InputError, match="without folders"):
        plots.save_figure(fig, "a/b", tmp_path)
    with pytest.raises(InputError, match="has an extension"):
        plots.save_figure(fig, "funnel.png", tmp_path)
    with pytest.raises(InputError, match="unsupported"):
        plots.save_figure(fig, "funnel", tmp_path, formats=("jpg",))
