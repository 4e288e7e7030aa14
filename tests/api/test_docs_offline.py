"""/v1/docs is served by chainkg itself: no CDN, every asset it names answers.

Regression: the page loaded Swagger UI from cdn.jsdelivr.net, so on an offline intranet it was
blank.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.docs import ASSETS_URL, DOCS_URL, assets_dir

REFERENCES = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'""")
EXTERNAL = re.compile(r"(?i)\b(?:https?:)?//[a-z0-9.-]+")


def _references(html: str) -> list[str]:
    return [a or b for a, b in REFERENCES.findall(html)]


def test_the_docs_page_names_no_external_url(client: TestClient) -> None:
    html = client.get(DOCS_URL).text
    assert EXTERNAL.findall(html) == []
    assert "cdn" not in html.lower()


def test_every_url_the_docs_page_names_answers(client: TestClient) -> None:
    html = client.get(DOCS_URL).text
    urls = _references(html)
    assert {
        ASSETS_URL + "/swagger-ui-bundle.js",
        ASSETS_URL + "/swagger-ui.css",
        ASSETS_URL + "/favicon.png",
        "/v1/openapi.json",
    } == set(urls)
    types = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) > 1000, url
        types[url.rsplit(".", 1)[-1]] = response.headers["content-type"].split(";")[0]
    assert types == {
        "js": "text/javascript",
        "css": "text/css",
        "png": "image/png",
        "json": "application/json",
    }


def test_the_assets_are_swagger_ui_5(client: TestClient) -> None:
    """Swagger UI 4 cannot read OpenAPI 3.1 (what FastAPI writes); the assets must be 5.x."""
    spec = client.get("/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    bundle = (assets_dir() / "swagger-ui-bundle.js").read_text(encoding="utf-8")
    [version] = set(re.findall(r'PACKAGE_VERSION:"(\d+)\.\d+\.\d+"', bundle))
    assert int(version) >= 5


def test_the_docs_page_is_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/v1/openapi.json").json()["paths"]
    assert not any(p.startswith(DOCS_URL) for p in paths)
    assert client.get(ASSETS_URL + "/nothing.js").status_code == 404
