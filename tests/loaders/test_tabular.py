"""Reading the same catalog from CSV (UTF-8, BOM, GB18030) and from one .xlsx workbook."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.exceptions import InvalidFileException
from typer.testing import CliRunner

from cli.main import app
from graph.errors import CatalogError
from graph.model import Catalog
from loaders import load_catalog


def _reencode(folder: Path, encoding: str) -> None:
    for file in folder.glob("*.csv"):
        file.write_bytes(file.read_text(encoding="utf-8").encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "gbk"])
def test_encodings_give_the_same_catalog(
    mini_copy: Path, mini_catalog: Catalog, encoding: str
) -> None:
    _reencode(mini_copy, encoding)
    assert load_catalog(mini_copy) == mini_catalog


def _workbook(folder: Path, target: Path) -> Path:
    with pd.ExcelWriter(target) as writer:
        for file in sorted(folder.glob("*.csv")):
            frame = pd.read_csv(file, dtype=str, keep_default_na=False)
            frame.to_excel(writer, sheet_name=file.stem, index=False)
    return target


def test_xlsx_workbook_gives_the_same_catalog(
    mini_path: Path, mini_catalog: Catalog, tmp_path: Path
) -> None:
    assert load_catalog(_workbook(mini_path, tmp_path / "catalog.xlsx")) == mini_catalog


def test_xlsx_errors_name_the_sheet_row_and_column(mini_copy: Path, tmp_path: Path) -> None:
    path = mini_copy / "matters.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("gh,20,5", "gh,abc,5"), "utf-8")
    workbook = _workbook(mini_copy, tmp_path / "catalog.xlsx")
    with pytest.raises(CatalogError) as caught:
        load_catalog(workbook)
    assert [str(p) for p in caught.value.problems] == [
        "catalog.xlsx[matters]:2:legal_days: 'abc' is not a whole number"
    ]


def test_blank_lines_keep_row_numbers(mini_copy: Path) -> None:
    path = mini_copy / "materials.csv"
    path.write_text(path.read_text("utf-8") + "\n\nbad id,x,illustrative\n", "utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(mini_copy)
    assert caught.value.problems[0].row == 9


def test_not_a_catalog(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "nothing.txt")
    assert "no such file" in str(caught.value)


def _rewrite_zip(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a zip member by member; `change` returns new bytes, or None to drop the member."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info.filename))
            if data is not None:
                dst.writestr(info, data)
    return target


def _corrupt_workbooks(mini: Path, tmp_path: Path) -> dict[str, Path]:
    good = _workbook(mini, tmp_path / "good.xlsx")
    data = good.read_bytes()
    not_a_workbook = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    return {
        "a zip that is not a workbook": not_a_workbook,
        "a truncated zip": truncated,
        "no workbook part": _rewrite_zip(
            good, tmp_path / "nopart.xlsx", lambda n, d: None if n == "xl/workbook.xml" else d
        ),
        "no content types": _rewrite_zip(
            good, tmp_path / "notypes.xlsx", lambda n, d: None if n == "[Content_Types].xml" else d
        ),
        "broken sheet xml": _rewrite_zip(
            good, tmp_path / "badxml.xlsx", lambda n, d: b"<<<" if n.endswith("sheet1.xml") else d
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "a zip that is not a workbook",
        "a truncated zip",
        "no workbook part",
        "no content types",
        "broken sheet xml",
    ],
)
def test_a_corrupt_workbook_is_one_file_level_problem(
    mini_path: Path, tmp_path: Path, case: str
) -> None:
    path = _corrupt_workbooks(mini_path, tmp_path)[case]
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == (path.name, None, None)
    assert problem.message.startswith("not a readable .xlsx workbook: ")


def test_openpyxl_refusing_the_file_is_a_problem(
    mini_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> NoReturn:
        raise InvalidFileException("openpyxl does not support this file")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    with pytest.raises(CatalogError) as caught:
        load_catalog(_workbook(mini_path, tmp_path / "catalog.xlsx"))
    assert [str(p) for p in caught.value.problems] == [
        "catalog.xlsx: not a readable .xlsx workbook: openpyxl does not support this file"
    ]


def test_check_reports_a_corrupt_workbook(tmp_path: Path) -> None:
    path = tmp_path / "catalog.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert "catalog.xlsx: not a readable .xlsx workbook" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
