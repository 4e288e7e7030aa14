"""The broken-catalog corpus (tests/data/broken): each case gets exactly its problems, and a
failed load leaves the catalog a backend serves untouched.

A case is a folder holding `about.txt` (what a planner did), `expected.txt` (every problem, one
per line, as `file:row:column: message`, in order; empty: the catalog loads) and optionally
`warnings.txt` (every warning, the same way). Its other files are laid over a copy of
tests/fixtures/mini, and `remove.txt` names the files of that copy to delete. A case whose
catalog is binary, large or a filesystem oddity is built here instead (`GENERATED`), so that
the corpus stays small; `{catalog}` in its expectations stands for the path given to the loader.
"""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from graph.errors import CatalogError
from graph.model import Position
from graph.planner import recommend
from graph.stores.factory import Backend, embedded_backend
from loaders import CatalogRejected, Limits, check_catalog, load_catalog
from loaders.tabular import MB
from tests.loaders.workbooks import padded_workbook, workbook

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "data" / "broken"
MINI = HERE.parent / "fixtures" / "mini"
META = {"about.txt", "expected.txt", "warnings.txt", "remove.txt"}

Built = tuple[Path, Limits | None]
GENERATED: dict[str, Callable[[Path, Path], Built]] = {}


def generated(
    name: str,
) -> Callable[[Callable[[Path, Path], Built]], Callable[[Path, Path], Built]]:
    """Register the builder of case `name`: (tmp folder, session cache folder) -> catalog."""

    def register(build: Callable[[Path, Path], Built]) -> Callable[[Path, Path], Built]:
        GENERATED[name] = build
        return build

    return register


def _mini(tmp: Path) -> Path:
    target = tmp / "catalog"
    shutil.copytree(MINI, target)
    return target


# --- generated cases -------------------------------------------------------------------------
@generated("csv-xlsx-renamed-csv")
def _xlsx_named_csv(tmp: Path, cache: Path) -> Built:
    target = _mini(tmp)
    workbook(tmp / "book.xlsx").replace(target / "matters.csv")
    return target, None


@generated("tbl-nested-folder")
def _nested(tmp: Path, cache: Path) -> Built:
    target = tmp / "catalog"
    shutil.copytree(MINI, target / "mini")
    return target, None


@generated("fs-dangling-symlink")
def _dangling(tmp: Path, cache: Path) -> Built:
    target = _mini(tmp)
    (target / "guides.csv").unlink()
    os.symlink("../elsewhere/guides.csv", target / "guides.csv")
    return target, None


@generated("fs-directory-named-csv")
def _directory(tmp: Path, cache: Path) -> Built:
    target = _mini(tmp)
    (target / "guides.csv").unlink()
    (target / "guides.csv").mkdir()
    (target / "guides.csv" / "guides.csv").write_text("id\n", encoding="utf-8")
    return target, None


@generated("fs-named-pipe")
def _fifo(tmp: Path, cache: Path) -> Built:
    target = _mini(tmp)
    (target / "guides.csv").unlink()
    os.mkfifo(target / "guides.csv")  # reading it would block for ever
    return target, None


@generated("fs-no-such-path")
def _nothing(tmp: Path, cache: Path) -> Built:
    return tmp / "catalog", None


@generated("fs-one-csv-file")
def _one_file(tmp: Path, cache: Path) -> Built:
    return _mini(tmp) / "matters.csv", None


@generated("fs-empty-folder")
def _empty_folder(tmp: Path, cache: Path) -> Built:
    (tmp / "catalog").mkdir()
    (tmp / "catalog" / "notes.txt").write_text("todo\n", encoding="utf-8")
    return tmp / "catalog", None


@generated("limit-huge-csv")
def _huge_csv(tmp: Path, cache: Path) -> Built:
    target = _mini(tmp)
    with (target / "matter_materials.csv").open("r+b") as f:
        f.seek(200 * MB)  # a sparse file: 200 MB that take no disk and are never read
        f.write(b"sgxk,license,illustrative\n")
    return target, None


