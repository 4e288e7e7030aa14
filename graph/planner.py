"""The planner: a position and the answers to its questions -> a recommendation.

The only home of planner rules (with graph/schedule.py for the time rules). A backend fetches
the raw subgraph of a position and decides nothing; the same code here runs over whatever
PositionSubgraph it returns, so every backend gives the same answer. The rules, with their
basis, are in docs/planning-rules.md; in short:
- scope: a position names an industry, one of its stages and optionally one scenario under that
  stage; without a scenario it covers the stage's own scenarios, not its life events (开办,
  变更, 注销 ...), which are offered as `other_scenarios` to choose one by one;
- questions: those the covered scenarios ask, and, for a matter only their bundles list that none
  of those decides, the questions elsewhere that decide it;
- defaults: an unanswered question takes its default option (the typical enterprise), listed
  under `assumptions` and still under `pending_questions`; an answer overrides it;
- matters: the scenarios' own, their bundles', and those the answers add, each once; a matter
  an answer could add applies only when an answer adds it (so variants of one question exclude
  each other); a matter another party files is listed under `by_others`, not planned;
- prerequisites: a matter waits for its prerequisites in the plan and for the matters of the
  earlier 工程建设项目审批 stages; a prerequisite that is a candidate of the position but does not
  apply is dropped; one outside the position is `prerequisites_held`, with where it comes from;
- steps, phases and time: graph/schedule.py;
- savings: materials one per matter before, distinct and not held by the government after
  (those a commitment replaces become one 告知承诺书); visits at the pre-integration baseline
  before, one per window after (a bundle is one window, one per 工程建设项目审批 stage it
  spans); applications one per matter before, one per window after; days the statutory limits
  one after the other before, the decision time along the path after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graph.errors import InvalidRequest, NotFound
from graph.model import (
    APPROVAL_STAGES,
    Bundle,
    BundleKind,
    BundleMode,
    Condition,
    ConditionEffect,
    Industry,
    LifeEvent,
    Matter,
    Position,
    PositionSubgraph,
    Ref,
    Scenario,
    Stage,
)
from graph.recommendation import (
    Assumption,
    Estimate,
    EventScenario,
    HeldPlace,
    HeldPrerequisite,
    OptionEffect,
    OtherPartyMatter,
    PendingQuestion,
    Phase,
    PlannedMaterial,
    PlannedMatter,
    PositionView,
    QuestionOption,
    Recommendation,
    Savings,
    Step,
    TimeItem,
)
from graph.schedule import Schedule, elapsed, schedule, working_days
from graph.store import GraphStore

__all__ = [
    "Recommendation",
    "Schedule",
    "Scope",
    "candidate_matters",
    "every_position",
    "plan",
    "recommend",
    "resolve",
]


@dataclass(frozen=True, slots=True)
class Scope:
    """What a position covers: its scenarios, their bundles and questions, the candidate matters.

    `reasons` gives each candidate the scenarios and bundles that list it; a candidate that only
    a condition adds has none until an answer selects it.
    """

    industry: Industry
    stage: Stage
    scenarios: list[Scenario]
    events: list[Scenario]  # the stage's life-event scenarios a stage-wide position leaves out
    bundles: list[Bundle]
    conditions: list[Condition]
    effects: list[ConditionEffect]
    matters: dict[str, Matter]
    reasons: dict[str, list[str]]
    situational: set[str]  # candidates that apply only when an answer selects them


def every_position(store: GraphStore) -> list[Position]:
    """Every stage of every industry, whole and per scenario (benchmarks, checks)."""
    out = []
    for industry, stages in store.list_industries():
        for stage in stages:
            out.append(Position(industry.id, stage.id))
            out += [
                Position(industry.id, stage.id, s.id)
                for s in store.list_scenarios(industry.id, stage.id)
            ]
    return out


def recommend(
    store: GraphStore, position: Position, answers: Mapping[str, str] | None = None
) -> Recommendation:
    """Fetch the position's subgraph from `store` and plan it.

    Raises:
        NotFound: an id of the position is unknown.
        InvalidRequest: the position is inconsistent or an answer is not a valid option.
    """
    return plan(store.position_subgraph(position), position, dict(answers or {}))


def candidate_matters(store: GraphStore, position: Position) -> list[Matter]:
    """Every matter a position could involve, whatever the answers (views such as the matrix)."""
    return list(resolve(store.position_subgraph(position), position).matters.values())


def resolve(sub: PositionSubgraph, position: Position) -> Scope:
    """Check `position` against its fetched subgraph and work out what it covers (pure).

    Raises:
        NotFound: the industry, stage or scenario id is unknown.
        InvalidRequest: the stage is another industry's, or the scenario is not under the stage.
    """
    industry, stage = sub.industry, sub.stage
    if industry is None or industry.id != position.industry:
        raise NotFound("industry", position.industry)
    if stage is None or stage.id != position.stage:
        raise NotFound("stage", position.stage)
    if stage.industry_id != industry.id:
        raise InvalidRequest(
            "stage",
            f"stage '{stage.id}' belongs to industry '{stage.industry_id}', not '{industry.id}'",
        )
    by_id = {s.id: s for s in sub.scenarios}
    events: list[Scenario] = []
    if position.scenario is None:
        under = [by_id[s] for s in sorted(set(sub.stage_scenarios)) if s in by_id]
        events = [s for s in under if s.life_event != LifeEvent.NONE]
        covered = {s.id for s in under if s.life_event == LifeEvent.NONE}
    elif not sub.scenario_known:
        raise NotFound("scenario", position.scenario)
    elif position.scenario not in sub.stage_scenarios:
        raise InvalidRequest(
            "scenario", f"scenario '{position.scenario}' is not under stage '{stage.id}'"
        )
    else:
        covered = {position.scenario}
    bundle_ids = {link.b for link in sub.scenario_bundles if link.a in covered}
    reasons: dict[str, list[str]] = {}
    for link in sub.scenario_matters:
        if link.a in covered:
            reasons.setdefault(link.b, []).append(f"scenario:{link.a}")
    for link in sub.bundle_matters:
        if link.a in bundle_ids:
            reasons.setdefault(link.b, []).append(f"bundle:{link.a}")
    # The questions: those the scenarios ask, and, for a matter only their bundles list that
    # none of those decides, the questions elsewhere that decide it (a 全流程 bundle listing
    # another scenario's variants asks that scenario's question). A matter a scenario itself
    # needs is decided only by its own questions.
    needed = {link.b for link in sub.scenario_matters if link.a in covered}
    own = {c.id for c in sub.conditions if c.scenario_id in covered}
    decided = {
        e.target_id
        for e in sub.condition_effects
        if e.condition_id in own and e.target_kind == "matter"
    }
    deciding = {
        e.condition_id
        for e in sub.condition_effects
        if e.target_kind == "matter"
        and e.target_id in reasons
        and e.target_id not in decided | needed
    }
    conditions = sorted(
        (c for c in sub.conditions if c.id in own or c.id in deciding), key=lambda c: c.id
    )
    asked = {c.id for c in conditions}
    # Sorted here, not trusted from the store: the answer never depends on fetch order.
    effects = sorted(
        (e for e in sub.condition_effects if e.condition_id in asked),
        key=lambda e: (e.condition_id, e.option, e.target_kind, e.target_id),
    )
    added = {e.target_id for e in effects if e.target_kind == "matter"}
    candidates = set(reasons) | added
    # A matter an answer could add is situational (情形): it applies only when an answer
    # selects it; one a scenario needs is situational only by that scenario's own questions.
    situational = decided | {
        e.target_id
        for e in effects
        if e.target_kind == "matter" and e.condition_id in deciding and e.target_id not in needed
    }
    return Scope(
        industry=industry,
        stage=stage,
        scenarios=sorted((by_id[s] for s in covered if s in by_id), key=lambda s: s.id),
        events=events,
        bundles=sorted((b for b in sub.bundles if b.id in bundle_ids), key=lambda b: b.id),
        conditions=conditions,
        effects=effects,
        matters={m: sub.matters[m] for m in sorted(candidates)},
        reasons=reasons,
        situational=situational,
    )


def plan(sub: PositionSubgraph, position: Position, answers: dict[str, str]) -> Recommendation:
    """Plan a recommendation from an already fetched subgraph (pure; no I/O)."""
    scope = resolve(sub, position)
    _check_answers(answers, {c.id: c for c in scope.conditions})
    assumed = {c.id: c.default for c in scope.conditions if c.id not in answers and c.default}
    effective = {**assumed, **answers}

    reasons = {m: list(why) for m, why in scope.reasons.items()}
    added_materials: list[tuple[str, str | None, str]] = []  # (material, for matter, by)
    for effect in scope.effects:
        if effective.get(effect.condition_id) != effect.option:
            continue
        tag = f"condition:{effect.condition_id}={effect.option}"
        if effect.target_kind == "matter":
            reasons.setdefault(effect.target_id, []).append(tag)
        else:
            added_materials.append((effect.target_id, effect.matter_id, tag))

    # Variants of one question so exclude each other (see resolve for which are situational).
    situational = scope.situational
    selected = {m for m, why in reasons.items() if any(r.startswith("condition:") for r in why)}
    applying = sorted(m for m in reasons if m not in situational or m in selected)
    others = [m for m in applying if sub.matters[m].party]
    chosen = [m for m in applying if not sub.matters[m].party]
    chosen_set = set(chosen)

    requires: dict[str, list[str]] = {m: [] for m in chosen}
    held: dict[str, list[str]] = {}
    for link in sub.prerequisites:
        if link.a not in chosen_set:
            continue
        if link.b in chosen_set:
            if link.b not in requires[link.a]:
                requires[link.a].append(link.b)
        elif link.b not in scope.matters and link.a not in held.setdefault(link.b, []):
            held[link.b].append(link.a)  # outside the position: already held
        # else: a candidate of the position that does not apply; the requirement lapses
    waits = _with_stage_order(chosen, requires, sub.matters)
    members = _bundle_members(sub, chosen_set)
    joint = [(b, members.get(b.id, [])) for b in scope.bundles if b.mode != BundleMode.NONE]
    timing = schedule(chosen, waits, sub.matters, joint)
    phase_of = {m: timing.phase_of[timing.step_of[m]] for m in chosen}
    critical = {m for s in timing.critical_steps for m in timing.steps[s].matters}

    planned = [
        _planned_matter(
            sub, sub.matters[m], phase_of[m], requires[m], reasons[m], timing, m in critical
        )
        for m in sorted(chosen, key=lambda m: (phase_of[m], m))
    ]
    materials = _materials(sub, chosen_set, added_materials)
    return Recommendation(
        position=PositionView(
            industry=Ref(scope.industry.id, scope.industry.name),
            stage=Ref(scope.stage.id, scope.stage.name),
            stage_kind=str(scope.stage.kind),
            scenario=(
                Ref(scope.scenarios[0].id, scope.scenarios[0].name)
                if position.scenario is not None and scope.scenarios
                else None
            ),
            scenarios=[Ref(s.id, s.name) for s in scope.scenarios],
        ),
        bundles=[Ref(b.id, b.name) for b in scope.bundles],
        matters=planned,
        materials=materials,
        department_path=_department_path(sub, timing),
        estimate=Estimate(
            serial_days=sum(sub.matters[m].promised_days for m in chosen),
            parallel_days=timing.decision_days,
            critical_path=[m for s in timing.critical_steps for m in timing.steps[s].matters],
            elapsed_days=timing.elapsed_days,
            with_commitment_days=timing.commitment_days,
            excluded=_time_items(sub, chosen),
        ),
        savings=_savings(sub, chosen, members, materials, scope.bundles, timing.decision_days),
        pending_questions=_pending(sub, scope, answers),
        answers=dict(sorted(answers.items())),
        prerequisites_held=[
            HeldPrerequisite(m, _matter_name(sub, m), sorted(by), _places(sub, m, scope.stage))
            for m, by in sorted(held.items())
        ],
        assumptions=[
            Assumption(c.id, c.question, assumed[c.id], f"answers.{c.id}")
            for c in scope.conditions
            if c.id in assumed
        ],
        by_others=[
            OtherPartyMatter(
                m,
                sub.matters[m].name,
                sub.matters[m].party,
                _department(sub, sub.matters[m]),
            )
            for m in others
        ],
        other_scenarios=[EventScenario(s.id, s.name, str(s.life_event)) for s in scope.events],
    )


def _bundle_members(sub: PositionSubgraph, chosen: set[str]) -> dict[str, list[str]]:
    """Each bundle's matters that the plan includes, in the catalog's order."""
    members: dict[str, list[str]] = {}
    for link in sub.bundle_matters:
        if link.b in chosen:
            members.setdefault(link.a, []).append(link.b)
    return members


def _check_answers(answers: dict[str, str], conditions: Mapping[str, Condition]) -> None:
    for condition_id, value in answers.items():
        condition = conditions.get(condition_id)
        if condition is None:
            raise InvalidRequest(f"answers.{condition_id}", "not a question asked at this position")
        if value not in condition.options:
            raise InvalidRequest(
                f"answers.{condition_id}",
                f"'{value}' is not one of the options {'/'.join(condition.options)}",
            )


def _with_stage_order(
    chosen: list[str], requires: Mapping[str, list[str]], matters: Mapping[str, Matter]
) -> dict[str, list[str]]:
    """Prerequisites plus the order of the four 工程建设项目审批 stages: a matter of a stage waits
    for the plan's matters of the nearest earlier stage it has."""
    rank = {name: i for i, name in enumerate(APPROVAL_STAGES)}
    by_stage: dict[int, list[str]] = {}
    for m in chosen:
        if matters[m].approval_stage in rank:
            by_stage.setdefault(rank[matters[m].approval_stage], []).append(m)
    waits = {m: list(requires[m]) for m in chosen}
    for m in chosen:
        own = rank.get(matters[m].approval_stage)
        if own is None:
            continue
        earlier = [k for k in by_stage if k < own]
        if earlier:
            waits[m] += [r for r in by_stage[max(earlier)] if r not in waits[m]]
    return waits


