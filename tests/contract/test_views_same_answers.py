"""The planners' pictures are the same on every backend (a MemoryStore is the oracle).

The service matrix (graph/matrix.py), the chain map data (graph/chain.py, with its folds and
computed layout) and the flowchart layout of the planner's recommendation (viz/flowchart.py) are
built only from GraphStore calls; these tests check that no backend difference (an order, a
missing link) leaks into them, for each industry and for the whole catalog. Order counts: the
chain map's layout keeps the input order among ties, so a reordered list is a different picture.
"""

from __future__ import annotations

import pytest

from graph.chain import chain_map, fold
from graph.matrix import service_matrix
from graph.model import Catalog
from graph.planner import every_position, recommend
from graph.store import GraphStore
from graph.stores.memory import MemoryStore
from viz.chain_map import FOLD_STEPS, build_chain_map
from viz.flowchart import layout
from viz.layout import layered_positions


@pytest.fixture(scope="module")
def oracle(shipped: Catalog) -> MemoryStore:
    return MemoryStore(shipped)


def scopes(store: GraphStore) -> list[str | None]:
    """Each industry id, then None for the whole catalog."""
    return [*(i.id for i, _ in store.list_industries()), None]


def test_scopes_cover_the_catalog(oracle: MemoryStore, shipped: Catalog) -> None:
    assert scopes(oracle) == [*sorted(shipped.industries), None]
    assert len(every_position(oracle)) > len(shipped.stages)


def test_service_matrix_same(shipped_backend: GraphStore, oracle: MemoryStore) -> None:
    for industry_id in scopes(oracle):
        got = service_matrix(shipped_backend, industry_id)
        assert got == service_matrix(oracle, industry_id), industry_id
        assert got.rows and got.cells, industry_id


def test_chain_map_same(shipped_backend: GraphStore, oracle: MemoryStore) -> None:
    for industry_id in scopes(oracle):
        got, want = chain_map(shipped_backend, industry_id), chain_map(oracle, industry_id)
        assert got == want, industry_id
        assert got.nodes and got.edges, industry_id
        for types in FOLD_STEPS:
            assert fold(got, types) == fold(want, types), (industry_id, types)
        assert layered_positions(got.nodes, got.edges) == layered_positions(
            want.nodes, want.edges
        ), industry_id


def test_folded_chain_map_same(shipped_backend: GraphStore, oracle: MemoryStore) -> None:
    """build_chain_map folds level by level when a map is too big: same folds everywhere."""
    for industry_id in scopes(oracle):
        full = len(chain_map(oracle, industry_id).nodes)
        for max_nodes in (10, full - 1, full):
            got = build_chain_map(shipped_backend, industry_id, max_nodes)
            assert got == build_chain_map(oracle, industry_id, max_nodes), (industry_id, max_nodes)


def test_flowchart_layout_same(shipped_backend: GraphStore, oracle: MemoryStore) -> None:
    """Every position, unanswered and with every question answered by its first/last option."""
    for position in every_position(oracle):
        questions = recommend(oracle, position).pending_questions
        for answers in (
            {},
            {q.id: q.options[0].value for q in questions},
            {q.id: q.options[-1].value for q in questions},
        ):
            got = layout(recommend(shipped_backend, position, answers))
            assert got == layout(recommend(oracle, position, answers)), (position, answers)
