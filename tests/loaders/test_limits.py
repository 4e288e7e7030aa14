"""Bounds on a catalog: file size, unpacked workbook size, rows, columns, cells; each refused
early with one problem naming the limit, and memory bounded while a workbook is read."""

from __future__ import annotations

import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from graph.errors import CatalogError
from loaders import Limits, check_catalog, load_catalog
from loaders.tabular import MAX_CELLS, MAX_UNPACKED_BYTES, MB
from tests.loaders.workbooks import padded_workbook, workbook


def _problems(path: Path, limits: Limits | None = None) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(path, limits)
    return [str(p) for p in caught.value.problems]


def test_a_limit_is_overridden_per_call(mini_copy: Path) -> None:
    assert _problems(mini_copy, Limits(file_bytes=700)) == [
        "matters.csv: the file is 788 bytes, more than the limit of 700 bytes "
        "(setting CHAINKG_CATALOG_MAX_FILE_MB)"
    ]


def test_the_defaults_take_the_mini_catalog(mini_path: Path) -> None:
    check_catalog(mini_path, Limits())


def test_a_cell_limit_is_the_cells_row_and_column(mini_copy: Path) -> None:
    assert _problems(mini_copy, Limits(cell_chars=20)) == [
        "guides.csv:2:body: the value is 25 characters long, more than the limit of 20 "
        "(setting CHAINKG_CATALOG_MAX_CELL_CHARS)"
    ]


def test_a_padded_workbook_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = padded_workbook(tmp_path / "catalog.xlsx", rows=140_000)
    assert path.stat().st_size < 2 * MB  # ~70 MB of XML
    tracemalloc.start()
    started = time.perf_counter()
    problems = _problems(path)
    took = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (
        len(problems) == 1
        and f"more than the limit of {MAX_UNPACKED_BYTES // MB} MB" in problems[0]
    )
    assert took < 2 and peak < 20 * MB


def test_a_padded_sheet_within_the_size_limit_is_refused_by_its_cells(tmp_path: Path) -> None:
    path = padded_workbook(tmp_path / "catalog.xlsx", rows=60_000)  # 600,000 blank cells
    tracemalloc.start()
    started = time.perf_counter()
    problems = _problems(path)
    took = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert problems == [
        f"catalog.xlsx: the workbook has more than {MAX_CELLS:,} cells (empty formatted ones "
        "included), the limit (setting CHAINKG_CATALOG_MAX_CELLS): delete the rows and columns "
        "around the tables"
    ]
    assert took < 5 and peak < 50 * MB


def test_a_sheet_padded_within_the_limits_is_streamed(tmp_path: Path) -> None:
    path = padded_workbook(tmp_path / "catalog.xlsx", rows=4_000, cells=5)
    tracemalloc.start()
    checked = check_catalog(path)  # whitespace rows are blank rows: the catalog is valid
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert checked.catalog.counts()["materials"] == 5
    assert peak < 50 * MB


def test_rows_below_a_wrong_dimension_are_read(tmp_path: Path) -> None:
    """openpyxl in read-only mode trusts a sheet's declared dimension; the loader does not."""

    def change(book: object) -> None:
        sheet = book["materials"]  # type: ignore[index]
        sheet.append(["late", "迟到的材料", "illustrative"])

    path = workbook(tmp_path / "catalog.xlsx", change)
    fixed = tmp_path / "wrong.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(fixed, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if b'<dimension ref="A1:C7"/>' in data:
                data = data.replace(b'<dimension ref="A1:C7"/>', b'<dimension ref="A1:C2"/>')
            dst.writestr(info, data)
    warnings = [str(w) for w in check_catalog(fixed).warnings]
    assert warnings == ["wrong.xlsx[materials]:7:id: material 'late' is asked for by no matter"]


def test_the_limits_are_settings_named_by_the_message(
    mini_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from api.settings import get_settings
    from cli.main import app

    monkeypatch.setenv("CHAINKG_CATALOG_MAX_ROWS", "3")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["check", str(mini_copy)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "more than the limit of 3 (setting CHAINKG_CATALOG_MAX_ROWS)" in result.output
