"""Reading the same catalog from CSV (UTF-8, BOM, GB18030) and from one .xlsx workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

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
