"""Read catalog tables from a folder of CSV files or one .xlsx workbook, as raw text rows."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from graph.errors import Problem
from graph.tables import TABLES_BY_NAME

# Tried in order: UTF-8 (a BOM is dropped), then GB18030, a superset of GBK and GB2312.
ENCODINGS = ("utf-8-sig", "gb18030")
# What pandas and openpyxl raise on a file that is no workbook: a zip without the workbook's
# parts (KeyError), a truncated or damaged zip (BadZipFile, zlib.error, EOFError), a part that
# is not XML (xml.etree's ParseError is a SyntaxError), a file openpyxl refuses.
UNREADABLE_WORKBOOK = (
    OSError,
    ValueError,
    KeyError,
    EOFError,
    SyntaxError,
    zipfile.BadZipFile,
    zlib.error,
    InvalidFileException,
)


@dataclass(slots=True)
class RawTable:
    """One table's cells as stripped strings; `rows[i]` is at spreadsheet row `first_row + i`."""

    name: str
    label: str  # how errors name it: "matters.csv" or "catalog.xlsx[matters]"
    header: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    first_row: int = 2


def read_tables(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read every table under `path` (a folder of CSVs or an .xlsx file)."""
    if path.is_dir():
        return _read_folder(path)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_workbook(path)
    if not path.exists():
        return {}, [Problem(str(path), None, None, "no such file or folder")]
    return {}, [
        Problem(str(path), None, None, "expected a folder of CSV files or an .xlsx workbook")
    ]


def _read_folder(folder: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for file in sorted(folder.glob("*.csv")):
        name = file.stem
        if name not in TABLES_BY_NAME:
            problems.append(Problem(file.name, None, None, f"unknown table '{name}'"))
            continue
        text, error = _decode(file.read_bytes())
        if error:
            problems.append(Problem(file.name, None, None, error))
            continue
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            problems.append(Problem(file.name, None, None, f"not a readable CSV table: {exc}"))
            continue
        tables[name] = _table(name, file.name, frame)
    return tables, problems


def _read_workbook(file: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    try:
        sheets = pd.read_excel(file, sheet_name=None, dtype=str, keep_default_na=False)
    except UNREADABLE_WORKBOOK as exc:
        return {}, [Problem(file.name, None, None, f"not a readable .xlsx workbook: {_why(exc)}")]
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for sheet, frame in sheets.items():
        name = str(sheet).strip()
        if name not in TABLES_BY_NAME:
            problems.append(Problem(f"{file.name}[{sheet}]", None, None, f"unknown table '{name}'"))
            continue
        tables[name] = _table(name, f"{file.name}[{name}]", frame)
    return tables, problems


def _why(exc: BaseException) -> str:
    if isinstance(exc, KeyError):  # str() of a KeyError is its key in quotes
        key = str(exc.args[0]) if exc.args else ""
        # pandas raises KeyError('zip') for a zip that holds neither .xlsx nor .ods parts.
        return "a zip archive without the parts of a workbook" + (
            f" ({key})" if key and key != "zip" else ""
        )
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return f"a damaged or truncated zip archive ({exc})"
    return str(exc) or type(exc).__name__


def _decode(data: bytes) -> tuple[str, str | None]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), None
        except UnicodeDecodeError:
            continue
    return "", "cannot decode: expected UTF-8 (with or without BOM) or GB18030/GBK text"


def _table(name: str, label: str, frame: pd.DataFrame) -> RawTable:
    header = [str(c).strip() for c in frame.columns]
    rows = [
        {column: _cell(value) for column, value in zip(header, record, strict=True)}
        for record in frame.itertuples(index=False, name=None)
    ]
    return RawTable(name=name, label=label, header=header, rows=rows)


def _cell(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return "" if text.lower() == "nan" else text
