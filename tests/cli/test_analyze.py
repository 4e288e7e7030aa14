"""What `chainkg analyze ...` prints and writes, on the hand-worked analytics fixture catalog
(tests/fixtures/analytics; the figures are worked out in tests/graph/test_analytics.py), and
that its --json is the body the HTTP API answers for the same question."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from api.app import create_app
from api.settings import Settings, get_settings
from cli.main import app
from graph.stores.factory import embedded_backend
from loaders import load_catalog
from tests.cli.test_outputs import flat, table

FIXTURE = Path(__file__).parents[1] / "fixtures" / "analytics"
runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CHAINKG_{name.upper()}", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    backend = embedded_backend(load_catalog(FIXTURE))
    with TestClient(create_app(backend=backend)) as c:
        yield c


def run(*args: str) -> Result:
    return runner.invoke(app, ["analyze", *args, "--data", str(FIXTURE)])


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def test_candidates_table() -> None:
    result = ok("candidates")
    header, rows = table(result.stdout, "candidate bundles")
    assert header == ["#", "事项", "场景", "牵头部门", "材料", "跑动", "环节", "工作日", "最接近"]
    assert flat(rows) == [
        (
            "1",
            "事项A、事项B、事项C",
            "场景一、场景二",
            "一局",
            "5 → 2",
            "3 → 1",
            "3 → 1",
            "18 → 8",
            "—",
        ),
        (
            "2",
            "事项D、事项E",
            "场景三、场景四",
            "三局",
            "3 → 1",
            "2 → 1",
            "2 → 1",
            "24 → 10",
            "DE一件事 1.0",
        ),
    ]


def test_json_is_the_api_body(client: TestClient) -> None:
    pairs = [
        (("candidates", "--json"), client.get("/v1/analytics/candidates")),
        (("bottlenecks", "--json"), client.get("/v1/analytics/bottlenecks")),
        (
            (
                "position-diff",
                "--industry",
                "ind",
                "--from",
                "ind.make",
                "--to",
                "ind.sell",
                "--json",
            ),
            client.get(
                "/v1/analytics/position-diff",
                params={"industry": "ind", "from_stage": "ind.make", "to_stage": "ind.sell"},
            ),
        ),
        (
            ("what-if", "--bundle", "b.de", "--add", "m.c", "--json"),
            client.post("/v1/analytics/what-if", json={"bundle": "b.de", "add": ["m.c"]}),
        ),
        (
            ("what-if", "--matter", "m.a", "--matter", "m.b", "--mode", "parallel", "--json"),
            client.post(
                "/v1/analytics/what-if", json={"matters": ["m.a", "m.b"], "mode": "parallel"}
            ),
        ),
    ]
    for args, response in pairs:
        assert response.status_code == 200, response.text
        assert json.loads(ok(*args).stdout) == response.json(), args


def test_what_if_tables() -> None:
    result = ok("what-if", "--matter", "m.a", "--matter", "m.b")
    header, rows = table(result.stdout, "what-if: 拟集成一件事")
    assert header == ["", "事项", "材料", "跑动", "环节", "工作日", "部门"]
    assert flat(rows) == [
        ("before", "2", "4", "3", "2", "15", "2"),
        ("after", "2", "2", "1", "1", "8", "2"),
    ]
    assert "牵头部门: 一局; 服务场景: 场景一、场景二" in result.stdout
    _, rows = table(result.stdout, "positions whose plans change (3)")
    assert [r[:3] for r in flat(rows)] == [
        ("ind", "ind.make", "—"),
        ("ind", "ind.make", "s1"),
        ("ind", "ind.make", "s2"),
    ]


def test_bottlenecks_and_position_diff_tables() -> None:
    result = ok("bottlenecks")
    assert result.stderr == "5 scenario plans analysed\n"
    _, rows = table(result.stdout, "departments on critical paths")
    assert flat(rows) == [("三局", "3", "30"), ("一局", "2", "10"), ("二局", "2", "6")]
    _, rows = table(result.stdout, "matters still offline")
    assert flat(rows) == [("事项D", "三局", "3", "1")]
    result = ok("position-diff", "--industry", "ind", "--from", "ind.make", "--to", "ind.sell")
    _, rows = table(result.stdout, "测试产业: 生产 → 流通")
    assert flat(rows)[0] == ("new matters", "2", "事项D、事项E")
    assert flat(rows)[2] == ("materials held", "2", "营业执照、申请表")


def test_report_files(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = ok("report", "-o", str(page))
    assert result.stdout == "" and "wrote" in result.stderr
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 4
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    book = tmp_path / "report.xlsx"
    ok("report", "-o", str(book))
    sheets = openpyxl.load_workbook(book).sheetnames
    assert sheets[0] == "候选一件事" and "瓶颈部门" in sheets and "阶段衔接" in sheets
    rows = list(openpyxl.load_workbook(book)["候选一件事"].values)
    assert rows[1][:3] == (1, "事项A、事项B、事项C", 3)


def test_errors_are_one_line() -> None:
    result = run("what-if", "--matter", "m.nope")
    assert result.exit_code == 1 and "matter 'm.nope' not found" in result.stderr
    result = run("position-diff", "--industry", "ind", "--from", "ind.make", "--to", "ind.make")
    assert result.exit_code == 1 and "the two stages are the same" in result.stderr
    assert run("what-if").exit_code == 2
    assert run("report", "-o", "x.pdf").exit_code == 2
