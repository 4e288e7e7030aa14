"""One test (or a few) per planning rule of docs/planning-rules.md, on the small catalog
tests/fixtures/rules, built so that each rule decides something there."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from graph.model import APPROVAL_STAGES, Catalog, Position
from graph.planner import recommend
from graph.recommendation import Recommendation
from graph.store import GraphStore
from graph.stores.factory import embedded_backend
from loaders import load_catalog

RULES = Path(__file__).parents[1] / "fixtures" / "rules"
BUILD = Position("ind", "ind.build")
PERMIT = Position("ind", "ind.build", "s.permit")
ALL = Position("ind", "ind.build", "s.all")


@pytest.fixture(scope="module")
def rules_catalog() -> Catalog:
    return load_catalog(RULES)


@pytest.fixture
def store(rules_catalog: Catalog) -> GraphStore:
    return embedded_backend(rules_catalog).catalog


def ids(rec: Recommendation) -> set[str]:
    return {m.id for m in rec.matters}


# 1. Defaults and stated assumptions ------------------------------------------------------------
def test_an_unanswered_question_takes_its_default_and_says_so(store: GraphStore) -> None:
    rec = recommend(store, PERMIT)
    assert {"m.sgxk", "m.rfjj"} <= ids(rec)  # the typical plant passes 30万元/300㎡
    assumed = {a.id: a.option for a in rec.assumptions}
    assert assumed == {"c.permit.size": "是", "c.permit.rf": "结合修建"}
    assert all(a.change == f"answers.{a.id}" for a in rec.assumptions)
    pending = {q.id: q.default for q in rec.pending_questions}
    assert pending == {"c.permit.size": "是", "c.permit.rf": "结合修建"}  # still asked


def test_an_answer_overrides_the_default(store: GraphStore) -> None:
    rec = recommend(store, PERMIT, {"c.permit.size": "否"})
    assert "m.sgxk" not in ids(rec)
    assert [a.id for a in rec.assumptions] == ["c.permit.rf"]
    assert "c.permit.size" not in {q.id for q in rec.pending_questions}


# 2. One-of groups ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, {"m.ba", "m.rfjj"}),
        ({"c.plan.mode": "核准", "c.permit.rf": "易地建设"}, {"m.hz", "m.rfyd"}),
    ],
)
def test_a_plan_never_holds_two_variants_of_one_question(
    store: GraphStore, answers: dict[str, str], expected: set[str]
) -> None:
    for position in (BUILD, ALL):  # 全流程 lists every variant in its 一类事
        found = ids(recommend(store, position, answers))
        assert found & {"m.ba", "m.hz", "m.rfjj", "m.rfyd"} == expected, position


def test_a_bundle_listing_another_scenarios_variants_asks_that_scenarios_question(
    store: GraphStore,
) -> None:
    rec = recommend(store, ALL)
    assert {q.id for q in rec.pending_questions} == {
        "c.plan.mode",
        "c.permit.size",
        "c.permit.rf",
        "c.accept.ts",
    }


# 3. Life events, and matters of other parties -------------------------------------------------
def test_a_stage_wide_plan_never_mixes_founding_and_closing(store: GraphStore) -> None:
    rec = recommend(store, BUILD)
    assert not ids(rec) & {"m.kb", "m.zx"}
    assert {(s.id, s.life_event) for s in rec.other_scenarios} == {
        ("s.found", "founding"),
        ("s.close", "closing"),
    }
    assert ids(recommend(store, Position("ind", "ind.build", "s.close"))) == {"m.zx"}


def test_a_matter_another_party_files_is_not_put_on_the_applicant(store: GraphStore) -> None:
    rec = recommend(store, PERMIT)
    assert "m.kqy" not in ids(rec)
    assert [(o.id, o.party) for o in rec.by_others] == [("m.kqy", "施工企业")]


# 4. Held means held --------------------------------------------------------------------------
def test_a_prerequisite_outside_the_position_is_held_with_where_it_comes_from(
    store: GraphStore,
) -> None:
    rec = recommend(store, Position("ind", "ind.make"))
    [held] = rec.prerequisites_held
    assert (held.id, held.required_by) == ("m.kb", ["m.scxk"])
    # Earliest stage first: founding at the construction stage.
    assert [(p.stage.id, p.scenario.id) for p in held.places] == [
        ("ind.build", "s.found"),
        ("ind.make", "s.found"),
    ]


def test_a_situational_matter_of_the_position_is_never_held(store: GraphStore) -> None:
    for answers in ({}, {"c.permit.size": "否"}):
        rec = recommend(store, BUILD, answers)  # 竣工验收备案 requires 消防验收 and 施工许可
        held = {h.id for h in rec.prerequisites_held}
        assert not held & {"m.xfys", "m.sgxk"}, answers
        jgba = next(m for m in rec.matters if m.id == "m.jgba")
        assert set(jgba.requires) <= ids(rec)


# 5. The four stages of 工程建设项目审批 --------------------------------------------------------
def test_the_path_respects_the_order_of_the_four_stages(store: GraphStore) -> None:
    rank = {name: i for i, name in enumerate(APPROVAL_STAGES)}
    for answers in ({}, {"c.accept.ts": "是", "c.plan.mode": "核准"}):
        rec = recommend(store, BUILD, answers)
        staged = [(rank[m.approval_stage], m.phase) for m in rec.matters if m.approval_stage]
        for stage_a, phase_a in staged:
            for stage_b, phase_b in staged:
                if stage_a < stage_b:
                    assert phase_a < phase_b, (answers, stage_a, stage_b)


# 6. Synchronised joint steps ------------------------------------------------------------------
def test_a_parallel_bundle_is_one_step_under_its_lead_department(store: GraphStore) -> None:
    rec = recommend(store, PERMIT)
    steps = [s for phase in rec.department_path for s in phase.steps]
    [kg] = [s for s in steps if s.kind == "joint"]
    assert (kg.id, kg.mode, kg.lead.id) == ("b.kg", "parallel", "d.zj")
    assert kg.matters == ["m.rfjj", "m.sgxk"]  # start together
    assert kg.days == 2  # max(5, 1) capped by the bundle's own promised limit
    phases = {m.id: m.phase for m in rec.matters}
    assert phases["m.rfjj"] == phases["m.sgxk"]
    assert {m.step for m in rec.matters if m.id in kg.matters} == {"bundle:b.kg"}


def test_a_joint_acceptance_ends_when_its_last_matter_ends(store: GraphStore) -> None:
    rec = recommend(store, Position("ind", "ind.build", "s.accept"), {"c.accept.ts": "是"})
    [step] = [s for phase in rec.department_path for s in phase.steps]
    assert (step.id, step.kind, step.matters) == ("b.ys", "joint", ["m.jgba", "m.xfys"])
    assert step.days == 5 and step.elapsed_days == 5 + 3  # 消防验收 5 days + 3 of site inspection


# 7. The time model --------------------------------------------------------------------------
def test_decision_time_and_elapsed_time_are_both_reported(store: GraphStore) -> None:
    rec = recommend(store, Position("ind", "ind.build", "s.plan"))
    e = rec.estimate
    notice = math.ceil(30 * 5 / 7)  # 30 calendar days of notice and listing, in working days
    assert e.parallel_days == 10  # 出让 decides in 10 working days
    assert e.elapsed_days == 10 + notice
    assert [(t.matter, t.kind, t.days, t.calendar_days) for t in e.excluded] == [
        ("m.cr", "公告与挂牌", notice, 30)
    ]


def test_excluded_periods_and_commitments_change_the_right_figures(store: GraphStore) -> None:
    rec = recommend(store, Position("ind", "ind.make"))
    assert (rec.estimate.parallel_days, rec.estimate.elapsed_days) == (20, 30)
    permit = recommend(store, PERMIT)
    # 施工许可 under 告知承诺制 is decided at once; 人防 still takes its 5 days (capped at 2).
    assert permit.estimate.with_commitment_days == permit.estimate.parallel_days


# 8. Savings on a real baseline ---------------------------------------------------------------
def test_materials_the_government_holds_are_not_submitted(store: GraphStore) -> None:
    rec = recommend(store, PERMIT)
    shared = {m.id for m in rec.materials if m.shared}
    assert shared == {"mt.yyzz"}
    s = rec.savings
    assert s.materials_shared == 1
    assert s.materials_after == len(rec.materials) - 1
    assert s.materials_before == sum(len(m.used_by) for m in rec.materials)


def test_a_commitment_replaces_proofs_with_one_letter(store: GraphStore) -> None:
    s = recommend(store, Position("ind", "ind.make")).savings
    # 营业执照 免提交, 产权证明 replaced by the 告知承诺书: one document to submit.
    assert (s.materials_before, s.materials_after) == (2, 1)
    assert (s.materials_shared, s.materials_by_commitment) == (1, 1)


def test_visits_count_the_baseline_before_and_one_per_window_after(store: GraphStore) -> None:
    s = recommend(store, PERMIT).savings
    # before: 工程规划 2 + 施工图 1 + 施工许可 2 + 人防 2 (the baseline visits)
    assert s.visits_before == 7
    # after: 工程规划 1 and 施工图 0 on their own, 开工一件事 one window visit (人防 is offline)
    assert s.visits_after == 2
    assert (s.steps_before, s.steps_after) == (4, 3)


def test_a_one_category_is_one_window_per_approval_stage(store: GraphStore) -> None:
    s = recommend(store, BUILD).savings
    # 项目审批一类事 holds every engineering matter: one application per stage it spans
    # (立项用地, 工程建设, 施工, 竣工), each one visit when a matter of it still needs presence.
    assert (s.steps_before, s.steps_after) == (8, 4)
    assert s.visits_after == 4
