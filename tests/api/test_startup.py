"""The start-up load: validated before serving, retried while the backend cannot take it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app, prepare_startup
from api.settings import Backend, LoadPolicy, Settings
from graph.errors import BackendUnavailable, CatalogError
from graph.memory import MemoryStore
from graph.model import Catalog


class _DownThenUp(MemoryStore):
    """A backend that refuses loads until `up` is set, like Neo4j while it is down."""

    def __init__(self) -> None:
        super().__init__()
        self.up = False

    def replace_catalog(
        self, catalog: Catalog, progress: Callable[[int, int], None] | None = None
    ) -> None:
        if not self.up:
            raise BackendUnavailable("down")
        super().replace_catalog(catalog, progress)


def test_a_load_the_backend_refused_is_retried_by_ready(mini_path: Path) -> None:
    settings = Settings(data=mini_path)
    store = _DownThenUp()
    startup = prepare_startup(settings)
    startup.attempt(store)
    assert startup.pending
    app = create_app(settings, store=store)
    app.state.startup = startup
    with TestClient(app) as client:
        assert client.get("/v1/ready").status_code == 503
        store.up = True
        ready = client.get("/v1/ready")
        assert ready.status_code == 200 and ready.json()["counts"]["Matter"] == 7
    assert not startup.pending


def test_auto_does_not_overwrite_a_shared_catalog(mini_path: Path, mini_catalog: Catalog) -> None:
    shared = MemoryStore(mini_catalog)
    startup = prepare_startup(Settings(data=mini_path))
    startup.backend = Backend.NEO4J  # the policy that matters for a shared backend
    shared_before = shared.stats()
    startup.catalog = Catalog()  # would empty the store if it were loaded
    startup.attempt(shared)
    assert shared.stats() == shared_before and not startup.pending


def test_never_loads_nothing_for_neo4j(mini_path: Path) -> None:
    startup = prepare_startup(
        Settings(data=mini_path, backend=Backend.NEO4J, load_on_start=LoadPolicy.NEVER)
    )
    assert startup.catalog is None and not startup.pending


def test_a_broken_catalog_stops_the_start(mini_copy: Path) -> None:
    (mini_copy / "matters.csv").write_text("id\n", encoding="utf-8")
    with pytest.raises(CatalogError):
        prepare_startup(Settings(data=mini_copy))


@pytest.mark.parametrize(
    ("raw", "policy"),
    [("true", LoadPolicy.ALWAYS), ("false", LoadPolicy.NEVER), ("auto", LoadPolicy.AUTO)],
)
def test_load_on_start_accepts_booleans(
    monkeypatch: pytest.MonkeyPatch, raw: str, policy: LoadPolicy
) -> None:
    monkeypatch.setenv("CHAINKG_LOAD_ON_START", raw)
    assert Settings().load_on_start == policy
