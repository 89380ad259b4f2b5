"""Time metaan against R's metafor on the same work, in the same run, and print the ratios.

    .venv/bin/python benchmarks/bench_engine.py          (or: make bench)

Three workloads (issue targets, metafor time / metaan time):
  1. one REML fit of the BCG vaccine data (k = 13)                      target >= 20x
  2. GOSH of 10 studies: all 1,023 subsets, REML                        target >= 300x
  3. 2,000 simulated meta-analyses, k = 5, REML + Hartung-Knapp         target >= 300x
metafor is timed only when `Rscript` with metafor is on the PATH; otherwise metaan's times are printed alone.
Each timing is the best of several repeats (the usual way to take scheduler noise out of a micro-benchmark).
Run by hand; results are written in benchmarks/README.md. Tests never assert times.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import timeit
import warnings
from pathlib import Path

import numpy as np

import metaan
from metaan.diagnostics import gosh

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = json.loads((ROOT / "tests" / "reference" / "metafor_reference.json").read_text())

R_SCRIPT = r"""
suppressMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- jsonlite::fromJSON(args[1])
best <- function(expr, reps, n) min(replicate(reps, system.time(for (i in seq_len(n)) eval(expr))[["elapsed"]] / n))
t1 <- best(quote(rma(d$yi, d$vi, method = "REML")), 5, 200)
r10 <- rma(d$yi[1:10], d$vi[1:10], method = "REML")
t2 <- best(quote(gosh(r10, progbar = FALSE)), 3, 1)
t3 <- best(quote(for (j in seq_len(nrow(d$Y))) rma(d$Y[j, ], d$V[j, ], method = "REML", test = "knha")), 3, 1)
cat(jsonlite::toJSON(list(single = t1, gosh = t2, sim = t3, version = as.character(packageVersion("metafor"))),
                     auto_unbox = TRUE, digits = NA))
"""


def best(stmt, number: int, repeat: int = 5) -> float:
    """Best per-call time (seconds) over ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number


def main() -> None:
    warnings.simplefilter("ignore", metaan.MetaanWarning)
    bcg = REFERENCE["datasets"]["bcg"]
    yi, vi = np.asarray(bcg["yi"]), np.asarray(bcg["vi"])
    rng = np.random.default_rng(2026)
    V = rng.chisquare(5, size=(2000, 5)) / 50 + 0.005
    Y = rng.normal(0.2, np.sqrt(0.04 + V))
    res10 = metaan.pool(yi[:10], vi[:10], method="REML")

    ours = {
        "single": best(lambda: metaan.pool(yi, vi, method="REML"), number=500),
        "gosh": best(lambda: gosh(res10), number=10),
        "sim": best(lambda: metaan.pool_many(Y, V, method="REML", test="knha"), number=10),
    }
    theirs = None
    if shutil.which("Rscript"):
        tmp = ROOT / "benchmarks" / ".bench_input.json"
        tmp.write_text(json.dumps({"yi": yi.tolist(), "vi": vi.tolist(), "Y": Y.tolist(), "V": V.tolist()}))
        try:
            out = subprocess.run(["Rscript", "-e", R_SCRIPT, str(tmp)], capture_output=True, text=True, check=True)
            theirs = json.loads(out.stdout.strip().splitlines()[-1])
        except (subprocess.CalledProcessError, json.JSONDecodeError) as err:
            print(f"metafor not timed: {err}")
        finally:
            tmp.unlink(missing_ok=True)
    names = {
        "single": "one REML fit, BCG (k = 13)",
        "gosh": "GOSH, 10 studies (1,023 subsets, REML)",
        "sim": "2,000 simulated MAs (k = 5, REML + knha)",
    }
    targets = {"single": 20, "gosh": 300, "sim": 300}
    print(f"{'workload':44s} {'metaan':>12s} {'metafor':>12s} {'ratio':>8s} {'target':>7s}")
    for key, label in names.items():
        mine = ours[key]
        if theirs:
            ratio = theirs[key] / mine
            flag = "met" if ratio >= targets[key] else "MISSED"
            print(
                f"{label:44s} {mine * 1e3:10.3f}ms {theirs[key] * 1e3:10.1f}ms {ratio:7.0f}x {targets[key]:5d}x {flag}"
            )
        else:
            print(f"{label:44s} {mine * 1e3:10.3f}ms {'-':>12s}")
    if theirs:
        print(f"metafor {theirs['version']}; numpy {np.__version__}")


if __name__ == "__main__":
    main()
