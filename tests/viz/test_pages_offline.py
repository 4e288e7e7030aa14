"""No page contains an external URL: every script, style and font is inline.

Our own markup, scripts and data must hold no URL at all. The one vendored script,
vis-network 9.1.2 from inside pyvis, mentions a few URLs as text that is never fetched (its
licence header, an SVG namespace identifier, an error message); they are listed here one by one
with the reason, so a new one (say, after a pyvis upgrade) fails until someone looks at it. No
page anywhere may reference a resource to fetch: no <link>, no <script src>, no @import, no
url() other than data:, no src/href with a scheme or a protocol-relative //host.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyvis.network import Network

from graph.chain import chain_map
from graph.matrix import service_matrix
from graph.model import Position
from graph.planner import recommend
from graph.stores.memory import MemoryStore
from viz.chain_map import build_chain_map, chain_map_html
from viz.flowchart import flowchart_html
from viz.page import CJK_FONTS, vis_css, vis_js, write_page
from viz.service_matrix import matrix_html

URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s\"'<>)\\]*")
PROTOCOL_RELATIVE = re.compile(r"(?i)(?:src|href|action|poster|srcset)\s*=\s*[\"']?\s*//")
FETCHING = {
    "<link>": re.compile(r"(?i)<link\b"),
    "<script src>": re.compile(r"(?i)<script\b[^>]*\bsrc\s*="),
    "@import": re.compile(r"(?i)@import\b"),
    "url() not data:": re.compile(r"(?i)(?<![\w$])url\(\s*(?![\"']?\s*(?:data:|#))"),
    "src/href with a scheme": re.compile(
        r"(?i)\b(?:src|href|action|poster|srcset|formaction)\s*=\s*[\"']?\s*"
        r"(?!data:|#)[a-z][a-z0-9+.-]*:"
    ),
}
VENDORED_TEXT = {
    "http://www.w3.org/2000/svg": "SVG namespace given to createElementNS: an identifier",
    "http://almende.com": "copyright line of the licence header comment",
    "https://github.com/visjs": "copyright line of the licence header comment",
    "http://www.apache.org/licenses/LICENSE-2.0": "licence header comment",
    "http://opensource.org/licenses/MIT": "licence header comment",
    "https://visjs.github.io/vis-network/": "project line of the header comment",
    "https://github.com/zloirock/core-js": "copyright string of the bundled core-js polyfill",
    "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE": "the same copyright string",
    "https://github.com/uuidjs/uuid#getrandomvalues-not-supported": "text of an error message",
}


def external_references(html: str) -> list[str]:
    """What a page would fetch from elsewhere, and any URL outside the vendored script."""
    found = [f"{name}: {m.group(0)}" for name, rx in FETCHING.items() for m in rx.finditer(html)]
    found += [f"protocol-relative: {m.group(0)}" for m in PROTOCOL_RELATIVE.finditer(html)]
    own = html.replace(vis_js(), "").replace(vis_css(), "")
    found += [f"URL: {url}" for url in URL.findall(own)]
    return found


Build = Callable[[MemoryStore, TestClient], str]
PAGES: dict[str, Build] = {
    "chain map": lambda s, c: chain_map_html(chain_map(s)),
    "chain map, folded": lambda s, c: chain_map_html(build_chain_map(s, None, 10)),
    "service matrix": lambda s, c: matrix_html(service_matrix(s, "nev")),
    "flowchart": lambda s, c: flowchart_html(
        recommend(s, Position("nev", "nev.construction", "kaigong"), {"special_project": "是"})
    ),
    "GET chain map": lambda s, c: c.get("/v1/viz/chain-map").text,
    "GET service matrix": lambda s, c: c.get("/v1/viz/service-matrix?industry=nev").text,
    "GET flowchart": lambda s, c: (
        c.get("/v1/viz/flowchart?industry=nev&stage=nev.circulation").text
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_external_url(name: str, mini_store: MemoryStore, client: TestClient) -> None:
    html = PAGES[name](mini_store, client)
    assert html.startswith("<!DOCTYPE html>")
    assert external_references(html) == []


@pytest.mark.parametrize("name", PAGES)
def test_page_is_utf8_chinese_with_a_cjk_font(
    name: str, mini_store: MemoryStore, client: TestClient, tmp_path: Path
) -> None:
    html = PAGES[name](mini_store, client)
    assert '<meta charset="utf-8">' in html and '<html lang="zh-CN">' in html
    assert f"font-family: {CJK_FONTS};" in html
    written = write_page(tmp_path / "page.html", html).read_bytes()
    assert written.decode("utf-8") == html  # strict: UTF-8 whatever the locale


def test_the_chain_map_inlines_vis_network(mini_store: MemoryStore) -> None:
    html = chain_map_html(chain_map(mini_store))
    assert vis_js() in html and vis_css() in html
    assert "vis-network" in vis_js()[:200] and "@version 9.1.2" in vis_js()[:400]


def test_vendored_script_mentions_only_known_urls() -> None:
    assert set(URL.findall(vis_js())) == set(VENDORED_TEXT)
    assert URL.findall(vis_css()) == []
    references = [rx.pattern for rx in FETCHING.values() if rx.search(vis_js() + vis_css())]
    assert references == []


def test_the_check_catches_pyvis_own_template() -> None:
    # Why we own the template: pyvis's, even in_line, links Bootstrap from a CDN.
    net = Network(cdn_resources="in_line")
    net.add_node("a", label="甲")
    found = external_references(net.generate_html())
    assert any(f.startswith("<link>") for f in found)
    assert any(f.startswith("<script src>") for f in found)
    bootstrap = "https://cdn.jsdelivr.net/npm/bootstrap@5.0.0-beta3/dist/css/bootstrap.min.css"
    assert f"URL: {bootstrap}" in found
