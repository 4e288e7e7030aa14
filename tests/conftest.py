"""Shared fixtures: small fixture catalogs, stores over them, and API clients."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph.memory import MemoryStore
from graph.model import Catalog
from loaders import load_catalog

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"


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
def mini_store(mini_catalog: Catalog) -> MemoryStore:
    return MemoryStore(mini_catalog)


@pytest.fixture
def client(mini_store: MemoryStore) -> Iterator[TestClient]:
    app = create_app(Settings(data=MINI), store=mini_store)
    with TestClient(app) as c:
        yield c
