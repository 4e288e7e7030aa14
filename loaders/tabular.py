"""Read catalog tables from a folder of CSV files or one .xlsx workbook, as raw text rows.

Reading guesses nothing. A CSV file is decoded in one encoding checked line by line
(loaders/encoding.py) and parsed with the csv module: every field of a row is a field (none
becomes an index), a row with more or fewer fields than the header is named with what is extra
or missing. A workbook is streamed with openpyxl in read-only mode, after its size and its zip
members' unpacked sizes were checked. Files, rows, columns and cells are bounded (`Limits`).

What cannot be read is reported once, by file, row and column; the table is handed on with
the rows that could be read, and the rows and cells already reported are marked muted, so that
validation does not report the same fault again as a cascade of follow-on errors.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import itertools
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from graph.errors import Problem
from graph.tables import TABLES_BY_NAME
from loaders.encoding import SUSPECT, Decoded, decode, misreading

MB = 1024 * 1024
# Bounds on what one catalog may hold (a `Limits` overrides them per call). A table file is
# read into memory whole, so its size bounds the memory a load takes; the shipped catalog's
# largest file is 82 KB and its largest cell 226 characters.
MAX_FILE_BYTES = 20 * MB  # one CSV file, or the .xlsx workbook
MAX_UNPACKED_BYTES = 64 * MB  # an .xlsx workbook's zip members together, unpacked
MAX_ROWS = 200_000  # rows of one table (blank rows included), header excluded
MAX_COLUMNS = 64  # columns of one table
MAX_CELL_CHARS = 10_000  # characters in one cell
# Cells of one .xlsx workbook, empty formatted ones included, counted in its XML before
# openpyxl parses it (openpyxl reads some 70,000 cells a second: 500,000 take about 7 s).
MAX_CELLS = 500_000
# The setting that raises each bound of `Limits` (api/settings.py reads them): a message about
# a limit names it, so the planner knows what to change if the file is meant to be that big.
LIMIT_SETTINGS = {
    "file_bytes": "CHAINKG_CATALOG_MAX_FILE_MB",
    "unpacked_bytes": "CHAINKG_CATALOG_MAX_UNPACKED_MB",
    "rows": "CHAINKG_CATALOG_MAX_ROWS",
    "columns": "CHAINKG_CATALOG_MAX_COLUMNS",
    "cell_chars": "CHAINKG_CATALOG_MAX_CELL_CHARS",
    "cells": "CHAINKG_CATALOG_MAX_CELLS",
}

# What openpyxl and zipfile raise on a file that is no workbook: a zip without the workbook's
# parts (KeyError), a truncated or damaged zip (BadZipFile, zlib.error, EOFError), a part that
# is not XML (xml.etree's ParseError is a SyntaxError), a file openpyxl refuses.
UNREADABLE_WORKBOOK = (
    OSError,
    ValueError,
    KeyError,
    EOFError,
    SyntaxError,
    TypeError,
    AttributeError,
    IndexError,
    zipfile.BadZipFile,
    zlib.error,
    InvalidFileException,
)
# Excel's error values, which a formula that failed leaves in its cell.
EXCEL_ERRORS = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!")
)
_LOCK_PREFIXES = (".", "~$")  # hidden files (macOS ._x.csv) and Office lock files (~$x.csv)
_BLANK: dict[str, str] = {}  # every blank row shares it; a blank row is no record


@dataclass(frozen=True, slots=True)
class Limits:
    """How big a catalog may be; each default is the module constant of the same meaning."""

    file_bytes: int = MAX_FILE_BYTES
    unpacked_bytes: int = MAX_UNPACKED_BYTES
    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS
    cell_chars: int = MAX_CELL_CHARS
    cells: int = MAX_CELLS


@dataclass(slots=True)
class RawTable:
    """One table's cells as stripped strings; `rows[i]` is at spreadsheet row `first_row + i`.

    `header` holds the column names as read, in order (an empty name, a repeated one, kept);
    `duplicated` the names the header repeats (reported, their values not used). Rows and
    cells whose fault was reported while reading are muted: validation reports nothing more
    about them. `aligned` is False when no row lines up with the header (every row has the
    same wrong number of fields): then no cell of it, not even an id, can be trusted.
    """

    name: str
    label: str  # how errors name it: "matters.csv" or "catalog.xlsx[matters]"
    header: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    first_row: int = 2
    duplicated: set[str] = field(default_factory=set)
    muted_rows: set[int] = field(default_factory=set)  # offsets into `rows`
    muted_cells: set[tuple[int, str]] = field(default_factory=set)
    aligned: bool = True
    # Ids found in lines that a quoting fault swallowed into one value, with the row of that
    # value: they still stand, so that rows naming them are not reported as well.
    swallowed_ids: dict[str, int] = field(default_factory=dict)

    def muted(self, offset: int, column: str | None) -> bool:
        if offset in self.muted_rows:
            return True
        return column is not None and (offset, column) in self.muted_cells


@dataclass(slots=True)
class ReadResult:
    """What reading a catalog gave: its tables, and the problems and warnings found on the way.

    `unreadable`: tables whose file or sheet is there but could not be read as a table (not
    missing, and their ids unknown). `complete` is False when the catalog as a whole could not
    be read (no such folder, not a workbook): then there is nothing to validate.
    """

    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    missing_label: str = "{}.csv"  # how a table that is not there is named
    complete: bool = True

    def label(self, name: str) -> str:
        return self.missing_label.format(name)

    def fail(self, where: str, message: str) -> ReadResult:
        """The catalog could not be read at all."""
        self.problems.append(Problem(where, None, None, message))
        self.complete = False
        return self


def read_tables(path: Path, limits: Limits | None = None) -> ReadResult:
    """Read every table under `path` (a folder of CSVs or an .xlsx file)."""
    limits = limits or Limits()
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return ReadResult().fail(str(path), "a symbolic link to something that is not there")
        return ReadResult().fail(str(path), "no such file or folder")
    except OSError as exc:
        return ReadResult().fail(str(path), f"cannot be read: {_os_reason(exc)}")
    if stat.S_ISDIR(info.st_mode):
        return _read_folder(path, limits)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _read_workbook(path, info, limits)
    if suffix == ".xls":
        return ReadResult().fail(
            path.name, "an Excel 97-2003 workbook (.xls): save it as an .xlsx workbook"
        )
    if suffix == ".csv":
        return ReadResult().fail(
            str(path), "one CSV file: a catalog is the folder of CSV files, give the folder"
        )
    return ReadResult().fail(str(path), "expected a folder of CSV files or an .xlsx workbook")


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB // 10 else f"{n:,} bytes"


def _limit(n: int) -> str:
    return f"{n / MB:g} MB" if n >= MB else f"{n:,} bytes"


def _setting(bound: str) -> str:
    return f" (setting {LIMIT_SETTINGS[bound]})"


# --- a folder of CSV files ----------------------------------------------------------------------
def _read_folder(folder: Path, limits: Limits) -> ReadResult:
    result = ReadResult()
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        return result.fail(str(folder), f"the folder cannot be listed: {_os_reason(exc)}")
    files = [e for e in entries if e.suffix.lower() == ".csv"]
    skipped = [e for e in files if e.name.startswith(_LOCK_PREFIXES)]
    for entry in skipped:
        result.warnings.append(
            Problem(entry.name, None, None, "skipped: a hidden file or an editor's lock file")
        )
    files = [e for e in files if e not in skipped]
    if not files:
        return result.fail(str(folder), "no CSV files in this folder" + _elsewhere(entries))
    for file in files:
        name = file.stem
        if file.suffix != ".csv" or name not in TABLES_BY_NAME:
            _unknown_file(file, result)
            continue
        data = _file_bytes(file, result, limits)
        if data is None:
            result.unreadable.add(name)
            continue
        table = _csv_table(name, file.name, decode(data), result, limits)
        if table is None:
            result.unreadable.add(name)
        else:
            result.tables[name] = table
    return result


def _elsewhere(entries: list[Path]) -> str:
    """Where the catalog might be instead: a folder inside, or a workbook."""
    workbooks = [e.name for e in entries if e.suffix.lower() in {".xlsx", ".xlsm"}]
    if workbooks:
        return f" (it holds {workbooks[0]}: give the workbook itself)"
    for entry in entries:
        try:
            inner = sum(1 for f in entry.iterdir() if f.suffix.lower() == ".csv")
        except OSError:
            continue
        if inner:
            return f" (the folder '{entry.name}' inside holds {inner}: give that folder)"
    return ""


def _unknown_file(file: Path, result: ReadResult) -> None:
    """A .csv file that names no table: a case slip, a typo, or something else entirely."""
    name = file.stem
    guess = name.strip().lower()
    if name in TABLES_BY_NAME:  # only the suffix is off: MATTERS.CSV's .CSV
        result.problems.append(
            Problem(file.name, None, None, f"a table file ends in .csv: name it {name}.csv")
        )
        result.unreadable.add(name)
        return
    if guess not in TABLES_BY_NAME:
        close = _close_table(guess)
        if close is None:
            result.problems.append(Problem(file.name, None, None, f"unknown table '{name}'"))
            return
        guess = close
    result.problems.append(
        Problem(file.name, None, None, f"unknown table '{name}': did you mean {guess}.csv?")
    )
    result.unreadable.add(guess)  # not reported missing as well


def _close_table(name: str) -> str | None:
    found = difflib.get_close_matches(name, list(TABLES_BY_NAME), n=1, cutoff=0.8)
    return found[0] if found else None


def _file_bytes(file: Path, result: ReadResult, limits: Limits) -> bytes | None:
    """The file's bytes, or None with the problem recorded (not a file, too big, unreadable)."""

    def fail(message: str) -> None:
        result.problems.append(Problem(file.name, None, None, message))

    try:
        info = file.stat()
    except FileNotFoundError:
        target = _link_target(file)
        fail(f"a symbolic link to '{target}', which does not exist" if target else "vanished")
        return None
    except OSError as exc:
        fail(f"cannot be read: {_os_reason(exc)}")
        return None
    if stat.S_ISDIR(info.st_mode):
        fail("a folder, not a CSV file")
        return None
    if not stat.S_ISREG(info.st_mode):
        fail("not a regular file (a pipe, socket or device)")
        return None
    if info.st_size > limits.file_bytes:
        fail(
            f"the file is {_size(info.st_size)}, more than the limit of "
            f"{_limit(limits.file_bytes)}{_setting('file_bytes')}"
        )
        return None
    try:
        with file.open("rb") as f:
            data = f.read(limits.file_bytes + 1)
    except OSError as exc:
        fail(f"cannot be read: {_os_reason(exc)}")
        return None
    if len(data) > limits.file_bytes:  # grew since stat
        limit = _limit(limits.file_bytes)
        fail(f"the file is more than the limit of {limit}{_setting('file_bytes')}")
        return None
    return data


