"""Planner analytics on a small catalog whose answers are worked out by hand
(tests/fixtures/analytics), and their agreement with `recommend` on the shipped one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.settings import shipped_catalog
from graph import analytics as A
from graph.errors import InvalidRequest, NotFound
from graph.model import BundleMode, Link, Position, Ref
from graph.planner import recommend
from graph.stores.memory import MemoryStore
from loaders import load_catalog

FIXTURE = Path(__file__).parents[1] / "fixtures" / "analytics"


@pytest.fixture(scope="module")
def sv() -> A.Survey:
    return A.survey(MemoryStore(load_catalog(FIXTURE)))


@pytest.fixture(scope="module")
def shipped() -> A.Survey:
    return A.survey(MemoryStore(load_catalog(shipped_catalog())))


def ids(refs: list[Ref]) -> list[str]:
    return [r.id for r in refs]


def test_candidates_are_the_two_communities_ranked_by_what_they_save(sv: A.Survey) -> None:
    first, second = A.candidates(sv)
    # A, B, C share s1 and s2; D, E share s3 and s4; C-D only s5.
    assert ids(first.matters) == ["m.a", "m.b", "m.c"]
    assert ids(second.matters) == ["m.d", "m.e"]
    assert (first.rank, second.rank) == (1, 2)
    s = first.savings
    # materials A{x1,x2} B{x1,x3} C{x1}: 5 before; x1 is 免提交, so x2 and x3 after.
    assert (s.materials_before, s.materials_after, s.materials_shared) == (5, 2, 1)
    assert (s.visits_before, s.visits_after) == (3, 1)  # A's baseline 2 + B 1 + C 0
    assert (s.steps_before, s.steps_after) == (3, 1)
    assert (s.days_before, s.days_after) == (18, 8)  # legal 10+5+3; A (5) then B (3)
    assert first.lead.id == "d1" and first.lead_days == 5  # A carries 5 of the path's 8 days
    assert ids(first.scenarios) == ["s1", "s2"] and first.positions == 2
    assert ids(first.departments) == ["d1", "d2"]
    assert first.closest_bundle is None
    assert second.closest_bundle is not None
    assert (second.closest_bundle.bundle.id, second.closest_bundle.jaccard) == ("b.de", 1.0)
    assert (second.savings.days_before, second.savings.days_after) == (24, 10)
    assert second.lead.id == "d3"


def test_candidate_sizes_are_bounded(sv: A.Survey) -> None:
    assert [len(c.matters) for c in A.candidates(sv, min_size=3)] == [3]
    assert A.candidates(sv, limit=1)[0].rank == 1
    with pytest.raises(InvalidRequest):
        A.candidates(sv, min_size=1)
    with pytest.raises(NotFound):
        A.candidates(sv, leave_out=["b.nope"])


def test_what_if_a_list_of_matters(sv: A.Survey) -> None:
    w = A.what_if(sv, matters=["m.b", "m.a"])
    assert ids(w.matters) == ["m.a", "m.b"]
    assert (w.before.materials, w.before.visits, w.before.steps, w.before.days) == (4, 3, 2, 15)
    assert (w.after.materials, w.after.visits, w.after.steps, w.after.days) == (2, 1, 1, 8)
    assert ids(w.serves) == ["s1", "s2"]
    changed = [(p.stage, p.scenario) for p in w.positions]
    assert changed == [("ind.make", None), ("ind.make", "s1"), ("ind.make", "s2")]
    s1 = w.positions[1]
    assert ids(s1.bundles_added) == [A.PROPOSAL_ID]
    assert (s1.before.steps, s1.after.steps) == (3, 2)  # A and B one window, C alone
    assert (s1.before.visits, s1.after.visits) == (2, 1)


def test_what_if_an_existing_bundle_with_a_matter_added(sv: A.Survey) -> None:
    w = A.what_if(sv, bundle="b.de", add=["m.c"])
    assert w.base is not None and w.base.id == "b.de"
    assert ids(w.added) == ["m.c"] and ids(w.matters) == ["m.c", "m.d", "m.e"]
    assert ids(w.departments_before) == ["d3"] and ids(w.departments_after) == ["d1", "d3"]
    assert (w.before.steps, w.after.steps, w.after.days) == (1, 1, 10)
    assert ids(w.serves) == ["s3"]
    whole, s3 = w.positions
    assert (whole.scenario, whole.before.steps, whole.after.steps) == (None, 2, 1)
    assert s3.scenario == "s3" and ids(s3.matters_added) == ["m.c"]
    # The same change planned on the catalog itself (C added to b.de) gives the same plan.
    catalog = load_catalog(FIXTURE)

    catalog.bundle_matters.append(Link("b.de", "m.c", "illustrative"))
    real = recommend(MemoryStore(catalog), Position("ind", "ind.sell", "s3"))
    assert real.savings.steps_after == s3.after.steps
    assert len(real.matters) == s3.after.matters


def test_what_if_refusals(sv: A.Survey) -> None:
    with pytest.raises(NotFound):
        A.what_if(sv, matters=["m.nope"])
    with pytest.raises(NotFound):
        A.what_if(sv, bundle="b.nope")
    with pytest.raises(InvalidRequest):
        A.what_if(sv, matters=[])
    with pytest.raises(InvalidRequest):
        A.what_if(sv, bundle="b.de", remove=["m.a"])
    with pytest.raises(InvalidRequest):
        A.what_if(sv, bundle="b.de", remove=["m.d", "m.e"])
    with pytest.raises(InvalidRequest):
        A.what_if(sv, bundle="b.de", matters=["m.a"])


def test_parallel_mode_removes_the_internal_wait(sv: A.Survey) -> None:
    w = A.what_if(sv, matters=["m.a", "m.b"], mode=BundleMode.PARALLEL)
    assert w.after.days == 5  # A and B start together; the step ends with A (5)


def test_bottlenecks(sv: A.Survey) -> None:
    b = A.bottlenecks(sv)
    assert b.plans == 5
    assert [(d.department.id, d.paths, d.days) for d in b.departments] == [
        ("d3", 3, 30),
        ("d1", 2, 10),
        ("d2", 2, 6),
    ]
    assert [(m.matter.id, m.paths, m.days) for m in b.matters] == [
        ("m.d", 3, 30),
        ("m.a", 2, 10),
        ("m.b", 2, 6),
    ]
    assert [(x.material.id, x.plans, x.matters, x.shared) for x in b.materials] == [
        ("x1", 5, 4, True),
        ("x2", 5, 3, False),
        ("x3", 2, 1, False),
    ]
    assert [(o.matter.id, o.plans) for o in b.offline] == [("m.d", 3)]


def test_position_diff(sv: A.Survey) -> None:
    d = A.position_diff(sv, "ind", "ind.make", "ind.sell")
    assert ids(d.new_matters) == ["m.d", "m.e"]
    assert ids(d.continued_matters) == ["m.c"]
    assert ids(d.done_matters) == ["m.a", "m.b"]
    assert ids(d.materials_held) == ["x1", "x2"] and d.new_materials == []
    assert ids(d.departments_again) == ["d1"] and ids(d.new_departments) == ["d3"]
    with pytest.raises(NotFound):
        A.position_diff(sv, "ind", "ind.make", "nope")
    with pytest.raises(NotFound):
        A.position_diff(sv, "nope", "ind.make", "ind.sell")
    with pytest.raises(InvalidRequest):
        A.position_diff(sv, "ind", "ind.make", "ind.make")


def test_shipped_figures_are_the_planners(shipped: A.Survey) -> None:
    """Every default plan analysed is `recommend`'s; a candidate's matters are planned alone."""
    store = MemoryStore(load_catalog(shipped_catalog()))
    for p in shipped.positions[::7]:
        assert p.plan == recommend(store, p.position)
    top = A.candidates(shipped)
    assert len(top) == 10 and [c.rank for c in top] == list(range(1, 11))
    for c in top:
        # one window, one per 工程建设项目审批 stage its matters span (rule 8)
        assert 1 <= c.savings.steps_after < c.savings.steps_before
        assert c.savings.materials_after <= c.savings.materials_before
        assert c.lead.id in {d.id for d in c.departments}


def test_shipped_position_diff_other_industry_is_refused(shipped: A.Survey) -> None:
    with pytest.raises(InvalidRequest):
        A.position_diff(shipped, "nev", "nev.production", "biomed.circulation")


def test_candidates_do_not_change_between_processes() -> None:
    """Louvain iterates sets; string hashing changes with each process, so it runs on numbered
    nodes. Two interpreters with different hash seeds find the same candidates."""
    script = (
        "from api.settings import shipped_catalog; from loaders import load_catalog; "
        "from graph.stores.memory import MemoryStore; from graph import analytics as A; "
        "sv = A.survey(MemoryStore(load_catalog(shipped_catalog()))); "
        "print(repr(A.candidates(sv, limit=50)))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parents[2],
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1
