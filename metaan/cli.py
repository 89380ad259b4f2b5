"""The ``metaan`` command: ``build`` (run every notebook, write figures/ and report/), ``pool`` (a metafor-like
summary of a CSV of effect sizes) and ``check-data`` (validate a trials file). Argument handling only: the work
is done by metaan's modules and by nbclient/nbconvert."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

from .errors import DataError, InputError, MetaanWarning

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REPORT = ROOT / "report"


def _pool(args: argparse.Namespace) -> int:
    import pandas as pd

    from .models import pool

    path = Path(args.file)
    try:
        table = pd.read_csv(path, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot be read as CSV ({str(err).splitlines()[0]})") from None
    wanted = [args.yi, args.sei if args.sei else args.vi]
    if args.labels:
        wanted.append(args.labels)
    for col in wanted:
        if col not in table.columns:
            raise InputError(f"{path}: no column {col!r}; columns are {', '.join(map(str, table.columns))}")
    labels = table[args.labels].astype(str).tolist() if args.labels else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MetaanWarning)
        res = pool(
            table[args.yi].to_numpy(),
            None if args.sei else table[args.vi].to_numpy(),
            sei=table[args.sei].to_numpy() if args.sei else None,
            method=args.method,
            test=args.test,
            level=args.level,
            labels=labels,
        )
    if args.json:
        out = res.summary().iloc[0].to_dict()
        out["weights"] = dict(zip(res.labels, res.weights.tolist(), strict=True))
        print(json.dumps(out, indent=2, default=float))
    else:
        print(res)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    return 0


def _check_data(args: argparse.Namespace) -> int:
    from .data import load_claims, load_trials

    trials = load_trials(args.file)
    print(f"{args.file or 'data/trials.csv'}: OK ({len(trials)} rows, {trials['study'].nunique()} studies)")
    if args.claims or args.file is None:
        claims = load_claims(args.claims, trials=trials)
        print(f"{args.claims or 'data/claims.csv'}: OK ({len(claims)} claims)")
    return 0


def build(notebooks: list[Path] | None = None, report: Path = REPORT, timeout: int = 600) -> list[Path]:
    """Execute notebooks in place (nbclient), export each to HTML and write an index page (nbconvert).

    Notebooks run with the repository root as working directory, two at a time (each in its own kernel
    process, so a 2-core machine builds in about half the time); figures are written by the notebooks
    themselves through :func:`metaan.plots.save_figure`. The index lists every notebook in ``notebooks/``,
    so building a subset does not drop the others. Returns the HTML files written.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from tqdm import tqdm

    everything = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    notebooks = sorted(Path(p).resolve() for p in notebooks) if notebooks else everything
    if not notebooks:
        raise InputError(f"no notebooks found in {NOTEBOOKS}")
    report.mkdir(parents=True, exist_ok=True)

    def run(path: Path) -> Path:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:  # no execution timestamps: building twice must give the same files
            cell.metadata.pop("execution", None)
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(ROOT)}}
        )
        client.execute()
        nb = _stable_widget_ids(nb)
        nbformat.write(nb, path)
        body, _ = HTMLExporter().from_notebook_node(nb)
        html = report / f"{path.stem}.html"
        html.write_text(body, encoding="utf-8")
        return html

    written = []
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        futures = [pool.submit(run, path) for path in notebooks]
        for future in tqdm(as_completed(futures), total=len(futures), desc="notebooks", unit="nb"):
            written.append(future.result())
    items = "\n".join(
        f'    <li><a href="{p.stem}.html">{_title(nbformat.read(p, as_version=4), p.stem)}</a></li>' for p in everything
    )
    index = report / "index.html"
    index.write_text(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>metaan report</title></head>\n'
        "<body>\n  <h1>metaan: how thin is the evidence for stem-cell treatment of ALS?</h1>\n"
        f"  <ol>\n{items}\n  </ol>\n  <p>Figures: <code>figures/</code> (PNG 300 dpi, SVG, PDF).</p>\n</body></html>\n",
        encoding="utf-8",
    )
    return [index, *sorted(written)]


def _stable_widget_ids(nb):
    """Replace the random ipywidgets model ids (uuid4) by ids numbered in order of creation, so that building
    twice writes the same notebook (and nbval, which ignores widget views, is unaffected)."""
    import nbformat

    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    if not state:
        return nb
    text = nbformat.writes(nb)
    for i, old in enumerate(list(state)):
        text = text.replace(old, f"{i + 1:032x}")
    return nbformat.reads(text, as_version=4)


def _title(nb, default: str) -> str:
    """The notebook's first markdown heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("# ").strip()
    return default


def _build(args: argparse.Namespace) -> int:
    paths = build([Path(p) for p in args.notebooks] if args.notebooks else None)
    print(f"wrote {paths[0]} and {len(paths) - 1} notebook pages")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="metaan", description="Meta-analysis that agrees with metafor.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("pool", help="pool effect sizes from a CSV file and print a metafor-like summary")
    p.add_argument("file", help="CSV file with one row per study")
    p.add_argument("--yi", required=True, help="column with the effect sizes")
    p.add_argument("--vi", help="column with the sampling variances")
    p.add_argument("--sei", help="column with the standard errors (instead of --vi)")
    p.add_argument("--labels", help="column with study names")
    p.add_argument("--method", default="REML", help="tau² estimator: FE DL REML ML PM HE SJ HS EB (default REML)")
    p.add_argument("--test", default="z", choices=["z", "knha"], help="z or knha (Hartung-Knapp)")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_pool)

    c = sub.add_parser("check-data", help="validate a trials file (default data/trials.csv and data/claims.csv)")
    c.add_argument("file", nargs="?", default=None, help="trials CSV to check")
    c.add_argument("--claims", default=None, help="claims CSV to check against the trials file")
    c.set_defaults(func=_check_data)

    b = sub.add_parser("build", help="execute every notebook and write figures/ and report/index.html")
    b.add_argument("notebooks", nargs="*", help="only these notebooks (default: all)")
    b.set_defaults(func=_build)

    args = parser.parse_args(argv)
    if args.command == "pool" and not (args.vi or args.sei):
        print("metaan: error: pool needs --vi (variances) or --sei (standard errors)", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except (DataError, InputError) as err:
        print(f"metaan: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
