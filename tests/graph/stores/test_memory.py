"""The embedded store: a load that fails inside the store changes nothing served."""

from __future__ import annotations

import dataclasses

import pytest

from graph.model import Catalog, Link, Position
from graph.planner import recommend
from graph.stores.memory import MemoryStore

KAIGONG = Position("nev", "nev.construction", "kaigong")


def test_a_load_failing_while_the_graph_is_built_leaves_the_previous_catalog(
    mini_catalog: Catalog,
) -> None:
    store = MemoryStore(mini_catalog)
    served = recommend(store, KAIGONG)
    stats = store.stats()
    broken = dataclasses.replace(
        mini_catalog,
        # Not a catalog the loader would pass: the graph cannot take an unhashable id.
        prerequisites=[*mini_catalog.prerequisites, Link({"x": 1}, "ghxk", "x")],  # type: ignore[arg-type]
        matters={},
    )
    with pytest.raises(TypeError):
        store.replace_catalog(broken)
    assert recommend(store, KAIGONG) == served
    assert store.stats() == stats


def test_a_pinned_view_keeps_its_snapshot_across_a_load(mini_catalog: Catalog) -> None:
    store = MemoryStore(mini_catalog)
    view = store.pinned()
    store.replace_catalog(Catalog())
    assert store.stats() == {}
    assert view.stats()["Matter"] == len(mini_catalog.matters)
    assert view.pinned() is view
