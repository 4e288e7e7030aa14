"""The service matrix page and its CSV/XLSX exports.

pandas holds the table for the exports; the HTML is our template, since each cell also needs a
colour on one scale over the whole table, a lead-department mark and a tooltip of its matters.

Every exported cell passes through `export_frame`: catalog text (a bundle or department name)
that a spreadsheet would run as a formula is neutralised (OWASP CSV injection), in the CSV and
the workbook alike.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from graph.matrix import ServiceMatrix
from viz.page import render

LIGHT = (0xEE, 0xF4, 0xFB)  # the lightest non-empty cell
DARK = (0x17, 0x4A, 0x8B)  # the fullest cell
KIND_LABELS = {"stage": "阶段", "bundle": "一件事"}
TOTAL_LABEL = "合计"
# What makes a spreadsheet read a cell as a formula (or run DDE): OWASP's CSV injection list.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Shade:
    background: str
    text: str


def shade(count: int, most: int) -> Shade:
    """The cell colour for `count` on one linear scale from 1 to the table's largest count."""
    t = 0.0 if most <= 1 else (count - 1) / (most - 1)
    rgb = tuple(round(lo + (hi - lo) * t) for lo, hi in zip(LIGHT, DARK, strict=True))
    return Shade("#{:02x}{:02x}{:02x}".format(*rgb), "#ffffff" if t > 0.5 else "#1f2933")


def column_labels(m: ServiceMatrix) -> list[str]:
    """Department names as column headers; a name two departments share gets its id added."""
    seen: dict[str, int] = {}
    for c in m.columns:
        seen[c.name] = seen.get(c.name, 0) + 1
    return [c.name if seen[c.name] == 1 else f"{c.name}（{c.id}）" for c in m.columns]


def matrix_frame(m: ServiceMatrix) -> pd.DataFrame:
    """One line per row plus a totals line; department columns hold counts (0 when blank)."""
    labels = column_labels(m)
    names = {c.id: c.name for c in m.columns}
    records: list[dict[str, Any]] = []
    for row in m.rows:
        record: dict[str, Any] = {
            "产业": row.industry.name,
            "阶段": row.stage.name,
            "类型": KIND_LABELS[row.kind],
            "名称": row.name,
            "牵头部门": "、".join(names[d] for d in row.lead_departments),
        }
        for column, label in zip(m.columns, labels, strict=True):
            cell = m.cell(row.key, column.id)
            record[label] = cell.count if cell else 0
        record[TOTAL_LABEL] = row.total
        records.append(record)
    totals: dict[str, Any] = {
        "产业": "",
        "阶段": "",
        "类型": "",
        "名称": "合计（各阶段去重）",
        "牵头部门": "",
    }
    totals.update({label: c.total for c, label in zip(m.columns, labels, strict=True)})
    totals[TOTAL_LABEL] = m.total
    records.append(totals)
    columns = ["产业", "阶段", "类型", "名称", "牵头部门", *labels, TOTAL_LABEL]
    return pd.DataFrame.from_records(records, columns=columns)


def neutralise(value: object) -> object:
    """`value` as a spreadsheet must show it: text starting with =, +, -, @, a tab or a carriage
    return gets a leading single quote, so it is text and never a formula; the rest is as is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_frame(m: ServiceMatrix) -> pd.DataFrame:
    """`matrix_frame` as the exports write it: every header and cell through `neutralise`."""
    frame = matrix_frame(m)
    safe = frame.map(neutralise)
    safe.columns = pd.Index([neutralise(c) for c in frame.columns])
    return safe


def matrix_csv(m: ServiceMatrix) -> bytes:
    """CSV with a BOM, so Excel on Windows opens the Chinese text correctly.

    Lines end in CRLF (RFC 4180): the csv module quotes a field holding any character of the
    line terminator, so a carriage return inside a name cannot start a new row (whose first
    cell would escape `neutralise`).
    """
    text: str = export_frame(m).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def matrix_xlsx(m: ServiceMatrix) -> bytes:
    """An .xlsx workbook: the same table, shaded like the page, lead cells in bold."""
    frame = export_frame(m)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="服务矩阵", index=False)
        sheet = writer.sheets["服务矩阵"]
        for line in sheet.iter_rows():
            for written in line:
                if isinstance(written.value, str):
                    written.data_type = "s"  # text, whatever it starts with: never a formula
        first = 6  # department columns start after 产业, 阶段, 类型, 名称, 牵头部门
        most = _most(m)
        for j, column in enumerate(m.columns):
            header = sheet.cell(row=1, column=first + j)
            header.alignment = Alignment(text_rotation=255, vertical="top")
            for i, row in enumerate(m.rows):
                cell = m.cell(row.key, column.id)
                target = sheet.cell(row=2 + i, column=first + j)
                if cell is None or cell.count == 0:
                    target.value = None  # blank for zero, as on the page
                    continue
                color = shade(cell.count, most)
                target.fill = PatternFill("solid", fgColor=color.background[1:])
                target.font = Font(color=color.text[1:], bold=cell.lead)
        for i, row in enumerate(m.rows):
            if row.kind == "stage":
                for col in range(1, 6):
                    sheet.cell(row=2 + i, column=col).font = Font(bold=True)
        for col in range(1, first + len(m.columns) + 1):
            sheet.cell(row=len(m.rows) + 2, column=col).font = Font(bold=True)
        sheet.column_dimensions["D"].width = 28
        sheet.column_dimensions["E"].width = 18
        for j in range(len(m.columns) + 1):
            sheet.column_dimensions[get_column_letter(first + j)].width = 5
        sheet.freeze_panes = sheet.cell(row=2, column=first)
    return buffer.getvalue()


def matrix_html(m: ServiceMatrix, export_base: str | None = None) -> str:
    """The self-contained page; `export_base` (a relative URL ending in `format=`) adds links."""
    most = _most(m)
    names = {c.id: c.name for c in m.columns}
    rows = []
    for row in m.rows:
        cells: list[dict[str, Any] | None] = []
        for column in m.columns:
            cell = m.cell(row.key, column.id)
            if cell is None:
                cells.append(None)  # a bare <td>: big matrices are mostly blank
                continue
            tip = f"{row.name} × {column.name}：{cell.count} 项事项"
            tip += "".join(f"\n· {ref.name}" for ref in cell.matters)
            if cell.lead:
                tip += "\n★ 牵头部门"
            cells.append(
                {
                    "column": column.id,
                    "count": cell.count,
                    "lead": cell.lead,
                    "tip": tip,
                    "shade": shade(cell.count, most) if cell.count else None,
                }
            )
        rows.append(
            {
                "row": row,
                "cells": cells,
                "leads": "、".join(names[d] for d in row.lead_departments),
            }
        )
    title = "、".join(i.name for i in m.industries) if len(m.industries) == 1 else "全部产业"
    return render(
        "service_matrix.html",
        title=title,
        matrix=m,
        columns=m.columns,
        rows=rows,
        most=most,
        scale=[shade(n, most) for n in _scale_steps(most)],
        scale_steps=_scale_steps(most),
        export_base=export_base,
    )


def _most(m: ServiceMatrix) -> int:
    return max((c.count for c in m.cells), default=0)


def _scale_steps(most: int) -> list[int]:
    if most <= 0:
        return []
    steps = sorted({1, max(1, most // 4), max(1, most // 2), max(1, 3 * most // 4), most})
    return steps
