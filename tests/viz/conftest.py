"""Fixtures for the viz tests: pages written to files, and one headless Chromium per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.browser import Browser, Page, require_chromium
from viz.page import write_page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def page_file(tmp_path: Path) -> Callable[[str, str], str]:
    """Write an HTML page to a temporary file and return its file:// URL."""

    def write(name: str, html: str) -> str:
        return write_page(tmp_path / name, html).resolve().as_uri()

    return write


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium ($CHAINKG_CHROMIUM, else on PATH).

    Skipped where there is none, but a failure in CI (CI set) or when CHAINKG_CHROMIUM names a
    binary that is not there (a setting that is wrong, not a browser that is missing).
    """
    executable = require_chromium()
    with Browser(executable) as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab with the network off; closed after the test."""
    tab = browser.new_page(width=1280, height=800)
    yield tab
    tab.close()


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    """Save the current viewport as artifacts/screenshots/<name>.png (a CI artefact)."""

    def shoot(name: str) -> Path:
        return page.screenshot(SCREENSHOTS / f"{name}.png")

    return shoot