def _link_target(file: Path) -> str:
    try:
        return str(file.readlink()) if file.is_symlink() else ""
    except OSError:
        return ""


@dataclass(slots=True)
class _Record:
    """One CSV record: its fields and the lines it spans (`fault`: a quoting fault)."""

    fields: list[str]
    first_line: int  # index of its first line
    end_line: int  # index after its last line
    fault: str | None = None


def _csv_records(lines: list[str]) -> list[_Record]:
    """Parse `lines` with the csv module (strict); a malformed record is kept as a fault."""
    records: list[_Record] = []
    source = iter(lines)
    offset = 0  # lines the readers before this one consumed
    while True:
        reader = csv.reader(source, strict=True)
        start = offset
        try:
            for fields in reader:
                end = offset + reader.line_num
                records.append(_Record(fields, start, end))
                start = end
            return records
        except csv.Error as exc:
            end = offset + reader.line_num
            records.append(_Record([], start, end, fault=str(exc)))
            if "expected after" not in str(exc):
                return records  # an open quote (or a huge value) took the rest of the file
            offset = end


def _quote_fault(text: str) -> tuple[int, int, bool]:
    """Where a record's first quoting fault is: (field, line of it, whether the quote is open).

    A quote opens a quoted value only at the start of a field; inside, "" is a quote.
    """
    field_index, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' and (i == 0 or text[i - 1] in ",\r\n"):
            j = i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    return field_index, text.count("\n", 0, i), True
                if text.startswith('"', k + 1):
                    j = k + 2
                    continue
                break
            if text[k + 1 : k + 2] not in ("", ",", "\r", "\n"):
                return field_index, text.count("\n", 0, k), False
            i = k + 1
            continue
        if c == ",":
            field_index += 1
        i += 1
    return field_index, 0, False