def _department(sub: PositionSubgraph, matter: Matter) -> Ref:
    department = sub.departments[matter.department_id]
    return Ref(department.id, department.name)


def _planned_matter(
    sub: PositionSubgraph,
    matter: Matter,
    phase: int,
    requires: list[str],
    reasons: list[str],
    timing: Schedule,
    critical: bool,
) -> PlannedMatter:
    return PlannedMatter(
        id=matter.id,
        code=matter.code,
        name=matter.name,
        type=matter.type,
        level=matter.level,
        department=_department(sub, matter),
        time_limit_days=matter.promised_days,
        legal_days=matter.legal_days,
        visits=matter.visits,
        online=matter.online,
        fee=matter.fee,
        phase=phase,
        requires=sorted(requires),
        reasons=sorted(set(reasons)),
        critical=critical,
        source=matter.source,
        approval_stage=matter.approval_stage,
        step=timing.step_of[matter.id],
        excluded_days=matter.excluded_days,
        excluded_kind=matter.excluded_kind,
        calendar_days=matter.calendar_days,
        elapsed_days=elapsed(matter, matter.promised_days),
        commitment=matter.commitment,
        deferrable=matter.deferrable,
    )


def _materials(
    sub: PositionSubgraph,
    chosen: set[str],
    added: list[tuple[str, str | None, str]],
) -> list[PlannedMaterial]:
    used_by: dict[str, set[str]] = {}
    added_by: dict[str, set[str]] = {}
    for link in sub.matter_materials:
        if link.a in chosen:
            used_by.setdefault(link.b, set()).add(link.a)
    for material, matter, tag in added:
        if matter is not None and matter not in chosen:
            continue  # asked for by a matter this plan does not include
        users = used_by.setdefault(material, set())
        if matter is not None:
            users.add(matter)
        added_by.setdefault(material, set()).add(tag)
    out = [
        PlannedMaterial(
            id=m,
            name=sub.materials[m].name,
            used_by=sorted(users),
            added_by=sorted(added_by.get(m, set())),
            shared=sub.materials[m].shared,
            commitment=sub.materials[m].commitment,
            deferrable=sub.materials[m].deferrable,
        )
        for m, users in used_by.items()
    ]
    return sorted(out, key=lambda p: (-len(p.used_by), p.id))


