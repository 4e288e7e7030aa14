"""The planner: a position and the answers to its questions -> a recommendation.

The only home of planner rules. A backend fetches the raw subgraph of a position and decides
nothing; the same code here runs over whatever PositionSubgraph it returns, so every backend
gives the same answer. Rules (README, "How a recommendation is planned"):
- scope: a position names an industry, one of its stages and optionally one scenario under that
  stage; without a scenario it covers every scenario of the stage;
- candidates: the scenarios' own matters, their bundles' matters, and those a condition asked by
  the scenarios could add;
- matters: the candidates that apply, each once; a
  matter that an answer could add is situational and applies only when an answer adds it;
- phases: a matter goes into the first phase after all its prerequisites inside the set;
  prerequisites outside the set are listed as `prerequisites_held` (they must already be held);
- estimate: serial_days sums promised limits; parallel_days is the critical path through the
  prerequisite graph (each matter starts when its last prerequisite ends);
- savings: one material per matter per material before, distinct after; the matters' visits
  before, one integrated window visit after (zero when every matter is online); steps = matters
  before, phases after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.errors import InvalidRequest, NotFound
from graph.model import (
    Bundle,
    Condition,
    ConditionEffect,
    Industry,
    Matter,
    Position,
    PositionSubgraph,
    Ref,
    Scenario,
    Stage,
)
from graph.store import GraphStore


@dataclass(frozen=True, slots=True)
class PositionView:
    industry: Ref
    stage: Ref
    stage_kind: str
    scenario: Ref | None
    scenarios: list[Ref]


@dataclass(frozen=True, slots=True)
class PlannedMatter:
    id: str
    code: str
    name: str
    type: str
    level: str
    department: Ref
    time_limit_days: int
    legal_days: int
    visits: int
    online: bool
    fee: float
    phase: int
    requires: list[str]
    reasons: list[str]  # "scenario:<id>", "bundle:<id>", "condition:<id>=<option>"
    critical: bool
    source: str


@dataclass(frozen=True, slots=True)
class PlannedMaterial:
    id: str
    name: str
    used_by: list[str]
    added_by: list[str]


@dataclass(frozen=True, slots=True)
class Phase:
    phase: int
    departments: list[Ref]
    matters: list[str]
    days: int  # the longest promised limit in the phase


@dataclass(frozen=True, slots=True)
class Estimate:
    serial_days: int
    parallel_days: int
    critical_path: list[str]


@dataclass(frozen=True, slots=True)
class Savings:
    materials_before: int
    materials_after: int
    visits_before: int
    visits_after: int
    steps_before: int
    steps_after: int


@dataclass(frozen=True, slots=True)
class OptionEffect:
    kind: str
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class QuestionOption:
    value: str
    adds: list[OptionEffect]


@dataclass(frozen=True, slots=True)
class PendingQuestion:
    id: str
    question: str
    scenario: Ref
    options: list[QuestionOption]


@dataclass(frozen=True, slots=True)
class HeldPrerequisite:
    id: str
    name: str
    required_by: list[str]


@dataclass(slots=True)
class Recommendation:
    position: PositionView
    bundles: list[Ref]
    matters: list[PlannedMatter]
    materials: list[PlannedMaterial]
    department_path: list[Phase]
    estimate: Estimate
    savings: Savings
    pending_questions: list[PendingQuestion]
    answers: dict[str, str] = field(default_factory=dict)
    prerequisites_held: list[HeldPrerequisite] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a position covers: its scenarios, their bundles and questions, the candidate matters.

    `reasons` gives each candidate the scenarios and bundles that list it; a candidate that only
    a condition adds has none until an answer selects it.
    """

    industry: Industry
    stage: Stage
    scenarios: list[Scenario]
    bundles: list[Bundle]
    conditions: list[Condition]
    effects: list[ConditionEffect]
    matters: dict[str, Matter]
    reasons: dict[str, list[str]]


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
    if position.scenario is None:
        covered = set(sub.stage_scenarios)
    elif not sub.scenario_known:
        raise NotFound("scenario", position.scenario)
    elif position.scenario not in sub.stage_scenarios:
        raise InvalidRequest(
            "scenario", f"scenario '{position.scenario}' is not under stage '{stage.id}'"
        )
    else:
        covered = {position.scenario}
    bundle_ids = {link.b for link in sub.scenario_bundles if link.a in covered}
    # Sorted here, not trusted from the store: the answer never depends on fetch order.
    conditions = sorted((c for c in sub.conditions if c.scenario_id in covered), key=lambda c: c.id)
    asked = {c.id for c in conditions}
    effects = sorted(
        (e for e in sub.condition_effects if e.condition_id in asked),
        key=lambda e: (e.condition_id, e.option, e.target_kind, e.target_id),
    )
    reasons: dict[str, list[str]] = {}
    for link in sub.scenario_matters:
        if link.a in covered:
            reasons.setdefault(link.b, []).append(f"scenario:{link.a}")
    for link in sub.bundle_matters:
        if link.a in bundle_ids:
            reasons.setdefault(link.b, []).append(f"bundle:{link.a}")
    candidates = set(reasons) | {e.target_id for e in effects if e.target_kind == "matter"}
    return Scope(
        industry=industry,
        stage=stage,
        scenarios=sorted((s for s in sub.scenarios if s.id in covered), key=lambda s: s.id),
        bundles=sorted((b for b in sub.bundles if b.id in bundle_ids), key=lambda b: b.id),
        conditions=conditions,
        effects=effects,
        matters={m: sub.matters[m] for m in sorted(candidates)},
        reasons=reasons,
    )