def _clean(value: str) -> str:
    return value.replace("\ufeff", "").strip()


def _csv_table(
    name: str, label: str, decoded: Decoded, result: ReadResult, limits: Limits
) -> RawTable | None:
    """One CSV table, or None (the problem recorded) when it cannot be read as a table."""

    def fail(message: str, row: int | None = None, column: str | None = None) -> None:
        result.problems.append(Problem(label, row, column, message))

    if decoded.file_problem is not None:
        fail(decoded.file_problem)
        return None
    lines = decoded.lines
    if not lines:
        fail("the file is empty: a table needs at least its header row")
        return None
    records = _csv_records(lines)
    if len(records) - 1 > limits.rows:
        fail(
            f"the table has {len(records) - 1:,} rows, more than the limit of {limits.rows:,}"
            f"{_setting('rows')}"
        )
        return None
    head = records[0]
    if head.fault is not None:
        fail("the header row has a quote that is never closed")
        return None
    header = [_clean(c) for c in head.fields]
    if not any(header):
        fail("the first line is empty: it must be the header row")
        return None
    if len(header) == 1:
        for separator, shown in ((";", "semicolons"), ("\t", "tabs"), ("，", "full-width commas")):
            if separator in header[0]:
                fail(
                    f"the columns are separated by {shown}, not commas: save the file as "
                    "CSV with commas ('CSV UTF-8 (comma delimited)' in Excel)"
                )
                return None
    trailing = len(header) - len(_rstrip(header))
    names = header[: len(header) - trailing]
    if _header_is_elsewhere(name, label, names, (r.fields for r in records[1:4]), result):
        return None
    if len(names) > limits.columns:
        fail(
            f"the header has {len(names)} columns, more than the limit of {limits.columns}"
            f"{_setting('columns')}"
        )
        return None
    table = _new_table(name, label, names, result, lambda i: f"column {i + 1}")
    width = len(names)
    last = names[-1]
    positions = _positions(names)
    plain = len(positions) == width  # every column named, and once: cells zip with names
    stray_bom = any("\ufeff" in line for line in lines)  # files pasted together
    body = records[1:]
    suspect = any(SUSPECT.search(line) for line in lines)
    trailing_rows: list[int] = []
    shape_rows: list[tuple[int, int, list[str]]] = []
    mojibake: list[Problem] = []
    non_ascii_rows = 0
    for offset, record in enumerate(body):
        row = table.first_row + offset
        span = range(record.first_line, record.end_line)
        if record.fault is not None:
            fail(_fault_message(record, lines, names), row)
            still_open = "expected after" not in record.fault
            # What a lenient reading makes of the record (of its first line, if the quote
            # never closes) is kept muted, so that its id still stands.
            text = (
                lines[record.first_line] if still_open else "".join(lines[span.start : span.stop])
            )
            loose = next(csv.reader([text]), [])
            table.rows.append(
                {c: _clean(loose[i]) if i < len(loose) else "" for c, i in positions.items()}
            )
            table.muted_rows.add(offset)
            lost = range(span.start + 1, len(lines) if still_open else span.stop)
            _recover_ids(table, lines, lost, positions, row)
            if still_open:
                break
            continue
        values = (
            [_clean(c) for c in record.fields] if stray_bom else [*map(str.strip, record.fields)]
        )
        if not any(values):
            table.rows.append(_BLANK)
            continue
        encoding = ""
        if decoded.line_problems:
            problems = decoded.line_problems
            encoding = next((problems[i] for i in span if i in problems), "")
        if encoding:
            fail(encoding, row)
            if any(i in decoded.garbled for i in span):
                table.muted_rows.add(offset)  # its text is garbled; its id still stands
        count = len(values)
        if count > width and not any(values[width:]):
            trailing_rows.append(row)
            values = values[:width]
        elif count != width:
            shape_rows.append((offset, count, values))
            table.muted_rows.add(offset)
            if count < width and any("，" in v for v in values):
                # Full-width commas where commas belong: the row's cells split at them.
                split = [_clean(p) for v in values for p in v.split("，")]
                if len(split) == width:
                    values, count = split, width
        if values == names:
            fail("the row repeats the header row (two files pasted together?)", row)
            table.muted_rows.add(offset)
        if plain and count == width:
            cells = dict(zip(names, values, strict=True))
        else:
            cells = {column: values[i] if i < count else "" for column, i in positions.items()}
        table.rows.append(cells)
        if record.end_line - record.first_line > 1 and _swallowed(cells, width):
            column = next(c for c, v in cells.items() if "\n" in v or "\r" in v)
            fail(
                f"the value of column {column} runs over lines {record.first_line + 1}-"
                f"{record.end_line} and holds what look like rows: is a closing quote missing?",
                row,
            )
            table.muted_rows.add(offset)
            _recover_ids(table, lines, range(span.start + 1, span.stop), positions, row)
            continue
        _check_cells(table, offset, cells, limits, result)
        if suspect and not encoding and offset not in table.muted_rows:
            found = _mojibake(table, offset, cells)
            mojibake.extend(found)
            non_ascii_rows += any(not v.isascii() for v in cells.values())
    _shape_problems(table, shape_rows, width, last, result)
    _trailing_commas(table, trailing_rows, trailing, last, result)
    _mojibake_problems(table, mojibake, non_ascii_rows, result)
    if shape_rows and len(shape_rows) == _records_in(table) >= 2:
        table.aligned = False  # no row lines up with the header: nothing in it can be trusted
    return _trim(table)


