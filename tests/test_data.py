"""Broken-input tests for metaan.data.load_trials / load_claims.

Every test starts from a small *valid* file built here (checked to load in ``test_valid_minimal_files_load``),
breaks one thing, writes the copy into ``tmp_path`` and asserts that a ``DataError`` is raised whose message
names the file, the CSV line, the column, the offending value and the rule (GUIDE.md: "Errors say what was
wrong, where, and what is expected").
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pytest

from metaan.data import CLAIMS_CSV, CLAIMS_SCHEMA, TRIALS_CSV, TRIALS_SCHEMA, codebook, load_claims, load_trials
from metaan.errors import DataError

TRIAL_COLS = [c.name for c in TRIALS_SCHEMA]
CLAIM_COLS = [c.name for c in CLAIMS_SCHEMA]
README = Path(__file__).resolve().parent.parent / "data" / "README.md"

# A synthetic study (not real data): an RCT with a printed MD, and a responder row with 2x2 counts.
_COMMON = {
    "study": "Alpha2020", "author": "Alpha A", "year": "2020", "design": "rct", "blinding": "double_blind",
    "control": "placebo_sham", "cell_type": "BM-MSC", "cell_origin": "autologous", "route": "intrathecal",
    "result_version": "paper", "source_url": "https://example.org/alpha2020", "evidence": "primary",
    "status": "extracted", "risk_of_bias": "low", "rob_reason": "synthetic test row",
}  # fmt: skip
ROW_MD = {
    **_COMMON, "outcome": "alsfrs_change", "outcome_detail": "mean (SD) change", "timepoint_months": "6",
    "population": "itt", "n_t": "20", "mean_t": "-2.0", "sd_t": "3.0", "n_c": "20", "mean_c": "-4.0",
    "sd_c": "3.5", "measure": "MD", "estimate": "2.0", "se": "1.03", "ci_low": "-0.1", "ci_high": "4.1",
    "p": "0.06", "contrast_direction": "cells_minus_control", "as_printed": "2.0 (1.03, -0.1 to 4.1)",
    "locator": "Table 2",
}  # fmt: skip
ROW_RESP = {
    **_COMMON, "outcome": "responder", "outcome_detail": ">=25% slope improvement", "timepoint_months": "6",
    "population": "itt", "n_t": "20", "events_t": "9", "n_c": "20", "events_c": "4", "measure": "OR",
    "estimate": "3.1", "ci_low": "0.8", "ci_high": "12.4", "contrast_direction": "cells_vs_control",
    "hr": "", "as_printed": "9/20 vs 4/20", "locator": "Table 3",
}  # fmt: skip
ROW_NOT_FOUND = {
    "study": "Beta2019", "author": "Beta B", "design": "single_arm", "status": "not_found",
    "source_url": "https://doi.org/10.0000/beta", "locator": "not found in store", "notes": "searched: beta",
}  # fmt: skip
CLAIM = {
    "claim_id": "C001", "seed_file": "000_test.txt", "claim": "cells cure ALS", "claim_type": "efficacy",
    "studies": "Alpha2020", "other_sources": "", "what_the_source_shows": "no cure",
    "verdict": "contradicted", "reason": "RCT shows no cure", "source_url": "https://example.org/alpha2020",
}  # fmt: skip


def _full(row: dict, cols: list[str]) -> dict:
    return {c: row.get(c, "") for c in cols}


def write_csv(path: Path, cols: list[str], rows: list[dict], *, delimiter: str = ",", newline: str = "\n") -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(cols)
    for row in rows:
        writer.writerow([row.get(c, "") for c in cols])
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def trials_file(tmp_path: Path, rows: list[dict] | None = None, name: str = "trials.csv", **kw) -> Path:
    rows = [ROW_MD, ROW_RESP, ROW_NOT_FOUND] if rows is None else rows
    return write_csv(tmp_path / name, kw.pop("cols", TRIAL_COLS), [_full(r, TRIAL_COLS) for r in rows], **kw)


def claims_file(tmp_path: Path, rows: list[dict] | None = None, name: str = "claims.csv", **kw) -> Path:
    rows = [CLAIM, {**CLAIM, "claim_id": "C002", "studies": "Alpha2020;Beta2019"}] if rows is None else rows
    return write_csv(tmp_path / name, kw.pop("cols", CLAIM_COLS), [_full(r, CLAIM_COLS) for r in rows], **kw)


def with_cell(row: dict, **changes: str) -> dict:
    return {**row, **changes}


def expect(loader, path: Path, *, line: int | None, column: str | None, value: str | None, rule: str, **kw):
    """Load ``path``, expect DataError, and check the message names file, line, column, value and rule."""
    with pytest.raises(DataError) as info:
        loader(path, **kw)
    msg = str(info.value)
    assert str(path) in msg, msg
    if line is not None:
        assert re.search(rf"\bline {line}\b", msg), msg
    if column is not None:
        assert re.search(rf"column '?{re.escape(column)}'?\b", msg), msg
    if value is not None:
        assert value in msg, msg
    assert rule in msg, msg
    return msg


# ----------------------------------------------------------------------------------------------------------
# the fixtures themselves are valid (otherwise every "broken" test below would pass for the wrong reason)
# ----------------------------------------------------------------------------------------------------------


def test_valid_minimal_files_load(tmp_path):
    trials = load_trials(trials_file(tmp_path))
    assert list(trials["study"]) == ["Alpha2020", "Alpha2020", "Beta2019"]
    assert list(trials["line"]) == [2, 3, 4]
    assert trials["mean_c"].iat[0] == -4.0 and trials["events_t"].iat[1] == 9.0
    claims = load_claims(claims_file(tmp_path), trials=trials)
    assert list(claims["claim_id"]) == ["C001", "C002"]


def test_repository_data_files_load_cleanly():
    trials = load_trials()
    claims = load_claims()
    assert len(trials) > 100 and len(claims) > 50
    assert set(trials["status"]) <= {"extracted", "no_numbers", "not_found"}
    # explicit paths give the same frames as the defaults
    assert load_trials(TRIALS_CSV).equals(trials)
    assert load_claims(CLAIMS_CSV, trials=TRIALS_CSV).equals(claims)


# ----------------------------------------------------------------------------------------------------------
# header-level rules
# ----------------------------------------------------------------------------------------------------------


def test_missing_column(tmp_path):
    cols = [c for c in TRIAL_COLS if c != "notes"]
    path = trials_file(tmp_path, cols=cols)
    expect(load_trials, path, line=1, column="notes", value="'notes'", rule="required column is missing")


def test_unknown_column(tmp_path):
    path = trials_file(tmp_path, cols=[*TRIAL_COLS, "sd_pooled"])
    expect(load_trials, path, line=1, column="sd_pooled", value="'sd_pooled'", rule="unknown column")


def test_duplicated_column(tmp_path):
    path = trials_file(tmp_path, cols=[*TRIAL_COLS, "notes"])
    expect(load_trials, path, line=1, column="notes", value="'notes'", rule="appears more than once")


def test_empty_file(tmp_path):
    path = tmp_path / "trials.csv"
    path.write_bytes(b"")
    expect(load_trials, path, line=None, column=None, value=None, rule="the file is empty")
    path.write_bytes(b"\n  \n")  # whitespace only is empty too
    expect(load_trials, path, line=None, column=None, value=None, rule="the file is empty")


def test_header_only(tmp_path):
    path = trials_file(tmp_path, rows=[])
    expect(load_trials, path, line=None, column=None, value=None, rule="header but no data rows")


def test_wrong_delimiter_semicolon(tmp_path):
    path = trials_file(tmp_path, delimiter=";")
    msg = expect(load_trials, path, line=1, column=None, value="'study;author;year", rule="comma-separated")
    assert "one column" in msg


def test_utf8_bom(tmp_path):
    path = trials_file(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    expect(load_trials, path, line=1, column=None, value=None, rule="byte-order mark")


def test_invalid_utf8(tmp_path):
    path = trials_file(tmp_path, rows=[ROW_MD, with_cell(ROW_RESP, notes="caf\u00e9")])
    path.write_bytes(path.read_bytes().replace("caf\u00e9".encode(), b"caf\xe9"))  # latin-1 byte
    expect(load_trials, path, line=3, column=None, value=None, rule="not valid UTF-8")


def test_ragged_row(tmp_path):
    path = trials_file(tmp_path)
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + ",surplus\n"
    path.write_text("".join(lines))
    expect(load_trials, path, line=3, column=None, value=f"{len(TRIAL_COLS) + 1} fields",
           rule=f"the header has {len(TRIAL_COLS)}")  # fmt: skip


def test_no_such_file(tmp_path):
    expect(load_trials, tmp_path / "nope.csv", line=None, column=None, value=None, rule="no such file")
    expect(load_claims, tmp_path / "nope.csv", line=None, column=None, value=None, rule="no such file",
           trials=TRIALS_CSV)  # fmt: skip


# ----------------------------------------------------------------------------------------------------------
# cell-level rules
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "bad", "rule"),
    [
        (ROW_MD, "design", "cohort", "is not allowed; use one of rct"),
        (ROW_MD, "outcome", "fvc_change", "is not allowed; use one of alsfrs_change"),
        (ROW_MD, "contrast_direction", "cells-control", "is not allowed; use one of cells_minus_control"),
        (ROW_MD, "sd_t", "-2.1", "must be > 0"),
        (ROW_MD, "se", "-0.3", "must be > 0"),
        (ROW_MD, "se_c", "0", "must be > 0"),
        (ROW_MD, "n_t", "0", "must be > 0"),
        (ROW_MD, "n_c", "-3", "must be > 0"),
        (ROW_RESP, "events_c", "-1", "must be >= 0"),
        (ROW_MD, "timepoint_months", "-1", "must be >= 0"),
        (ROW_MD, "mean_t", "abc", "is not a number"),
        (ROW_MD, "mean_t", "1,5", "is not a number"),  # decimal comma
        (ROW_MD, "mean_c", "\u22124.0", "is not a number"),  # typographic minus copied from a PDF
        (ROW_MD, "estimate", "inf", "is not a finite number"),
        (ROW_MD, "p", "nan", "is not a finite number"),
        (ROW_MD, "year", "2018.5", "is not a whole number"),
    ],
)
def test_bad_cell(tmp_path, row, column, bad, rule):
    rows = [ROW_RESP if row is ROW_MD else ROW_MD, with_cell(row, **{column: bad})]
    path = trials_file(tmp_path, rows=rows)
    expect(load_trials, path, line=3, column=column, value=bad, rule=rule)


def test_required_cell_empty_on_extracted_row(tmp_path):
    path = trials_file(tmp_path, rows=[ROW_MD, with_cell(ROW_RESP, as_printed="")])
    expect(load_trials, path, line=3, column="as_printed", value="empty",
           rule="is required on rows with status=extracted")  # fmt: skip
    # ... the same empty cell is allowed on a not_found row (positive control for the rule above)
    assert load_trials(trials_file(tmp_path, rows=[ROW_MD, with_cell(ROW_NOT_FOUND, as_printed="")])) is not None


@pytest.mark.parametrize("column", ["outcome", "evidence", "risk_of_bias", "rob_reason"])
def test_other_extracted_only_cells_empty(tmp_path, column):
    path = trials_file(tmp_path, rows=[with_cell(ROW_MD, **{column: ""})])
    expect(load_trials, path, line=2, column=column, value="empty", rule="status=extracted")


@pytest.mark.parametrize("column", ["study", "source_url", "locator", "status", "design"])
def test_always_required_cell_empty(tmp_path, column):
    path = trials_file(tmp_path, rows=[ROW_MD, with_cell(ROW_NOT_FOUND, **{column: ""})])
    expect(load_trials, path, line=3, column=column, value="empty", rule="this column is required")


# ----------------------------------------------------------------------------------------------------------
# rules across cells of a row, and across rows
# ----------------------------------------------------------------------------------------------------------


def test_events_exceed_n(tmp_path):
    path = trials_file(tmp_path, rows=[ROW_MD, with_cell(ROW_RESP, events_t="21")])
    expect(load_trials, path, line=3, column="events_t", value="21", rule="exceeds n_t = 20; events must be <= n")


def test_ci_does_not_contain_estimate(tmp_path):
    path = trials_file(tmp_path, rows=[with_cell(ROW_MD, estimate="5.0")])
    expect(load_trials, path, line=2, column="estimate", value="5",
           rule="lies above ci_high = 4.1; the CI must contain the estimate")  # fmt: skip
    path = trials_file(tmp_path, rows=[with_cell(ROW_MD, estimate="-0.5")])
    expect(load_trials, path, line=2, column="estimate", value="-0.5", rule="lies below ci_low = -0.1")


def test_ci_bounds_reversed(tmp_path):
    path = trials_file(tmp_path, rows=[with_cell(ROW_MD, estimate="", ci_low="4.1", ci_high="-0.1")])
    expect(load_trials, path, line=2, column="ci_low", value="4.1", rule="the lower bound must not exceed the upper")


def test_hr_ci_does_not_contain_hr(tmp_path):
    row = with_cell(
        ROW_MD,
        outcome="survival",
        measure="HR",
        estimate="",
        ci_low="",
        ci_high="",
        se="",
        p="",
        contrast_direction="cells_vs_control",
        hr="0.50",
        hr_ci_low="0.60",
        hr_ci_high="0.90",
    )
    path = trials_file(tmp_path, rows=[row])
    expect(load_trials, path, line=2, column="hr", value="0.5",
           rule="lies below hr_ci_low = 0.6; the CI must contain the estimate")  # fmt: skip


@pytest.mark.parametrize("bad", ["0", "1.5"])
def test_p_outside_unit_interval(tmp_path, bad):
    path = trials_file(tmp_path, rows=[ROW_RESP, with_cell(ROW_MD, p=bad)])
    expect(load_trials, path, line=3, column="p", value=f"p: {bad}", rule="is outside (0, 1]")


def test_p_of_one_is_allowed(tmp_path):
    assert load_trials(trials_file(tmp_path, rows=[with_cell(ROW_MD, p="1")]))["p"].iat[0] == 1.0


def test_contrast_without_direction(tmp_path):
    path = trials_file(tmp_path, rows=[ROW_RESP, with_cell(ROW_MD, contrast_direction="")])
    expect(load_trials, path, line=3, column="contrast_direction", value="''",
           rule="a printed contrast needs its direction")  # fmt: skip


def test_duplicate_key(tmp_path):
    path = trials_file(tmp_path, rows=[ROW_MD, ROW_RESP, ROW_MD])
    expect(load_trials, path, line=4, column="study", value="'Alpha2020'", rule="duplicates line 2")
    # a different population is a different key (positive control)
    assert len(load_trials(trials_file(tmp_path, rows=[ROW_MD, with_cell(ROW_MD, population="mitt")]))) == 2


def test_design_differs_within_study(tmp_path):
    path = trials_file(tmp_path, rows=[ROW_MD, with_cell(ROW_RESP, design="single_arm")])
    expect(load_trials, path, line=3, column="design", value="'single_arm'",
           rule="differs from 'rct' on another row of study Alpha2020")  # fmt: skip


# ----------------------------------------------------------------------------------------------------------
# line numbers: embedded newlines (RFC 4180 quoting) and blank lines must not shift them
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_embedded_newline_keeps_line_numbers(tmp_path, newline):
    rows = [with_cell(ROW_MD, notes="first line\nsecond line\nthird line"), ROW_NOT_FOUND, ROW_RESP]
    path = trials_file(tmp_path, rows=rows, newline=newline)
    assert load_trials(path)["line"].tolist() == [2, 5, 6]  # header 1, row 1 on lines 2-4
    assert load_trials(path)["notes"].iat[0] == "first line\nsecond line\nthird line"
    rows[2] = with_cell(ROW_RESP, sd_t="-2.1")
    path = trials_file(tmp_path, rows=rows, newline=newline)
    expect(load_trials, path, line=6, column="sd_t", value="-2.1", rule="must be > 0")


def test_blank_line_keeps_line_numbers(tmp_path):
    path = trials_file(tmp_path, rows=[ROW_MD, with_cell(ROW_RESP, n_t="-1")])
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines[:2], "\n", *lines[2:]]))  # blank physical line 3
    expect(load_trials, path, line=4, column="n_t", value="-1", rule="must be > 0")


# ----------------------------------------------------------------------------------------------------------
# claims.csv
# ----------------------------------------------------------------------------------------------------------


def test_claims_unknown_verdict(tmp_path):
    trials = trials_file(tmp_path)
    path = claims_file(tmp_path, rows=[CLAIM, {**CLAIM, "claim_id": "C002", "verdict": "false"}])
    expect(load_claims, path, line=3, column="verdict", value="'false'",
           rule="is not allowed; use one of supported", trials=trials)  # fmt: skip


def test_claims_unknown_claim_type(tmp_path):
    path = claims_file(tmp_path, rows=[{**CLAIM, "claim_type": "cure"}])
    expect(load_claims, path, line=2, column="claim_type", value="'cure'", rule="is not allowed",
           trials=trials_file(tmp_path))  # fmt: skip


def test_claims_study_key_absent_from_trials(tmp_path):
    trials = trials_file(tmp_path)
    path = claims_file(tmp_path, rows=[CLAIM, {**CLAIM, "claim_id": "C002", "studies": "Alpha2020; Ghost2021"}])
    expect(load_claims, path, line=3, column="studies", value="'Ghost2021'",
           rule="every key must match a study in the trials data", trials=trials)  # fmt: skip


def test_claims_duplicate_claim_id(tmp_path):
    path = claims_file(tmp_path, rows=[CLAIM, {**CLAIM, "claim": "another quote"}])
    expect(load_claims, path, line=3, column="claim_id", value="'C001'", rule="duplicates line 2",
           trials=trials_file(tmp_path))  # fmt: skip


def test_claims_required_cell_empty(tmp_path):
    path = claims_file(tmp_path, rows=[{**CLAIM, "reason": ""}])
    expect(load_claims, path, line=2, column="reason", value="empty", rule="this column is required",
           trials=trials_file(tmp_path))  # fmt: skip


def test_claims_source_url_needed_unless_unverifiable(tmp_path):
    trials = trials_file(tmp_path)
    path = claims_file(tmp_path, rows=[{**CLAIM, "source_url": ""}])
    expect(load_claims, path, line=2, column="source_url", value="empty",
           rule="a verdict other than 'unverifiable' needs the URL", trials=trials)  # fmt: skip
    ok = claims_file(tmp_path, rows=[{**CLAIM, "source_url": "", "verdict": "unverifiable", "studies": ""}])
    assert load_claims(ok, trials=trials)["verdict"].iat[0] == "unverifiable"


def test_claims_bom_and_semicolon(tmp_path):
    trials = trials_file(tmp_path)
    path = claims_file(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    expect(load_claims, path, line=1, column=None, value=None, rule="byte-order mark", trials=trials)
    path = claims_file(tmp_path, delimiter=";")
    expect(load_claims, path, line=1, column=None, value="'claim_id;seed_file", rule="comma-separated",
           trials=trials)  # fmt: skip


def test_claims_embedded_newline_keeps_line_numbers(tmp_path):
    rows = [{**CLAIM, "what_the_source_shows": "line one\nline two"}, {**CLAIM, "claim_id": "C002"},
            {**CLAIM, "claim_id": "C003", "verdict": "maybe"}]  # fmt: skip
    path = claims_file(tmp_path, rows=rows)
    expect(load_claims, path, line=5, column="verdict", value="'maybe'", rule="is not allowed",
           trials=trials_file(tmp_path))  # fmt: skip


# ----------------------------------------------------------------------------------------------------------
# the loaders never write to their input
# ----------------------------------------------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_loaders_do_not_modify_input(tmp_path):
    trials, claims = trials_file(tmp_path), claims_file(tmp_path)
    broken = trials_file(tmp_path, rows=[with_cell(ROW_MD, sd_t="-1")], name="broken.csv")
    bom = claims_file(tmp_path, name="bom.csv")
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())
    before = {p: (_sha(p), p.stat().st_mtime_ns) for p in (trials, claims, broken, bom)}
    load_trials(trials)
    load_claims(claims, trials=trials)
    with pytest.raises(DataError):
        load_trials(broken)
    with pytest.raises(DataError):
        load_claims(bom, trials=trials)
    assert {p: (_sha(p), p.stat().st_mtime_ns) for p in before} == before


def test_loaders_do_not_modify_repository_data():
    before = {p: _sha(p) for p in (TRIALS_CSV, CLAIMS_CSV)}
    load_trials()
    load_claims()
    assert {p: _sha(p) for p in before} == before


# ----------------------------------------------------------------------------------------------------------
# data/README.md documents the schema that the loaders enforce
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "heading"),
    [(TRIALS_SCHEMA, "### `trials.csv`"), (CLAIMS_SCHEMA, "### `claims.csv`")],
    ids=["trials", "claims"],
)
def test_readme_codebook_lists_every_column_and_allowed_value(schema, heading):
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    section = section[: section.index("\n### ", 1) if "\n### " in section[1:] else len(section)]
    section = section[: section.index("\n---") if "\n---" in section else len(section)]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", section, flags=re.MULTILINE)}
    documented = [name for name in rows if name in {c.name for c in schema}]
    assert documented == [c.name for c in schema], "codebook rows differ from the schema (order or names)"
    for _, entry in codebook(schema).iterrows():
        for choice in filter(None, entry["allowed"].split(" | ")):
            assert choice in rows[entry["column"]], f"{entry['column']}: allowed value {choice} not documented"


# ----------------------------------------------------------------------------------------------------------
# regressions: defects found in review and fixed
# ----------------------------------------------------------------------------------------------------------


def test_status_with_spaces_still_requires_extracted_cells(tmp_path):
    path = trials_file(tmp_path, rows=[with_cell(ROW_MD, status=" extracted", as_printed="")])
    expect(load_trials, path, line=2, column="as_printed", value="empty", rule="status=extracted")


def test_unknown_study_message_names_the_trials_file_used(tmp_path):
    trials = trials_file(tmp_path, name="other_trials.csv")
    path = claims_file(tmp_path, rows=[{**CLAIM, "studies": "Ghost2021"}])
    expect(load_claims, path, line=2, column="studies", value="'Ghost2021'", rule="other_trials.csv",
           trials=trials)  # fmt: skip


def test_contrast_direction_must_fit_the_measure(tmp_path):
    path = trials_file(tmp_path, rows=[with_cell(ROW_MD, contrast_direction="cells_vs_control")])
    expect(load_trials, path, line=2, column="contrast_direction", value="'cells_vs_control'", rule="difference")


def test_estimate_needs_a_measure(tmp_path):
    path = trials_file(tmp_path, rows=[with_cell(ROW_MD, measure="none")])
    expect(load_trials, path, line=2, column="measure", value="'none'", rule="does not name the printed contrast")


def test_primary_analysis_at_most_once_per_study_and_outcome(tmp_path):
    second = with_cell(ROW_MD, primary_analysis="yes", timepoint_months="12")
    path = trials_file(tmp_path, rows=[with_cell(ROW_MD, primary_analysis="yes"), second])
    expect(load_trials, path, line=3, column="primary_analysis", value="'yes'", rule="at most one row per study")