@generated("limit-long-cell")
def _long_cell(tmp: Path, cache: Path) -> Built:
    target = _mini(tmp)
    path = target / "guides.csv"
    text = path.read_text(encoding="utf-8").replace("不到48小时通过审批。", "审批。" * 4000)
    path.write_text(text, encoding="utf-8")
    return target, None


@generated("limit-too-many-rows")
def _many_rows(tmp: Path, cache: Path) -> Built:
    return _mini(tmp), Limits(rows=10)


@generated("limit-too-many-columns")
def _many_columns(tmp: Path, cache: Path) -> Built:
    return _mini(tmp), Limits(columns=10)


@generated("xlsx-zip-bomb")
def _bomb(tmp: Path, cache: Path) -> Built:
    bomb = cache / "catalog.xlsx"
    if not bomb.exists():
        padded_workbook(bomb, rows=140_000)  # ~70 MB of XML in ~0.5 MB
    shutil.copyfile(bomb, tmp / "catalog.xlsx")
    return tmp / "catalog.xlsx", None


@generated("xlsx-too-many-cells")
def _many_cells(tmp: Path, cache: Path) -> Built:
    return workbook(tmp / "catalog.xlsx"), Limits(cells=300)


@generated("xlsx-sheet-too-many-rows")
def _sheet_rows(tmp: Path, cache: Path) -> Built:
    return workbook(tmp / "catalog.xlsx"), Limits(rows=10)


@generated("xlsx-text-file")
def _text_xlsx(tmp: Path, cache: Path) -> Built:
    shutil.copyfile(MINI / "matters.csv", tmp / "catalog.xlsx")
    return tmp / "catalog.xlsx", None


