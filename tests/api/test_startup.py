"""The start-up load: validated before serving, retried in the background while the backend
cannot take it; /v1/ready only reports."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import LoadPolicy, Settings
from api.startup import StartupLoad, prepare_startup
from graph.errors import BackendUnavailable, CatalogError
from graph.model import Catalog
from graph.store import LoadReport
from graph.stores.factory import Backend, embedded_backend
from graph.stores.memory import MemoryStore


class _DownThenUp(MemoryStore):
    """A backend that refuses loads until `up` is set, like Neo4j while it is down."""

    def __init__(self) -> None:
        super().__init__()
        self.up = False
        self.tries = 0

    def replace_catalog(
        self, catalog: Catalog, progress: Callable[[int, int], None] | None = None
    ) -> LoadReport:
        self.tries += 1
        if not self.up:
            raise BackendUnavailable("down")
        return super().replace_catalog(catalog, progress)


def _shared(store: MemoryStore) -> Backend:
    return Backend("neo4j", store, shared=True)


def test_a_load_the_backend_refused_is_retried_in_the_background(mini_path: Path) -> None:
    settings = Settings(data=mini_path)
    store = _DownThenUp()
    backend = _shared(store)
    startup = prepare_startup(settings, backend)
    app = create_app(settings, backend=backend, startup=startup)
    with TestClient(app) as client:
        ready = client.get("/v1/ready")
        assert ready.status_code == 503
        assert "start-up catalog load is waiting" in ready.json()["detail"]
        tries = store.tries
        assert client.get("/v1/ready").status_code == 503 and store.tries == tries  # no load
        store.up = True
        deadline = time.monotonic() + 30  # the first retry comes after FIRST_RETRY_S
        while startup.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        ready = client.get("/v1/ready")
        assert ready.status_code == 200 and ready.json()["counts"]["Matter"] == 7
    assert not startup.pending


def test_retries_back_off_until_the_load_goes_in(mini_path: Path) -> None:
    store = _DownThenUp()
    backend = _shared(store)
    startup = prepare_startup(Settings(data=mini_path), backend)
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        store.up = len(delays) == 4

    asyncio.run(startup.retry_until_loaded(backend, first_delay_s=1.0, sleep=sleep))
    assert delays == [1.0, 2.0, 4.0, 8.0] and not startup.pending
    assert backend.holds_catalog() and startup.attempts == 4


def test_auto_does_not_overwrite_a_shared_catalog(mini_catalog: Catalog) -> None:
    shared = _shared(MemoryStore(mini_catalog))
    before = shared.catalog.stats()
    startup = StartupLoad(LoadPolicy.AUTO, Catalog(), pending=True)  # would empty the store
    startup.attempt(shared)
    assert shared.catalog.stats() == before and not startup.pending


def test_an_embedded_backend_always_loads(mini_path: Path) -> None:
    settings = Settings(data=mini_path, load_on_start=LoadPolicy.NEVER)
    startup = prepare_startup(settings, embedded_backend())
    assert startup.catalog is not None and startup.pending


def test_never_loads_nothing_into_a_shared_backend(mini_path: Path) -> None:
    settings = Settings(data=mini_path, load_on_start=LoadPolicy.NEVER)
    startup = prepare_startup(settings, _shared(MemoryStore()))
    assert startup.catalog is None and startup.pending is False


def test_a_broken_catalog_stops_the_start(mini_copy: Path) -> None:
    (mini_copy / "matters.csv").write_text("id\n", encoding="utf-8")
    with pytest.raises(CatalogError):
        prepare_startup(Settings(data=mini_copy), embedded_backend())


@pytest.mark.parametrize(
    ("raw", "policy"),
    [("true", LoadPolicy.ALWAYS), ("false", LoadPolicy.NEVER), ("auto", LoadPolicy.AUTO)],
)
def test_load_on_start_accepts_booleans(
    monkeypatch: pytest.MonkeyPatch, raw: str, policy: LoadPolicy
) -> None:
    monkeypatch.setenv("CHAINKG_LOAD_ON_START", raw)
    assert Settings().load_on_start == policy
