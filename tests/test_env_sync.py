"""environment.yml mirrors pyproject.toml: the same packages with the same version bounds, python=3.11 from
conda-forge. pyproject.toml is read with tomllib; environment.yml with the small line parser below (the file
is a flat list, and PyYAML is not a dependency of metaan)."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MIRRORED_EXTRAS = ("test",)  # the "lab" extra (jupyterlab) is for interactive use and is not mirrored
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*?)\s*(?:;.*)?$")


def normalise(name: str) -> str:
    """PEP 503 name normalisation (conda-forge uses the same lower-case, dash-separated names)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirement(spec: str) -> tuple[str, str]:
    """'numpy>=1.26' -> ('numpy', '>=1.26'); also conda's 'python=3.11' -> ('python', '=3.11')."""
    match = REQUIREMENT.match(spec)
    assert match, f"cannot parse requirement {spec!r}"
    return normalise(match.group(1)), match.group(2).replace(" ", "")


def read_environment_yml(path: Path) -> dict:
    """The top-level keys of a conda environment file: scalars as str, lists as lists of str.

    Understands exactly what environment files use: ``key: value``, ``key:`` followed by ``- item`` lines,
    comments and blank lines. A nested ``- pip:`` list is returned under the key ``pip``."""
    out: dict = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        if indent == 0:
            key, _, value = text.partition(":")
            current = key.strip()
            out[current] = value.strip() if value.strip() else []
        elif text.startswith("- ") and text[2:].strip() == "pip:":
            current = "pip"
            out["pip"] = []
        elif text.startswith("- "):
            assert isinstance(out.get(current), list), f"list item outside a list: {raw!r}"
            out[current].append(text[2:].strip().strip("'\""))
        else:
            raise AssertionError(f"environment.yml line not understood by this parser: {raw!r}")
    return out


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment():
    return read_environment_yml(ROOT / "environment.yml")


def test_parser_reads_a_small_environment(tmp_path):
    sample = tmp_path / "environment.yml"
    sample.write_text("name: x  # comment\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
                      "  # a comment\n  - numpy>=1.26\n  - pip\n  - pip:\n      - some-pkg==1.0\n")  # fmt: skip
    assert read_environment_yml(sample) == {
        "name": "x",
        "channels": ["conda-forge"],
        "dependencies": ["python=3.11", "numpy>=1.26", "pip"],
        "pip": ["some-pkg==1.0"],
    }


def test_same_packages_and_bounds(pyproject, environment):
    project = pyproject["project"]
    wanted = list(project["dependencies"])
    for extra in MIRRORED_EXTRAS:
        wanted += project["optional-dependencies"][extra]
    expected = dict(split_requirement(s) for s in wanted)
    listed = [split_requirement(s) for s in environment["dependencies"] + environment.get("pip", [])]
    names = [n for n, _ in listed if n not in ("python", "pip")]
    assert len(names) == len(set(names)), f"listed twice in environment.yml: {sorted(names)}"
    got = {n: bound for n, bound in listed if n not in ("python", "pip")}
    assert sorted(got) == sorted(expected)
    assert got == expected  # the same lower bounds, so a conda user gets what pip would accept


def test_python_and_channel(pyproject, environment):
    assert environment["channels"] == ["conda-forge"]
    pythons = [bound for n, bound in map(split_requirement, environment["dependencies"]) if n == "python"]
    assert pythons == ["=3.11"]
    minimum = re.fullmatch(r">=\s*(\d+\.\d+)", pyproject["project"]["requires-python"]).group(1)
    assert tuple(map(int, minimum.split("."))) <= (3, 11)


def test_lab_extra_is_deliberately_not_mirrored(pyproject, environment):
    extras = pyproject["project"]["optional-dependencies"]
    assert set(extras) == {"test", "lab"}, "a new extra: decide whether environment.yml mirrors it"
    names = {split_requirement(s)[0] for s in environment["dependencies"]}
    assert not names & {split_requirement(s)[0] for s in extras["lab"]}
