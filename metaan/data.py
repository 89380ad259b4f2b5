"""The trials and claims data: one declarative schema, loading and validation.

``load_trials`` and ``load_claims`` read the CSV files with the csv module (so every record keeps the line it
started on), check them against the schema below and raise :class:`metaan.DataError` naming the file, CSV line,
column, value and rule. They never write to the input.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TRIALS_CSV = DATA_DIR / "trials.csv"
CLAIMS_CSV = DATA_DIR / "claims.csv"
MCID_PATH = DATA_DIR / "mcid.csv"


@dataclass(frozen=True)
class Column:
    """One column of a data file: its type, allowed values and numeric bounds."""

    name: str
    kind: str = "text"  # text | number | integer | choice
    choices: tuple[str, ...] = ()
    required: str = "never"  # never | always | extracted (required on rows with status=extracted)
    positive: bool = False  # must be > 0
    nonnegative: bool = False  # must be >= 0
    url: bool = False  # must be an http(s) URL
    doc: str = ""


DESIGNS = ("rct", "nonrandomised_controlled", "external_control", "within_patient_control", "single_arm")
CONTROLS = ("placebo_sham", "standard_care", "external_database", "historical", "prognostic_model",
            "untreated_limb", "none")  # fmt: skip
OUTCOMES = ("alsfrs_change", "alsfrs_slope", "alsfrs_slope_change", "responder", "survival")
STATUSES = ("extracted", "no_numbers", "not_found")
VERDICTS = ("supported", "overstated", "misquoted", "unsupported", "contradicted", "unverifiable")

TRIALS_SCHEMA: tuple[Column, ...] = (
    Column("study", required="always", doc="study key, FirstauthorYEAR (e.g. Oh2018)"),
    Column("author", required="always", doc="first author as printed (e.g. Oh KW)"),
    Column("year", "integer", positive=True, doc="publication year (blank if not shown in the source read)"),
    Column("doi", doc="DOI as printed"),
    Column("pmid", doc="PubMed ID"),
    Column("registry", doc="trial registration(s), semicolon-separated"),
    Column("design", "choice", DESIGNS, required="always", doc="study design"),
    Column("blinding", "choice", ("double_blind", "single_blind", "assessor_blind", "open_label", "unknown"),
           doc="blinding of participants/assessors"),
    Column("control", "choice", CONTROLS, doc="what the cell-treated patients are compared with"),
    Column("cell_type", doc="cell product (BM-MSC, MSC-NTF, BM-MNC, ...)"),
    Column("cell_origin", "choice", ("autologous", "allogeneic", "fetal"), doc="source of the cells"),
    Column("route", doc="route of administration"),
    Column("dose", doc="dose as printed"),
    Column("outcome", "choice", OUTCOMES, required="extracted", doc="outcome construct (see data/README.md)"),
    Column("outcome_detail", doc="definition: responder threshold, endpoint, statistic"),
    Column("timepoint_months", "number", nonnegative=True, doc="months from first treatment/randomisation"),
    Column("population", doc="analysis population: itt | mitt | per_protocol | completers | all | subgroup:<name>"),
    Column("result_version", "choice", ("paper", "erratum", "press_release", "conference_abstract",
                                         "registry_results", "review_secondary"),
           doc="which version of the result the row records"),
    Column("n_t", "number", positive=True, doc="patients analysed, cell arm"),
    Column("mean_t", "number", doc="arm mean (change, slope, ...), cell arm"),
    Column("sd_t", "number", positive=True, doc="standard deviation, cell arm"),
    Column("se_t", "number", positive=True, doc="standard error, cell arm"),
    Column("events_t", "number", nonnegative=True, doc="events (responders, deaths), cell arm"),
    Column("n_c", "number", positive=True, doc="patients analysed, control arm"),
    Column("mean_c", "number", doc="arm mean, control arm"),
    Column("sd_c", "number", positive=True, doc="standard deviation, control arm"),
    Column("se_c", "number", positive=True, doc="standard error, control arm"),
    Column("events_c", "number", nonnegative=True, doc="events, control arm"),
    Column("pct_t", "number", nonnegative=True, doc="percent of the cell arm with the event, as printed (0-100)"),
    Column("pct_c", "number", nonnegative=True, doc="percent of the control arm with the event, as printed (0-100)"),
    Column("events_are", "choice", ("benefit", "harm"),
           doc="whether an event is good (responder) or bad (death, poor response); blank = benefit for "
               "responder rows, harm for survival rows"),
    Column("measure", "choice", ("MD", "OR", "RR", "RD", "HR", "none"), doc="printed contrast measure"),
    Column("estimate", "number", doc="printed contrast estimate"),
    Column("se", "number", positive=True, doc="printed SE of the contrast"),
    Column("ci_low", "number", doc="printed lower 95% CI bound of the contrast"),
    Column("ci_high", "number", doc="printed upper 95% CI bound of the contrast"),
    Column("p", "number", doc="printed p-value (0 < p <= 1)"),
    Column("contrast_direction", "choice", ("cells_minus_control", "control_minus_cells", "cells_vs_control",
                                            "control_vs_cells"), doc="direction of the printed contrast"),
    Column("median_t", "number", positive=True, doc="median survival (months), cell arm"),
    Column("median_c", "number", positive=True, doc="median survival (months), control arm"),
    Column("hr", "number", positive=True, doc="printed hazard ratio, cells vs control"),
    Column("hr_ci_low", "number", positive=True, doc="lower 95% CI bound of the HR"),
    Column("hr_ci_high", "number", positive=True, doc="upper 95% CI bound of the HR"),
    Column("primary_analysis", "choice", ("yes",),
           doc="yes on the row a one-row-per-study analysis of this outcome uses (rule in data/README.md)"),
    Column("as_printed", required="extracted", doc="the printed string the numbers were taken from"),
    Column("source_url", url=True, required="always", doc="URL of the page where the number was read"),
    Column("locator", required="always", doc="where on that page (Table 3, Abstract, ...)"),
    Column("evidence", "choice", ("primary", "secondary"), required="extracted", doc="primary or secondary source"),
    Column("status", "choice", STATUSES, required="always", doc="extracted | no_numbers | not_found"),
    Column("risk_of_bias", "choice", ("low", "some_concerns", "high", "critical"), required="extracted",
           doc="RoB 2 (randomised) or ROBINS-I (non-randomised) overall judgement"),
    Column("rob_reason", required="extracted", doc="one-sentence reason for the judgement"),
    Column("sponsor", doc="sponsor / funder as stated"),
    Column("notes", doc="conversions, conflicts, caveats"),
)  # fmt: skip

MCID_MEASURES = ("MD", "relative_slope_reduction", "HR", "OR")
MCID_SCHEMA: tuple[Column, ...] = (
    Column("outcome", "choice", OUTCOMES, required="always", doc="outcome must be one of the trials.csv outcomes"),
    Column("measure", "choice", MCID_MEASURES, required="always", doc="the scale the MCID is stated on"),
    Column("mcid", "number", required="always", positive=True,
           doc="the MCID as a finite number > 0 (the direction column gives the sign)"),
    Column("unit", required="always", doc="unit of the MCID"),
    Column("direction", "choice", ("higher_is_better", "lower_is_better"), required="always",
           doc="which side of the measure is better for patients"),
    Column("definition", required="always", doc="what the threshold means"),
    Column("citation", required="always", doc="the source, cited in full"),
    Column("source_url", required="always", url=True, doc="URL of the page where the MCID was read"),
    Column("locator", required="always", doc="where on that page (e.g. 'Abstract', 'Table 2')"),
    Column("as_printed", required="always", doc="quote the printed text the number was read in"),
)  # fmt: skip
MCID_COLUMNS = tuple(c.name for c in MCID_SCHEMA)

TRIALS_KEY = ("study", "outcome", "outcome_detail", "timepoint_months", "population", "result_version")

CLAIMS_SCHEMA: tuple[Column, ...] = (
    Column("claim_id", required="always", doc="C001, C002, ..."),
    Column("seed_file", required="always", doc="the clinic page (file in shared/seeds)"),
    Column("claim", required="always", doc="short exact quote"),
    Column("claim_type", "choice", ("efficacy", "safety", "survival", "trials", "numbers", "approval", "mechanism"),
           required="always", doc="what the claim is about"),
    Column("studies", doc="semicolon-separated study keys into data/trials.csv"),
    Column("other_sources", doc="semicolon-separated keys of reviews or non-trial sources (see data/README.md)"),
    Column("what_the_source_shows", required="always", doc="what the evidence actually says"),
    Column("verdict", "choice", VERDICTS, required="always", doc="verdict on the claim"),
    Column("reason", required="always", doc="why that verdict"),
    Column("source_url", url=True, doc="URL read for what_the_source_shows (required unless verdict is unverifiable)"),
)  # fmt: skip


# ----------------------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------------------


def _read_records(path: Path, schema: tuple[Column, ...]) -> tuple[list[dict], list[int]]:
    """Read a CSV into dict records with their starting line numbers; check header-level rules."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise DataError(f"{path} line 1: the file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(f"{path} line {line}: not valid UTF-8 ({err.reason}); save the file as UTF-8") from None
    if not text.strip():
        raise DataError(f"{path}: the file is empty; expected a header row and data rows")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    expected = [c.name for c in schema]
    if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
        raise DataError(f"{path} line 1: the header has one column {header[0][:60]!r}...; the file must be "
                        "comma-separated")  # fmt: skip
    unknown = [h for h in header if h not in expected]
    if unknown:
        raise DataError(f"{path} line 1, column {unknown[0]!r}: unknown column; allowed columns are "
                        f"{', '.join(expected)}")  # fmt: skip
    missing = [c for c in expected if c not in header]
    if missing:
        raise DataError(f"{path} line 1, column {missing[0]!r}: required column is missing")
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise DataError(f"{path} line 1, column {sorted(dupes)[0]!r}: the column appears more than once")
    records, lines = [], []
    line_no = reader.line_num + 1
    for row in reader:
        start = line_no
        line_no = reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(f"{path} line {start}: {len(row)} fields but the header has {len(header)}; "
                            "check the delimiter and quoting")  # fmt: skip
        records.append(dict(zip(header, row, strict=True)))
        lines.append(start)
    if not records:
        raise DataError(f"{path}: the file has a header but no data rows")
    return records, lines