def _recover_ids(
    table: RawTable, lines: list[str], lost: range, positions: dict[str, int], row: int
) -> None:
    """Note the ids of lines a quoting fault swallowed (read leniently, line by line)."""
    where = positions.get("id")
    if where is None:
        return
    for fields in csv.reader(lines[i] for i in lost):
        if len(fields) > where and (found := _clean(fields[where])):
            table.swallowed_ids.setdefault(found, row)


def _header_is_elsewhere(
    name: str, label: str, names: list[str], later: Iterable[list[str]], result: ReadResult
) -> bool:
    """A first row that names none of the table's columns: a title row, or no header at all."""
    expected = TABLES_BY_NAME[name].column_names
    if any(c in expected for c in names):
        return False
    hint = "is the header row missing?"
    for number, values in enumerate(later, start=2):
        if any(_clean(v) in expected for v in values):
            hint = f"the header seems to be row {number}, delete the rows above it"
            break
    result.problems.append(
        Problem(
            label,
            1,
            None,
            f"the first row names no column of {name} (expected: {', '.join(expected)}); {hint}",
        )
    )
    return True


def _rstrip(names: list[str]) -> list[str]:
    end = len(names)
    while end and not names[end - 1]:
        end -= 1
    return names[:end]


def _positions(names: list[str]) -> dict[str, int]:
    """Each named column's position (the first, for a repeated name)."""
    positions: dict[str, int] = {}
    for i, column in enumerate(names):
        if column and column not in positions:
            positions[column] = i
    return positions


