"""A pinned view answers every call from the catalog served when it was pinned, even when a
load switches the catalog in the middle of the view's life (on every backend)."""

from __future__ import annotations

import threading
import time
from typing import Any

from graph.model import Catalog, Position
from graph.planner import recommend
from graph.store import GraphStore
from loaders.synthetic import synth

KAIGONG = Position("nev", "nev.construction", "kaigong")


def _answers(view: GraphStore) -> dict[str, Any]:
    """Every read of the view, one call each (several statements on Neo4j)."""
    return {
        "version": view.catalog_version(),
        "stats": view.stats(),
        "industries": view.list_industries(),
        "industry": view.industry_detail("nev"),
        "scenarios": view.list_scenarios(None, None),
        "scenarios of nev": view.list_scenarios("nev", None),
        "scenarios of a stage": view.list_scenarios("nev", "nev.construction"),
        "bundles": view.list_bundles(None, None, None),
        "bundles of nev": view.list_bundles("nev", None, None),
        "bundles of a stage": view.list_bundles("nev", "nev.construction", None),
        "matter": view.matter_detail("sgxk"),
        "department": view.department_detail("zj"),
        "bundle": view.bundle_detail("kaigong_bundle"),
        "centres": view.list_centres(),
        "subgraph": view.position_subgraph(KAIGONG),
        "search": view.search_candidates(["施工"]),
        "recommendation": recommend(view, KAIGONG),
    }


def _counts(store: GraphStore) -> dict[str, int]:
    stats = store.stats()
    return {"Industry": stats.get("Industry", 0), "Matter": stats.get("Matter", 0)}


def _bigger(mini: Catalog) -> Catalog:
    """The mini catalog with two more copies: every answer above differs from the mini one."""
    return synth(mini, 3)


def test_a_switch_in_the_middle_of_a_pinned_view_changes_none_of_its_answers(
    mini_backend: GraphStore, mini: Catalog, request: Any
) -> None:
    store = mini_backend
    view = store.pinned()
    before = _answers(view)
    assert view.pinned() is view  # a view of a view is the same view
    bigger = _bigger(mini)
    failure: list[BaseException] = []

    def load() -> None:
        try:
            store.replace_catalog(bigger)
        except BaseException as exc:  # reported below
            failure.append(exc)

    holder = request.getfixturevalue("neo4j_holder") if "neo4j" in request.node.name else None
    if holder is not None:
        holder.loaded = None  # the session's Neo4j store gets another catalog
        grace = store.switch_grace_s  # type: ignore[attr-defined]
        store.switch_grace_s = 5.0  # type: ignore[attr-defined]  # old generation kept 5 s
    loader = threading.Thread(target=load)
    loader.start()
    try:
        deadline = time.monotonic() + 60
        switched = {"Industry": 3, "Matter": len(bigger.matters)}
        while _counts(store) != switched and time.monotonic() < deadline:
            time.sleep(0.02)  # until the switch: the store itself serves the new catalog
        assert _counts(store) == switched and not failure
        during = _answers(view)  # old generation still there (grace period)
    finally:
        loader.join()
        if holder is not None:
            store.switch_grace_s = grace  # type: ignore[attr-defined]
    assert not failure, failure
    assert during == before
    assert _answers(store.pinned()) != before  # a new view reads the new catalog
    store.replace_catalog(mini)
    if holder is not None:
        holder.loaded = "mini"
