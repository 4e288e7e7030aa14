"""Neo4j catalog loads: one at a time, atomic for readers, a failed load changes nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from graph.errors import BackendUnavailable, LoadInProgress
from graph.model import Catalog, Link, Position
from graph.planner import recommend
from graph.stores.neo4j import cypher, loads
from graph.stores.neo4j.catalog import Neo4jStore
from graph.stores.neo4j.executor import Executor
from loaders.synthetic import synth

KAIGONG = Position("nev", "nev.construction", "kaigong")
LEFTOVERS = """
MATCH (s:ChainKGState {key: 'catalog'})
MATCH (n) WHERE n.gen IS NOT NULL AND n.gen <> s.gen AND NOT n:ChainKGState
RETURN count(n) AS n
"""


@pytest.fixture
def neo(neo4j_holder: Any, mini: Catalog) -> Neo4jStore:
    store: Neo4jStore = neo4j_holder.with_catalog("mini", mini)
    return store


def _leftovers(store: Neo4jStore) -> int:
    return int(store.executor.run_read(LEFTOVERS)[0]["n"])


def test_a_second_concurrent_load_is_refused(neo: Neo4jStore, mini: Catalog) -> None:
    lease = neo.executor.write(cypher.ACQUIRE_LOAD, token="other", lease_minutes=30)[0]
    assert lease["free"]  # we now hold the lease as another loader would
    try:
        with pytest.raises(LoadInProgress):
            neo.replace_catalog(mini)
    finally:
        neo.executor.write(cypher.RELEASE_LOAD, token="other")
    assert [m.id for m in recommend(neo, KAIGONG).matters] == ["ghxk", "rfsp", "sgxk"]


def test_a_load_failing_in_a_late_batch_leaves_the_served_catalog(
    neo: Neo4jStore, mini: Catalog, neo4j_holder: Any
) -> None:
    broken = synth(mini, 2)
    # Relationships are written after every node: a map is no storable property, so the very
    # last statements fail, after thousands of rows of the new generation were committed.
    broken.prerequisites.append(Link("yyzz", "ghxk", {"not": "storable"}))  # type: ignore[arg-type]
    with pytest.raises(BackendUnavailable):
        neo.replace_catalog(broken)
    assert [m.id for m in recommend(neo, KAIGONG).matters] == ["ghxk", "rfsp", "sgxk"]
    assert neo.stats()["Matter"] == len(mini.matters)
    assert _leftovers(neo) == 0  # what the failed load wrote is gone


def test_a_failed_cleanup_after_the_switch_keeps_the_new_catalog(
    neo: Neo4jStore, mini: Catalog, neo4j_holder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = loads.delete_generations
    calls: list[int | None] = []

    def failing_after_switch(x: Executor, keep: int | None) -> None:
        calls.append(keep)
        if len(calls) == 2:  # the first removes leftovers, the second the old generation
            raise BackendUnavailable("lost during cleanup")
        real(x, keep)

    monkeypatch.setattr(loads, "delete_generations", failing_after_switch)
    bigger = synth(mini, 2)
    neo4j_holder.loaded = None
    neo.replace_catalog(bigger)  # succeeds: the new catalog serves
    assert neo.stats()["Matter"] == len(bigger.matters)
    assert _leftovers(neo) > 0
    monkeypatch.setattr(loads, "delete_generations", real)
    neo.replace_catalog(mini)  # the next load removes the leftovers
    neo4j_holder.loaded = "mini"
    assert _leftovers(neo) == 0


def test_readers_see_the_old_or_the_new_catalog_never_a_mix(
    neo: Neo4jStore, mini: Catalog, neo4j_holder: Any
) -> None:
    bigger = synth(mini, 3)
    old = recommend(neo, KAIGONG)
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                view = neo.pinned()  # one catalog for the reads below
                seen.append((len(view.list_industries()), view.stats()["Matter"]))
                assert recommend(view, KAIGONG) == old  # the same in both catalogs
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        neo4j_holder.loaded = None
        neo.replace_catalog(bigger)
        seen.append((len(neo.list_industries()), neo.stats()["Matter"]))
    finally:
        stop.set()
        reader.join()
    assert not errors, errors
    assert set(seen) <= {(1, len(mini.matters)), (3, len(bigger.matters))}
    assert seen[-1] == (3, len(bigger.matters))
    neo.replace_catalog(mini)
    neo4j_holder.loaded = "mini"