def _check_records(path: Path, schema, records, lines) -> pd.DataFrame:
    """Cell-level rules from the schema; returns a DataFrame with numbers as floats and blanks as NaN/''."""
    out = {c.name: [] for c in schema}
    for rec, line in zip(records, lines, strict=True):
        extracted = rec.get("status", "extracted").strip() == "extracted"
        for col in schema:
            value = rec[col.name].strip()
            where = f"{path} line {line}, column {col.name}"
            about = f" ({col.doc})" if col.doc else ""
            if not value:
                if col.required == "always" or (col.required == "extracted" and extracted):
                    rule = "is required" if col.required == "always" else "is required on rows with status=extracted"
                    raise DataError(f"{where}: '' is empty; this column {rule}{about}")
                out[col.name].append(np.nan if col.kind in ("number", "integer") else "")
                continue
            if col.kind == "choice" and value not in col.choices:
                raise DataError(f"{where}: {value!r} is not allowed; use one of {', '.join(col.choices)}{about}")
            if col.url and not value.startswith(("http://", "https://")):
                raise DataError(f"{where}: {value!r} is not an http(s) URL{about}")
            if col.kind in ("number", "integer"):
                try:
                    number = float(value)
                except ValueError:
                    raise DataError(f"{where}: {value!r} is not a number{about}") from None
                if not np.isfinite(number):
                    raise DataError(f"{where}: {value!r} is not a finite number{about}")
                if col.kind == "integer" and number != int(number):
                    raise DataError(f"{where}: {value!r} is not a whole number{about}")
                if col.positive and number <= 0:
                    raise DataError(f"{where}: {value} is not positive; {col.doc} must be > 0")
                if col.nonnegative and number < 0:
                    raise DataError(f"{where}: {value} is negative; {col.doc} must be >= 0")
                out[col.name].append(number)
            else:
                out[col.name].append(value)
    frame = pd.DataFrame(out)
    frame.insert(0, "line", lines)
    return frame


