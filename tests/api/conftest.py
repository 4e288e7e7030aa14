"""Fixtures for the API tests that need a real HTTP server: uvicorn on a loopback port, and
headless Chromium for the pages it serves."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from starlette.types import ASGIApp

from api.app import create_app
from api.settings import Settings
from graph.model import Catalog
from graph.stores.factory import embedded_backend
from tests.conftest import MINI
from tests.support.browser import Browser, Page, require_chromium


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """`http://127.0.0.1:<port>`: uvicorn serving `app` in a thread until the block ends. It
    binds loopback only, on a port the system picks."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture(scope="module")
def live_server(mini_catalog: Catalog) -> Iterator[str]:
    """A real server of the mini catalog (default settings), for the module's tests."""
    app = create_app(Settings(data=MINI), backend=embedded_backend(mini_catalog))
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, as in tests/viz: skipped where there is none, a failure under CI."""
    executable = require_chromium()
    with Browser(executable) as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    tab = browser.new_page(width=1280, height=800)
    yield tab
    tab.close()