def _new_table(
    name: str, label: str, names: list[str], result: ReadResult, where: Callable[[int], str]
) -> RawTable:
    """A table with its header checked: unnamed columns and repeated names are problems."""
    table = RawTable(name=name, label=label, header=names)
    seen: dict[str, list[int]] = {}
    for i, column in enumerate(names):
        if not column:
            result.problems.append(Problem(label, 1, None, f"{where(i)} of the header has no name"))
            continue
        seen.setdefault(column, []).append(i)
    for column, places in seen.items():
        if len(places) > 1:
            table.duplicated.add(column)
            shown = " and ".join(where(i) for i in places)
            result.problems.append(
                Problem(
                    label, 1, column, f"the header names this column {len(places)} times ({shown})"
                )
            )
    return table


def _fault_message(record: _Record, lines: list[str], names: list[str]) -> str:
    text = "".join(lines[record.first_line : record.end_line])
    index, line, still_open = _quote_fault(text)
    column = f"column {names[index]}" if index < len(names) else f"field {index + 1}"
    if still_open or "expected after" not in (record.fault or ""):
        return (
            f"the quote that opens the value of {column} is never closed, so the rest of the "
            "file reads as that one value"
        )
    if line:
        return (
            f"the quote that opens the value of {column} closes only on line "
            f"{record.first_line + line + 1}, and text follows it: a quote is missing or stray"
        )
    return (
        f"text follows the closing quote of the value of {column} (inside a quoted value, "
        'write a quote as "")'
    )


def _swallowed(cells: dict[str, str], width: int) -> bool:
    """Whether a value spanning lines holds lines that look like rows of this table."""
    for value in cells.values():
        if "\n" in value or "\r" in value:
            later = value.splitlines()[1:]
            if width > 1 and any(line.count(",") >= width - 1 for line in later):
                return True
    return False


def _records_in(table: RawTable) -> int:
    return sum(1 for r in table.rows if r is not _BLANK)


def _check_cells(
    table: RawTable, offset: int, cells: dict[str, str], limits: Limits, result: ReadResult
) -> None:
    if max(map(len, cells.values()), default=0) <= limits.cell_chars:
        return
    row = table.first_row + offset
    for column, value in cells.items():
        if len(value) > limits.cell_chars:
            result.problems.append(
                Problem(
                    table.label,
                    row,
                    column,
                    f"the value is {len(value):,} characters long, more than the limit of "
                    f"{limits.cell_chars:,}{_setting('cell_chars')}",
                )
            )
            cells[column] = ""
            table.muted_cells.add((offset, column))


def _mojibake(table: RawTable, offset: int, cells: dict[str, str]) -> list[Problem]:
    found: list[Problem] = []
    for column, value in cells.items():
        if value.isascii() or (offset, column) in table.muted_cells:
            continue
        why = misreading(value)
        if why is not None:
            found.append(Problem(table.label, table.first_row + offset, column, why))
            table.muted_cells.add((offset, column))
    return found