def _department_path(sub: PositionSubgraph, timing: Schedule) -> list[Phase]:
    by_phase: dict[int, list[Step]] = {}
    for key in sorted(timing.steps):
        planned = timing.steps[key]
        members = [sub.matters[m] for m in planned.matters]
        departments = sorted({m.department_id for m in members})
        if planned.bundle is not None:
            lead_id = planned.bundle.lead_department_id
            lead = Ref(lead_id, sub.departments[lead_id].name if lead_id in sub.departments else "")
            step = Step(
                id=planned.bundle.id,
                kind="joint",
                name=planned.bundle.name,
                mode=str(planned.bundle.mode),
                lead=lead,
                departments=[Ref(d, sub.departments[d].name) for d in departments],
                matters=list(planned.matters),
                days=planned.days,
                elapsed_days=planned.elapsed_days,
            )
        else:
            only = members[0]
            step = Step(
                id=only.id,
                kind="matter",
                name=only.name,
                mode="",
                lead=_department(sub, only),
                departments=[_department(sub, only)],
                matters=[only.id],
                days=planned.days,
                elapsed_days=planned.elapsed_days,
            )
        by_phase.setdefault(timing.phase_of[key], []).append(step)
    path = []
    for number in sorted(by_phase):
        steps = sorted(by_phase[number], key=lambda s: (s.kind != "joint", s.id))
        departments = sorted({d.id for s in steps for d in s.departments})
        path.append(
            Phase(
                phase=number,
                departments=[Ref(d, sub.departments[d].name) for d in departments],
                matters=sorted(m for s in steps for m in s.matters),
                days=max(s.days for s in steps),
                steps=steps,
            )
        )
    return path


