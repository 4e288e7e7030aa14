"""The three pages in headless Chromium with the network off.

Each page must load with no console error and no request leaving the machine; the chain map
must draw every node and answer search, click and filters; the service matrix's totals must
be the API's. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph.chain import chain_map
from graph.stores.memory import MemoryStore
from tests.support.browser import Page
from viz.chain_map import build_chain_map, chain_map_html

pytestmark = pytest.mark.browser

PageFile = Callable[[str, str], str]
Shot = Callable[[str], Path]


def assert_clean(page: Page) -> None:
    assert page.console_errors == []
    assert page.blocked == [] and page.external_requests == []


def open_chain_map(page: Page, page_file: PageFile, html: str) -> None:
    page.goto(page_file("chain-map.html", html))
    assert_clean(page)


def node_point(page: Page, node_id: str) -> tuple[float, float]:
    """Where a node is drawn, in viewport pixels."""
    x, y = page.evaluate(
        f"""(() => {{
          const n = chainkg.network, p = n.canvasToDOM(n.getPosition({node_id!r}));
          const r = document.getElementById("chain").getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }})()"""
    )
    return float(x), float(y)


def test_chain_map_draws_every_node_of_each_type(
    page: Page, page_file: PageFile, mini_store: MemoryStore, screenshot: Shot
) -> None:
    chain = chain_map(mini_store)
    open_chain_map(page, page_file, chain_map_html(chain))
    drawn = page.evaluate(
        "chainkg.nodes.get().map(n => n.ntype + '|' + chainkg.network.getPosition(n.id).x)"
    )
    assert Counter(d.split("|")[0] for d in drawn) == chain.counts()
    legend = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('[data-type-count]')]"
        ".map(b => [b.dataset.typeCount, Number(b.textContent)]))"
    )
    assert legend == chain.counts()
    assert page.evaluate("chainkg.network.physics.options.enabled") is False
    screenshot("chain-map")


def test_search_by_chinese_name_selects_and_highlights_the_node(
    page: Page, page_file: PageFile, mini_store: MemoryStore, screenshot: Shot
) -> None:
    open_chain_map(page, page_file, chain_map_html(chain_map(mini_store)))
    page.evaluate("document.getElementById('search-input').focus()")
    page.type_text("施工许可")
    page.press_enter()
    assert page.evaluate("chainkg.network.getSelectedNodes()") == ["matter:sgxk"]
    assert page.evaluate("document.getElementById('search-status').textContent") == (
        "已定位：建筑工程施工许可证核发"
    )
    dimmed = page.evaluate("chainkg.nodes.get().filter(n => n.color === '#e4e7eb').length")
    assert dimmed == 20 - 3  # all but 施工许可, its bundle and its department
    screenshot("chain-map-search")
    page.evaluate("document.getElementById('search-input').value = ''")
    page.evaluate("document.getElementById('search-input').focus()")
    page.type_text("不存在的事项")
    page.press_enter()
    assert "未找到" in page.evaluate("document.getElementById('search-status').textContent")
    assert_clean(page)


def test_clicking_a_node_highlights_its_neighbours(
    page: Page, page_file: PageFile, mini_store: MemoryStore
) -> None:
    open_chain_map(page, page_file, chain_map_html(chain_map(mini_store)))
    page.click(*node_point(page, "department:zj"))
    assert page.evaluate("chainkg.highlighted()") == "department:zj"
    kept = page.evaluate("chainkg.nodes.get().filter(n => n.color !== '#e4e7eb').map(n => n.id)")
    assert sorted(kept) == ["department:zj", "matter:jgba", "matter:sgxk", "matter:xfsc"]
    page.click(5, 790)  # empty canvas restores the colours
    assert page.evaluate("chainkg.highlighted()") is None
    assert_clean(page)


def test_filters_by_stage_and_by_type(
    page: Page, page_file: PageFile, mini_store: MemoryStore, screenshot: Shot
) -> None:
    open_chain_map(page, page_file, chain_map_html(chain_map(mini_store)))
    page.evaluate("""(() => { const s = document.getElementById('stage-filter');
        s.value = 'nev.circulation'; s.dispatchEvent(new Event('change')); })()""")
    assert sorted(page.evaluate("chainkg.visibleIds()")) == [
        "bundle:car_sales",
        "department:sj",
        "department:sw",
        "industry:nev",
        "matter:xsba",
        "matter:yyzz",
        "scenario:sales",
        "stage:nev.circulation",
    ]
    screenshot("chain-map-stage")
    page.evaluate("""(() => { const b = document.querySelector('.type-filter[value=matter]');
        b.checked = false; b.dispatchEvent(new Event('change')); })()""")
    assert len(page.evaluate("chainkg.visibleIds()")) == 6
    page.evaluate("document.getElementById('reset').click()")
    assert len(page.evaluate("chainkg.visibleIds()")) == 20
    assert_clean(page)


def test_a_folded_map_draws_and_explains_what_it_folded(
    page: Page, page_file: PageFile, mini_store: MemoryStore
) -> None:
    open_chain_map(page, page_file, chain_map_html(build_chain_map(mini_store, None, 15)))
    assert page.evaluate("chainkg.nodes.length") == 13
    assert "7 个已折叠" in page.evaluate("document.getElementById('legend').textContent")


def test_service_matrix_totals_match_the_api(
    page: Page, page_file: PageFile, client: TestClient, screenshot: Shot
) -> None:
    api = client.get("/v1/service-matrix", params={"industry": "nev"}).json()
    html = client.get("/v1/viz/service-matrix", params={"industry": "nev"}).text
    page.goto(page_file("service-matrix.html", html))
    assert_clean(page)
    shown = page.evaluate("""(() => {
      const num = el => Number(el.textContent.trim());
      const q = s => [...document.querySelectorAll(s)];
      return {
        rows: Object.fromEntries(q('[data-row-total]').map(e => [e.dataset.rowTotal, num(e)])),
        columns: Object.fromEntries(q('[data-col-total]').map(e => [e.dataset.colTotal, num(e)])),
        total: num(document.querySelector('[data-grand-total]')),
        cells: q('tbody tr').flatMap(tr => [...tr.querySelectorAll('td[data-count]')]
          .filter(td => td.textContent.trim() !== '')
          .map(td => [tr.dataset.row, td.dataset.col, num(td)])),
        headers: q('thead th[data-col]').map(th => th.dataset.col),
      };
    })()""")
    assert shown["rows"] == {r["key"]: r["total"] for r in api["rows"]}
    assert shown["columns"] == {c["id"]: c["total"] for c in api["columns"]}
    assert shown["total"] == api["total"] == 7
    assert sorted(map(tuple, shown["cells"])) == sorted(
        (c["row"], c["column"], c["count"]) for c in api["cells"] if c["count"]
    )
    assert shown["headers"] == [c["id"] for c in api["columns"]]
    screenshot("service-matrix")


def test_flowchart_draws_phases_and_the_critical_path(
    page: Page, page_file: PageFile, client: TestClient, screenshot: Shot
) -> None:
    html = client.get(
        "/v1/viz/flowchart",
        params={
            "industry": "nev",
            "stage": "nev.construction",
            "scenario": "kaigong",
            "answer": "special_project=是",
        },
    ).text
    page.goto(page_file("flowchart.html", html))
    assert_clean(page)
    boxes = page.evaluate(
        "[...document.querySelectorAll('g.box')].map(g => "
        "[g.dataset.matter, g.dataset.phase, g.classList.contains('critical'), "
        "Math.round(g.getBoundingClientRect().left)])"
    )
    assert sorted(b[0] for b in boxes if b[2]) == ["ghxk", "xfsc"]
    lefts = {b[1]: b[3] for b in boxes}
    assert lefts["1"] < lefts["2"]
    assert page.evaluate("document.querySelectorAll('path.arrow.critical').length") == 3
    screenshot("flowchart")


def test_the_browser_check_catches_external_requests_and_errors(
    page: Page, page_file: PageFile
) -> None:
    # The checks above can fail: a page that reaches out and throws is caught, and blocked.
    html = (
        '<!DOCTYPE html><html><body><img src="http://external.invalid/x.png">'
        "<script>window.chainkgDrawnAt = 1; throw new Error('boom');</script></body></html>"
    )
    page.goto(page_file("leaky.html", html))
    page.evaluate("new Promise(r => setTimeout(r, 100))")
    assert page.blocked == ["http://external.invalid/x.png"]
    assert page.external_requests
    assert any("boom" in e for e in page.console_errors)
