"""Every GraphStore method gives the same answer on every backend (memory is the oracle)."""

from __future__ import annotations

import pytest

from graph.model import Catalog, Position
from graph.planner import every_position, recommend, resolve
from graph.search import search
from graph.store import GraphStore
from graph.stores.memory import MemoryStore

QUERIES = ["施工", "许可", "营业执照", "一件事", "备案", "48小时", "汽车销售", "0002", "人"]


def _check_same(store: GraphStore, catalog: Catalog) -> None:
    oracle = MemoryStore(catalog)
    assert store.stats() == oracle.stats()
    assert store.list_industries() == oracle.list_industries()
    for industry in catalog.industries:
        assert store.industry_detail(industry) == oracle.industry_detail(industry)
        assert store.list_scenarios(industry, None) == oracle.list_scenarios(industry, None)
    for stage in catalog.stages.values():
        assert store.list_scenarios(stage.industry_id, stage.id) == oracle.list_scenarios(
            stage.industry_id, stage.id
        )
        for kind in (None, "chain_special", "one_thing", "one_category"):
            assert store.list_bundles(stage.industry_id, stage.id, kind) == oracle.list_bundles(
                stage.industry_id, stage.id, kind
            )
    assert store.list_scenarios(None, None) == oracle.list_scenarios(None, None)
    assert store.list_bundles(None, None, None) == oracle.list_bundles(None, None, None)
    for matter in catalog.matters:
        assert store.matter_detail(matter) == oracle.matter_detail(matter)
    for department in catalog.departments:
        assert store.department_detail(department) == oracle.department_detail(department)
    for bundle in catalog.bundles:
        assert store.bundle_detail(bundle) == oracle.bundle_detail(bundle)
    assert store.list_centres() == oracle.list_centres()
    for q in QUERIES:
        assert search(store, q) == search(oracle, q), q


def _check_recommendations(store: GraphStore, catalog: Catalog) -> None:
    oracle = MemoryStore(catalog)
    for position in every_position(oracle):
        sub = oracle.position_subgraph(position)
        assert store.position_subgraph(position) == sub, position
        # Every combination of answers for up to two questions of the position.
        choices: list[dict[str, str]] = [{}]
        for c in resolve(sub, position).conditions[:2]:
            choices = [{**a, c.id: o} for a in choices for o in c.options]
        for answers in choices:
            assert recommend(store, position, answers) == recommend(oracle, position, answers)


# Positions the planner refuses: the raw subgraphs a backend fetches for them agree too.
ODD_POSITIONS = [
    Position("nope", "nev.construction"),
    Position("nev", "nope"),
    Position("nev", "nev.construction", "nope"),
    Position("nev", "nev.construction", "sales"),
    Position("biomed", "nev.construction"),
]


def test_odd_positions_fetch_the_same_raw_subgraph(mini_backend: GraphStore, mini: Catalog) -> None:
    oracle = MemoryStore(mini)
    for position in ODD_POSITIONS:
        assert mini_backend.position_subgraph(position) == oracle.position_subgraph(position)


def test_mini_catalog_same_answers(mini_backend: GraphStore, mini: Catalog) -> None:
    _check_same(mini_backend, mini)
    _check_recommendations(mini_backend, mini)


def test_shipped_catalog_same_answers(shipped_backend: GraphStore, shipped: Catalog) -> None:
    _check_same(shipped_backend, shipped)


def test_shipped_catalog_same_recommendations(
    shipped_backend: GraphStore, shipped: Catalog
) -> None:
    _check_recommendations(shipped_backend, shipped)


@pytest.mark.parametrize(
    ("position", "kind"),
    [
        (Position("nope", "nev.construction"), "industry"),
        (Position("nev", "nope"), "stage"),
        (Position("nev", "nev.construction", "nope"), "scenario"),
    ],
)
def test_unknown_ids_on_every_backend(
    mini_backend: GraphStore, position: Position, kind: str
) -> None:
    from graph.errors import NotFound

    with pytest.raises(NotFound) as caught:
        recommend(mini_backend, position)
    assert caught.value.kind == kind


def test_rules_catalog_same_answers(rules_backend: GraphStore, rules: Catalog) -> None:
    _check_same(rules_backend, rules)
    _check_recommendations(rules_backend, rules)
