"""Acceptance: answers a zone officer would sign, position by position, on the shipped catalog.

Each position of the chain (every stage of every industry, whole and per scenario) is planned
with the default answers, and again with every question answered the other way where it has
one; each plan is checked against the domain's properties (docs/planning-rules.md), on both
backends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.settings import shipped_catalog
from graph.model import APPROVAL_STAGES, BundleMode, Catalog, LifeEvent, Position
from graph.planner import every_position, recommend, resolve
from graph.recommendation import Recommendation
from graph.store import GraphStore
from graph.stores.factory import embedded_backend
from loaders import load_catalog

_CATALOG = load_catalog(shipped_catalog())
POSITIONS = every_position(embedded_backend(_CATALOG).catalog)
RANK = {name: i for i, name in enumerate(APPROVAL_STAGES)}


def _answer_sets(store: GraphStore, position: Position) -> Iterator[dict[str, str]]:
    """The defaults, then every question at a non-default option, one question at a time."""
    yield {}
    scope = resolve(store.position_subgraph(position), position)
    for condition in scope.conditions:
        for option in condition.options:
            if option != condition.default:
                yield {condition.id: option}
                break


def _check(rec: Recommendation, catalog: Catalog, store: GraphStore, position: Position) -> None:
    planned = {m.id: m for m in rec.matters}
    where = f"{position} {rec.answers}"
    # The four stages in order: acceptance never precedes permits.
    staged = [(RANK[m.approval_stage], m.phase, m.id) for m in rec.matters if m.approval_stage]
    for a_rank, a_phase, a in staged:
        for b_rank, b_phase, b in staged:
            assert not (a_rank < b_rank and a_phase >= b_phase), f"{where}: {a} !< {b}"
    # No two variants of one question.
    scope = resolve(store.position_subgraph(position), position)
    for condition in scope.conditions:
        hit = {
            e.option
            for e in scope.effects
            if e.condition_id == condition.id
            and e.target_kind == "matter"
            and e.target_id in planned
        }
        only = {
            e.option
            for e in scope.effects
            if e.condition_id == condition.id
            and e.target_kind == "matter"
            and e.target_id in planned
            and not any(
                x.condition_id == condition.id
                and x.target_id == e.target_id
                and x.option != e.option
                for x in scope.effects
            )
        }
        assert len(only) <= 1, f"{where}: {condition.id} options {sorted(hit)} together"
    # No founding and closing in one plan; a stage-wide plan holds no life event.
    events = {s.id: s.life_event for s in catalog.scenarios.values()}
    covered = {events[s.id] for s in rec.position.scenarios}
    assert not {LifeEvent.FOUNDING, LifeEvent.CLOSING} <= covered, where
    if position.scenario is None:
        assert covered <= {LifeEvent.NONE}, where
    # Held means held: nothing the position itself could plan is "already held".
    held = {h.id for h in rec.prerequisites_held}
    assert not held & set(scope.matters), f"{where}: held {held & set(scope.matters)}"
    # Nothing another party files is put on the applicant.
    assert not [m for m in planned if catalog.matters[m].party], where
    # Joint steps are led by their bundle's lead department; each matter has its own department.
    for phase in rec.department_path:
        for step in phase.steps:
            if step.kind == "joint":
                bundle = catalog.bundles[step.id]
                assert bundle.mode != BundleMode.NONE and step.lead.id == bundle.lead_department_id
            for m in step.matters:
                assert planned[m].department.id == catalog.matters[m].department_id
    # Time: elapsed covers decision; the parallel path never exceeds the serial sum.
    e = rec.estimate
    assert 0 <= e.with_commitment_days <= e.parallel_days <= e.elapsed_days, where
    assert e.parallel_days <= e.serial_days or not rec.matters, where
    # Materials are asked once, only for planned matters.
    for material in rec.materials:
        assert set(material.used_by) <= set(planned), where


@pytest.mark.parametrize("position", POSITIONS, ids=str)
def test_every_position_passes_the_zone_officers_checks(
    shipped_backend: GraphStore, shipped: Catalog, position: Position
) -> None:
    for answers in _answer_sets(shipped_backend, position):
        _check(recommend(shipped_backend, position, answers), shipped, shipped_backend, position)


def test_the_suite_covers_every_industry_and_stage() -> None:
    assert len(POSITIONS) >= 40
    assert {p.industry for p in POSITIONS} == set(_CATALOG.industries)
    assert {p.stage for p in POSITIONS} == set(_CATALOG.stages)


@pytest.mark.parametrize("industry", sorted(_CATALOG.industries))
def test_kaigong_runs_permit_and_civil_air_defence_in_parallel_by_default(
    shipped_backend: GraphStore, industry: str
) -> None:
    """开工一件事: 施工许可 and 新建民用建筑防空 in parallel (the article: under 48 hours)."""
    stage = f"{industry}.construction"
    rec = recommend(shipped_backend, Position(industry, stage, "sc.xmsp.sgxk"))
    names = {m.id: m.name for m in rec.matters}
    [joint] = [s for p in rec.department_path for s in p.steps if s.kind == "joint"]
    members = [names[m] for m in joint.matters]
    assert any("施工许可" in n for n in members) and any("防空" in n for n in members), members
    assert joint.days <= 2


def test_a_stage_wide_aftermarket_plan_never_founds_and_closes() -> None:
    store = embedded_backend(_CATALOG).catalog
    rec = recommend(store, Position("nev", "nev.aftermarket"))
    names = " ".join(m.name for m in rec.matters)
    assert "注销" not in names or "设立登记" not in names
