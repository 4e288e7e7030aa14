"""The bundle flowchart on the mini catalog: phases, stacking, critical path, page, API, CLI."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from graph.model import Position
from graph.planner import recommend
from graph.recommendation import Recommendation
from graph.stores.memory import MemoryStore
from viz.flowchart import BOX_H, flowchart_html, layout, wrap

KAIGONG = Position("nev", "nev.construction", "kaigong")


@pytest.fixture
def rec(mini_store: MemoryStore) -> Recommendation:
    # 特殊建设工程 adds 消防设计审查 (5 days) after 规划许可 (5 days): the critical path.
    return recommend(mini_store, KAIGONG, {"special_project": "是"})


def test_phases_run_left_to_right_and_parallel_matters_stack(rec: Recommendation) -> None:
    chart = layout(rec)
    assert [c.phase for c in chart.columns] == [1, 2]
    assert chart.columns[0].x < chart.columns[1].x
    column_of = {b.matter.id: b.x for b in chart.boxes}
    assert column_of["ghxk"] == chart.columns[0].x
    assert {m for m, x in column_of.items() if x == chart.columns[1].x} == {"rfsp", "sgxk", "xfsc"}
    second = sorted(b.y for b in chart.boxes if b.x == chart.columns[1].x)
    assert all(b - a >= BOX_H for a, b in pairwise(second))
    assert [c.days for c in chart.columns] == [5, 5]


def test_critical_path_is_marked(rec: Recommendation) -> None:
    chart = layout(rec)
    assert rec.estimate.critical_path == ["ghxk", "xfsc"]
    assert {b.matter.id for b in chart.boxes if b.critical} == {"ghxk", "xfsc"}
    critical = {(a.source, a.target) for a in chart.arrows if a.critical}
    assert critical == {("start", "ghxk"), ("ghxk", "xfsc"), ("xfsc", "end")}
    markers = {"start", "end"}
    prerequisites = {
        (a.source, a.target) for a in chart.arrows if not markers & {a.source, a.target}
    }
    assert prerequisites == {("ghxk", "rfsp"), ("ghxk", "sgxk"), ("ghxk", "xfsc")}


def test_only_the_last_phase_leads_to_the_end(mini_store: MemoryStore) -> None:
    # The whole 建设 stage has three phases; 人防 (phase 2) ends a branch without crossing 竣工.
    chart = layout(recommend(mini_store, Position("nev", "nev.construction")))
    assert {a.source for a in chart.arrows if a.target == "end"} == {"jgba"}


def test_long_names_wrap_to_two_lines() -> None:
    assert wrap("新建民用建筑防空地下室易地建设审批") == ["新建民用建筑防空地下室易地建设", "审批"]
    assert wrap("一" * 40) == ["一" * 15, "一" * 14 + "…"]
    assert wrap("") == [""]


def test_page_shows_departments_days_and_summary(rec: Recommendation) -> None:
    html = flowchart_html(rec)
    assert "<title>办理流程图 · 新能源汽车 · 建设 · 新建厂房开工</title>" in html
    assert len(re.findall(r'<g class="box critical" data-matter="(\w+)"', html)) == 2
    assert len(re.findall(r'<g class="box" data-matter="(\w+)"', html)) == 2
    assert "住房和城乡建设局" in html and "承诺 5 个工作日 · 关键路径" in html
    assert re.search(r"data-parallel-days>10<", html)
    assert "红色：关键路径（建设工程规划许可证核发 → 特殊建设工程消防设计审查）" in html
    assert "建筑面积是否超过300平方米" in html  # still unanswered: shown as pending


def test_prerequisites_held_outside_the_position_are_listed(mini_store: MemoryStore) -> None:
    html = flowchart_html(recommend(mini_store, Position("nev", "nev.construction", "jungong")))
    # with where the catalog puts it: kaigong_bundle serves kaigong (建设 · 新建厂房开工)
    assert "须已取得" in html and "<li>建筑工程施工许可证核发（建设 · 新建厂房开工）</li>" in html


def test_api_serves_the_flowchart(client: TestClient) -> None:
    page = client.get(
        "/v1/viz/flowchart",
        params={
            "industry": "nev",
            "stage": "nev.construction",
            "scenario": "kaigong",
            "answer": "special_project=是",
        },
    )
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert 'data-matter="xfsc"' in page.text


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"industry": "nev", "stage": "nev.construction", "answer": "special_project"}, 422),
        ({"industry": "nev", "stage": "nev.construction", "answer": "special_project=也许"}, 422),
        ({"industry": "nev", "stage": "nope"}, 404),
        ({"industry": "nev"}, 422),
    ],
)
def test_api_bad_input_is_problem_json(
    client: TestClient, params: dict[str, str], status: int
) -> None:
    response = client.get("/v1/viz/flowchart", params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_cli_writes_the_flowchart(mini_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "flow.html"
    result = CliRunner().invoke(
        app,
        [
            "viz",
            "flowchart",
            "--industry",
            "nev",
            "--stage",
            "nev.construction",
            "--scenario",
            "kaigong",
            "--answer",
            "special_project=是",
            "-o",
            str(target),
            "--data",
            str(mini_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert 'data-matter="xfsc"' in target.read_text(encoding="utf-8")
    bad = CliRunner().invoke(
        app,
        [
            "viz",
            "flowchart",
            "--industry",
            "nev",
            "--stage",
            "x",
            "--data",
            str(mini_path),
            "-o",
            str(tmp_path / "y.html"),
        ],
    )
    assert bad.exit_code == 1 and "stage 'x' not found" in bad.stderr
