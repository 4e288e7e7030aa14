"""HTTP around the routes: HEAD wherever GET, no Host in redirects, security headers, read-only.

Regressions: HEAD was 405 on every route; `/v1/health/` redirected to an absolute Location
built from the request's Host header; pages and JSON carried no security headers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.docs import ASSETS_URL, DOCS_URL
from api.middleware import PAGE_POLICY
from tests.support.browser import Page
from tracking.tokens import issue
from tracking.workflow import Role

PROBLEM = "application/problem+json"
# A GET of every route, with parameters that make it answer 200 on the mini catalog.
GETS = [
    "/v1/health",
    "/v1/ready",
    "/v1/industries",
    "/v1/industries/nev",
    "/v1/scenarios?industry=nev",
    "/v1/matters/sgxk",
    "/v1/departments/zj",
    "/v1/bundles",
    "/v1/bundles/kaigong_bundle",
    "/v1/service-centres",
    "/v1/service-centres/hall",
    "/v1/search?q=施工",
    "/v1/service-matrix?industry=nev",
    "/v1/viz/service-matrix?industry=nev",
    "/v1/viz/service-matrix?industry=nev&format=csv",
    "/v1/viz/chain-map?industry=nev",
    "/v1/viz/flowchart?industry=nev&stage=nev.construction",
    "/v1/analytics/candidates",
    "/v1/analytics/bottlenecks",
    "/v1/analytics/position-diff?industry=nev&from_stage=nev.construction&to_stage=nev.circulation",
    "/v1/analytics/report",
    "/v1/analytics/report?format=xlsx",
    "/v1/openapi.json",
    DOCS_URL,
    ASSETS_URL + "/swagger-ui.css",
]
# The tracking GETs: a project's (by its code), the token-guarded ones (a planner's token).
TRACKED_GETS = [
    "/v1/projects",
    "/v1/projects/{code}",
    "/v1/projects/{code}/plan",
    "/v1/projects/{code}/history",
    "/v1/projects/{code}/matters/ghxk",
    "/v1/projects/{code}/qr.svg",
    "/v1/projects/{code}/qr.png",
    "/v1/projects/{code}/page",
    "/v1/projects/{code}/flowchart",
    "/v1/departments/gh/queue",
    "/v1/audit",
    "/v1/guides?matter=sgxk",
    "/v1/consultations",
    "/v1/consultations/stats",
    "/v1/consultations/{consultation}",
    "/v1/kpis",
    "/v1/kpis/page",
    "/v1/desk",
]
# Every write the API offers: computing a plan, and tracking's (each needs its role's token).
WRITES = {
    ("post", "/v1/recommendations"),
    ("post", "/v1/analytics/what-if"),
    ("post", "/v1/projects"),
    ("post", "/v1/projects/{code}/matters/{matter_id}/status"),
    ("post", "/v1/consultations"),
    ("post", "/v1/consultations/{consultation_id}/answer"),
}
PAGES = [
    DOCS_URL,
    "/v1/viz/service-matrix?industry=nev",
    "/v1/viz/chain-map?industry=nev",
    "/v1/viz/flowchart?industry=nev&stage=nev.construction",
    "/v1/analytics/report",
]


@pytest.fixture
def tracked(client: TestClient) -> dict[str, str]:
    """A project and a consultation in the client's tracking database, and a planner's token."""
    store = client.app.state.tracking  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    window = {"Authorization": f"Bearer {issue(store, Role.WINDOW, None, 'w', 't', now).secret}"}
    project = client.post(
        "/v1/projects",
        json={
            "name": "项目",
            "enterprise": "企业",
            "industry": "nev",
            "stage": "nev.construction",
            "scenario": "kaigong",
        },
        headers=window,
    )
    asked = client.post(
        "/v1/consultations", json={"question": "施工许可要多久", "matter": "sgxk"}, headers=window
    )
    assert project.status_code == asked.status_code == 201, (project.text, asked.text)
    planner = issue(store, Role.PLANNER, None, "p", "t", now).secret
    return {
        "code": project.json()["code"],
        "consultation": asked.json()["id"],
        "Authorization": f"Bearer {planner}",
    }


def _tracked_url(template: str, tracked: dict[str, str]) -> str:
    return template.format(code=tracked["code"], consultation=tracked["consultation"])


def test_every_get_operation_is_in_the_list(client: TestClient) -> None:
    spec = client.get("/v1/openapi.json").json()
    paths = [url.split("?")[0] for url in GETS + TRACKED_GETS]
    for template, operations in spec["paths"].items():
        if "get" in operations:
            pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            assert any(pattern.match(path) for path in paths), template


@pytest.mark.parametrize("url", GETS)
def test_head_answers_wherever_get_does(client: TestClient, url: str) -> None:
    get = client.get(url)
    head = client.head(url)
    assert get.status_code == 200, get.text
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]


@pytest.mark.parametrize("template", TRACKED_GETS)
def test_head_answers_wherever_get_does_on_tracking_routes(
    client: TestClient, tracked: dict[str, str], template: str
) -> None:
    url = _tracked_url(template, tracked)
    auth = {"Authorization": tracked["Authorization"]}
    get = client.get(url, headers=auth)
    head = client.head(url, headers=auth)
    assert get.status_code == 200, get.text
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_of_an_unknown_id_is_the_same_404(client: TestClient) -> None:
    response = client.head("/v1/matters/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.content == b""


def test_head_where_there_is_no_get_is_405(client: TestClient) -> None:
    response = client.head("/v1/recommendations")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("url", ["/v1/health/", "/v1/matters/sgxk/", "/v1/docs/"])
def test_a_trailing_slash_is_404_and_never_a_redirect(client: TestClient, url: str) -> None:
    response = client.get(url, headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "location" not in response.headers
    assert "evil.example" not in response.text


def test_a_redirect_never_carries_the_host(client: TestClient) -> None:
    """No route answers a redirect at all; should one appear, it must not name a host."""
    for url in GETS:
        response = client.get(url, headers={"host": "evil.example"}, follow_redirects=False)
        assert not 300 <= response.status_code < 400, url
        assert "evil.example" not in response.headers.get("location", "")


def _common(headers: Any) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("url", PAGES)
def test_pages_carry_a_content_security_policy(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.headers["content-type"].startswith("text/html")
    _common(response.headers)
    policy = response.headers["content-security-policy"]
    assert policy == PAGE_POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self' 'unsafe-inline'"  # the pages' inline scripts
    assert "http" not in policy and "*" not in policy  # nothing external, no wildcard


@pytest.mark.parametrize(
    "url",
    [
        "/v1/health",
        "/v1/matters/nope",
        "/v1/openapi.json",
        "/v1/nothing",
        ASSETS_URL + "/swagger-ui-bundle.js",
    ],
)
def test_everything_else_carries_nosniff_and_no_framing(client: TestClient, url: str) -> None:
    response = client.get(url)
    _common(response.headers)
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )


def test_a_413_carries_them_too(client: TestClient) -> None:
    response = client.post("/v1/recommendations", content=b"x" * 70_000)
    assert response.status_code == 413
    _common(response.headers)


def test_the_writes_are_the_listed_posts_and_nothing_edits_or_deletes(
    client: TestClient,
) -> None:
    """No operation but the listed POSTs is anything but GET (no PUT, PATCH or DELETE of the
    audit log, a history or a project), and every other method on every path is 405."""
    spec = client.get("/v1/openapi.json").json()
    methods = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert {(m, p) for m, p in methods if m != "get"} == WRITES
    for path in spec["paths"]:
        url = re.sub(r"\{[^}]+\}", "x", path)
        for method in ("PUT", "PATCH", "DELETE"):
            assert client.request(method, url).status_code == 405, (method, url)


def test_an_unexpected_error_leaves_the_client_an_answer(client: TestClient) -> None:
    """The error guard answers 500 itself (the test client would raise otherwise)."""
    from api.app import create_app
    from api.settings import Settings
    from graph.stores.factory import Backend
    from graph.stores.memory import MemoryStore

    class Broken(MemoryStore):
        def stats(self) -> dict[str, int]:
            raise RuntimeError("secret internals")

    app = create_app(Settings(), backend=Backend("memory", Broken(), shared=False))
    with TestClient(app) as broken:  # raise_server_exceptions stays on
        response = broken.get("/v1/ready")
        head = broken.head("/v1/ready")
    assert response.status_code == 500 and head.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "secret internals" not in response.text
    _common(response.headers)


# --- in a browser ------------------------------------------------------------------------------

WATCH_CSP = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.cspViolations.push("
    "e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));"
)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("url", "ready"),
    [
        (DOCS_URL, "document.querySelectorAll('.opblock').length > 10"),
        ("/v1/viz/chain-map?industry=nev", "window.chainkgDrawnAt !== undefined"),
        ("/v1/viz/service-matrix?industry=nev", "window.chainkgDrawnAt !== undefined"),
        (
            "/v1/viz/flowchart?industry=nev&stage=nev.construction",
            "window.chainkgDrawnAt !== undefined",
        ),
        ("/v1/analytics/report", "document.querySelectorAll('svg.chart').length === 4"),
    ],
)
def test_pages_work_under_their_policy_offline(
    live_server: str, page: Page, url: str, ready: str
) -> None:
    """Served over HTTP with the headers, the docs (Swagger UI from chainkg itself) and the
    pages draw in Chromium with the network off, without one policy violation."""
    page.send("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_CSP})
    page.goto(live_server + url, ready=ready)
    assert page.evaluate("window.cspViolations") == []
    assert page.external_requests == []
    # Chromium asks the origin for /favicon.ico by itself (no page names it): not the page's.
    errors = [e for e in page.console_errors if not e.endswith("/favicon.ico")]
    assert errors == []
