"""Neo4j catalog loads: one at a time, atomic for readers, a failed load changes nothing."""

from __future__ import annotations

import threading

import pytest
from neo4j import RoutingControl

from graph.errors import BackendUnavailable, LoadInProgress
from graph.model import Catalog, Industry, Position
from graph.planner import recommend
from graph.store import GraphStore

KAIGONG = Position("nev", "nev.construction", "kaigong")


@pytest.fixture
def neo(neo4j_holder: object, mini: Catalog) -> GraphStore:
    store: GraphStore = neo4j_holder.with_catalog("mini", mini)  # type: ignore[attr-defined]
    return store


def test_a_second_concurrent_load_is_refused(neo: GraphStore, mini: Catalog) -> None:
    from graph import cypher

    # Hold the lease as another loader would, then try to load.
    lease = neo._execute(  # type: ignore[attr-defined]
        cypher.ACQUIRE_LOAD, {"token": "other", "lease_minutes": 30}, RoutingControl.WRITE
    )[0]
    assert lease["free"]
    try:
        with pytest.raises(LoadInProgress):
            neo.replace_catalog(mini)
    finally:
        neo._release("other")  # type: ignore[attr-defined]
    assert [m.id for m in recommend(neo, KAIGONG).matters] == ["ghxk", "rfsp", "sgxk"]


def test_a_failed_load_leaves_the_previous_catalog(neo: GraphStore, mini: Catalog) -> None:
    broken = Catalog(**{f: getattr(mini, f) for f in mini.__dataclass_fields__})
    # A property Neo4j cannot store (a map) makes the write fail midway, after some batches.
    broken.industries = {"x": Industry("x", {"not": "storable"}, "", "illustrative")}  # type: ignore[arg-type]
    with pytest.raises(BackendUnavailable):
        neo.replace_catalog(broken)
    assert [m.id for m in recommend(neo, KAIGONG).matters] == ["ghxk", "rfsp", "sgxk"]
    assert neo.stats()["Matter"] == len(mini.matters)  # nothing half-written is left


def test_readers_see_the_old_or_the_new_catalog_never_a_mix(neo: GraphStore, mini: Catalog) -> None:
    from loaders.synthetic import synth

    bigger = synth(mini, 3)
    old = recommend(neo, KAIGONG)
    answers: list[int] = []
    mixed: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            answers.append(len(neo.list_industries()))
            if recommend(neo, KAIGONG) != old:  # kaigong is the same in both catalogs
                mixed.append("a recommendation changed during the load")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        neo.replace_catalog(bigger)
    finally:
        stop.set()
        reader.join()
    assert not mixed
    assert set(answers) <= {1, 3} and answers[-1] == 3
    neo.replace_catalog(mini)  # leave the catalog the holder believes is loaded