def candidate_matters(store: GraphStore, position: Position) -> list[Matter]:
    """Every matter a position could involve, whatever the answers (views such as the matrix)."""
    return list(resolve(store.position_subgraph(position), position).matters.values())


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


def plan(sub: PositionSubgraph, position: Position, answers: dict[str, str]) -> Recommendation:
    """Plan a recommendation from an already fetched subgraph (pure; no I/O)."""
    scope = resolve(sub, position)
    _check_answers(answers, {c.id: c for c in scope.conditions})

    reasons = {m: list(why) for m, why in scope.reasons.items()}
    added_materials: list[tuple[str, str | None, str]] = []  # (material, for matter, by)
    for effect in scope.effects:
        if answers.get(effect.condition_id) != effect.option:
            continue
        tag = f"condition:{effect.condition_id}={effect.option}"
        if effect.target_kind == "matter":
            reasons.setdefault(effect.target_id, []).append(tag)
        else:
            added_materials.append((effect.target_id, effect.matter_id, tag))

    # A matter some answer adds is situational (情形): it applies only when an answer selects
    # it, even if a scenario or bundle lists it; unanswered, its question stays pending.
    situational = {e.target_id for e in scope.effects if e.target_kind == "matter"}
    selected = {m for m, why in reasons.items() if any(r.startswith("condition:") for r in why)}
    chosen = sorted(m for m in reasons if m not in situational or m in selected)
    chosen_set = set(chosen)
    requires = {m: [] for m in chosen}  # type: dict[str, list[str]]
    held: dict[str, list[str]] = {}
    for link in sub.prerequisites:
        if link.a not in chosen_set:
            continue
        if link.b in chosen_set:
            if link.b not in requires[link.a]:
                requires[link.a].append(link.b)
        elif link.a not in held.setdefault(link.b, []):
            held[link.b].append(link.a)

    phase_of = _phases(chosen, requires)
    finish, critical = _critical_path(chosen, requires, sub.matters)
    critical_set = set(critical)

    planned = [
        _planned_matter(
            sub, sub.matters[m], phase_of[m], requires[m], reasons[m], m in critical_set
        )
        for m in sorted(chosen, key=lambda m: (phase_of[m], m))
    ]
    materials = _materials(sub, chosen_set, added_materials)
    path = _department_path(sub, planned)
    materials_before = sum(len(p.used_by) for p in materials) + sum(
        1 for p in materials if not p.used_by
    )
    all_online = all(sub.matters[m].online for m in chosen)
    savings = Savings(
        materials_before=materials_before,
        materials_after=len(materials),
        visits_before=sum(sub.matters[m].visits for m in chosen),
        visits_after=0 if all_online or not chosen else 1,
        steps_before=len(chosen),
        steps_after=len(path),
    )
    return Recommendation(
        position=PositionView(
            industry=Ref(scope.industry.id, scope.industry.name),
            stage=Ref(scope.stage.id, scope.stage.name),
            stage_kind=str(scope.stage.kind),
            scenario=(
                Ref(scope.scenarios[0].id, scope.scenarios[0].name)
                if position.scenario is not None
                else None
            ),
            scenarios=[Ref(s.id, s.name) for s in scope.scenarios],
        ),
        bundles=[Ref(b.id, b.name) for b in scope.bundles],
        matters=planned,
        materials=materials,
        department_path=path,
        estimate=Estimate(
            serial_days=sum(sub.matters[m].promised_days for m in chosen),
            parallel_days=max(finish.values(), default=0),
            critical_path=critical,
        ),
        savings=savings,
        pending_questions=_pending(sub, scope, answers),
        answers=dict(sorted(answers.items())),
        prerequisites_held=[
            HeldPrerequisite(m, _matter_name(sub, m), sorted(by)) for m, by in sorted(held.items())
        ],
    )