def _time_items(sub: PositionSubgraph, chosen: list[str]) -> list[TimeItem]:
    items = []
    for m in chosen:
        matter = sub.matters[m]
        if matter.excluded_days or matter.calendar_days:
            days = matter.excluded_days + working_days(matter.calendar_days)
            kind = matter.excluded_kind or "calendar window"
            items.append(TimeItem(m, kind, days, matter.calendar_days))
    return items


def _savings(
    sub: PositionSubgraph,
    chosen: list[str],
    members: Mapping[str, list[str]],
    materials: list[PlannedMaterial],
    bundles: list[Bundle],
    decision_days: int,
) -> Savings:
    # A bundle is one window: one form, one set of materials (一窗受理); a 一类事 one window for
    # its family (一类事一窗办), so it is taken first. Across the stages of 工程建设项目审批 each
    # stage is still one application with its own set of materials (国办发〔2019〕11号).
    window_of: dict[str, tuple[str, str]] = {}
    for bundle in sorted(bundles, key=lambda b: (b.kind != BundleKind.ONE_CATEGORY, b.id)):
        for m in members.get(bundle.id, ()):
            window_of.setdefault(m, (bundle.id, sub.matters[m].approval_stage))
    windows: dict[tuple[str, str], list[str]] = {}
    for m in chosen:
        windows.setdefault(window_of.get(m, (m, "")), []).append(m)
    # A window needing presence is one visit for all its matters; a matter alone keeps its own.
    visits_after = sum(
        min(1, sum(sub.matters[m].visits for m in ms)) if len(ms) > 1 else sub.matters[ms[0]].visits
        for ms in windows.values()
    )
    shared = [p for p in materials if p.shared]
    replaced = [p for p in materials if p.commitment and not p.shared]
    submitted = len(materials) - len(shared) - len(replaced) + (1 if replaced else 0)
    return Savings(
        materials_before=sum(len(p.used_by) for p in materials)
        + sum(1 for p in materials if not p.used_by),
        materials_after=submitted,
        visits_before=sum(_baseline_visits(sub.matters[m]) for m in chosen),
        visits_after=visits_after,
        steps_before=len(chosen),
        steps_after=len(windows),
        materials_shared=len(shared),
        materials_by_commitment=len(replaced),
        days_before=sum(sub.matters[m].legal_days for m in chosen),
        days_after=decision_days,
    )


