"""The ``metaan`` command, run as a user runs it: in a subprocess, from a scratch directory.

Numbers are compared with R metafor 3.8-1 literals (the R call is written above each), generated with
``ctl <- list(threshold=1e-12, tol=1e-12, maxiter=10000)``. Errors must be exactly one line on stderr starting
``metaan: error:``, never a traceback.
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "metaan"

# yi <- c(0.1, 0.3, -0.2, 0.5, 0.25); vi <- c(0.04, 0.09, 0.01, 0.0625, 0.0225)
CSV = """study,yi,vi,sei
Ander,0.1,0.04,0.2
Brook,0.3,0.09,0.3
Cole,-0.2,0.01,0.1
Dunn,0.5,0.0625,0.25
Eyre,0.25,0.0225,0.15
"""
LABELS = ["Ander", "Brook", "Cole", "Dunn", "Eyre"]
# r <- rma(yi, vi, method="REML", control=ctl); predict(r); weights(r)
REML_Z = dict(estimate=0.13632596443381342, se=0.13260585916503745, ci_low=-0.1235767436686506,
              ci_high=0.39622867253627747, tau2=0.051031043839124123, i2=62.478460000999917, h2=2.6651358127269003,
              q=11.903398027762076, pval=0.30392449627069956, pi_low=-0.37707745507566592,
              pi_high=0.64972938394329272)  # fmt: skip
REML_WEIGHTS = [19.316832086396658, 12.468399443285964, 28.812081161923796, 15.488551228168992, 23.914136080224583]
# rma(yi, vi, method="REML", test="knha", control=ctl)
REML_KNHA = dict(estimate=0.13632596443381342, se=0.12223033554944542, ci_low=-0.20303985240912822,
                 ci_high=0.47569178127675504, tau2=0.051031043839124123, pval=0.32719702902251263)  # fmt: skip
# rma(yi, vi, method="DL", control=ctl)
DL_Z = dict(estimate=0.14188327594704861, se=0.14012726242817095, ci_low=-0.13276111166435908,
            ci_high=0.41652766355845627, tau2=0.060553416746872007, i2=66.396150152495338)  # fmt: skip


def run(args, cwd, script=False):
    """Run ``python -m metaan.cli ARGS`` (or the console script) in cwd, importing metaan from this checkout."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    cmd = [str(CONSOLE_SCRIPT)] if script else [sys.executable, "-m", "metaan.cli"]
    return subprocess.run([*cmd, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def assert_one_line_error(proc, *fragments):
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("metaan: error:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert proc.stdout == ""


def assert_matches(out, expected):
    for key, value in expected.items():
        np.testing.assert_allclose(out[key], value, rtol=1e-6, atol=1e-10, err_msg=key)


@pytest.fixture()
def effects_csv(tmp_path):
    path = tmp_path / "effects.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------------------
# pool
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="the metaan console script is not installed here")
def test_console_script_prints_a_metafor_like_summary(effects_csv):
    proc = run(["pool", effects_csv.name, "--yi", "yi", "--vi", "vi"], cwd=effects_csv.parent, script=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # k = 5, tau² > 0: nothing to warn about
    text = proc.stdout
    assert "Random-effects (REML) meta-analysis, k = 5" in text
    assert f"estimate = {REML_Z['estimate']:.4f}  se = {REML_Z['se']:.4f}" in text
    assert f"tau^2 = {REML_Z['tau2']:.4f}" in text and f"I^2 = {REML_Z['i2']:.2f}%" in text
    assert f"95% CI [{REML_Z['ci_low']:.4f}, {REML_Z['ci_high']:.4f}]" in text
    assert f"Q(4) = {REML_Z['q']:.4f}" in text


def test_pool_json_matches_metafor(effects_csv):
    proc = run(["pool", str(effects_csv), "--yi", "yi", "--vi", "vi", "--labels", "study", "--json"], cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["method"] == "REML" and out["test"] == "z" and out["k"] == 5 and out["q_df"] == 4
    assert_matches(out, REML_Z)
    assert list(out["weights"]) == LABELS
    np.testing.assert_allclose(list(out["weights"].values()), REML_WEIGHTS, rtol=1e-6)


def test_pool_sei_column_and_method_dl_match_metafor(effects_csv):
    # the sei column holds sqrt(vi), so the result is metafor's rma(yi, vi, method="DL")
    proc = run(["pool", effects_csv.name, "--yi", "yi", "--sei", "sei", "--method", "DL", "--json"],
               cwd=effects_csv.parent)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["method"] == "DL"
    assert_matches(out, DL_Z)


def test_pool_knha_matches_metafor(effects_csv):
    proc = run(["pool", effects_csv.name, "--yi", "yi", "--vi", "vi", "--test", "knha", "--json"],
               cwd=effects_csv.parent)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["test"] == "knha"
    assert_matches(out, REML_KNHA)


def test_pool_non_numeric_variance_is_one_line_naming_the_study(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV.replace("Brook,0.3,0.09", "Brook,0.3,abc"), encoding="utf-8")
    proc = run(["pool", bad.name, "--yi", "yi", "--vi", "vi", "--labels", "study"], cwd=tmp_path)
    assert_one_line_error(proc, "'Brook'", "'abc' is not a number")


def test_pool_missing_column_is_one_line_naming_the_column(effects_csv):
    proc = run(["pool", effects_csv.name, "--yi", "yi", "--vi", "variance"], cwd=effects_csv.parent)
    assert_one_line_error(proc, "no column 'variance'", "study, yi, vi, sei")


def test_pool_nonexistent_file_is_one_line(tmp_path):
    proc = run(["pool", "missing.csv", "--yi", "yi", "--vi", "vi"], cwd=tmp_path)
    assert_one_line_error(proc, "missing.csv", "no such file")


def test_pool_directory_is_one_line(tmp_path):
    proc = run(["pool", str(tmp_path), "--yi", "yi", "--vi", "vi"], cwd=tmp_path)
    assert_one_line_error(proc)


# ----------------------------------------------------------------------------------------------------------
# check-data
# ----------------------------------------------------------------------------------------------------------


def test_check_data_accepts_the_repository_data(tmp_path):
    proc = run(["check-data"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with open(ROOT / "data" / "trials.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    studies = len({r["study"] for r in rows})
    assert f"OK ({len(rows)} rows, {studies} studies)" in proc.stdout
    assert "claims.csv: OK" in proc.stdout


def test_check_data_rejects_a_broken_copy_in_one_line(tmp_path):
    with open(ROOT / "data" / "trials.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    assert rows[0]["design"] != "randomised"
    rows[0]["design"] = "randomised"  # not one of the allowed designs; the first record starts on line 2
    broken = tmp_path / "trials.csv"
    with open(broken, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    proc = run(["check-data", str(broken)], cwd=tmp_path)
    assert_one_line_error(proc, "line 2", "design", "'randomised' is not allowed")
