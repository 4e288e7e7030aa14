"""A project's QR code (GET /v1/projects/{code}/qr.svg and qr.png) reads back as its status-page
URL, <CHAINKG_PUBLIC_URL>/v1/projects/<code>/page: decoded with zxing-cpp, the PNG as served
and the SVG as Chromium draws it. Level Q, a quiet zone, long caching; 404 problem+json for a
code that names no project.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from api.settings import Settings
from graph.model import Catalog
from graph.stores.factory import embedded_backend
from tests.api.conftest import serving
from tests.conftest import MINI
from tests.support.browser import Page
from tracking.store import TrackingStore
from tracking.stores.sql import open_sql_store, sqlite_url
from tracking.tokens import issue
from tracking.workflow import Role
from viz.project_page import QR_BORDER, QR_PNG_SCALE

PUBLIC = "https://zwfw.example.gov.cn"
PROJECT = {
    "name": "年产10万辆新能源整车项目",
    "enterprise": "示例汽车有限公司",
    "industry": "nev",
    "stage": "nev.construction",
    "scenario": "kaigong",
    "answers": {"special_project": "是"},
}
UNKNOWN = "A" * 32  # a well-formed code that names no project


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrackingStore]:
    opened = open_sql_store(sqlite_url(tmp_path_factory.mktemp("qr") / "tracking.db"))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def app_client(
    store: TrackingStore, mini_catalog: Catalog
) -> Iterator[tuple[TestClient, str, dict[str, str]]]:
    """A client of an app whose CHAINKG_PUBLIC_URL is PUBLIC (read from the environment), one
    project created through the API with a window token, and that POST's answer."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CHAINKG_PUBLIC_URL", PUBLIC)
        settings = Settings(data=MINI)
    assert settings.public_url == PUBLIC
    app = create_app(settings, backend=embedded_backend(mini_catalog), tracking=store)
    token = issue(store, Role.WINDOW, None, "test window", "test", datetime.now(UTC)).secret
    with TestClient(app) as client:
        created = client.post(
            "/v1/projects", json=PROJECT, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
        body = created.json()
        yield client, body["code"], body


def expected_url(code: str) -> str:
    return f"{PUBLIC}/v1/projects/{code}/page"


def decode(image: Image.Image) -> list[zxingcpp.Result]:
    return [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_the_png_reads_back_as_the_status_page_url(
    app_client: tuple[TestClient, str, dict[str, str]],
) -> None:
    client, code, created = app_client
    response = client.get(f"/v1/projects/{code}/qr.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=86400"
    image = Image.open(io.BytesIO(response.content))
    [found] = decode(image)
    assert found.text == expected_url(code) == created["status_page"]
    assert found.ec_level in {"M", "Q"}


def test_the_png_has_a_quiet_zone_of_four_modules(
    app_client: tuple[TestClient, str, dict[str, str]],
) -> None:
    client, code, _ = app_client
    image = Image.open(io.BytesIO(client.get(f"/v1/projects/{code}/qr.png").content)).convert("L")
    width, height = image.size
    margin = QR_BORDER * QR_PNG_SCALE
    assert width == height and width > 2 * margin
    pixels = image.load()
    assert pixels is not None
    border = [
        pixels[x, y]
        for x in range(width)
        for y in range(height)
        if min(x, y) < margin or max(x, y) >= width - margin
    ]
    assert set(border) == {255}  # white all round
    assert pixels[margin, margin] == 0  # the finder pattern starts right inside it


def test_the_svg_is_an_svg_document_of_the_same_code(
    app_client: tuple[TestClient, str, dict[str, str]],
) -> None:
    client, code, _ = app_client
    response = client.get(f"/v1/projects/{code}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "public, max-age=86400"
    text = response.text
    assert (
        text.startswith("<?xml") and "<svg" in text and 'xmlns="http://www.w3.org/2000/svg"' in text
    )
    assert code not in text  # the URL is in the modules, not written out
    head = client.head(f"/v1/projects/{code}/qr.svg")
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("suffix", ["qr.svg", "qr.png"])
def test_an_unknown_code_is_404_problem_json(
    app_client: tuple[TestClient, str, dict[str, str]], suffix: str
) -> None:
    client, _, _ = app_client
    response = client.get(f"/v1/projects/{UNKNOWN}/{suffix}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["kind"] == "project"
    assert "cache-control" not in response.headers
    bad = client.get(f"/v1/projects/short/{suffix}")  # not a code at all (CodePath)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


@pytest.mark.browser
def test_the_svg_drawn_by_chromium_reads_back_as_the_status_page_url(
    store: TrackingStore, mini_catalog: Catalog, page: Page, tmp_path: Path
) -> None:
    """Served over HTTP (with its headers and policy) and drawn by the browser, the SVG decodes
    from a screenshot to the URL."""
    app = create_app(
        Settings(data=MINI, public_url=PUBLIC + "/"),  # a trailing slash makes no double slash
        backend=embedded_backend(mini_catalog),
        tracking=store,
    )
    token = issue(store, Role.WINDOW, None, "test window", "test", datetime.now(UTC)).secret
    with serving(app) as base:
        created = httpx.post(
            f"{base}/v1/projects", json=PROJECT, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
        code = created.json()["code"]
        page.goto(f"{base}/v1/projects/{code}/qr.svg", ready="document.readyState === 'complete'")
        shot = page.screenshot(tmp_path / "qr-svg.png")
    assert page.external_requests == []
    assert [e for e in page.console_errors if not e.endswith("/favicon.ico")] == []
    [found] = decode(Image.open(shot))
    assert found.text == expected_url(code)