def _row_rules(path: Path, df: pd.DataFrame) -> None:
    """Rules that involve several cells of a row."""

    def fail(i, column, value, rule):
        shown = f"{value:g}" if isinstance(value, float) else value
        raise DataError(f"{path} line {df['line'].iat[i]}, column {column}: {shown} {rule}")

    for i in range(len(df)):
        row = df.iloc[i]
        for arm in ("t", "c"):
            if pd.notna(row[f"events_{arm}"]) and pd.notna(row[f"n_{arm}"]) and row[f"events_{arm}"] > row[f"n_{arm}"]:
                fail(
                    i,
                    f"events_{arm}",
                    row[f"events_{arm}"],
                    f"exceeds n_{arm} = {row[f'n_{arm}']:g}; events must be <= n",
                )
        for col in ("pct_t", "pct_c"):
            if pd.notna(row[col]) and row[col] > 100:
                fail(i, col, row[col], "exceeds 100; a percentage must lie in [0, 100]")
        if pd.notna(row["p"]) and not 0 < row["p"] <= 1:
            fail(i, "p", row["p"], "is outside (0, 1]; a p-value must satisfy 0 < p <= 1")
        for est, lo, hi in (("estimate", "ci_low", "ci_high"), ("hr", "hr_ci_low", "hr_ci_high")):
            if pd.notna(row[lo]) and pd.notna(row[hi]) and row[lo] > row[hi]:
                fail(i, lo, row[lo], f"is above {hi} = {row[hi]:g}; the lower bound must not exceed the upper")
            if pd.notna(row[est]):
                if pd.notna(row[lo]) and row[est] < row[lo]:
                    fail(i, est, row[est], f"lies below {lo} = {row[lo]:g}; the CI must contain the estimate")
                if pd.notna(row[hi]) and row[est] > row[hi]:
                    fail(i, est, row[est], f"lies above {hi} = {row[hi]:g}; the CI must contain the estimate")
        if pd.notna(row["estimate"]) and not row["contrast_direction"]:
            fail(i, "contrast_direction", "''", "is empty; a printed contrast needs its direction")
        if pd.notna(row["estimate"]) and row["measure"] in ("", "none"):
            fail(i, "measure", repr(row["measure"]), "does not name the printed contrast; use MD, OR, RR, RD or HR")
        direction = row["contrast_direction"]
        if direction and row["measure"] not in ("", "none"):
            difference = row["measure"] in ("MD", "RD")
            if difference != ("_minus_" in direction):
                kind = "a difference (…_minus_…)" if difference else "a ratio (…_vs_…)"
                fail(i, "contrast_direction", repr(direction), f"does not fit measure {row['measure']} ({kind})")
    first_line: dict[tuple, int] = {}
    for i, key in enumerate(zip(*(df[c].astype(str) for c in TRIALS_KEY), strict=True)):
        if key in first_line:
            fail(i, "study", repr(df["study"].iat[i]),
                 f"duplicates line {first_line[key]}: the key ({', '.join(TRIALS_KEY)}) must be unique")  # fmt: skip
        first_line[key] = df["line"].iat[i]
    marked = df[df["primary_analysis"] == "yes"]
    again = marked.duplicated(["study", "outcome"], keep="first")
    if again.any():
        i = int(marked.index[again.to_numpy()][0])
        fail(i, "primary_analysis", "'yes'",
             f"is set on another row of {df['study'].iat[i]} / {df['outcome'].iat[i]}; at most one row per study "
             "and outcome may be the primary analysis")  # fmt: skip
    for study, rows in df.groupby("study", sort=False):
        for col in ("design",):
            values = rows[col].astype(str).unique()
            if len(values) > 1:
                i = int(rows.index[list(rows[col].astype(str)).index(values[1])])
                fail(
                    i,
                    col,
                    repr(df[col].iat[i]),
                    f"differs from {values[0]!r} on another row of study {study}",
                )


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise DataError(f"{path}: no such file; the data file was not found")


