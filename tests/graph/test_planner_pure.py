"""The pure planner on hand-built subgraphs: every input a rule sees is written in the test.

No store, catalog files or loader: `build` assembles a PositionSubgraph the way a store would
fetch one (the raw neighbourhood, deciding nothing) and `plan` / `resolve` decide the rest.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import pytest

from graph.errors import InvalidRequest, NotFound
from graph.model import (
    Bundle,
    BundleKind,
    Condition,
    ConditionEffect,
    Department,
    Industry,
    Link,
    Material,
    Matter,
    Position,
    PositionSubgraph,
    Ref,
    Scenario,
    Stage,
    StageKind,
)
from graph.planner import plan, resolve
from graph.recommendation import (
    Estimate,
    HeldPrerequisite,
    OptionEffect,
    PendingQuestion,
    Phase,
    PlannedMaterial,
    QuestionOption,
    Recommendation,
    Savings,
    Step,
)

IND = "ind"
STAGE = "ind.build"
WHOLE = Position(IND, STAGE)

# (id, department, promised_days, visits, online)
MatterRow = tuple[str, str, int, int, bool]
Pair = tuple[str, str]


def at(scenario: str) -> Position:
    """The position of one scenario under the test stage."""
    return Position(IND, STAGE, scenario)


def row(
    matter_id: str, department: str = "d1", days: int = 1, visits: int = 1, online: bool = True
) -> MatterRow:
    return (matter_id, department, days, visits, online)


def name(record_id: str) -> str:
    return f"name:{record_id}"


def ask(
    condition_id: str, scenario: str = "s1", options: Sequence[str] = ("是", "否")
) -> Condition:
    return Condition(condition_id, f"question {condition_id}?", scenario, tuple(options), "t")


def adds(condition_id: str, option: str, matter_id: str) -> ConditionEffect:
    return ConditionEffect(condition_id, option, "matter", matter_id, None, "t")


def adds_material(
    condition_id: str, option: str, material_id: str, for_matter: str | None
) -> ConditionEffect:
    return ConditionEffect(condition_id, option, "material", material_id, for_matter, "t")


def links(pairs: Iterable[Pair]) -> list[Link]:
    return [Link(a, b, "t") for a, b in pairs]


def build(
    matters: Iterable[MatterRow] = (),
    *,
    needs: Iterable[Pair] = (),
    serves: Iterable[Pair] = (),
    includes: Iterable[Pair] = (),
    requires: Iterable[Pair] = (),
    uses: Iterable[Pair] = (),
    conditions: Iterable[Condition] = (),
    effects: Iterable[ConditionEffect] = (),
    stage_scenarios: Sequence[str] = ("s1",),
    fetched_scenarios: Sequence[str] = (),
    outside: Mapping[str, str] | None = None,
    industry: str | None = IND,
    stage: str | None = STAGE,
    stage_industry: str = IND,
    scenario_known: bool = True,
) -> PositionSubgraph:
    """A subgraph as a store would fetch it; records are derived from the ids given.

    `needs` are (scenario, matter), `serves` (scenario, bundle), `includes` (bundle, matter),
    `requires` (matter, prerequisite), `uses` (matter, material). Scenarios are the stage's
    plus `fetched_scenarios` (neighbourhood fetched beyond the stage); bundles, departments and
    materials are every id those links and effects mention.
    """
    rows = list(matters)
    serves, includes, effects = list(serves), list(includes), list(effects)
    uses = list(uses)
    bundle_ids = sorted({b for _, b in serves} | {b for b, _ in includes})
    material_ids = sorted(
        {m for _, m in uses} | {e.target_id for e in effects if e.target_kind == "material"}
    )
    scenario_ids = list(dict.fromkeys([*stage_scenarios, *fetched_scenarios]))
    return PositionSubgraph(
        industry=None if industry is None else Industry(industry, name(industry), "", "t"),
        stage=(
            None
            if stage is None
            else Stage(stage, stage_industry, StageKind.CONSTRUCTION, name(stage), 1, "t")
        ),
        stage_scenarios=list(stage_scenarios),
        scenario_known=scenario_known,
        scenarios=[Scenario(s, name(s), "", "t") for s in scenario_ids],
        bundles=[
            Bundle(b, name(b), BundleKind.ONE_THING, "d1", None, None, "", "t") for b in bundle_ids
        ],
        matters={
            m: Matter(m, f"code-{m}", name(m), "行政许可", "市", d, days * 2, days, v, o, 0.0, "t")
            for m, d, days, v, o in rows
        },
        departments={d: Department(d, name(d), "市", "t") for d in sorted({r[1] for r in rows})},
        materials={m: Material(m, name(m), "t") for m in material_ids},
        conditions=list(conditions),
        condition_effects=effects,
        scenario_matters=links(needs),
        scenario_bundles=links(serves),
        bundle_matters=links(includes),
        matter_materials=links(uses),
        prerequisites=links(requires),
        outside_prerequisites=dict(outside or {}),
    )


def ids(rec: Recommendation) -> list[str]:
    return [m.id for m in rec.matters]


# --- scope -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sub", "position", "kind"),
    [
        (build(industry=None), WHOLE, "industry"),
        (build(industry="other"), WHOLE, "industry"),
        (build(stage=None), WHOLE, "stage"),
        (build(stage="ind.other"), WHOLE, "stage"),
        (build(scenario_known=False), at("ghost"), "scenario"),
    ],
    ids=["no-industry", "other-industry", "no-stage", "other-stage", "unknown-scenario"],
)
def test_unknown_ids_are_not_found(sub: PositionSubgraph, position: Position, kind: str) -> None:
    for call in (lambda: resolve(sub, position), lambda: plan(sub, position, {})):
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.kind == kind


@pytest.mark.parametrize(
    ("sub", "position", "field"),
    [
        (build(stage_industry="other"), WHOLE, "stage"),
        (build(stage_scenarios=["s1"], fetched_scenarios=["s9"]), at("s9"), "scenario"),
    ],
    ids=["stage-of-another-industry", "scenario-not-under-stage"],
)
def test_inconsistent_positions_are_invalid(
    sub: PositionSubgraph, position: Position, field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        plan(sub, position, {})
    assert caught.value.field == field


def test_a_stage_wide_position_ignores_scenario_known() -> None:
    # The stage-wide position never consults scenario_known.
    sub = build([row("m1")], needs=[("s1", "m1")], scenario_known=False)
    assert ids(plan(sub, WHOLE, {})) == ["m1"]


STAGE_WIDE = build(
    [row("m1"), row("m2"), row("m3")],
    needs=[("s1", "m1"), ("s2", "m2"), ("s3", "m3")],
    stage_scenarios=["s1", "s2"],
    fetched_scenarios=["s3"],  # fetched, but not under the stage
)


def test_a_stage_wide_position_covers_every_stage_scenario_and_nothing_else() -> None:
    scope = resolve(STAGE_WIDE, WHOLE)
    assert [s.id for s in scope.scenarios] == ["s1", "s2"]
    assert list(scope.matters) == ["m1", "m2"]
    rec = plan(STAGE_WIDE, WHOLE, {})
    assert ids(rec) == ["m1", "m2"]
    assert rec.position.scenario is None
    assert rec.position.scenarios == [Ref("s1", name("s1")), Ref("s2", name("s2"))]
    assert rec.position.industry == Ref(IND, name(IND))
    assert rec.position.stage == Ref(STAGE, name(STAGE))
    assert rec.position.stage_kind == "construction"


@pytest.mark.parametrize(("scenario", "matter"), [("s1", "m1"), ("s2", "m2")])
def test_a_scenario_position_covers_only_that_scenario(scenario: str, matter: str) -> None:
    scope = resolve(STAGE_WIDE, at(scenario))
    assert [s.id for s in scope.scenarios] == [scenario]
    assert list(scope.matters) == [matter]
    rec = plan(STAGE_WIDE, at(scenario), {})
    assert ids(rec) == [matter]
    assert rec.position.scenario == Ref(scenario, name(scenario))
    assert rec.position.scenarios == [Ref(scenario, name(scenario))]


# --- candidates ------------------------------------------------------------------------------


CANDIDATES = build(
    [row("own"), row("packed"), row("added"), row("elsewhere"), row("other_added")],
    needs=[("s1", "own")],
    serves=[("s1", "b1"), ("s2", "b2")],
    includes=[("b1", "packed"), ("b2", "elsewhere")],
    conditions=[ask("c1", "s1"), ask("c2", "s2")],
    effects=[adds("c1", "是", "added"), adds("c2", "是", "other_added")],
    stage_scenarios=["s1", "s2"],
)


def test_candidates_are_needs_bundle_matters_and_condition_targets() -> None:
    scope = resolve(CANDIDATES, at("s1"))
    assert list(scope.matters) == ["added", "own", "packed"]
    assert scope.reasons == {"own": ["scenario:s1"], "packed": ["bundle:b1"]}
    assert [b.id for b in scope.bundles] == ["b1"]
    assert [c.id for c in scope.conditions] == ["c1"]
    assert [e.target_id for e in scope.effects] == ["added"]


def test_a_bundle_serving_only_an_uncovered_scenario_contributes_nothing() -> None:
    rec = plan(CANDIDATES, at("s1"), {"c1": "是"})
    assert ids(rec) == ["added", "own", "packed"]
    assert rec.bundles == [Ref("b1", name("b1"))]
    assert "elsewhere" not in ids(rec)


def test_the_stage_wide_position_takes_every_scenarios_bundles() -> None:
    rec = plan(CANDIDATES, WHOLE, {})
    assert ids(rec) == ["elsewhere", "own", "packed"]
    assert [b.id for b in rec.bundles] == ["b1", "b2"]
    assert [q.id for q in rec.pending_questions] == ["c1", "c2"]


def test_reasons_name_every_scenario_and_bundle_listing_a_matter_once() -> None:
    sub = build(
        [row("m1")],
        needs=[("s2", "m1"), ("s1", "m1"), ("s1", "m1")],
        serves=[("s1", "b1"), ("s2", "b1")],
        includes=[("b1", "m1")],
        stage_scenarios=["s1", "s2"],
    )
    rec = plan(sub, WHOLE, {})
    assert ids(rec) == ["m1"]
    assert rec.matters[0].reasons == ["bundle:b1", "scenario:s1", "scenario:s2"]
    assert rec.bundles == [Ref("b1", name("b1"))]


# --- situational matters and pending questions -----------------------------------------------


SITUATIONAL = build(
    [row("base"), row("fire", department="d2", days=4)],
    needs=[("s1", "base"), ("s1", "fire")],  # listed by the scenario, yet situational
    conditions=[ask("big", "s1", ("是", "否"))],
    effects=[adds("big", "是", "fire")],
)


def test_a_matter_an_answer_could_add_waits_for_the_answer() -> None:
    rec = plan(SITUATIONAL, at("s1"), {})
    assert ids(rec) == ["base"]
    assert rec.answers == {}
    assert rec.pending_questions == [
        PendingQuestion(
            "big",
            "question big?",
            Ref("s1", name("s1")),
            [
                QuestionOption("是", [OptionEffect("matter", "fire", name("fire"))]),
                QuestionOption("否", []),
            ],
        )
    ]


@pytest.mark.parametrize(
    ("answer", "matters"), [("否", ["base"]), ("是", ["base", "fire"])], ids=["declined", "chosen"]
)
def test_answering_decides_the_situational_matter_and_clears_the_question(
    answer: str, matters: list[str]
) -> None:
    rec = plan(SITUATIONAL, at("s1"), {"big": answer})
    assert sorted(ids(rec)) == matters
    assert rec.pending_questions == []
    assert rec.answers == {"big": answer}


def test_a_chosen_situational_matter_keeps_every_reason() -> None:
    rec = plan(SITUATIONAL, at("s1"), {"big": "是"})
    fire = next(m for m in rec.matters if m.id == "fire")
    assert fire.reasons == ["condition:big=是", "scenario:s1"]


def test_pending_questions_name_added_materials_and_keep_unanswered_ones() -> None:
    sub = build(
        [row("m1")],
        needs=[("s1", "m1")],
        conditions=[ask("a", "s1"), ask("b", "s1", ("x", "y", "z"))],
        effects=[adds_material("b", "y", "doc", "m1")],
    )
    rec = plan(sub, at("s1"), {"a": "否"})
    assert rec.answers == {"a": "否"}
    assert [q.id for q in rec.pending_questions] == ["b"]
    assert [(o.value, o.adds) for o in rec.pending_questions[0].options] == [
        ("x", []),
        ("y", [OptionEffect("material", "doc", name("doc"))]),
        ("z", []),
    ]


def test_answers_are_recorded_sorted_by_condition() -> None:
    sub = build(conditions=[ask("zz"), ask("aa")])
    rec = plan(sub, at("s1"), {"zz": "是", "aa": "否"})
    assert list(rec.answers.items()) == [("aa", "否"), ("zz", "是")]


# --- answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "answers", "field"),
    [
        (at("s1"), {"nope": "是"}, "answers.nope"),
        (at("s1"), {"c1": "也许"}, "answers.c1"),
        (at("s1"), {"c2": "是"}, "answers.c2"),  # asked only by s2, not covered here
        (WHOLE, {"c1": "是", "c2": "maybe"}, "answers.c2"),
    ],
    ids=["unknown-condition", "unknown-option", "uncovered-condition", "second-answer-bad"],
)
def test_invalid_answers(position: Position, answers: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        plan(CANDIDATES, position, answers)
    assert caught.value.field == field


# --- phases ----------------------------------------------------------------------------------


def test_a_matter_goes_one_phase_after_its_latest_prerequisite() -> None:
    # a -> b -> d, c -> d, e alone: d waits for b (phase 2), not c (phase 1).
    sub = build(
        [row(m) for m in "abcde"],
        needs=[("s1", m) for m in "abcde"],
        requires=[("b", "a"), ("d", "c"), ("d", "b")],
    )
    rec = plan(sub, at("s1"), {})
    assert {m.id: m.phase for m in rec.matters} == {"a": 1, "b": 2, "c": 1, "d": 3, "e": 1}
    assert [m.id for m in rec.matters] == ["a", "c", "e", "b", "d"]  # by (phase, id)
    assert next(m for m in rec.matters if m.id == "d").requires == ["b", "c"]


def test_independent_matters_share_phase_one() -> None:
    sub = build([row("x"), row("y"), row("z")], needs=[("s1", "z"), ("s1", "y"), ("s1", "x")])
    rec = plan(sub, at("s1"), {})
    assert {m.phase for m in rec.matters} == {1}
    assert [p.phase for p in rec.department_path] == [1]


def solo(matter_id: str, department: str, days: int) -> Step:
    """The step of a matter handled alone: its own id, name, department and days."""
    dept = Ref(department, name(department))
    return Step(matter_id, "matter", name(matter_id), "", dept, [dept], [matter_id], days, days)


def test_the_department_path_lists_departments_matters_and_longest_limit() -> None:
    sub = build(
        [
            row("root", department="gh", days=5),
            row("p2b", department="zj", days=1),
            row("p2a", department="rf", days=2),
            row("p2c", department="rf", days=1),
            row("last", department="gh", days=3),
        ],
        needs=[("s1", m) for m in ("root", "p2b", "p2a", "p2c", "last")],
        requires=[("p2b", "root"), ("p2a", "root"), ("p2c", "root"), ("last", "p2b")],
    )
    rec = plan(sub, at("s1"), {})
    # No bundle: every matter is a step of its own (sorted by id); a phase lasts its longest step.
    assert rec.department_path == [
        Phase(1, [Ref("gh", name("gh"))], ["root"], 5, [solo("root", "gh", 5)]),
        Phase(
            2,
            [Ref("rf", name("rf")), Ref("zj", name("zj"))],
            ["p2a", "p2b", "p2c"],
            2,
            [solo("p2a", "rf", 2), solo("p2b", "zj", 1), solo("p2c", "rf", 1)],
        ),
        Phase(3, [Ref("gh", name("gh"))], ["last"], 3, [solo("last", "gh", 3)]),
    ]


def test_a_prerequisite_outside_the_plan_does_not_delay_a_phase() -> None:
    sub = build(
        [row("m1")], needs=[("s1", "m1")], requires=[("m1", "held")], outside={"held": "已有证照"}
    )
    rec = plan(sub, at("s1"), {})
    assert rec.matters[0].phase == 1
    assert rec.matters[0].requires == []


# --- critical path and estimate --------------------------------------------------------------


def test_the_estimate_is_the_serial_sum_and_the_longest_chain() -> None:
    # a(5) -> b(1) -> c(3) = 9 beats a(5) -> d(2) = 7 and the lone e(4).
    sub = build(
        [row("a", days=5), row("b", days=1), row("c", days=3), row("d", days=2), row("e", days=4)],
        needs=[("s1", m) for m in "abcde"],
        requires=[("b", "a"), ("c", "b"), ("d", "a")],
    )
    rec = plan(sub, at("s1"), {})
    # Nothing excluded, no calendar window, no 告知承诺: elapsed and with-commitment = decision.
    assert rec.estimate == Estimate(
        serial_days=15,
        parallel_days=9,
        critical_path=["a", "b", "c"],
        elapsed_days=9,
        with_commitment_days=9,
        excluded=[],
    )
    assert {m.id for m in rec.matters if m.critical} == {"a", "b", "c"}


def test_the_longest_chain_is_by_days_not_by_length() -> None:
    sub = build(
        [row("a", days=1), row("b", days=1), row("c", days=1), row("solo", days=5)],
        needs=[("s1", m) for m in ("a", "b", "c", "solo")],
        requires=[("b", "a"), ("c", "b")],
    )
    rec = plan(sub, at("s1"), {})
    assert rec.estimate == Estimate(8, 5, ["solo"], 5, 5, [])  # elapsed = decision here
    assert [m.id for m in rec.matters if m.critical] == ["solo"]


@pytest.mark.parametrize("reverse", [False, True], ids=["links-as-given", "links-reversed"])
def test_ties_break_on_id(reverse: bool) -> None:
    # End tie: "end_a" and "end_b" both finish on day 4; start tie: "zz" and "yy" both 2 days.
    requires = [("end_b", "zz"), ("end_a", "zz"), ("end_a", "yy"), ("end_b", "yy")]
    sub = build(
        [row("zz", days=2), row("yy", days=2), row("end_b", days=2), row("end_a", days=2)],
        needs=[("s1", m) for m in ("zz", "yy", "end_b", "end_a")],
        requires=list(reversed(requires)) if reverse else requires,
    )
    rec = plan(sub, at("s1"), {})
    assert rec.estimate == Estimate(8, 4, ["yy", "end_a"], 4, 4, [])  # elapsed = decision here
    assert sorted(m.id for m in rec.matters if m.critical) == ["end_a", "yy"]


def test_a_chosen_situational_matter_can_move_the_critical_path() -> None:
    sub = build(
        [row("a", days=5), row("b", days=1), row("x", days=5)],
        needs=[("s1", "a"), ("s1", "b")],
        requires=[("b", "a"), ("x", "a")],
        conditions=[ask("c1")],
        effects=[adds("c1", "是", "x")],
    )
    # elapsed and with-commitment equal the decision time: nothing excluded, no 告知承诺.
    assert plan(sub, at("s1"), {}).estimate == Estimate(6, 6, ["a", "b"], 6, 6, [])
    assert plan(sub, at("s1"), {"c1": "是"}).estimate == Estimate(11, 10, ["a", "x"], 10, 10, [])


# --- prerequisites held ----------------------------------------------------------------------


def test_prerequisites_outside_the_plan_are_held_with_their_names() -> None:
    sub = build(
        [row("m1"), row("m2"), row("m3")],
        needs=[("s1", "m1"), ("s1", "m2"), ("s1", "m3")],
        requires=[("m2", "lic"), ("m1", "lic"), ("m3", "m1"), ("m3", "cert")],
        outside={"lic": "营业执照", "cert": "资质证书"},
    )
    rec = plan(sub, at("s1"), {})
    assert rec.prerequisites_held == [
        HeldPrerequisite("cert", "资质证书", ["m3"]),
        HeldPrerequisite("lic", "营业执照", ["m1", "m2"]),
    ]


def test_an_unchosen_candidate_required_by_a_chosen_matter_lapses() -> None:
    sub = build(
        [row("m1"), row("opt")],
        needs=[("s1", "m1")],
        requires=[("m1", "opt")],
        conditions=[ask("c1")],
        effects=[adds("c1", "是", "opt")],
    )
    # opt is a candidate of the position (c1 could add it): unanswered it is not held, the
    # requirement lapses (it is conditional on the variant).
    unanswered = plan(sub, at("s1"), {})
    assert unanswered.prerequisites_held == []
    assert [(m.id, m.phase, m.requires) for m in unanswered.matters] == [("m1", 1, [])]
    declined = plan(sub, at("s1"), {"c1": "否"})
    assert declined.prerequisites_held == []
    assert [(m.id, m.phase, m.requires) for m in declined.matters] == [("m1", 1, [])]
    chosen = plan(sub, at("s1"), {"c1": "是"})
    assert chosen.prerequisites_held == []
    assert {m.id: m.phase for m in chosen.matters} == {"opt": 1, "m1": 2}


def test_prerequisites_of_matters_outside_the_plan_are_ignored() -> None:
    sub = build(
        [row("m1"), row("m9")],
        needs=[("s1", "m1"), ("s2", "m9")],
        requires=[("m9", "lic")],
        outside={"lic": "营业执照"},
        stage_scenarios=["s1", "s2"],
    )
    assert plan(sub, at("s1"), {}).prerequisites_held == []


# --- materials and savings -------------------------------------------------------------------


def test_materials_are_asked_once_with_sorted_users() -> None:
    sub = build(
        [row("m1"), row("m2"), row("m3")],
        needs=[("s1", "m3"), ("s1", "m1"), ("s1", "m2")],
        uses=[("m3", "id"), ("m1", "id"), ("m2", "id"), ("m3", "form"), ("m1", "form")],
        stage_scenarios=["s1"],
    )
    rec = plan(sub, at("s1"), {})
    assert rec.materials == [
        PlannedMaterial("id", name("id"), ["m1", "m2", "m3"], []),
        PlannedMaterial("form", name("form"), ["m1", "m3"], []),
    ]
    assert (rec.savings.materials_before, rec.savings.materials_after) == (5, 2)


def test_materials_of_matters_outside_the_plan_are_not_asked() -> None:
    sub = build(
        [row("m1"), row("m9")],
        needs=[("s1", "m1"), ("s2", "m9")],
        uses=[("m1", "id"), ("m9", "only9")],
        stage_scenarios=["s1", "s2"],
    )
    assert [p.id for p in plan(sub, at("s1"), {}).materials] == ["id"]


ADDED_MATERIALS = build(
    [row("m1"), row("opt")],
    needs=[("s1", "m1")],
    uses=[("m1", "id")],
    conditions=[ask("big"), ask("special")],
    effects=[
        adds("special", "是", "opt"),
        adds_material("big", "是", "fire", "m1"),
        adds_material("big", "是", "smoke", "opt"),  # for a situational matter
        adds_material("big", "是", "id", "m1"),  # m1 already asks for it
    ],
)


def test_a_material_added_for_a_matter_outside_the_plan_is_not_asked() -> None:
    rec = plan(ADDED_MATERIALS, at("s1"), {"big": "是"})
    assert rec.materials == [
        PlannedMaterial("fire", name("fire"), ["m1"], ["condition:big=是"]),
        PlannedMaterial("id", name("id"), ["m1"], ["condition:big=是"]),
    ]
    # One per (matter, material) pair: m1 asking for "id" twice still counts once.
    assert (rec.savings.materials_before, rec.savings.materials_after) == (2, 2)


def test_a_material_added_for_a_chosen_situational_matter_is_asked() -> None:
    rec = plan(ADDED_MATERIALS, at("s1"), {"big": "是", "special": "是"})
    smoke = next(p for p in rec.materials if p.id == "smoke")
    assert smoke == PlannedMaterial("smoke", name("smoke"), ["opt"], ["condition:big=是"])
    assert rec.savings.materials_before == 3


def test_a_declined_material_is_not_asked() -> None:
    rec = plan(ADDED_MATERIALS, at("s1"), {"big": "否"})
    assert rec.materials == [PlannedMaterial("id", name("id"), ["m1"], [])]


@pytest.mark.parametrize(
    ("online", "bundled", "visits_after"),
    [
        ((True, True, True), False, 5),
        ((True, False, True), False, 5),
        ((False, False, False), False, 5),
        ((True, True, True), True, 1),
        ((False, False, False), True, 1),
    ],
    ids=["all-online", "one-offline", "none-online", "one-window", "one-window-none-online"],
)
def test_visits_before_sum_and_after_is_one_per_window(
    online: tuple[bool, bool, bool], bundled: bool, visits_after: int
) -> None:
    # Before: each matter's baseline (none given: its visits) 2 + 0 + 3 = 5. After: a matter
    # outside any bundle keeps its own visits (2 + 0 + 3 = 5, online or not); a bundle of all
    # three is one window, min(1, 2 + 0 + 3) = 1.
    sub = build(
        [
            row("a", visits=2, online=online[0]),
            row("b", visits=0, online=online[1]),
            row("c", visits=3, online=online[2]),
        ],
        needs=[("s1", m) for m in "abc"],
        serves=[("s1", "b1")] if bundled else [],
        includes=[("b1", m) for m in "abc"] if bundled else [],
    )
    savings = plan(sub, at("s1"), {}).savings
    assert (savings.visits_before, savings.visits_after) == (5, visits_after)


def test_an_offline_matter_outside_the_plan_does_not_cost_a_visit() -> None:
    sub = build(
        [row("m1", online=True), row("opt", visits=4, online=False)],
        needs=[("s1", "m1")],
        conditions=[ask("c1")],
        effects=[adds("c1", "是", "opt")],
    )
    savings = plan(sub, at("s1"), {"c1": "否"}).savings
    # Only m1 (1 visit, alone: it keeps it) counts; opt's 4 offline visits do not.
    assert (savings.visits_before, savings.visits_after) == (1, 1)


def test_steps_are_matters_before_and_windows_after() -> None:
    sub = build(
        [row(m) for m in "abcd"],
        needs=[("s1", m) for m in "abcd"],
        requires=[("b", "a"), ("c", "a")],
    )
    savings = plan(sub, at("s1"), {}).savings
    # No bundle: every matter is its own window (application), whatever the phases.
    assert (savings.steps_before, savings.steps_after) == (4, 4)
    bundled = build(
        [row(m) for m in "abcd"],
        needs=[("s1", m) for m in "abcd"],
        serves=[("s1", "b1")],
        includes=[("b1", "b"), ("b1", "c")],
        requires=[("b", "a"), ("c", "a")],
    )
    savings = plan(bundled, at("s1"), {}).savings
    # b and c in bundle b1 are one window: b1, a, d.
    assert (savings.steps_before, savings.steps_after) == (4, 3)


# --- empty position --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sub",
    [build(), build(stage_scenarios=[]), build(conditions=[ask("c1")])],
    ids=["no-matters", "no-scenarios", "only-a-question"],
)
def test_an_empty_position_plans_nothing(sub: PositionSubgraph) -> None:
    rec = plan(sub, WHOLE, {})
    assert rec.matters == [] and rec.materials == [] and rec.bundles == []
    assert rec.department_path == []
    assert rec.prerequisites_held == []
    assert rec.estimate == Estimate(0, 0, [])
    assert rec.savings == Savings(0, 0, 0, 0, 0, 0)


# --- determinism -----------------------------------------------------------------------------


RICH = build(
    [
        row("ghxk", department="gh", days=5, visits=1),
        row("sgxk", department="zj", days=1, visits=1),
        row("rfsp", department="rf", days=2, visits=2, online=False),
        row("jgba", department="zj", days=3),
        row("xfsc", department="zj", days=5),
        row("sale", department="sc", days=2),
    ],
    needs=[("s1", "ghxk"), ("s1", "rfsp"), ("s2", "jgba"), ("s2", "xfsc"), ("s3", "sale")],
    serves=[("s1", "b1"), ("s2", "b1"), ("s3", "b3")],
    includes=[("b1", "sgxk"), ("b1", "ghxk"), ("b3", "sale")],
    requires=[
        ("sgxk", "ghxk"),
        ("rfsp", "ghxk"),
        ("jgba", "sgxk"),
        ("xfsc", "ghxk"),
        ("jgba", "lic"),
        ("sale", "lic"),
    ],
    uses=[
        ("ghxk", "license"),
        ("sgxk", "license"),
        ("rfsp", "license"),
        ("sgxk", "drawings"),
        ("rfsp", "drawings"),
        ("jgba", "form"),
    ],
    conditions=[ask("special", "s2"), ask("big", "s1")],
    effects=[adds("special", "是", "xfsc"), adds_material("big", "是", "fire", "sgxk")],
    stage_scenarios=["s1", "s2"],
    fetched_scenarios=["s3"],
    outside={"lic": "营业执照"},
)


def shuffled(sub: PositionSubgraph, seed: int) -> PositionSubgraph:
    rng = random.Random(seed)

    def mix(rows: list[Link]) -> list[Link]:
        out = list(rows)
        rng.shuffle(out)
        return out

    return replace(
        sub,
        scenario_matters=mix(sub.scenario_matters),
        scenario_bundles=mix(sub.scenario_bundles),
        bundle_matters=mix(sub.bundle_matters),
        matter_materials=mix(sub.matter_materials),
        prerequisites=mix(sub.prerequisites),
    )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    ("position", "answers"),
    [(WHOLE, {}), (WHOLE, {"special": "是", "big": "是"}), (at("s1"), {"big": "否"})],
    ids=["wide", "wide-answered", "scenario"],
)
def test_link_order_does_not_change_the_recommendation(
    position: Position, answers: dict[str, str], seed: int
) -> None:
    expected = plan(RICH, position, answers)
    other = shuffled(RICH, seed)
    assert plan(other, position, answers) == expected


def test_the_rich_subgraph_plans_as_described() -> None:
    # A readable anchor for the determinism test: what the stage-wide, fully answered plan is.
    rec = plan(RICH, WHOLE, {"special": "是", "big": "是"})
    assert ids(rec) == ["ghxk", "rfsp", "sgxk", "xfsc", "jgba"]
    assert [b.id for b in rec.bundles] == ["b1"]
    assert rec.estimate == Estimate(16, 10, ["ghxk", "xfsc"], 10, 10, [])  # elapsed = decision
    assert [(p.phase, p.matters, p.days) for p in rec.department_path] == [
        (1, ["ghxk"], 5),
        (2, ["rfsp", "sgxk", "xfsc"], 5),
        (3, ["jgba"], 3),
    ]
    assert rec.prerequisites_held == [HeldPrerequisite("lic", "营业执照", ["jgba"])]
    assert {p.id: p.used_by for p in rec.materials} == {
        "license": ["ghxk", "rfsp", "sgxk"],
        "drawings": ["rfsp", "sgxk"],
        "fire": ["sgxk"],
        "form": ["jgba"],
    }
    # Windows: b1 (ghxk, sgxk) is one, min(1, 1 + 1) = 1 visit; rfsp 2, xfsc 1 and jgba 1 keep
    # their own: 1 + 2 + 1 + 1 = 5 visits after (1 + 1 + 2 + 1 + 1 = 6 before), 4 windows for 5
    # matters. Materials: 4 distinct, none 免提交 or replaced by a commitment.
    assert rec.savings == Savings(
        materials_before=7,
        materials_after=4,
        visits_before=6,
        visits_after=5,
        steps_before=5,
        steps_after=4,
        materials_shared=0,
        materials_by_commitment=0,
        days_before=32,  # the statutory limits 10 + 2 + 4 + 10 + 6 one after the other
        days_after=10,  # the decision time along the path
    )


def test_effect_order_does_not_change_the_pending_questions() -> None:
    sub = build(
        [row("m1"), row("a"), row("b")],
        needs=[("s1", "m1")],
        conditions=[ask("c1")],
        effects=[
            adds("c1", "是", "b"),
            adds_material("c1", "是", "doc", "m1"),
            adds("c1", "是", "a"),
        ],
    )
    reordered = replace(sub, condition_effects=list(reversed(sub.condition_effects)))
    assert plan(reordered, at("s1"), {}) == plan(sub, at("s1"), {})


def test_the_order_of_questions_and_scenarios_never_depends_on_the_fetch() -> None:
    def sub(reverse: bool) -> PositionSubgraph:
        order = (lambda xs: list(reversed(list(xs)))) if reverse else list
        return build(
            [row("m1"), row("m2"), row("a")],
            needs=order([("s1", "m1"), ("s2", "m2")]),
            conditions=order([ask("c1", "s1"), ask("c2", "s2")]),
            effects=[adds("c2", "是", "a")],
            stage_scenarios=order(["s1", "s2"]),
        )

    forward, backward = plan(sub(False), WHOLE, {}), plan(sub(True), WHOLE, {})
    assert forward == backward
    assert [q.id for q in forward.pending_questions] == ["c1", "c2"]
    assert [s.id for s in forward.position.scenarios] == ["s1", "s2"]


def test_a_prerequisite_fetched_twice_counts_once() -> None:
    sub = build(
        [row("a"), row("b")],
        needs=[("s1", "a"), ("s1", "b")],
        requires=[("b", "a"), ("b", "a"), ("b", "x"), ("b", "x")],
        outside={"x": "外部事项"},
    )
    rec = plan(sub, WHOLE, {})
    assert next(m for m in rec.matters if m.id == "b").requires == ["a"]
    assert [(h.id, h.required_by) for h in rec.prerequisites_held] == [("x", ["b"])]
