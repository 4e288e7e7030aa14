"""Shared fixtures: small fixture catalogs, stores over them, and API clients."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph.model import Catalog
from graph.store import GraphStore
from graph.stores.factory import Backend, embedded_backend
from loaders import load_catalog

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"


def pytest_configure(config: pytest.Config) -> None:
    """Apps the tests start keep their tracking database in a folder of this run, never in
    the checkout's .chainkg/ (a test that needs its own sets CHAINKG_STATE_DIR itself)."""
    state = Path(tempfile.mkdtemp(prefix="chainkg-test-state-"))
    os.environ["CHAINKG_STATE_DIR"] = str(state)
    os.environ.pop("CHAINKG_TRACKING_URL", None)


@pytest.fixture
def mini_path() -> Path:
    return MINI


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A writable copy of the mini catalog, for tests that break it."""
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture(scope="session")
def mini_catalog() -> Catalog:
    return load_catalog(MINI)


@pytest.fixture
def mini_embedded(mini_catalog: Catalog) -> Backend:
    """An embedded backend serving the mini catalog."""
    return embedded_backend(mini_catalog)


@pytest.fixture
def mini_store(mini_embedded: Backend) -> GraphStore:
    return mini_embedded.catalog


@pytest.fixture
def client(mini_embedded: Backend) -> Iterator[TestClient]:
    app = create_app(Settings(data=MINI), backend=mini_embedded)
    with TestClient(app) as c:
        yield c