def load_trials(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate ``data/trials.csv`` (or ``path``); one row per study × outcome × time point × population.

    Numeric columns come back as floats (NaN where blank), text columns as str ('' where blank), plus a ``line``
    column with the CSV line each row starts on. Raises :class:`metaan.DataError` on the first broken rule.
    """
    path = Path(path) if path is not None else TRIALS_CSV
    _require_file(path)
    records, lines = _read_records(path, TRIALS_SCHEMA)
    df = _check_records(path, TRIALS_SCHEMA, records, lines)
    _row_rules(path, df)
    df["year"] = df["year"].astype("Int64")
    return df


def load_claims(path: str | Path | None = None, trials: pd.DataFrame | str | Path | None = None) -> pd.DataFrame:
    """Load and validate ``data/claims.csv``; every key in ``studies`` must exist in the trials data
    (``trials``: a loaded DataFrame or a path; default the repository's trials.csv)."""
    path = Path(path) if path is not None else CLAIMS_CSV
    _require_file(path)
    records, lines = _read_records(path, CLAIMS_SCHEMA)
    df = _check_records(path, CLAIMS_SCHEMA, records, lines)
    trials_name = Path(trials).name if isinstance(trials, str | Path) else TRIALS_CSV.name
    if not isinstance(trials, pd.DataFrame):
        trials = load_trials(trials)
    known = set(trials["study"])
    seen: dict[str, int] = {}
    for i in range(len(df)):
        line = df["line"].iat[i]
        cid = df["claim_id"].iat[i]
        if cid in seen:
            raise DataError(
                f"{path} line {line}, column claim_id: {cid!r} duplicates line {seen[cid]}; ids must be unique"
            )
        seen[cid] = line
        for key in filter(None, (k.strip() for k in df["studies"].iat[i].split(";"))):
            if key not in known:
                raise DataError(f"{path} line {line}, column studies: {key!r} is not a study in {trials_name}; "
                                "every key must match a study in the trials data")  # fmt: skip
        if not df["source_url"].iat[i] and df["verdict"].iat[i] != "unverifiable":
            raise DataError(f"{path} line {line}, column source_url: empty; a verdict other than 'unverifiable' "
                            "needs the URL of the source read")  # fmt: skip
    return df


def load_mcid(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate ``data/mcid.csv`` (or ``path``): candidate minimal clinically important differences.

    Several rows per outcome are candidates from different sources; ``mcid`` is a positive magnitude and
    ``direction`` says which side is better. Same rules and errors as :func:`load_trials` (schema ``MCID_SCHEMA``).
    """
    path = Path(path) if path is not None else MCID_PATH
    _require_file(path)
    records, lines = _read_records(path, MCID_SCHEMA)
    return _check_records(path, MCID_SCHEMA, records, lines)


def _allowed(col: Column) -> str:
    if col.choices:
        return " | ".join(col.choices)
    return "> 0" if col.positive else ">= 0" if col.nonnegative else ""


def codebook(schema: tuple[Column, ...] = TRIALS_SCHEMA) -> pd.DataFrame:
    """The schema as a table (column, type, allowed values, required, meaning) for the data README."""
    return pd.DataFrame(
        {
            "column": [c.name for c in schema],
            "type": [c.kind for c in schema],
            "allowed": [_allowed(c) for c in schema],
            "required": [c.required for c in schema],
            "meaning": [c.doc for c in schema],
        }
    )  # fmt: skip
