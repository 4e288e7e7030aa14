"""One encoding per file, checked row by row; mojibake named, and genuine text never taken
for it."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from loaders.encoding import GB, UTF8, decode, misreading

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = [
    ROOT / "data",
    ROOT / "tests" / "fixtures" / "mini",
    ROOT / "tests" / "fixtures" / "rules",
]


def _cells(folder: Path) -> list[str]:
    cells: list[str] = []
    for file in sorted(folder.glob("*.csv")):
        with file.open(encoding="utf-8-sig", newline="") as f:
            cells.extend(cell for row in csv.reader(f) for cell in row)
    return cells


def _common_chinese() -> list[str]:
    """The 3,755 characters of GB2312 level 1 (rows B0-D7): everyday Chinese."""
    chars = []
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


@pytest.mark.parametrize("folder", CATALOGS, ids=lambda p: p.name)
def test_no_cell_of_a_real_catalog_is_taken_for_mojibake(folder: Path) -> None:
    assert [c for c in _cells(folder) if misreading(c)] == []


@pytest.mark.parametrize("folder", CATALOGS, ids=lambda p: p.name)
def test_a_real_catalog_in_gbk_reads_as_one_gbk_file(folder: Path) -> None:
    for file in sorted(folder.glob("*.csv")):
        text = file.read_text(encoding="utf-8")
        decoded = decode(text.encode("gbk"))
        assert "".join(decoded.lines) == text, file.name
        assert decoded.line_problems == {}, file.name


def test_everyday_chinese_in_gbk_is_never_taken_for_utf8() -> None:
    chars = _common_chinese()
    rng = random.Random(2024)
    lines = ["".join(rng.choice(chars) for _ in range(rng.randint(1, 12))) for _ in range(20_000)]
    for line in lines:
        assert misreading(line) is None, line
    decoded = decode(("id,name\n" + "".join(f"x,{t}\n" for t in lines)).encode("gbk"))
    assert decoded.encoding == GB and decoded.line_problems == {}


def test_a_gbk_file_with_one_utf8_row_names_that_row() -> None:
    data = "id,name\na,营业执照\nb,施工许可\n".encode("gbk") + "c,二手车交易一件事\n".encode()
    decoded = decode(data)
    assert decoded.encoding == GB
    assert decoded.lines[3] == "c,二手车交易一件事\n"  # read as what it is
    assert list(decoded.line_problems) == [3]
    assert "'二手车交易一件事' would load as '浜屾墜杞︿氦鏄撲竴浠朵簨'" in decoded.line_problems[3]


def test_a_utf8_file_with_one_gbk_row_names_that_row() -> None:
    data = "id,name\na,营业执照\nb,施工许可\n".encode() + "c,二手车\n".encode("gbk")
    decoded = decode(data)
    assert decoded.encoding == UTF8
    assert decoded.lines[3] == "c,二手车\n"
    assert decoded.line_problems == {
        3: "the row is GB18030/GBK text in a UTF-8 file ('二手车'); save the whole file in one "
        "encoding"
    }


def test_a_bom_says_utf8_whatever_the_majority() -> None:
    data = b"\xef\xbb\xbf" + "id,name\na,营业执照\n".encode() + "b,施工\nc,许可\n".encode("gbk")
    decoded = decode(data)
    assert decoded.encoding == UTF8 and sorted(decoded.line_problems) == [2, 3]


def test_lines_break_only_where_csv_breaks_them() -> None:
    decoded = decode("id,name\r\na,x\u2028y\x0cz\rb,w\n".encode())
    assert decoded.lines == ["id,name\r\n", "a,x\u2028y\x0cz\r", "b,w\n"]


@pytest.mark.parametrize(
    ("garbled", "what"),
    [
        ("二手车交易一件事".encode().decode("gb18030"), "UTF-8 text once opened as GBK"),
        ("开工一件事".encode().decode("cp1252"), "UTF-8 text once opened as Latin-1/Windows-1252"),
        ("开工一件事".encode("gbk").decode("latin-1"), "GBK text once opened as Latin-1"),
        ("施工许可\ufffd\ufffd", "replacement character"),
    ],
)
def test_mojibake_is_named_with_what_it_was(garbled: str, what: str) -> None:
    why = misreading(garbled)
    assert why is not None and what in why


@pytest.mark.parametrize(
    "text", ["Müller", "Café", "naïve résumé", "2×3 m²", "GB/T 50016—2014", "“特殊建设工程”", "℃"]
)
def test_genuine_text_is_not_mojibake(text: str) -> None:
    assert misreading(text) is None


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\xff\xfe" + "id\n".encode("utf-16-le"), "UTF-16 text"),
        ("id\n".encode("utf-16-le"), "UTF-16 text without a BOM"),
        (b"PK\x03\x04rest", "zip archive"),
        (b"\xd0\xcf\x11\xe0rest", "Excel 97-2003"),
        (b"id\x00\x01\x02", "NUL bytes"),
    ],
)
def test_what_is_no_text_file_is_named(data: bytes, says: str) -> None:
    problem = decode(data).file_problem
    assert problem is not None and says in problem