def _mojibake_problems(
    table: RawTable, found: list[Problem], non_ascii_rows: int, result: ReadResult
) -> None:
    """Mojibake in every row that has non-ASCII text is one problem for the file."""
    rows = {p.row for p in found}
    if len(rows) >= 3 and len(rows) == non_ascii_rows:
        first = found[0]
        result.problems.append(
            Problem(
                table.label,
                None,
                None,
                "the whole file is mojibake, every row with non-ASCII text; "
                f"row {first.row}, column {first.column}: {first.message}",
            )
        )
    else:
        result.problems.extend(found)


def _shape_problems(
    table: RawTable,
    shape_rows: list[tuple[int, int, list[str]]],
    width: int,
    last: str,
    result: ReadResult,
) -> None:
    """Rows whose field count is not the header's: named by row, or once if every row is."""

    def describe(count: int, values: list[str]) -> str:
        head = f"has {count} fields, the header has {width}: "
        if count > width:
            extra = [v for v in values[width:] if v]
            shown = ", ".join(f"'{_shorten(v)}'" for v in extra[:3])
            more = f" and {len(extra) - 3} more" if len(extra) > 3 else ""
            noun = "value" if len(extra) == 1 else "values"
            return head + f"extra {noun} {shown}{more} after column {last}"
        absent = ", ".join(table.header[count:])
        noun = "column" if width - count == 1 else "columns"
        hint = ""
        if any("，" in v for v in values):
            hint = " (full-width commas '，' do not separate fields)"
        return head + f"no value for {noun} {absent}{hint}"

    if not shape_rows:
        return
    counts = {count for _, count, _ in shape_rows}
    if len(shape_rows) == _records_in(table) >= 2 and len(counts) == 1:
        offset, count, values = shape_rows[0]
        result.problems.append(
            Problem(
                table.label,
                None,
                None,
                f"every row {describe(count, values)} (row {table.first_row + offset})",
            )
        )
        return
    for offset, count, values in shape_rows:
        result.problems.append(
            Problem(
                table.label, table.first_row + offset, None, f"the row {describe(count, values)}"
            )
        )


def _trailing_commas(
    table: RawTable, rows: list[int], header_trailing: int, last: str, result: ReadResult
) -> None:
    """Empty fields after the last column: one problem when every row (or the header) has them."""
    everywhere = len(rows) >= 2 and len(rows) == _records_in(table)
    if header_trailing and (everywhere or not rows):
        both = "the header and every row end" if rows else "the header ends"
        result.problems.append(
            Problem(table.label, 1, None, f"{both} with a comma: an empty column after {last}")
        )
        return
    if header_trailing:
        result.problems.append(
            Problem(
                table.label, 1, None, f"the header ends with a comma: an empty column after {last}"
            )
        )
    if everywhere:
        result.problems.append(
            Problem(
                table.label,
                None,
                None,
                f"every row ends with a comma: an empty field after column {last}, which the "
                "header does not have",
            )
        )
        return
    for row in rows:
        result.problems.append(
            Problem(
                table.label,
                row,
                None,
                f"the row ends with a comma: an empty field after column {last}, which the "
                "header does not have",
            )
        )


def _shorten(value: str, width: int = 24) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def _trim(table: RawTable) -> RawTable:
    """The table without its trailing blank rows."""
    end = len(table.rows)
    while end and table.rows[end - 1] is _BLANK and end - 1 not in table.muted_rows:
        end -= 1
    del table.rows[end:]
    return table


# --- one .xlsx workbook ---------------------------------------------------------------------------
def _read_workbook(file: Path, info: Any, limits: Limits) -> ReadResult:
    result = ReadResult(missing_label=f"{file.name}[{{}}]")
    problem = _not_a_workbook(file, info, limits)
    if problem is not None:
        return result.fail(file.name, problem)
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True, keep_links=False)
    except UNREADABLE_WORKBOOK as exc:
        return result.fail(file.name, f"not a readable .xlsx workbook: {_why(exc)}")
    try:
        with zipfile.ZipFile(file) as archive:
            cells = 0
            for sheet in book.worksheets:
                label = f"{file.name}[{sheet.title}]"
                if not hasattr(sheet, "iter_rows"):
                    result.warnings.append(Problem(label, None, None, "skipped: a chart sheet"))
                    continue
                rows, more = _count_sheet(archive, sheet, limits)
                cells += more
                if cells > limits.cells:
                    return ReadResult(missing_label=result.missing_label).fail(
                        file.name,
                        f"the workbook has more than {limits.cells:,} cells (empty formatted "
                        f"ones included), the limit{_setting('cells')}: delete the rows and "
                        "columns around the tables",
                    )
                if rows > limits.rows + 1:
                    result.problems.append(
                        Problem(
                            label,
                            None,
                            None,
                            f"the sheet has more than {limits.rows:,} rows (blank ones included), "
                            f"the limit{_setting('rows')}: delete the rows below the table",
                        )
                    )
                    result.unreadable.add(str(sheet.title).strip())
                    continue
                _read_sheet(file.name, sheet, result, limits)
    except UNREADABLE_WORKBOOK as exc:
        return ReadResult(missing_label=result.missing_label).fail(
            file.name, f"not a readable .xlsx workbook: {_why(exc)}"
        )
    finally:
        book.close()
    return result


