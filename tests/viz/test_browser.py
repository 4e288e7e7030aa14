"""The three pages in headless Chromium with the network off.

Each page must load with no console error and no request leaving the machine; the service
matrix's totals must be the API's, its stage filter and sticky headers must hold; the
flowchart must mark the critical path. The chain map has its own module
(test_chain_map_browser.py). Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.settings import shipped_catalog
from graph.matrix import service_matrix
from graph.stores.factory import embedded_backend
from loaders import load_catalog
from tests.support.browser import Page
from viz.service_matrix import matrix_html

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


def test_service_matrix_filters_by_stage_and_keeps_its_headers_in_view(
    page: Page, page_file: PageFile, client: TestClient, screenshot: Shot
) -> None:
    api = client.get("/v1/service-matrix", params={"industry": "nev"}).json()
    page.goto(page_file("service-matrix.html", client.get("/v1/viz/service-matrix").text))
    assert_clean(page)
    page.evaluate("""(() => { const s = document.getElementById('stage-filter');
        s.value = 'nev.circulation'; s.dispatchEvent(new Event('change')); })()""")
    shown = page.evaluate("""(() => {
      const seen = el => el.offsetParent !== null;
      const q = s => [...document.querySelectorAll(s)];
      return {
        rows: q('tbody tr').filter(seen).map(tr => tr.dataset.row),
        columns: q('thead th[data-col]').filter(seen).map(th => th.dataset.col),
        footer: seen(document.querySelector('tfoot th')),
      };
    })()""")
    assert shown["rows"] == ["nev.circulation", "nev.circulation/car_sales"]
    used = {c["column"] for c in api["cells"] if c["row"] == "nev.circulation" and c["count"]}
    assert set(shown["columns"]) == used and shown["footer"] is False
    # Sticky: the whole shipped matrix scrolled down and right keeps the department row, the
    # name column and the totals row in view.
    store = embedded_backend(load_catalog(shipped_catalog())).catalog
    page.goto(page_file("whole-matrix.html", matrix_html(service_matrix(store))))
    offsets = page.evaluate("""(() => {
      const wrap = document.querySelector('.wrap'); wrap.scrollTop = 400; wrap.scrollLeft = 400;
      const box = wrap.getBoundingClientRect();
      const head = document.querySelector('thead th[data-col]').getBoundingClientRect();
      const name = document.querySelector('tbody th').getBoundingClientRect();
      return [head.top - box.top, name.left - box.left, wrap.scrollTop, wrap.scrollLeft];
    })()""")
    assert abs(offsets[0]) <= 2 and abs(offsets[1]) <= 2 and offsets[2] > 0 and offsets[3] > 0


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
