"""The notebooks as files: what they save, what they contain, and that `metaan build` exports them.

nbval (run by `make test` on notebooks/) re-executes every notebook and compares its outputs; these tests check
the rest of the contract: every figure a notebook saves exists in three non-empty formats, no notebook carries an
absolute path, and the build writes an index page that links every notebook.
"""

import json
import re
import shutil
from pathlib import Path

import pytest

from metaan import cli

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FIGURES = ROOT / "figures"
SAVED = re.compile(r"save_figure\(\s*\w+\s*,\s*[\"']([^\"']+)[\"']")


def sources(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "code")


def test_seven_numbered_notebooks_exist():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_saved_figure_exists_in_three_formats(path):
    names = SAVED.findall(sources(path))
    assert names, f"{path.name} saves no figure"
    for name in names:
        assert name.startswith(path.name[:2]), f"figure {name!r} should start with the notebook number"
        for fmt in ("png", "svg", "pdf"):
            file = FIGURES / f"{name}.{fmt}"
            assert file.is_file() and file.stat().st_size > 1000, f"{file} missing or empty"


def test_at_least_ten_figures_in_three_formats():
    stems = {p.stem for p in FIGURES.glob("*.png")}
    complete = [s for s in stems if all((FIGURES / f"{s}.{fmt}").is_file() for fmt in ("svg", "pdf"))]
    assert len(complete) >= 10


def test_no_stale_figures():
    """Every file in figures/ belongs to a notebook that exists (its name starts with that notebook's number)."""
    numbers = {p.name[:2] for p in NOTEBOOKS}
    stale = [p.name for p in FIGURES.iterdir() if p.name[:2] not in numbers]
    assert stale == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_hold_no_absolute_paths(path):
    text = path.read_text(encoding="utf-8")
    for pattern in (r"/home/", r"/work/", r"/tmp/", r"/root/", r"[A-Za-z]:\\\\"):
        assert not re.search(pattern, text), f"{path.name} contains an absolute path matching {pattern}"


def test_build_exports_a_notebook_and_an_index(tmp_path):
    """`metaan build` on one notebook (a copy, executed in tmp_path) writes its HTML page and an index that still
    links all seven notebooks."""
    copy = tmp_path / NOTEBOOKS[0].name
    shutil.copy(NOTEBOOKS[0], copy)
    written = cli.build([copy], report=tmp_path / "report")
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert written[0].name == "index.html"
    for nb in NOTEBOOKS:
        assert f'href="{nb.stem}.html"' in index
    page = tmp_path / "report" / f"{copy.stem}.html"
    assert page.stat().st_size > 10_000 and "Claims" in page.read_text(encoding="utf-8")