_PREFIX = re.compile(rb"<(\w+:)?(?:worksheet|sst)[\s>]")


def _count_tags(
    archive: zipfile.ZipFile, member: str, names: tuple[bytes, ...], stops: tuple[int, ...]
) -> list[int]:
    """How often each element of `names` opens in a zip member's XML, read in chunks.

    Counting stops once any count passes its stop. The element names take the prefix the
    member's root element has (`<x:worksheet>`, then `<x:row>`).
    """
    counts = [0] * len(names)
    tags: list[list[bytes]] = []
    carry = b""
    with archive.open(member) as f:
        while chunk := f.read(1 << 20):
            data = carry + chunk
            if not tags:
                found = _PREFIX.search(data)
                prefix = (found.group(1) or b"") if found else b""
                tags = [[b"<" + prefix + n + end for end in (b" ", b">", b"/")] for n in names]
            cut = data.rfind(b"<")  # no tag spans the cut
            if cut <= 0 or len(data) - cut > 4096:
                cut = len(data)
            head, carry = data[:cut], data[cut:]
            for i, variants in enumerate(tags):
                counts[i] += sum(head.count(t) for t in variants)
            if any(n > stop for n, stop in zip(counts, stops, strict=True)):
                return counts
        for i, variants in enumerate(tags):
            counts[i] += sum(carry.count(t) for t in variants)
    return counts


def _count_sheet(archive: zipfile.ZipFile, sheet: Any, limits: Limits) -> tuple[int, int]:
    """A sheet's rows and cells as its XML holds them, before openpyxl parses it."""
    member = str(getattr(sheet, "_worksheet_path", "")).lstrip("/")
    if member not in archive.namelist():
        return 0, 0  # openpyxl found it elsewhere; its reading is bounded by the row limit
    rows, cells = _count_tags(archive, member, (b"row", b"c"), (limits.rows + 1, limits.cells))
    return rows, cells


def _not_a_workbook(file: Path, info: Any, limits: Limits) -> str | None:
    """Why `file` cannot be read as a workbook, checked before openpyxl sees it."""
    if stat.S_ISDIR(info.st_mode) or not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_size > limits.file_bytes:
        return (
            f"the workbook is {_size(info.st_size)}, more than the limit of "
            f"{_limit(limits.file_bytes)}{_setting('file_bytes')}"
        )
    try:
        with file.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        return f"cannot be read: {_os_reason(exc)}"
    if not head:
        return "not a readable .xlsx workbook: the file is empty"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "not a readable .xlsx workbook: an Excel 97-2003 workbook (.xls) or a "
            "password-protected one; save it as an .xlsx workbook without a password"
        )
    if not head.startswith(b"PK"):
        kind = "a text file" if _looks_like_text(head) else "not a zip archive"
        return f"not a readable .xlsx workbook: {kind} (a CSV file renamed .xlsx?)"
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            unpacked = sum(m.file_size for m in members)
            if unpacked > limits.unpacked_bytes:
                return (
                    f"unpacked, the workbook is {_size(unpacked)}, more than the limit of "
                    f"{_limit(limits.unpacked_bytes)}{_setting('unpacked_bytes')}: a sheet padded "
                    "with empty cells, or a zip bomb"
                )
            # openpyxl holds every shared string in memory: count them before it reads them.
            for member in members:
                if member.filename.lower().endswith("sharedstrings.xml"):
                    [strings] = _count_tags(archive, member.filename, (b"si",), (limits.cells,))
                    if strings > limits.cells:
                        return (
                            f"the workbook has more than {limits.cells:,} distinct strings, "
                            "the limit"
                        )
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        return f"not a readable .xlsx workbook: {_why(exc)}"
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(b >= 0x20 or b in b"\t\r\n" for b in head)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value).replace("\ufeff", "").strip()


