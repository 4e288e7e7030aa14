"""Stores of every backend over the same catalogs: the contract suite runs its cases on each.

Neo4j is used when CHAINKG_TEST_NEO4J_URI is set (`.ci/run` starts a server and sets it). Without
it the Neo4j cases are skipped locally, and fail under CI (CI=true): a missing Neo4j in CI is a
failure, not a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.settings import shipped_catalog
from graph.model import Catalog
from graph.store import GraphStore
from graph.stores.factory import BackendConfig, embedded_backend, open_backend
from loaders import load_catalog

MINI = Path(__file__).parents[1] / "fixtures" / "mini"
RULES = Path(__file__).parents[1] / "fixtures" / "rules"
BACKENDS = ["memory", "neo4j"]


def neo4j_config() -> BackendConfig:
    """The test server's Neo4j backend (CHAINKG_TEST_NEO4J_*)."""
    return BackendConfig(
        kind="neo4j",
        neo4j_uri=os.environ["CHAINKG_TEST_NEO4J_URI"],
        neo4j_user=os.environ.get("CHAINKG_TEST_NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("CHAINKG_TEST_NEO4J_PASSWORD", "chainkg-dev-pw"),
        neo4j_database=os.environ.get("CHAINKG_TEST_NEO4J_DATABASE", "neo4j"),
    )


class _Neo4jHolder:
    """One Neo4j backend for the session; reloads only when a test asks for another catalog."""

    def __init__(self) -> None:
        self.backend = open_backend(neo4j_config())
        self.backend.wait_until_ready(timeout=30)
        self.store = self.backend.catalog
        self.loaded: str | None = None

    def with_catalog(self, key: str, catalog: Catalog) -> GraphStore:
        if self.loaded != key:
            self.loaded = None
            self.backend.load(catalog)
            self.loaded = key
        return self.store


@pytest.fixture(scope="session")
def neo4j_holder() -> Iterator[_Neo4jHolder]:
    if not os.environ.get("CHAINKG_TEST_NEO4J_URI"):
        if os.environ.get("CI"):
            pytest.fail("CHAINKG_TEST_NEO4J_URI is not set under CI: Neo4j did not come up")
        pytest.skip("Neo4j not configured (set CHAINKG_TEST_NEO4J_URI, see README)")
    holder = _Neo4jHolder()
    yield holder
    holder.backend.close()


@pytest.fixture(scope="session")
def shipped() -> Catalog:
    return load_catalog(shipped_catalog())


@pytest.fixture(scope="session")
def mini() -> Catalog:
    return load_catalog(MINI)


def _store(request: pytest.FixtureRequest, key: str, catalog: Catalog) -> GraphStore:
    if request.param == "memory":
        return embedded_backend(catalog).catalog
    holder: _Neo4jHolder = request.getfixturevalue("neo4j_holder")
    return holder.with_catalog(key, catalog)


@pytest.fixture(params=BACKENDS)
def mini_backend(request: pytest.FixtureRequest, mini: Catalog) -> GraphStore:
    """The mini catalog on each backend."""
    return _store(request, "mini", mini)


@pytest.fixture(params=BACKENDS)
def shipped_backend(request: pytest.FixtureRequest, shipped: Catalog) -> GraphStore:
    """The shipped catalog on each backend."""
    return _store(request, "shipped", shipped)


@pytest.fixture(scope="session")
def rules() -> Catalog:
    return load_catalog(RULES)


@pytest.fixture(params=BACKENDS)
def rules_backend(request: pytest.FixtureRequest, rules: Catalog) -> GraphStore:
    """The planning-rules catalog (tests/fixtures/rules) on each backend."""
    return _store(request, "rules", rules)
