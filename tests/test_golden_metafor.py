"""metaan against R metafor 3.8-1 at rtol 1e-6.

Every case names the R call that produced its values (see tests/reference/make_reference.R, which writes the
committed JSON). The JSON was generated with control=list(threshold=1e-12, tol=1e-12, maxiter=10000).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import metaan
from metaan.bias import begg, egger, trim_and_fill
from metaan.diagnostics import cumulative, gosh, influence, leave_one_out, permutation_test
from metaan.metareg import metareg, subgroup

RTOL = 1e-6
ATOL = 1e-8  # absolute slack for values that are 0 in one program and ~1e-9 in the other
REF = json.loads((Path(__file__).parent / "reference" / "metafor_reference.json").read_text())
DATA = REF["datasets"]


def close(actual, expected, what):
    expected = np.asarray(expected, dtype=float)
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=RTOL, atol=ATOL, err_msg=what)


def fit(name, method, test):
    d = DATA[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metaan.MetaanWarning)
        return metaan.pool(
            d["yi"],
            d["vi"],
            method=method,
            test="knha" if test == "adhoc" else test,
            knha_truncate=(test == "adhoc"),
        )


def case_id(c):
    return f"{c['dataset']}-{c['method']}-{c['test']}"


@pytest.mark.parametrize("case", REF["pool"], ids=case_id)
def test_pool_matches_metafor(case):
    res = fit(case["dataset"], case["method"], case["test"])
    call = case["call"]
    for field in ["estimate", "se", "zval", "pval", "ci_low", "ci_high", "tau2", "i2", "h2", "q", "q_pvalue"]:
        close(getattr(res, field), case[field], f"{field} of {call}")
    close(res.weights, case["weights"], f"weights of {call}")
    assert res.k == case["k"]
    if case.get("pi_low") is not None:
        close([res.pi_low, res.pi_high], [case["pi_low"], case["pi_high"]], f"prediction interval of {call}")
    if "tau2_ci" in case:
        close(res.tau2_ci, case["tau2_ci"], f"tau2 CI of {call}")
        close(res.i2_ci, case["i2_ci"], f"I2 CI of {call}")
        close(res.h2_ci, case["h2_ci"], f"H2 CI of {call}")


@pytest.mark.parametrize("case", REF["diagnostics"], ids=case_id)
def test_leave_one_out_and_cumulative_match_metafor(case):
    res = fit(case["dataset"], case["method"], case["test"])
    loo = leave_one_out(res)
    cum = cumulative(res)
    compared = 0
    for field, expected in case["leave1out"].items():
        if not expected:  # metafor has no tau2 column for FE models
            assert case["method"] == "FE" and field == "tau2", f"metafor gave no {field}"
            continue
        compared += 1
        close(loo[field], expected, f"leave1out {field}: {case['call']}")
    assert compared >= 10
    for field, expected in case["cumul"].items():
        if not expected:
            assert case["method"] == "FE" and field == "tau2", f"metafor gave no {field}"
            continue
        got = cum[field].to_numpy(float)
        exp = np.asarray(expected, dtype=float)
        # metafor's first cumulative row (k = 1) reports tau² = 0, I² = 0, H² = 1 and Q = 0; metaan reports the
        # heterogeneity of a single study as undefined (NaN). Compare the rows with k >= 2, and row 1's estimate.
        if field in ("tau2", "i2", "h2", "q", "q_pvalue"):
            got, exp = got[1:], exp[1:]
        close(got, exp, f"cumul {field}: {case['call']}")


@pytest.mark.parametrize("case", REF["influence"], ids=case_id)
def test_influence_matches_metafor(case):
    res = fit(case["dataset"], case["method"], case["test"])
    inf = influence(res)
    for field in [
        "rstudent",
        "dffits",
        "cooks_d",
        "cov_ratio",
        "tau2_del",
        "q_del",
        "hat",
        "weight",
        "dfbetas",
    ]:
        close(inf[field], case[field], f"{field}: {case['call']}")


@pytest.mark.parametrize("case", REF["regtest"], ids=case_id)
def test_egger_matches_regtest(case):
    res = fit(case["dataset"], case["method"], case["test"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metaan.MetaanWarning)
        out = egger(res)
    close(
        [out.z, out.pvalue, out.limit_estimate],
        [case["z"], case["pvalue"], case["limit_estimate"]],
        case["call"],
    )
    close(out.limit_ci, case["limit_ci"], case["call"])


@pytest.mark.parametrize("case", REF["ranktest"], ids=lambda c: c["dataset"])
def test_begg_matches_ranktest(case):
    res = fit(case["dataset"], "REML", "z")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metaan.MetaanWarning)
        out = begg(res)
    close([out.tau, out.pvalue], [case["tau"], case["pvalue"]], case["call"])


@pytest.mark.parametrize(
    "case", REF["trimfill"], ids=lambda c: f"{c['dataset']}-{c['method']}-{c['side_arg']}-{c['estimator']}"
)
def test_trim_and_fill_matches_metafor(case):
    res = fit(case["dataset"], case["method"], "z")
    side = None if case["side_arg"] == "default" else case["side_arg"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metaan.MetaanWarning)
        out = trim_and_fill(res, estimator=case["estimator"], side=side)
    assert out.k0 == case["k0"], case["call"]
    assert out.side == case["side"], case["call"]
    for field in ["estimate", "se", "tau2", "ci_low", "ci_high"]:
        close(getattr(out.result, field), case[field], f"{field}: {case['call']}")
    close(np.sort(out.result.yi), np.sort(case["yi"]), f"filled yi: {case['call']}")


@pytest.mark.parametrize("case", REF["metareg"], ids=case_id)
def test_metareg_matches_metafor(case):
    d = DATA[case["dataset"]]
    X = np.column_stack([d["mods"][m] for m in np.atleast_1d(case["mods"])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metaan.MetaanWarning)
        out = metareg(d["yi"], d["vi"], X, method=case["method"], test=case["test"])
    for field in ["estimate", "se", "zval", "pval", "ci_low", "ci_high"]:
        close(out.coefs[field], case[field], f"coef {field}: {case['call']}")
    for field in ["tau2", "i2", "h2", "qm", "qe"]:
        close(getattr(out, field), case[field], f"{field}: {case['call']}")
    close([out.qm_pvalue, out.qe_pvalue], [case["qm_pvalue"], case["qe_pvalue"]], f"p-values: {case['call']}")
    if case.get("r2") is not None:
        close(out.r2, case["r2"], f"R2: {case['call']}")


def test_permutation_test_matches_permutest_intercept_only():
    case = REF["permutest"][0]
    res = metaan.pool(case["yi"], case["vi"], method="REML")
    out = permutation_test(res, n=1000)
    assert out.exact and out.n == 256
    close(out.pval["intrcpt"], np.atleast_1d(case["pval"])[0], case["call"])


def test_permutation_test_matches_permutest_moderator():
    case = REF["permutest"][1]
    fit_ = metareg(case["yi"], case["vi"], np.asarray(case["mods"]), method="REML")
    out = permutation_test(fit_, n=10000)
    assert out.exact
    close(out.pval.iloc[1:].to_numpy(), case["pval"], case["call"])
    close(out.pval["QM"], case["qm_pval"], case["call"])


def test_gosh_matches_metafor():
    case = REF["gosh"]
    res = metaan.pool(case["yi"], case["vi"], method="REML")
    out = gosh(res)
    incl = np.asarray(case["incl"], dtype=bool)
    # match subsets by membership pattern, independent of enumeration order
    key = lambda m: tuple(int(b) for b in m)  # noqa: E731
    ours = {key(m): i for i, m in enumerate(out[list(res.labels)].to_numpy())}
    rows = [ours[key(m)] for m in incl]
    assert len(out) == len(incl) == 2**6 - 1
    for field, col in [("estimate", "estimate"), ("tau2", "tau2"), ("i2", "i2"), ("q", "q")]:
        close(out[col].to_numpy()[rows], case[field], f"gosh {field}: {case['call']}")


@pytest.mark.parametrize("case", REF["subgroup"], ids=lambda c: c["method"])
def test_subgroup_matches_metafor(case):
    d = DATA["bcg"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metaan.MetaanWarning)
        out = subgroup(d["yi"], d["vi"], d["groups"], method=case["method"])
    summary = out.summary().set_index("group").loc[case["groups"]]
    close(summary["estimate"], case["estimate"], case["call"])
    close(summary["tau2"], case["tau2"], case["call"])
    close([out.q_between, out.q_between_pvalue], [case["q_between"], case["q_between_pvalue"]], case["call"])