def _rows_of(sheet: Any, limits: Limits) -> Iterator[list[str]]:
    """The sheet's rows as stripped strings, at most `limits.columns + 1` cells wide."""
    # The sheet's declared dimension is not trusted (read-only openpyxl would stop at it and
    # drop the rows below); our own limits bound the reading instead.
    sheet.reset_dimensions()
    rows: Iterable[tuple[object, ...]] = sheet.iter_rows(
        values_only=True, max_col=limits.columns + 1
    )
    for values in rows:
        yield [_cell_text(v) for v in values]


def _read_sheet(book: str, sheet: Any, result: ReadResult, limits: Limits) -> None:
    title = str(sheet.title)
    name = title.strip()
    label = f"{book}[{name}]"
    rows = _rows_of(sheet, limits)
    if name not in TABLES_BY_NAME:
        if not any(any(r) for _, r in zip(range(limits.rows + 1), rows, strict=False)):
            result.warnings.append(
                Problem(
                    f"{book}[{title}]", None, None, "skipped: an empty sheet that names no table"
                )
            )
            return
        close = name.lower() if name.lower() in TABLES_BY_NAME else _close_table(name.lower())
        hint = f": did you mean {close}?" if close else ""
        result.problems.append(
            Problem(f"{book}[{title}]", None, None, f"unknown table '{name}'{hint}")
        )
        if close:
            result.unreadable.add(close)
        return
    if name in result.tables or name in result.unreadable:
        result.problems.append(
            Problem(f"{book}[{title}]", None, None, f"a second sheet for table {name}")
        )
        return
    table = _sheet_table(name, label, rows, result, limits)
    if table is None:
        result.unreadable.add(name)
    else:
        result.tables[name] = table


def _sheet_table(
    name: str, label: str, rows: Iterator[list[str]], result: ReadResult, limits: Limits
) -> RawTable | None:
    def fail(message: str) -> None:
        result.problems.append(Problem(label, None, None, message))

    header = next(rows, None)
    if header is None:
        fail("the sheet is empty: a table needs at least its header row")
        return None
    names = _rstrip(header)
    if not names:
        fail("the first row is empty: it must be the header row")
        return None
    if len(names) > limits.columns:
        fail(f"the header has more than {limits.columns} columns, the limit")
        return None
    ahead = [next(rows, []) for _ in range(3)]
    if _header_is_elsewhere(name, label, names, ahead, result):
        return None
    rows = itertools.chain(ahead, rows)
    table = _new_table(name, label, names, result, lambda i: f"column {get_column_letter(i + 1)}")
    width = len(names)
    positions = _positions(names)
    mojibake: list[Problem] = []
    non_ascii_rows = 0
    for offset, values in enumerate(rows):
        if offset >= limits.rows:
            fail(
                f"the sheet has more than {limits.rows:,} rows (blank ones included), the "
                "limit: delete the rows below the table"
            )
            return None
        if not any(values):
            table.rows.append(_BLANK)
            continue
        row = table.first_row + offset
        stray = next((i for i in range(width, len(values)) if values[i]), None)
        if stray is not None:
            result.problems.append(
                Problem(
                    label,
                    row,
                    None,
                    f"value '{_shorten(values[stray])}' in column {get_column_letter(stray + 1)}, "
                    "which the header does not name",
                )
            )
        cells = {c: values[i] if i < len(values) else "" for c, i in positions.items()}
        table.rows.append(cells)
        for column, value in cells.items():
            if value in EXCEL_ERRORS:
                result.problems.append(
                    Problem(
                        label,
                        row,
                        column,
                        f"the cell holds Excel's error {value} (a formula that failed): "
                        "put the value itself",
                    )
                )
                cells[column] = ""
                table.muted_cells.add((offset, column))
        _check_cells(table, offset, cells, limits, result)
        if any(SUSPECT.search(v) for v in cells.values()):
            mojibake.extend(_mojibake(table, offset, cells))
        non_ascii_rows += any(not v.isascii() for v in cells.values())
    _mojibake_problems(table, mojibake, non_ascii_rows, result)
    return _trim(table)


def _why(exc: BaseException) -> str:
    if isinstance(exc, KeyError):  # str() of a KeyError is its key in quotes
        key = str(exc.args[0]) if exc.args else ""
        return "a zip archive without the parts of a workbook" + (f" ({key})" if key else "")
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return f"a damaged or truncated zip archive ({exc})"
    return str(exc) or type(exc).__name__