@generated("xlsx-old-excel")
def _xls(tmp: Path, cache: Path) -> Built:
    (tmp / "catalog.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return tmp / "catalog.xlsx", None


@generated("xlsx-truncated")
def _truncated(tmp: Path, cache: Path) -> Built:
    data = workbook(tmp / "good.xlsx").read_bytes()
    (tmp / "catalog.xlsx").write_bytes(data[: len(data) // 2])
    return tmp / "catalog.xlsx", None


@generated("xlsx-zip-of-csv-files")
def _zip_of_csvs(tmp: Path, cache: Path) -> Built:
    with zipfile.ZipFile(tmp / "catalog.xlsx", "w") as archive:
        for file in sorted(MINI.glob("*.csv")):
            archive.write(file, file.name)
    return tmp / "catalog.xlsx", None


@generated("xlsx-formula-error")
def _na(tmp: Path, cache: Path) -> Built:
    def change(book: openpyxl.Workbook) -> None:
        book["matters"]["F3"] = "#N/A"  # a VLOOKUP that found nothing

    return workbook(tmp / "catalog.xlsx", change), None


@generated("xlsx-title-row")
def _title(tmp: Path, cache: Path) -> Built:
    def change(book: openpyxl.Workbook) -> None:
        book["departments"].insert_rows(1)
        book["departments"]["A1"] = "部门清单"

    return workbook(tmp / "catalog.xlsx", change), None


@generated("xlsx-stray-cell")
def _stray(tmp: Path, cache: Path) -> Built:
    def change(book: openpyxl.Workbook) -> None:
        book["departments"]["F3"] = "待核实"

    return workbook(tmp / "catalog.xlsx", change), None


@generated("xlsx-missing-sheet")
def _no_sheet(tmp: Path, cache: Path) -> Built:
    def change(book: openpyxl.Workbook) -> None:
        del book["prerequisites"]

    return workbook(tmp / "catalog.xlsx", change), None


@generated("xlsx-empty-default-sheet")
def _sheet1(tmp: Path, cache: Path) -> Built:
    def change(book: openpyxl.Workbook) -> None:
        book.create_sheet("Sheet1")

    return workbook(tmp / "catalog.xlsx", change), None


@generated("xlsx-unknown-sheet")
def _notes(tmp: Path, cache: Path) -> Built:
    def change(book: openpyxl.Workbook) -> None:
        book.create_sheet("备注")["A1"] = "2024年版"

    return workbook(tmp / "catalog.xlsx", change), None


@generated("xlsx-mojibake-cell")
def _mojibake(tmp: Path, cache: Path) -> Built:
    def change(book: openpyxl.Workbook) -> None:
        book["bundles"]["B4"] = "二手车交易一件事".encode().decode("gb18030")

    return workbook(tmp / "catalog.xlsx", change), None


@generated("xlsx-numbers-as-numbers")
def _numbers(tmp: Path, cache: Path) -> Built:
    def change(book: openpyxl.Workbook) -> None:
        sheet = book["matters"]
        for row in range(2, sheet.max_row + 1):
            for column in "GHIK":  # legal_days, promised_days, visits, fee
                sheet[f"{column}{row}"] = float(sheet[f"{column}{row}"].value)
            sheet[f"J{row}"] = sheet[f"J{row}"].value == "true"

    return workbook(tmp / "catalog.xlsx", change), None


# --- the corpus --------------------------------------------------------------------------------
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def _expected(case: str, name: str, catalog: Path) -> list[str]:
    path = CORPUS / case / name
    if not path.exists():
        return []
    return [
        line.replace("{catalog}", str(catalog))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def build(case: str, tmp: Path, cache: Path) -> Built:
    if case in GENERATED:
        return GENERATED[case](tmp, cache)
    target = _mini(tmp)
    folder = CORPUS / case
    remove = folder / "remove.txt"
    for name in remove.read_text(encoding="utf-8").split() if remove.exists() else []:
        (target / name).unlink()
    for file in folder.iterdir():
        if file.name not in META:
            shutil.copyfile(file, target / file.name)
    return target, None


FAILING = [c for c in CASES if _expected(c, "expected.txt", Path("."))]


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus-cache")


def test_the_corpus_is_complete_and_small() -> None:
    assert len(CASES) >= 40 and len(FAILING) >= 40
    assert set(GENERATED) <= set(CASES), "a generated case without its folder"
    for case in CASES:
        files = {p.name for p in (CORPUS / case).iterdir()}
        assert {"about.txt", "expected.txt"} <= files, case
        assert case in GENERATED or files - META or "remove.txt" in files, f"{case} changes nothing"
    assert sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file()) < MB


@pytest.mark.parametrize("case", CASES)
def test_each_case_gets_exactly_its_problems(case: str, tmp_path: Path, cache: Path) -> None:
    path, limits = build(case, tmp_path, cache)
    try:
        checked = check_catalog(path, limits)
    except CatalogRejected as exc:
        problems, warnings = [str(p) for p in exc.problems], [str(w) for w in exc.warnings]
    else:
        problems, warnings = [], [str(w) for w in checked.warnings]
    assert problems == _expected(case, "expected.txt", path)
    assert warnings == _expected(case, "warnings.txt", path)


# --- a failed load changes nothing that is served ----------------------------------------------
def _answers(backend: Backend) -> tuple[object, ...]:
    store = backend.catalog
    return (
        store.stats(),
        recommend(store, Position("nev", "nev.construction", "kaigong")),
        recommend(store, Position("nev", "nev.circulation")),
        [(i.id, [s.id for s in stages]) for i, stages in store.list_industries()],
    )


@pytest.fixture(scope="module")
def serving() -> Iterator[tuple[Backend, tuple[object, ...]]]:
    backend = embedded_backend(load_catalog(MINI))
    yield backend, _answers(backend)
    backend.close()


@pytest.mark.parametrize("case", FAILING)
def test_a_failed_load_leaves_the_served_catalog(
    case: str, tmp_path: Path, cache: Path, serving: tuple[Backend, tuple[object, ...]]
) -> None:
    backend, before = serving
    path, limits = build(case, tmp_path, cache)
    with pytest.raises(CatalogError):
        backend.load(load_catalog(path, limits))
    assert _answers(backend) == before


def test_a_200_mb_csv_is_refused_without_being_read(tmp_path: Path, cache: Path) -> None:
    path, _ = build("limit-huge-csv", tmp_path, cache)
    started = time.perf_counter()
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert time.perf_counter() - started < 2
    assert [p.file for p in caught.value.problems] == ["matter_materials.csv"]
