"""The chain map in headless Chromium (network off): overview, expand, focus, position path.

The overview is measured as a person sees it: how many nodes at first sight, the smallest
label on screen (font size x zoom), and that every node lies inside the canvas and clear of
the legend; on the mini catalog and on the shipped one in a 1440x900 window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.settings import Settings, shipped_catalog
from graph.model import Position
from graph.planner import every_position, recommend
from graph.store import GraphStore
from graph.stores.factory import Backend, embedded_backend
from graph.stores.memory import MemoryStore
from loaders import load_catalog
from loaders.synthetic import synth
from tests.api.conftest import serving
from tests.conftest import MINI
from tests.support.browser import Browser, Page
from viz.chain_map import build_chain_map, chain_map_html, position_paths

pytestmark = pytest.mark.browser

PageFile = Callable[[str, str], str]
Shot = Callable[[str], Path]

MEASURE = """(() => {
  const n = chainkg.network, r = document.getElementById('chain').getBoundingClientRect();
  const legend = document.getElementById('legend').getBoundingClientRect();
  const ids = chainkg.nodes.getIds(), outside = [], under = [];
  ids.forEach(id => {
    const b = n.getBoundingBox(id);
    const a = n.canvasToDOM({x: b.left, y: b.top}), c = n.canvasToDOM({x: b.right, y: b.bottom});
    if (a.x < 0 || a.y < 0 || c.x > r.width || c.y > r.height) outside.push(id);
    if (r.left + c.x > legend.left && r.left + a.x < legend.right &&
        r.top + c.y > legend.top && r.top + a.y < legend.bottom) under.push(id);
  });
  const fonts = chainkg.nodes.get().map(x => x.font.size);
  return {nodes: ids.length, label_px: Math.min(...fonts) * n.getScale(),
          outside: outside, under: under};
})()"""


@pytest.fixture(scope="module")
def shipped() -> GraphStore:
    return embedded_backend(load_catalog(shipped_catalog())).catalog


@pytest.fixture
def wide(browser: Browser) -> Iterator[Page]:
    """A 1440x900 tab, the window the issue measures in."""
    tab = browser.new_page(width=1440, height=900)
    yield tab
    tab.close()


def page_html(store: GraphStore, industry: str | None) -> str:
    return chain_map_html(build_chain_map(store, industry), position_paths(store, industry))


def open_map(page: Page, page_file: PageFile, html: str) -> None:
    page.goto(page_file("chain-map.html", html))
    page.wait_for("window.chainkg !== undefined && window.chainkgDrawnAt !== undefined")
    assert page.console_errors == []
    assert page.blocked == [] and page.external_requests == []


def measure(page: Page) -> dict[str, Any]:
    figures: dict[str, Any] = page.evaluate(MEASURE)
    return figures


def visible(page: Page) -> set[str]:
    return set(page.evaluate("chainkg.visibleIds()"))


def node_point(page: Page, node_id: str) -> tuple[float, float]:
    x, y = page.evaluate(
        f"""(() => {{
          const n = chainkg.network, p = n.canvasToDOM(n.getPosition({node_id!r}));
          const r = document.getElementById("chain").getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }})()"""
    )
    return float(x), float(y)


def assert_legible(figures: dict[str, Any], at_most: int = 90) -> None:
    assert 0 < figures["nodes"] <= at_most
    assert figures["label_px"] >= 12
    assert figures["outside"] == [] and figures["under"] == []


def test_overview_of_the_mini_catalog_is_industry_stages_scenarios(
    page: Page, page_file: PageFile, mini_store: MemoryStore
) -> None:
    open_map(page, page_file, page_html(mini_store, "nev"))
    assert visible(page) == {
        "industry:nev",
        "stage:nev.construction",
        "stage:nev.circulation",
        "scenario:kaigong",
        "scenario:jungong",
        "scenario:sales",
    }
    assert_legible(measure(page))
    labels = page.evaluate("chainkg.nodes.get().map(n => n.label)")
    assert any("事项 · " in label and "部门" in label for label in labels)  # folded counts


@pytest.mark.parametrize("industry", ["nev", None])
def test_overview_of_the_shipped_catalog_is_legible_at_first_sight(
    wide: Page, page_file: PageFile, shipped: GraphStore, screenshot: Shot, industry: str | None
) -> None:
    open_map(wide, page_file, page_html(shipped, industry))
    figures = measure(wide)
    assert_legible(figures)
    if industry == "nev":
        assert figures["nodes"] == 1 + 4 + 54  # industry, stages and every scenario
        titles = wide.evaluate("chainkg.nodes.get().filter(n => n.label.includes('…')).length")
        assert titles > 0  # long names shortened; the full name is the hover title
        assert wide.evaluate(
            "chainkg.nodes.get().filter(n => n.label.includes('…'))"
            ".every(n => n.title.startsWith(n.name))"
        )


def test_the_10x_synthetic_catalog_opens_just_as_legibly(
    wide: Page, page_file: PageFile, shipped: GraphStore
) -> None:
    big = embedded_backend(synth(load_catalog(shipped_catalog()), 10)).catalog
    open_map(wide, page_file, chain_map_html(build_chain_map(big, None)))
    figures = measure(wide)
    assert_legible(figures)
    assert figures["nodes"] == 30  # the 30 industries, each with its counts
    assert wide.evaluate("window.chainkgDrawnAt") < 2000


def test_clicking_a_scenario_opens_its_bundles_and_matters_and_back_restores(
    page: Page, page_file: PageFile, mini_store: MemoryStore, screenshot: Shot
) -> None:
    open_map(page, page_file, page_html(mini_store, "nev"))
    before = visible(page)
    page.click(*node_point(page, "scenario:kaigong"))
    opened = visible(page)
    assert {"bundle:kaigong_bundle", "matter:sgxk", "matter:xfsc", "matter:ghxk"} <= opened
    assert "scenario:sales" not in opened
    assert measure(page)["label_px"] >= 12
    page.click(*node_point(page, "matter:sgxk"))
    assert {"department:zj", "matter:ghxk"} <= visible(page)  # its department, prerequisite
    assert page.evaluate("document.getElementById('crumbs').textContent").startswith("总览")
    page.evaluate("document.getElementById('back').click()")
    assert visible(page) == opened
    page.evaluate("document.getElementById('back').click()")
    assert visible(page) == before
    assert page.console_errors == []


def test_focus_on_a_department_shows_its_matters_scenarios_and_stages(
    page: Page, page_file: PageFile, mini_store: MemoryStore
) -> None:
    open_map(page, page_file, page_html(mini_store, "nev"))
    page.evaluate("document.getElementById('search-input').focus()")
    page.type_text("住房和城乡建设局")
    page.press_enter()
    shown = visible(page)
    assert {"matter:sgxk", "matter:jgba", "matter:xfsc"} <= shown  # the matters it handles
    assert {"scenario:kaigong", "scenario:jungong", "stage:nev.construction"} <= shown
    assert "industry:nev" in shown and "department:sw" not in shown
    labels = page.evaluate("chainkg.nodes.get().map(n => n.label)")
    assert "房屋建筑和市政基础设施工程竣工验收备案" in labels  # full names in focus
    assert page.evaluate("document.getElementById('search-status').textContent") == (
        "已定位：住房和城乡建设局"
    )


def test_the_position_path_is_the_recommendations_department_path(
    page: Page, page_file: PageFile, mini_store: MemoryStore, screenshot: Shot
) -> None:
    open_map(page, page_file, page_html(mini_store, "nev"))
    page.evaluate("""(() => { const s = document.getElementById('position-scenario');
        s.value = 'nev.construction|kaigong'; })()""")
    page.evaluate("document.getElementById('position-show').click()")
    rec = recommend(mini_store, Position("nev", "nev.construction", "kaigong"))
    expected = [f"department:{d.id}" for p in rec.department_path for d in p.departments]
    listed = page.evaluate(
        "[...document.querySelectorAll('#path-list li')].map(li => li.dataset.id)"
    )
    assert listed == expected
    shown = visible(page)
    assert {f"bundle:{b.id}" for b in rec.bundles} <= shown
    assert {f"matter:{m.id}" for m in rec.matters} <= shown
    assert set(expected) <= shown and "scenario:kaigong" in shown
    numbered = page.evaluate(
        "chainkg.nodes.get().filter(n => n.ntype === 'department').map(n => n.label)"
    )
    assert sorted(numbered) == ["1. 自然资源和规划局", "2. 人民防空办公室", "3. 住房和城乡建设局"]


def test_every_shipped_nev_position_path_is_its_recommendations(
    wide: Page, page_file: PageFile, shipped: GraphStore
) -> None:
    open_map(wide, page_file, page_html(shipped, "nev"))
    drawn = wide.evaluate("""Object.fromEntries(Object.keys(chainkgData.paths).map(k => {
        chainkg.showPath(k);
        const ids = chainkg.visibleIds();
        return [k, [[...document.querySelectorAll('#path-list li')].map(li => li.dataset.id),
                    ids.filter(i => i.startsWith('department:')).length]];
    }))""")
    positions = [p for p in every_position(shipped) if p.industry == "nev"]
    assert len(drawn) == len(positions) > 50
    for position in positions:
        rec = recommend(shipped, position)
        listed, departments = drawn[f"{position.stage}|{position.scenario or ''}"]
        path = [f"department:{d.id}" for p in rec.department_path for d in p.departments]
        assert listed == path, position
        assert departments == len(set(path)), position
    assert wide.console_errors == []


def test_answers_ask_the_api_that_served_the_page_again(
    page: Page, mini_embedded: Backend, mini_store: MemoryStore, page_file: PageFile
) -> None:
    with serving(create_app(Settings(data=MINI), backend=mini_embedded)) as base:
        page.goto(f"{base}/v1/viz/chain-map?industry=nev")
        page.wait_for("window.chainkg !== undefined")
        page.evaluate("""(() => {
            const s = document.getElementById('position-scenario');
            s.value = 'nev.construction|kaigong'; s.dispatchEvent(new Event('change'));
            document.querySelector('[data-question=special_project]').value = '否';
            window.done = false; chainkg.showAnswered(s.value).then(() => { window.done = true; });
        })()""")
        page.wait_for("window.done === true")
        listed = page.evaluate(
            "[...document.querySelectorAll('#path-list li')].map(li => li.dataset.id)"
        )
        shown = visible(page)
        errors = [e for e in page.console_errors if "favicon.ico" not in e]  # the browser's own
        assert errors == [] and page.external_requests == []
    position = Position("nev", "nev.construction", "kaigong")
    rec = recommend(mini_store, position, {"special_project": "否"})
    assert listed == [f"department:{d.id}" for p in rec.department_path for d in p.departments]
    assert {f"matter:{m.id}" for m in rec.matters} <= shown
    assert "matter:xfsc" not in shown  # the answer leaves the fire-design review out
    # From a file the page cannot ask: it says so and keeps the default path.
    page.console_errors.clear()
    open_map(page, page_file, page_html(mini_store, "nev"))
    page.evaluate("""(() => {
        const s = document.getElementById('position-scenario');
        s.value = 'nev.construction|kaigong'; s.dispatchEvent(new Event('change'));
        document.querySelector('[data-question=special_project]').value = '否';
        chainkg.showAnswered(s.value); })()""")
    assert "离线页面" in page.evaluate("document.getElementById('position-note').textContent")


def test_the_view_exports_as_png_and_svg(
    page: Page, page_file: PageFile, mini_store: MemoryStore
) -> None:
    open_map(page, page_file, page_html(mini_store, "nev"))
    assert page.evaluate("chainkg.png()").startswith("data:image/png;base64,")
    svg = page.evaluate("chainkg.svg()")
    assert svg.startswith("<svg") and "新建厂房开工" in svg
