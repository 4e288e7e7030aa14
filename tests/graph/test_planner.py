"""The planner on the mini catalog: phases, critical path, dedup, conditions, pending questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import CatalogError, InvalidRequest, NotFound
from graph.model import Position
from graph.planner import recommend
from graph.stores.factory import Backend
from graph.stores.memory import MemoryStore
from loaders import load_catalog

CONSTRUCTION = Position("nev", "nev.construction")
KAIGONG = Position("nev", "nev.construction", "kaigong")


def test_matters_are_scenario_plus_bundle_each_once(mini_store: MemoryStore) -> None:
    rec = recommend(mini_store, KAIGONG)
    assert [m.id for m in rec.matters] == ["ghxk", "rfsp", "sgxk"]
    assert [b.id for b in rec.bundles] == ["kaigong_bundle"]
    reasons = {m.id: m.reasons for m in rec.matters}
    assert reasons["ghxk"] == ["scenario:kaigong"]
    assert reasons["sgxk"] == ["bundle:kaigong_bundle"]


def test_parallel_matters_share_a_phase(mini_store: MemoryStore) -> None:
    rec = recommend(mini_store, KAIGONG)
    path = [(p.phase, p.matters, [d.id for d in p.departments]) for p in rec.department_path]
    # 施工许可 and 人防 run in parallel once the planning permit is there.
    assert path == [(1, ["ghxk"], ["gh"]), (2, ["rfsp", "sgxk"], ["rf", "zj"])]


def test_estimate_is_serial_sum_and_critical_path(mini_store: MemoryStore) -> None:
    rec = recommend(mini_store, CONSTRUCTION)
    assert rec.estimate.serial_days == 5 + 2 + 1 + 3
    # ghxk(5) -> sgxk(1) -> jgba(3) = 9 beats ghxk(5) -> rfsp(2) = 7
    assert rec.estimate.parallel_days == 9
    assert rec.estimate.critical_path == ["ghxk", "sgxk", "jgba"]
    assert {m.id for m in rec.matters if m.critical} == {"ghxk", "sgxk", "jgba"}


def test_a_condition_adds_a_matter_and_moves_the_critical_path(mini_store: MemoryStore) -> None:
    rec = recommend(mini_store, CONSTRUCTION, {"special_project": "是"})
    assert "xfsc" in {m.id for m in rec.matters}
    assert rec.estimate.critical_path == ["ghxk", "xfsc"]
    assert rec.estimate.parallel_days == 10
    assert "condition:special_project=是" in next(m for m in rec.matters if m.id == "xfsc").reasons


def test_the_other_option_adds_nothing(mini_store: MemoryStore) -> None:
    assert "xfsc" not in {
        m.id for m in recommend(mini_store, KAIGONG, {"special_project": "否"}).matters
    }


def test_materials_are_asked_once_with_their_users(mini_store: MemoryStore) -> None:
    rec = recommend(mini_store, KAIGONG)
    used = {m.id: m.used_by for m in rec.materials}
    assert used == {
        "license": ["ghxk", "rfsp", "sgxk"],
        "drawings": ["rfsp", "sgxk"],
        "form": ["ghxk", "sgxk"],
    }
    assert rec.savings.materials_before == 7
    assert rec.savings.materials_after == 3


def test_a_condition_adds_a_material_for_a_matter(mini_store: MemoryStore) -> None:
    rec = recommend(mini_store, KAIGONG, {"big_area": "是"})
    fire = next(m for m in rec.materials if m.id == "fire_docs")
    assert fire.used_by == ["sgxk"] and fire.added_by == ["condition:big_area=是"]


def test_savings_visits_and_steps(mini_store: MemoryStore) -> None:
    rec = recommend(mini_store, KAIGONG)
    s = rec.savings
    # Before: one visit each (no baseline_visits given). After: kaigong_bundle (rfsp, sgxk) is
    # one window, min(1, 1 + 1) = 1 visit; ghxk, alone, keeps its 1.
    assert (s.visits_before, s.visits_after) == (3, 2)
    assert (s.steps_before, s.steps_after) == (3, 2)  # windows: kaigong_bundle, ghxk
    online = recommend(mini_store, Position("nev", "nev.circulation"))
    # car_sales (yyzz 1 visit, xsba 0) is one window: min(1, 1 + 0) = 1, online or not.
    assert (online.savings.visits_before, online.savings.visits_after) == (1, 1)
    assert (online.savings.steps_before, online.savings.steps_after) == (2, 1)


def test_pending_questions_list_unanswered_conditions_with_effects(mini_store: MemoryStore) -> None:
    rec = recommend(mini_store, KAIGONG, {"big_area": "否"})
    assert [q.id for q in rec.pending_questions] == ["special_project"]
    q = rec.pending_questions[0]
    assert q.scenario.id == "kaigong"
    assert [(o.value, [a.id for a in o.adds]) for o in q.options] == [("是", ["xfsc"]), ("否", [])]


def test_prerequisites_outside_the_position_are_held(mini_store: MemoryStore) -> None:
    rec = recommend(mini_store, Position("nev", "nev.construction", "jungong"))
    assert [m.id for m in rec.matters] == ["jgba"]
    assert [(h.id, h.required_by) for h in rec.prerequisites_held] == [("sgxk", ["jgba"])]
    assert rec.department_path[0].matters == ["jgba"]


@pytest.mark.parametrize(
    ("position", "kind"),
    [
        (Position("ship", "nev.construction"), "industry"),
        (Position("nev", "nev.nowhere"), "stage"),
        (Position("nev", "nev.construction", "nothing"), "scenario"),
    ],
)
def test_unknown_ids(mini_store: MemoryStore, position: Position, kind: str) -> None:
    with pytest.raises(NotFound) as caught:
        recommend(mini_store, position)
    assert caught.value.kind == kind


@pytest.mark.parametrize(
    ("position", "answers", "field"),
    [
        (Position("nev", "nev.construction", "sales"), {}, "scenario"),
        (KAIGONG, {"special_project": "也许"}, "answers.special_project"),
        (Position("nev", "nev.circulation"), {"special_project": "是"}, "answers.special_project"),
    ],
)
def test_inconsistent_requests(
    mini_store: MemoryStore, position: Position, answers: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        recommend(mini_store, position, answers)
    assert caught.value.field == field


def test_a_catalog_refused_by_the_loader_never_reaches_the_backend(
    mini_embedded: Backend, mini_copy: Path
) -> None:
    with (mini_copy / "prerequisites.csv").open("a", encoding="utf-8") as f:
        f.write("ghxk,jgba,x\n")  # a cycle: ghxk -> jgba -> sgxk -> ghxk
    last = mini_embedded.last_load
    with pytest.raises(CatalogError):
        mini_embedded.load(load_catalog(mini_copy))
    assert mini_embedded.last_load is last
    assert [m.id for m in recommend(mini_embedded.catalog, KAIGONG).matters] == [
        "ghxk",
        "rfsp",
        "sgxk",
    ]


def test_an_unchosen_condition_matter_required_by_a_chosen_one_lapses(mini_copy: Path) -> None:
    with (mini_copy / "prerequisites.csv").open("a", encoding="utf-8") as f:
        f.write("jgba,xfsc,illustrative\n")
    store = MemoryStore(load_catalog(mini_copy))
    # special_project unanswered: xfsc is not chosen, but it is a candidate of the position
    # (special_project could add it), so it is not held: jgba's requirement of it lapses.
    rec = recommend(store, CONSTRUCTION)
    assert "xfsc" not in {h.id for h in rec.prerequisites_held}
    assert next(m for m in rec.matters if m.id == "jgba").requires == ["sgxk"]
    chosen = recommend(store, CONSTRUCTION, {"special_project": "是"})
    assert chosen.prerequisites_held == []
    assert next(m for m in chosen.matters if m.id == "jgba").requires == ["sgxk", "xfsc"]


def test_a_bundle_matter_an_answer_adds_is_situational(mini_copy: Path) -> None:
    with (mini_copy / "bundle_matters.csv").open("a", encoding="utf-8") as f:
        f.write("kaigong_bundle,xfsc,illustrative\n")
    store = MemoryStore(load_catalog(mini_copy))
    assert "xfsc" not in {m.id for m in recommend(store, KAIGONG).matters}
    declined = recommend(store, KAIGONG, {"special_project": "否"})
    assert "xfsc" not in {m.id for m in declined.matters}
    chosen = recommend(store, KAIGONG, {"special_project": "是"}).matters
    assert next(m for m in chosen if m.id == "xfsc").reasons == [
        "bundle:kaigong_bundle",
        "condition:special_project=是",
    ]


def test_a_material_for_a_matter_outside_the_plan_is_not_asked(mini_copy: Path) -> None:
    with (mini_copy / "materials.csv").open("a", encoding="utf-8") as f:
        f.write("smoke_report,防排烟系统说明,illustrative\n")
    with (mini_copy / "condition_effects.csv").open("a", encoding="utf-8") as f:
        f.write("big_area,是,material,smoke_report,xfsc,illustrative\n")
    store = MemoryStore(load_catalog(mini_copy))
    without = recommend(store, KAIGONG, {"big_area": "是"})  # xfsc (situational) not chosen
    assert "smoke_report" not in {m.id for m in without.materials}
    with_it = recommend(store, KAIGONG, {"big_area": "是", "special_project": "是"})
    smoke = next(m for m in with_it.materials if m.id == "smoke_report")
    assert smoke.used_by == ["xfsc"]
