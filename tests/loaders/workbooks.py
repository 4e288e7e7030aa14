"""Workbooks for loader tests: the mini catalog as .xlsx, and one padded with blank rows."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"


def workbook(target: Path, change: Callable[[openpyxl.Workbook], None] | None = None) -> Path:
    """The mini catalog as one .xlsx workbook (a sheet per table), changed by `change`."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for file in sorted(MINI.glob("*.csv")):
        sheet = book.create_sheet(file.stem)
        with file.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                sheet.append(row)
    if change is not None:
        change(book)
    book.save(target)
    return target


def padded_workbook(target: Path, rows: int, cells: int = 10) -> Path:
    """The mini workbook with its materials sheet padded by rows of whitespace cells."""
    good = workbook(target.with_name("good-" + target.name))
    blank = '<c t="inlineStr"><is><t xml:space="preserve"> </t></is></c>' * cells
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        names = {s.title: i for i, s in enumerate(openpyxl.load_workbook(good).worksheets, 1)}
        sheet = f"xl/worksheets/sheet{names['materials']}.xml"
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != sheet:
                dst.writestr(info, data)
                continue
            head, _, rest = data.partition(b"<sheetData>")
            body, _, tail = rest.partition(b"</sheetData>")
            with dst.open(sheet, "w", force_zip64=True) as out:
                out.write(head + b"<sheetData>" + body)
                batch = []
                for r in range(10, rows + 10):
                    batch.append(f'<row r="{r}">{blank}</row>')
                    if len(batch) == 1000:
                        out.write("".join(batch).encode())
                        batch = []
                out.write("".join(batch).encode() + b"</sheetData>" + tail)
    good.unlink()
    return target