def _matter_name(sub: PositionSubgraph, matter_id: str) -> str:
    """A candidate's name, or that of a prerequisite outside the candidates."""
    if matter_id in sub.matters:
        return sub.matters[matter_id].name
    return sub.outside_prerequisites[matter_id]


def _check_answers(answers: dict[str, str], conditions: Mapping[str, object]) -> None:
    for condition_id, value in answers.items():
        condition = conditions.get(condition_id)
        if condition is None:
            raise InvalidRequest(f"answers.{condition_id}", "not a question asked at this position")
        options = condition.options  # type: ignore[attr-defined]
        if value not in options:
            raise InvalidRequest(
                f"answers.{condition_id}",
                f"'{value}' is not one of the options {'/'.join(options)}",
            )


def _phases(chosen: list[str], requires: dict[str, list[str]]) -> dict[str, int]:
    """Phase number per matter: 1 + the latest phase among its prerequisites."""
    phase: dict[str, int] = {}

    def visit(m: str) -> int:
        if m not in phase:
            # Catalogs are validated acyclic, so this recursion terminates.
            phase[m] = 1 + max((visit(r) for r in requires[m]), default=0)
        return phase[m]

    for m in chosen:
        visit(m)
    return phase


def _critical_path(
    chosen: list[str], requires: dict[str, list[str]], matters: Mapping[str, Matter]
) -> tuple[dict[str, int], list[str]]:
    """Earliest finish per matter and the chain of matters that sets the longest one."""
    finish: dict[str, int] = {}

    def visit(m: str) -> int:
        if m not in finish:
            start = max((visit(r) for r in requires[m]), default=0)
            finish[m] = start + matters[m].promised_days
        return finish[m]

    for m in chosen:
        visit(m)
    if not finish:
        return finish, []
    # Ties break on id so the path is the same on every backend.
    last = min(finish, key=lambda m: (-finish[m], m))
    path = [last]
    while requires[path[-1]]:
        path.append(min(requires[path[-1]], key=lambda r: (-finish[r], r)))
    return finish, list(reversed(path))


def _planned_matter(
    sub: PositionSubgraph,
    matter: Matter,
    phase: int,
    requires: list[str],
    reasons: list[str],
    critical: bool,
) -> PlannedMatter:
    department = sub.departments[matter.department_id]
    return PlannedMatter(
        id=matter.id,
        code=matter.code,
        name=matter.name,
        type=matter.type,
        level=matter.level,
        department=Ref(department.id, department.name),
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
        )
        for m, users in used_by.items()
    ]
    return sorted(out, key=lambda p: (-len(p.used_by), p.id))


def _department_path(sub: PositionSubgraph, planned: list[PlannedMatter]) -> list[Phase]:
    phases: dict[int, list[PlannedMatter]] = {}
    for p in planned:
        phases.setdefault(p.phase, []).append(p)
    path = []
    for number in sorted(phases):
        members = phases[number]
        departments = sorted({p.department.id for p in members})
        path.append(
            Phase(
                phase=number,
                departments=[Ref(d, sub.departments[d].name) for d in departments],
                matters=[p.id for p in members],
                days=max(p.time_limit_days for p in members),
            )
        )
    return path


def _pending(sub: PositionSubgraph, scope: Scope, answers: dict[str, str]) -> list[PendingQuestion]:
    scenarios = {s.id: s for s in scope.scenarios}
    names = {m: sub.matters[m].name for m in scope.matters}
    out = []
    for condition in scope.conditions:
        if condition.id in answers:
            continue
        options = []
        for value in condition.options:
            adds = [
                OptionEffect(
                    e.target_kind,
                    e.target_id,
                    names[e.target_id]
                    if e.target_kind == "matter"
                    else sub.materials[e.target_id].name,
                )
                for e in scope.effects
                if e.condition_id == condition.id and e.option == value
            ]
            options.append(QuestionOption(value, adds))
        scenario = scenarios[condition.scenario_id]
        out.append(
            PendingQuestion(
                condition.id, condition.question, Ref(scenario.id, scenario.name), options
            )
        )
    return out