def _baseline_visits(matter: Matter) -> int:
    return matter.visits if matter.baseline_visits is None else matter.baseline_visits


def _matter_name(sub: PositionSubgraph, matter_id: str) -> str:
    """A candidate's name, or that of a prerequisite outside the candidates."""
    if matter_id in sub.matters:
        return sub.matters[matter_id].name
    return sub.outside_prerequisites[matter_id]


def _places(sub: PositionSubgraph, matter_id: str, stage: Stage) -> list[HeldPlace]:
    """Where a held prerequisite comes from: its places in this industry, earliest stage first
    (any industry's when the catalog puts it in none of this one's)."""
    places = [p for p in sub.prerequisite_places if p.matter_id == matter_id]
    own = [p for p in places if p.industry_id == stage.industry_id] or places
    ordered = sorted(own, key=lambda p: (p.stage_order, p.stage_id, p.scenario_id))
    return [
        HeldPlace(Ref(p.stage_id, p.stage_name), Ref(p.scenario_id, p.scenario_name))
        for p in ordered
    ]


def _pending(sub: PositionSubgraph, scope: Scope, answers: dict[str, str]) -> list[PendingQuestion]:
    scenarios = {s.id: s for s in sub.scenarios}
    adds: dict[tuple[str, str], list[OptionEffect]] = {}
    for e in scope.effects:
        name = (sub.matters if e.target_kind == "matter" else sub.materials)[e.target_id].name
        adds.setdefault((e.condition_id, e.option), []).append(
            OptionEffect(e.target_kind, e.target_id, name)
        )
    out = []
    for condition in scope.conditions:
        if condition.id in answers:
            continue
        options = [
            QuestionOption(value, adds.get((condition.id, value), []))
            for value in condition.options
        ]
        scenario = scenarios.get(condition.scenario_id)
        where = Ref(condition.scenario_id, scenario.name if scenario else condition.scenario_id)
        out.append(
            PendingQuestion(
                condition.id, condition.question, where, options, condition.default or None
            )
        )
    return out
