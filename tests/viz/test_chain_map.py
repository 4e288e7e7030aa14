"""The chain map on the mini catalog: nodes per level, edges, folding, layout, page, API, CLI."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from graph.chain import ChainMap, chain_map, fold
from graph.errors import NotFound
from graph.stores.memory import MemoryStore
from loaders import load_catalog
from viz.chain_map import build_chain_map, chain_map_html, network, stage_positions, tooltip
from viz.layout import layered_positions

MINI_COUNTS = {"industry": 1, "stage": 2, "scenario": 3, "bundle": 2, "matter": 7, "department": 5}


@pytest.fixture
def chain(mini_store: MemoryStore) -> ChainMap:
    return chain_map(mini_store, "nev")


def node_data(html: str) -> list[dict[str, Any]]:
    """The node records pyvis put into the page."""
    match = re.search(r"nodes: (\[.*?\]),\n  edges:", html, re.S)
    assert match, "no node data in the page"
    nodes: list[dict[str, Any]] = json.loads(match.group(1))
    return nodes


def test_every_level_of_the_chain_is_drawn(chain: ChainMap) -> None:
    assert chain.counts() == MINI_COUNTS
    assert Counter(e.kind for e in chain.edges) == {
        "HAS_STAGE": 2,
        "HAS_SCENARIO": 3,
        "SERVED_BY": 2,
        "INCLUDES": 4,
        "NEEDS": 2,
        "ADDS": 1,
        "HANDLED_BY": 7,
    }
    assert {n.type: n.level for n in chain.nodes} == {
        "industry": 0,
        "stage": 1,
        "scenario": 2,
        "bundle": 3,
        "matter": 4,
        "department": 5,
    }
    assert chain.stages == [
        ("nev.construction", "新能源汽车 · 建设"),
        ("nev.circulation", "新能源汽车 · 流通"),
    ]


def test_nodes_know_their_stages(chain: ChainMap) -> None:
    stages = {n.id: n.stages for n in chain.nodes}
    assert stages["industry:nev"] == ("nev.construction", "nev.circulation")
    assert stages["department:zj"] == ("nev.construction",)
    assert stages["matter:xsba"] == ("nev.circulation",)


def test_a_matter_an_answer_adds_hangs_off_its_scenario_with_the_question(chain: ChainMap) -> None:
    [adds] = [e for e in chain.edges if e.kind == "ADDS"]
    assert (adds.source, adds.target) == ("scenario:kaigong", "matter:xfsc")
    assert adds.note == "是否为特殊建设工程：是"


def test_tooltip_is_plain_text_with_the_key_fields(chain: ChainMap) -> None:
    [sgxk] = [n for n in chain.nodes if n.id == "matter:sgxk"]
    assert tooltip(sgxk).splitlines() == [
        "建筑工程施工许可证核发",
        "类型：事项 · 行政许可",
        "编码：0002",
        "层级：区",
        "办理部门：住房和城乡建设局",
        "法定时限：7 个工作日",
        "承诺时限：1 个工作日",
        "跑动次数：1",
        "网上办理：是",
        "收费：免费",
        "来源：住房和城乡建设部令第42号",
    ]
    [zj] = [n for n in chain.nodes if n.id == "department:zj"]
    assert "本图事项数：3" in tooltip(zj)


def test_whole_catalog_and_unknown_industry(mini_store: MemoryStore, chain: ChainMap) -> None:
    whole = chain_map(mini_store)
    assert whole.title == "全部产业" and chain.title == "新能源汽车"
    assert whole.counts() == MINI_COUNTS
    with pytest.raises(NotFound):
        chain_map(mini_store, "nope")


def test_folding_matters_links_parents_to_departments(chain: ChainMap) -> None:
    folded = fold(chain, {"matter"})
    assert folded.counts() == {**MINI_COUNTS, "matter": 0}
    assert folded.folded == {"matter": 7}
    links = {(e.source, e.target): e.via for e in folded.edges if e.kind == "LINKS"}
    assert links[("scenario:kaigong", "department:zj")] == ("特殊建设工程消防设计审查",)
    assert links[("bundle:kaigong_bundle", "department:zj")] == ("建筑工程施工许可证核发",)
    assert len(links) == 7


def test_folding_more_levels_keeps_the_matters_behind_each_link(chain: ChainMap) -> None:
    folded = fold(chain, {"matter", "scenario", "bundle"})
    links = {(e.source, e.target): e.via for e in folded.edges if e.kind == "LINKS"}
    assert links[("stage:nev.construction", "department:zj")] == (
        "建筑工程施工许可证核发",
        "房屋建筑和市政基础设施工程竣工验收备案",
        "特殊建设工程消防设计审查",
    )
    assert folded.folded == {"matter": 7, "scenario": 3, "bundle": 2}


@pytest.mark.parametrize(
    ("max_nodes", "folded"),
    [(100, {}), (15, {"matter": 7}), (10, {"matter": 7, "scenario": 3, "bundle": 2})],
)
def test_a_map_too_big_is_folded_step_by_step(
    mini_store: MemoryStore, max_nodes: int, folded: dict[str, int]
) -> None:
    assert build_chain_map(mini_store, None, max_nodes).folded == folded


def test_layout_runs_left_to_right_by_level_and_keeps_chain_order(chain: ChainMap) -> None:
    positions = layered_positions(chain.nodes, chain.edges)
    xs = {n.level: positions[n.id][0] for n in chain.nodes}
    assert [xs[level] for level in range(6)] == sorted(xs.values())
    assert len(set(xs.values())) == 6
    # 建设 (order 1) above 流通 (order 3); scenarios follow their stage.
    assert positions["stage:nev.construction"][1] < positions["stage:nev.circulation"][1]
    assert positions["scenario:kaigong"][1] < positions["scenario:sales"][1]
    assert layered_positions(chain.nodes, chain.edges) == positions  # the same every time


def test_each_stage_has_its_own_layout(chain: ChainMap) -> None:
    by_stage = stage_positions(chain)
    circulation = by_stage["nev.circulation"]
    assert set(circulation) == {
        "industry:nev",
        "stage:nev.circulation",
        "scenario:sales",
        "bundle:car_sales",
        "matter:xsba",
        "matter:yyzz",
        "department:sw",
        "department:sj",
    }


def test_pyvis_network_has_fixed_positions_and_physics_off(chain: ChainMap) -> None:
    net = network(chain)
    assert net.options["physics"] == {"enabled": False}
    assert len(net.nodes) == 20 and len(net.edges) == 21
    node = net.node_map["matter:sgxk"]
    assert node["ntype"] == "matter" and node["physics"] is False and node["shape"] == "dot"
    assert node["stages"] == ["nev.construction"] and set(node["at"]) == {"nev.construction"}


def test_page_carries_every_node_legend_and_controls(chain: ChainMap) -> None:
    html = chain_map_html(chain)
    nodes = node_data(html)
    assert Counter(n["ntype"] for n in nodes) == MINI_COUNTS
    for kind, count in MINI_COUNTS.items():
        assert f'<b data-type-count="{kind}">{count}</b>' in html
    assert '<option value="nev.circulation">新能源汽车 · 流通</option>' in html
    assert '<option value="建筑工程施工许可证核发">' in html  # search suggestions
    assert "<title>产业链图谱 · 新能源汽车</title>" in html
    assert '"Noto Sans CJK SC"' in html and "Microsoft YaHei" in html


def test_names_cannot_break_out_of_the_page(mini_copy: Path) -> None:
    matters = mini_copy / "matters.csv"
    evil = "</script><script>alert(1)</script>"
    matters.write_text(
        matters.read_text(encoding="utf-8").replace("企业设立登记", evil), encoding="utf-8"
    )
    html = chain_map_html(chain_map(MemoryStore(load_catalog(mini_copy))))
    assert evil not in html
    assert any(n["label"] == evil for n in node_data(html))  # still shown, as text


def test_api_serves_the_page_and_problems(client: TestClient) -> None:
    page = client.get("/v1/viz/chain-map", params={"industry": "nev"})
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert Counter(n["ntype"] for n in node_data(page.text)) == MINI_COUNTS
    folded = client.get("/v1/viz/chain-map", params={"max_nodes": 15})
    assert "7 个已折叠" in folded.text
    missing = client.get("/v1/viz/chain-map", params={"industry": "nope"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_cli_writes_the_page(mini_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "map.html"
    result = CliRunner().invoke(
        app, ["viz", "chain-map", "--industry", "nev", "-o", str(target), "--data", str(mini_path)]
    )
    assert result.exit_code == 0, result.output
    assert Counter(n["ntype"] for n in node_data(target.read_text(encoding="utf-8"))) == MINI_COUNTS
    bad = CliRunner().invoke(
        app,
        [
            "viz",
            "chain-map",
            "--industry",
            "nope",
            "--data",
            str(mini_path),
            "-o",
            str(tmp_path / "x.html"),
        ],
    )
    assert bad.exit_code == 1 and "industry 'nope' not found" in bad.stderr
