"""Planner analytics: what to integrate next, and what it would save (pure, over GraphStore).

Every figure comes out of the planner's own rules (graph/planner.py, graph/schedule.py): the
plans analysed are `recommend(store, position)` with the default answers (rule 1), so each is
the one `chainkg recommend` prints, and a proposed bundle is planned by `planner.plan` on a
subgraph assembled from the catalog's own records. In short:

- survey: every position (`planner.every_position`), its fetched subgraph and default plan,
  read through one pinned view; the matters, materials, departments, bundles, questions and
  links those subgraphs reach form the atlas the proposals are drawn from;
- a proposal (a list of matters under one window) is planned as one scenario needing exactly
  those matters (none situational, no question asked: their own ASKS_FOR materials) and, after,
  served by one bundle including them; the Savings are the planner's (rule 8): `before` each
  matter its own application, `after` one window; days: statutory limits one after the other,
  then the decision time along the path (a bundle of mode `none` keeps every prerequisite);
- the suggested lead (牵头部门) is the department whose matters carry most working days of the
  proposal's critical path (elapsed days, rule 7), ties by more matters, then id;
- candidates: a co-occurrence graph of matters (networkx), an edge weighted by the scenarios
  whose default plans hold both plus the industries whose plans do, split into communities by
  Louvain (seeded; a community above `max_size` is split again on its own subgraph), each with
  at least `min_size` matters and ranked by what it saves (materials + visits + applications
  saved, then days saved, then support, then its first matter id);
- what-if: a list of matters, or an existing bundle with matters added or removed; the bundle
  serves the scenarios named, else an existing bundle's own scenarios, else the scenarios whose
  default plans hold at least two of its matters and at least half of them,
  and every position covering one is planned again on its subgraph with the bundle in place
  (SERVED_BY → INCLUDES: a bundle's matters are its scenarios' candidates, rule 0);
- bottlenecks: over the default plans of every scenario position, the departments and matters
  on the critical paths by the working days their steps contribute (a joint step counts for
  its lead department), the materials asked in most plans, the matters still offline;
- position diff: two stages of one industry, each planned whole with the defaults.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import networkx as nx

from graph.errors import InvalidRequest, NotFound
from graph.model import (
    Bundle,
    BundleKind,
    BundleMode,
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
from graph.planner import every_position, plan
from graph.recommendation import Recommendation, Savings
from graph.store import GraphStore

__all__ = [
    "Atlas",
    "Bottlenecks",
    "Candidate",
    "Figures",
    "PositionChange",
    "PositionDiff",
    "Recovery",
    "Survey",
    "WhatIf",
    "bottlenecks",
    "candidates",
    "plan_proposal",
    "position_diff",
    "recovery",
    "survey",
    "what_if",
]

PROPOSAL_ID = "b.analytics.proposal"
_INDUSTRY = Industry("analytics", "方案测算", "", "analytics")
_STAGE = Stage("analytics.stage", "analytics", StageKind.CIRCULATION, "方案测算", 1, "analytics")
_SCENARIO = Scenario("sc.analytics", "拟集成事项", "", "analytics")
_POSITION = Position(_INDUSTRY.id, _STAGE.id, _SCENARIO.id)
MAX_MATTERS = 100  # the largest proposal analysed (matters)


# ----------------------------------------------------------------------------- survey


@dataclass(slots=True)
class Atlas:
    """Every record the positions' subgraphs reach, merged (one catalog's worth, read once)."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)
    matters: dict[str, Matter] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    materials: dict[str, Material] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)
    effects: set[ConditionEffect] = field(default_factory=set)
    bundle_matters: dict[str, list[str]] = field(default_factory=dict)
    scenario_bundles: dict[str, set[str]] = field(default_factory=dict)
    matter_materials: dict[str, list[str]] = field(default_factory=dict)
    prerequisites: dict[str, list[str]] = field(default_factory=dict)
    outside: dict[str, str] = field(default_factory=dict)

    def add(self, sub: PositionSubgraph) -> None:
        self.scenarios.update((s.id, s) for s in sub.scenarios)
        self.bundles.update((b.id, b) for b in sub.bundles)
        self.matters.update(sub.matters)
        self.departments.update(sub.departments)
        self.materials.update(sub.materials)
        self.conditions.update((c.id, c) for c in sub.conditions)
        self.effects.update(sub.condition_effects)
        _add_links(self.bundle_matters, sub.bundle_matters)
        _add_links(self.matter_materials, sub.matter_materials)
        _add_links(self.prerequisites, sub.prerequisites)
        for link in sub.scenario_bundles:
            self.scenario_bundles.setdefault(link.a, set()).add(link.b)
        self.outside.update(sub.outside_prerequisites)

    def name(self, matter_id: str) -> str:
        if matter_id in self.matters:
            return self.matters[matter_id].name
        return self.outside.get(matter_id, matter_id)

    def ref(self, matter_id: str) -> Ref:
        return Ref(matter_id, self.name(matter_id))

    def department(self, department_id: str) -> Ref:
        d = self.departments.get(department_id)
        return Ref(department_id, d.name if d else department_id)


def _add_links(into: dict[str, list[str]], links: Iterable[Link]) -> None:
    for link in links:
        row = into.setdefault(link.a, [])
        if link.b not in row:
            row.append(link.b)


@dataclass(slots=True)
class Surveyed:
    position: Position
    subgraph: PositionSubgraph
    plan: Recommendation
    matters: frozenset[str] = frozenset()  # the plan's matter ids

    def __post_init__(self) -> None:
        self.matters = frozenset(m.id for m in self.plan.matters)


@dataclass(slots=True)
class Survey:
    """Every position with its subgraph and default plan, and the atlas of their records."""

    version: str
    positions: list[Surveyed]
    atlas: Atlas
    industries: dict[str, Industry]
    stages: dict[str, tuple[Industry, Stage]]
    scenario_plans: list[Surveyed] = field(default_factory=list)
    plans_of: dict[str, list[int]] = field(default_factory=dict)  # matter -> scenario plans
    bundles_of: dict[str, list[str]] = field(default_factory=dict)  # matter -> bundles

    def __post_init__(self) -> None:
        self.scenario_plans = [p for p in self.positions if p.position.scenario is not None]
        for i, p in enumerate(self.scenario_plans):
            for m in p.matters:
                self.plans_of.setdefault(m, []).append(i)
        for b in sorted(self.atlas.bundle_matters):
            for m in self.atlas.bundle_matters[b]:
                self.bundles_of.setdefault(m, []).append(b)


def survey(store: GraphStore) -> Survey:
    """Read every position of the served catalog once, through one pinned view."""
    view = store.pinned()
    industries: dict[str, Industry] = {}
    stages: dict[str, tuple[Industry, Stage]] = {}
    for industry, its in view.list_industries():
        industries[industry.id] = industry
        for stage in its:
            stages[stage.id] = (industry, stage)
    atlas = Atlas()
    out = []
    for position in every_position(view):
        sub = view.position_subgraph(position)
        atlas.add(sub)
        out.append(Surveyed(position, sub, plan(sub, position, {})))
    return Survey(view.catalog_version(), out, atlas, industries, stages)


# ----------------------------------------------------------------------------- proposals


@dataclass(frozen=True, slots=True)
class Figures:
    """One plan's counts: materials submitted, visits, applications, days (working days)."""

    matters: int
    materials: int
    visits: int
    steps: int
    days: int  # decision time along the path (or the statutory limits in series, before)
    elapsed_days: int
    departments: int


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposal planned: its matters alone, and under one window."""

    matters: list[Ref]
    departments: list[Ref]
    lead: Ref
    lead_days: int  # working days of the critical path the lead's matters carry
    critical_path: list[str]
    savings: Savings
    separate: Figures  # each matter its own application (the pre-integration baseline)
    bundled: Figures  # one window for all of them
    plan: Recommendation


def _check_matters(atlas: Atlas, matter_ids: Sequence[str], field_name: str) -> list[str]:
    if len(matter_ids) > MAX_MATTERS:
        raise InvalidRequest(field_name, f"at most {MAX_MATTERS} matters")
    out: list[str] = []
    for m in matter_ids:
        if m not in atlas.matters:
            raise NotFound("matter", m)
        if atlas.matters[m].party:
            raise InvalidRequest(
                field_name, f"matter '{m}' is filed by {atlas.matters[m].party}, not the applicant"
            )
        if m not in out:
            out.append(m)
    return sorted(out)


def _proposal_subgraph(
    atlas: Atlas, matter_ids: list[str], bundle: Bundle | None
) -> PositionSubgraph:
    chosen = set(matter_ids)
    prerequisites = [Link(m, r, "") for m in matter_ids for r in atlas.prerequisites.get(m, [])]
    materials = [Link(m, x, "") for m in matter_ids for x in atlas.matter_materials.get(m, [])]
    return PositionSubgraph(
        industry=_INDUSTRY,
        stage=_STAGE,
        stage_scenarios=[_SCENARIO.id],
        scenario_known=True,
        scenarios=[_SCENARIO],
        bundles=[bundle] if bundle else [],
        matters={m: atlas.matters[m] for m in matter_ids},
        departments={
            d: atlas.departments[d]
            for d in sorted({atlas.matters[m].department_id for m in chosen})
        },
        materials={link.b: atlas.materials[link.b] for link in materials},
        conditions=[],
        condition_effects=[],
        scenario_matters=[Link(_SCENARIO.id, m, "") for m in matter_ids],
        scenario_bundles=[Link(_SCENARIO.id, bundle.id, "")] if bundle else [],
        bundle_matters=[Link(bundle.id, m, "") for m in matter_ids] if bundle else [],
        matter_materials=materials,
        prerequisites=prerequisites,
        outside_prerequisites={
            link.b: atlas.name(link.b) for link in prerequisites if link.b not in chosen
        },
    )


def _lead(atlas: Atlas, rec: Recommendation) -> tuple[Ref, int]:
    """The department carrying most working days of the critical path (then most matters)."""
    days: Counter[str] = Counter()
    count: Counter[str] = Counter()
    by_id = {m.id: m for m in rec.matters}
    for m in rec.estimate.critical_path:
        days[by_id[m].department.id] += by_id[m].elapsed_days
        count[by_id[m].department.id] += 1
    if not days:
        first = rec.matters[0].department.id
        return atlas.department(first), 0
    best = min(days, key=lambda d: (-days[d], -count[d], d))
    return atlas.department(best), days[best]


def _figures(rec: Recommendation, bundled: bool) -> Figures:
    s = rec.savings
    departments = len({m.department.id for m in rec.matters})
    if bundled:
        return Figures(
            len(rec.matters),
            s.materials_after,
            s.visits_after,
            s.steps_after,
            s.days_after,
            rec.estimate.elapsed_days,
            departments,
        )
    return Figures(
        len(rec.matters),
        s.materials_before,
        s.visits_before,
        s.steps_before,
        s.days_before,
        rec.estimate.elapsed_days,
        departments,
    )


def plan_proposal(
    atlas: Atlas,
    matter_ids: Sequence[str],
    *,
    mode: BundleMode = BundleMode.NONE,
    lead: str | None = None,
    name: str = "拟集成一件事",
    promised_days: int | None = None,
    field_name: str = "matters",
) -> Proposal:
    """Plan `matter_ids` under one window with the planner's rules (see the module doc).

    Raises:
        NotFound: a matter id the catalog does not hold.
        InvalidRequest: no matters, too many, or one another party files.
    """
    ids = _check_matters(atlas, matter_ids, field_name)
    if not ids:
        raise InvalidRequest(field_name, "name at least one matter")
    alone = plan(_proposal_subgraph(atlas, ids, None), _POSITION, {})
    suggested, lead_days = _lead(atlas, alone)
    lead_id = lead or suggested.id
    if lead_id not in atlas.departments:
        raise NotFound("department", lead_id)
    bundle = Bundle(
        PROPOSAL_ID,
        name,
        BundleKind.ONE_THING,
        lead_id,
        None,
        None,
        "",
        "analytics",
        mode,
        promised_days,
    )
    together = plan(_proposal_subgraph(atlas, ids, bundle), _POSITION, {})
    departments = sorted({m.department.id for m in together.matters})
    return Proposal(
        matters=[atlas.ref(m) for m in ids],
        departments=[atlas.department(d) for d in departments],
        lead=atlas.department(lead_id),
        lead_days=lead_days if lead_id == suggested.id else _days_of(alone, lead_id),
        critical_path=list(together.estimate.critical_path),
        savings=together.savings,
        separate=_figures(together, bundled=False),
        bundled=_figures(together, bundled=True),
        plan=together,
    )


def _days_of(rec: Recommendation, department_id: str) -> int:
    by_id = {m.id: m for m in rec.matters}
    return sum(
        by_id[m].elapsed_days
        for m in rec.estimate.critical_path
        if by_id[m].department.id == department_id
    )


# ----------------------------------------------------------------------------- candidates


@dataclass(frozen=True, slots=True)
class BundleOverlap:
    bundle: Ref
    jaccard: float  # |candidate ∩ bundle| / |candidate ∪ bundle|
    shared: int  # matters in both


@dataclass(frozen=True, slots=True)
class Candidate:
    rank: int
    matters: list[Ref]
    scenarios: list[Ref]  # whose default plans hold at least two of its matters
    industries: list[Ref]
    positions: int  # scenario positions (industry, stage, scenario) it would serve
    departments: list[Ref]
    lead: Ref
    lead_days: int
    support: float  # the co-occurrence weight inside the candidate
    savings: Savings
    before: Figures
    after: Figures
    closest_bundle: BundleOverlap | None


def _served(survey_: Survey, matters: set[str]) -> list[Surveyed]:
    """The scenario positions whose default plans hold at least two of `matters` and at least
    half of them."""
    need = max(2, (len(matters) + 1) // 2)
    hits: Counter[int] = Counter(i for m in matters for i in survey_.plans_of.get(m, ()))
    return [survey_.scenario_plans[i] for i in sorted(hits) if hits[i] >= need]


def _without(sub: PositionSubgraph, bundles: set[str]) -> PositionSubgraph:
    """`sub` without `bundles` (the same object when it holds none of them)."""
    if not bundles or not any(b.id in bundles for b in sub.bundles):
        return sub
    return replace(
        sub,
        bundles=[b for b in sub.bundles if b.id not in bundles],
        scenario_bundles=[link for link in sub.scenario_bundles if link.b not in bundles],
        bundle_matters=[link for link in sub.bundle_matters if link.a not in bundles],
    )


def cooccurrence(survey_: Survey, leave_out: Iterable[str] = ()) -> nx.Graph:
    """The matters' co-occurrence graph: an edge's weight is the number of scenarios whose default
    plans hold both plus the number of industries whose plans do (`leave_out`: bundles removed
    from every subgraph before planning, to see whether the search finds them again)."""
    gone = set(leave_out)
    for b in sorted(gone):
        if b not in survey_.atlas.bundles:
            raise NotFound("bundle", b)
    by_scenario: dict[str, set[str]] = {}
    industries_of: dict[str, set[str]] = defaultdict(set)
    for p in survey_.scenario_plans:
        assert p.position.scenario is not None
        stripped = _without(p.subgraph, gone)
        if stripped is not p.subgraph:  # only a subgraph the bundles reach is planned again
            planned: Iterable[str] = (m.id for m in plan(stripped, p.position, {}).matters)
        else:
            planned = p.matters
        by_scenario.setdefault(p.position.scenario, set()).update(planned)
        industries_of[p.position.scenario].add(p.position.industry)
    pair_scenarios: Counter[tuple[str, str]] = Counter()
    by_industry: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for scenario, matters in by_scenario.items():
        ordered = sorted(matters)
        pairs = [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]]
        pair_scenarios.update(pairs)
        for industry in industries_of[scenario]:
            by_industry[industry].update(pairs)
    pair_industries: Counter[tuple[str, str]] = Counter()
    for held in by_industry.values():
        pair_industries.update(held)
    graph = nx.Graph()
    graph.add_nodes_from(sorted({m for ms in by_scenario.values() for m in ms}))
    for a, b in sorted(pair_scenarios):
        graph.add_edge(a, b, weight=pair_scenarios[(a, b)] + pair_industries[(a, b)])
    return graph


def _louvain(graph: nx.Graph, resolution: float = 1.0) -> list[list[int]]:
    parts = nx.community.louvain_communities(graph, weight="weight", seed=0, resolution=resolution)
    return [sorted(c) for c in parts]


def _communities(graph: nx.Graph, max_size: int) -> list[list[str]]:
    """Louvain communities of `graph` (seeded), a community above `max_size` split again on its
    own subgraph at a higher resolution (or cut to its strongest members when it cannot be).

    Louvain runs on the nodes relabelled 0..n-1 in sorted order: it iterates sets of nodes, and
    a set of strings iterates in an order that changes with each process (hash randomisation),
    a set of small integers always in the same one, so the answer never changes between runs.
    """
    ids = sorted(graph.nodes)
    numbered = nx.relabel_nodes(graph, {m: i for i, m in enumerate(ids)})
    out: list[list[int]] = []
    pending = _louvain(numbered)
    while pending:
        community = pending.pop(0)
        if len(community) <= max_size:
            out.append(community)
            continue
        sub = numbered.subgraph(community)
        split: list[list[int]] = []
        for resolution in (1.5, 2.0, 3.0, 5.0, 8.0):
            parts = _louvain(sub, resolution)
            if len(parts) > 1:
                split = parts
                break
        if split:
            pending = split + pending
        else:  # cannot be split further: keep its strongest members
            strongest = sorted(community, key=lambda m: (-sub.degree(m, weight="weight"), m))
            out.append(sorted(strongest[:max_size]))
    return sorted([ids[i] for i in c] for c in out)


def candidates(
    survey_: Survey,
    *,
    limit: int = 10,
    min_size: int = 2,
    max_size: int = 16,
    leave_out: Sequence[str] = (),
) -> list[Candidate]:
    """Candidate bundles, best first (see the module doc).

    Raises:
        NotFound: a bundle of `leave_out` the catalog does not hold.
        InvalidRequest: sizes out of order.
    """
    if min_size < 2 or max_size < min_size:
        raise InvalidRequest("min_size", "need 2 <= min_size <= max_size")
    atlas = survey_.atlas
    graph = cooccurrence(survey_, leave_out)
    found: list[Candidate] = []
    for community in _communities(graph, max_size):
        if len(community) < min_size:
            continue
        proposal = plan_proposal(atlas, community)
        served = _served(survey_, set(community))
        support = float(graph.subgraph(community).size(weight="weight"))
        found.append(
            Candidate(
                rank=0,
                matters=proposal.matters,
                scenarios=_scenario_refs(atlas, served),
                industries=sorted(
                    {
                        Ref(i, survey_.industries[i].name)
                        for i in {p.position.industry for p in served}
                    },
                    key=lambda r: r.id,
                ),
                positions=len(served),
                departments=proposal.departments,
                lead=proposal.lead,
                lead_days=proposal.lead_days,
                support=support,
                savings=proposal.savings,
                before=proposal.separate,
                after=proposal.bundled,
                closest_bundle=_closest(survey_, set(community)),
            )
        )
    found.sort(
        key=lambda c: (
            -_saved(c.savings),
            -(c.savings.days_before - c.savings.days_after),
            -c.support,
            c.matters[0].id,
        )
    )
    return [replace(c, rank=i + 1) for i, c in enumerate(found[:limit])]


def _saved(s: Savings) -> int:
    return (
        (s.materials_before - s.materials_after)
        + (s.visits_before - s.visits_after)
        + (s.steps_before - s.steps_after)
    )


def _scenario_refs(atlas: Atlas, served: Iterable[Surveyed]) -> list[Ref]:
    ids = sorted({p.position.scenario for p in served if p.position.scenario})
    return [Ref(s, atlas.scenarios[s].name if s in atlas.scenarios else s) for s in ids]


def _closest(survey_: Survey, matters: set[str]) -> BundleOverlap | None:
    atlas = survey_.atlas
    best: BundleOverlap | None = None
    for b in sorted({b for m in matters for b in survey_.bundles_of.get(m, ())}):
        members = set(atlas.bundle_matters.get(b, []))
        shared = len(members & matters)
        if not shared:
            continue
        jaccard = round(shared / len(members | matters), 3)
        if best is None or jaccard > best.jaccard:
            best = BundleOverlap(Ref(b, atlas.bundles[b].name), jaccard, shared)
    return best


@dataclass(frozen=True, slots=True)
class Recovery:
    """How well the candidate search finds an existing bundle: the community overlapping its
    matters most (Jaccard), with the bundle in the catalog (`present`) and with it removed from
    every subgraph before planning (`left_out`, leave-one-out; None when not asked)."""

    bundle: Ref
    matters: int
    present: BundleOverlap | None
    left_out: BundleOverlap | None


def recovery(
    survey_: Survey,
    bundle_ids: Sequence[str],
    *,
    leave_one_out: bool = True,
    max_size: int = 16,
) -> list[Recovery]:
    """Whether the candidate search finds each of `bundle_ids` (see Recovery).

    Raises:
        NotFound: a bundle the catalog does not hold.
    """
    atlas = survey_.atlas
    for b in bundle_ids:
        if b not in atlas.bundles:
            raise NotFound("bundle", b)
    present = _communities(cooccurrence(survey_), max_size)
    out = []
    for b in bundle_ids:
        left = (
            _best_overlap(survey_, b, _communities(cooccurrence(survey_, [b]), max_size))
            if leave_one_out
            else None
        )
        out.append(
            Recovery(
                Ref(b, atlas.bundles[b].name),
                len(atlas.bundle_matters.get(b, [])),
                _best_overlap(survey_, b, present),
                left,
            )
        )
    return out


def _best_overlap(
    survey_: Survey, bundle_id: str, communities: list[list[str]]
) -> BundleOverlap | None:
    members = set(survey_.atlas.bundle_matters.get(bundle_id, []))
    best: BundleOverlap | None = None
    name = survey_.atlas.bundles[bundle_id].name
    for community in communities:
        shared = len(members & set(community))
        if not shared:
            continue
        jaccard = round(shared / len(members | set(community)), 3)
        if best is None or jaccard > best.jaccard:
            best = BundleOverlap(Ref(bundle_id, name), jaccard, shared)
    return best


# ----------------------------------------------------------------------------- what-if


@dataclass(frozen=True, slots=True)
class PlanFigures:
    matters: int
    materials: int
    visits: int
    steps: int
    days: int
    elapsed_days: int


@dataclass(frozen=True, slots=True)
class PositionChange:
    industry: str
    stage: str
    scenario: str | None
    matters_added: list[Ref]
    matters_removed: list[Ref]
    materials_added: list[Ref]
    materials_removed: list[Ref]
    bundles_added: list[Ref]
    bundles_removed: list[Ref]
    before: PlanFigures
    after: PlanFigures


@dataclass(frozen=True, slots=True)
class WhatIf:
    base: Ref | None  # the existing bundle changed, if any
    matters: list[Ref]  # the proposal's matters
    added: list[Ref]
    removed: list[Ref]
    lead: Ref
    mode: str
    departments_before: list[Ref]
    departments_after: list[Ref]
    before: Figures
    after: Figures
    savings: Savings
    serves: list[Ref]  # the scenarios the bundle serves
    positions: list[PositionChange]  # only those whose recommendation changes


def what_if(
    survey_: Survey,
    *,
    matters: Sequence[str] = (),
    bundle: str | None = None,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    mode: BundleMode | None = None,
    scenarios: Sequence[str] | None = None,
) -> WhatIf:
    """A proposed bundle before and after (see the module doc).

    With `bundle`: that bundle's matters plus `add` minus `remove` (before: the bundle as it is);
    else `matters` plus `add` minus `remove` (before: each matter its own application).

    Raises:
        NotFound: an unknown matter, bundle or scenario.
        InvalidRequest: an empty or oversized proposal, a matter of another party, a removal of
            a matter the proposal does not hold, both `matters` and `bundle`.
    """
    atlas = survey_.atlas
    base: Bundle | None = None
    if bundle is not None and matters:
        raise InvalidRequest("matters", "name matters or a bundle to change, not both")
    if bundle is not None:
        if bundle not in atlas.bundles:
            raise NotFound("bundle", bundle)
        base = atlas.bundles[bundle]
        start = [m for m in atlas.bundle_matters.get(bundle, []) if not atlas.matters[m].party]
    else:
        start = list(matters)
    start_ids = _check_matters(atlas, start, "matters")
    added = _check_matters(atlas, add, "add")
    removed = _check_matters(atlas, [m for m in remove if m in atlas.matters], "remove")
    for m in remove:
        if m not in atlas.matters:
            raise NotFound("matter", m)
        if m not in start_ids and m not in added:
            raise InvalidRequest("remove", f"matter '{m}' is not in the proposal")
    final = sorted((set(start_ids) | set(added)) - set(removed))
    if not final:
        raise InvalidRequest("matters", "the proposal holds no matter")
    chosen_mode = mode if mode is not None else (base.mode if base else BundleMode.NONE)
    lead = base.lead_department_id if base else None
    after = plan_proposal(
        atlas,
        final,
        mode=chosen_mode,
        lead=lead,
        name=base.name if base else "拟集成一件事",
        promised_days=base.promised_days if base and chosen_mode == base.mode else None,
    )
    if base is not None:
        before_prop = plan_proposal(
            atlas,
            start_ids,
            mode=base.mode,
            lead=base.lead_department_id,
            name=base.name,
            promised_days=base.promised_days,
        )
        before = before_prop.bundled
        departments_before = before_prop.departments
    else:
        before = after.separate
        departments_before = after.departments
    # The scenarios it serves.
    if scenarios is not None:
        for s in scenarios:
            if s not in atlas.scenarios:
                raise NotFound("scenario", s)
        serves = set(scenarios)
    elif base is not None:
        serves = {s for s, bs in atlas.scenario_bundles.items() if base.id in bs}
    else:
        serves = {
            p.position.scenario
            for p in _served(survey_, set(final))
            if p.position.scenario is not None
        }
    new_bundle = Bundle(
        base.id if base else PROPOSAL_ID,
        base.name if base else "拟集成一件事",
        base.kind if base else BundleKind.ONE_THING,
        after.lead.id,
        base.family_id if base else None,
        base.industry_id if base else None,
        base.description if base else "",
        base.source if base else "analytics",
        chosen_mode,
        base.promised_days if base and chosen_mode == base.mode else None,
    )
    changes = _changes(survey_, new_bundle, final, serves)
    return WhatIf(
        base=Ref(base.id, base.name) if base else None,
        matters=after.matters,
        added=[atlas.ref(m) for m in added if m not in start_ids],
        removed=[atlas.ref(m) for m in removed],
        lead=after.lead,
        mode=str(chosen_mode),
        departments_before=departments_before,
        departments_after=after.departments,
        before=before,
        after=after.bundled,
        savings=after.savings,
        serves=[Ref(s, atlas.scenarios[s].name) for s in sorted(serves)],
        positions=changes,
    )


def _with_bundle(
    atlas: Atlas, sub: PositionSubgraph, bundle: Bundle, members: list[str], serves: set[str]
) -> PositionSubgraph:
    """`sub` with `bundle` (replacing one of the same id) including `members` and serving those of
    `serves` the subgraph reaches; the records of matters it brings in come from the atlas."""
    scenario_ids = {link.a for link in sub.scenario_matters} | {
        link.a for link in sub.scenario_bundles
    }
    if sub.stage is not None:
        scenario_ids |= set(sub.stage_scenarios)
    serving = sorted(serves & scenario_ids)
    scenario_bundles = [link for link in sub.scenario_bundles if link.b != bundle.id]
    scenario_bundles += [Link(s, bundle.id, "") for s in serving]
    if not any(link.b == bundle.id for link in scenario_bundles):
        return sub
    bundle_matters = [link for link in sub.bundle_matters if link.a != bundle.id]
    bundle_matters += [Link(bundle.id, m, "") for m in members]
    bundles = sorted([b for b in sub.bundles if b.id != bundle.id] + [bundle], key=lambda b: b.id)
    matters = dict(sub.matters)
    new = [m for m in members if m not in matters]
    # The questions deciding a brought-in matter, with every effect of theirs (as a store fetches).
    deciding = sorted(
        {e.condition_id for e in atlas.effects if e.target_kind == "matter" and e.target_id in new}
        - {c.id for c in sub.conditions}
    )
    effects = list(sub.condition_effects) + sorted(
        (e for e in atlas.effects if e.condition_id in deciding),
        key=lambda e: (e.condition_id, e.option, e.target_kind, e.target_id),
    )
    reach = set(new) | {e.target_id for e in effects if e.target_kind == "matter"}
    new = sorted(m for m in reach if m not in matters and m in atlas.matters)
    for m in new:
        matters[m] = atlas.matters[m]
    matter_materials = list(sub.matter_materials) + [
        Link(m, x, "") for m in new for x in atlas.matter_materials.get(m, [])
    ]
    prerequisites = list(sub.prerequisites) + [
        Link(m, r, "") for m in new for r in atlas.prerequisites.get(m, [])
    ]
    material_ids = {link.b for link in matter_materials} | {
        e.target_id for e in effects if e.target_kind == "material"
    }
    conditions = sorted(
        list(sub.conditions) + [atlas.conditions[c] for c in deciding], key=lambda c: c.id
    )
    asking = {c.scenario_id for c in conditions}
    scenarios = {s.id: s for s in sub.scenarios}
    scenarios.update((s, atlas.scenarios[s]) for s in asking if s in atlas.scenarios)
    return replace(
        sub,
        scenarios=[scenarios[s] for s in sorted(scenarios)],
        bundles=bundles,
        matters=dict(sorted(matters.items())),
        departments={
            d: atlas.departments[d] for d in sorted({m.department_id for m in matters.values()})
        },
        materials={m: atlas.materials[m] for m in sorted(material_ids)},
        conditions=conditions,
        condition_effects=effects,
        scenario_bundles=scenario_bundles,
        bundle_matters=bundle_matters,
        matter_materials=matter_materials,
        prerequisites=prerequisites,
        outside_prerequisites={
            link.b: atlas.name(link.b) for link in prerequisites if link.b not in matters
        },
    )


def _plan_figures(rec: Recommendation) -> PlanFigures:
    s = rec.savings
    return PlanFigures(
        len(rec.matters),
        s.materials_after,
        s.visits_after,
        s.steps_after,
        rec.estimate.parallel_days,
        rec.estimate.elapsed_days,
    )


def _changes(
    survey_: Survey, bundle: Bundle, members: list[str], serves: set[str]
) -> list[PositionChange]:
    atlas = survey_.atlas
    out = []
    for p in survey_.positions:
        sub = _with_bundle(atlas, p.subgraph, bundle, members, serves)
        if sub is p.subgraph:
            continue
        after = plan(sub, p.position, {})
        before = p.plan
        if after == before:
            continue
        mb, ma = {m.id for m in before.matters}, {m.id for m in after.matters}
        xb = {m.id: m.name for m in before.materials}
        xa = {m.id: m.name for m in after.materials}
        bb = {b.id: b.name for b in before.bundles}
        ba = {b.id: b.name for b in after.bundles}
        out.append(
            PositionChange(
                industry=p.position.industry,
                stage=p.position.stage,
                scenario=p.position.scenario,
                matters_added=[atlas.ref(m) for m in sorted(ma - mb)],
                matters_removed=[atlas.ref(m) for m in sorted(mb - ma)],
                materials_added=[Ref(m, xa[m]) for m in sorted(set(xa) - set(xb))],
                materials_removed=[Ref(m, xb[m]) for m in sorted(set(xb) - set(xa))],
                bundles_added=[Ref(b, ba[b]) for b in sorted(set(ba) - set(bb))],
                bundles_removed=[Ref(b, bb[b]) for b in sorted(set(bb) - set(ba))],
                before=_plan_figures(before),
                after=_plan_figures(after),
            )
        )
    return out


# ----------------------------------------------------------------------------- bottlenecks


@dataclass(frozen=True, slots=True)
class DepartmentLoad:
    department: Ref
    paths: int  # plans whose critical path it is on
    days: int  # working days its steps contribute, summed over those plans
    matters: list[str]


@dataclass(frozen=True, slots=True)
class MatterLoad:
    matter: Ref
    department: Ref
    paths: int
    days: int


@dataclass(frozen=True, slots=True)
class MaterialDemand:
    material: Ref
    plans: int  # default plans asking it
    matters: int  # matters asking it
    shared: bool  # already 免提交
    commitment: bool


@dataclass(frozen=True, slots=True)
class OfflineMatter:
    matter: Ref
    department: Ref
    plans: int
    visits: int


@dataclass(frozen=True, slots=True)
class Bottlenecks:
    plans: int  # scenario positions analysed
    departments: list[DepartmentLoad]
    matters: list[MatterLoad]
    materials: list[MaterialDemand]
    offline: list[OfflineMatter]


def bottlenecks(survey_: Survey, *, limit: int = 10) -> Bottlenecks:
    """What holds the default plans of every scenario position up (see the module doc)."""
    atlas = survey_.atlas
    dept_days: Counter[str] = Counter()
    dept_paths: Counter[str] = Counter()
    dept_matters: dict[str, set[str]] = defaultdict(set)
    matter_days: Counter[str] = Counter()
    matter_paths: Counter[str] = Counter()
    material_plans: Counter[str] = Counter()
    offline_plans: Counter[str] = Counter()
    plans = survey_.scenario_plans
    for p in plans:
        rec = p.plan
        critical_steps = {m.step for m in rec.matters if m.critical}
        on_path: set[str] = set()
        for phase in rec.department_path:
            for step in phase.steps:
                if step.id not in critical_steps:
                    continue
                dept = step.lead.id
                dept_days[dept] += step.elapsed_days
                on_path.add(dept)
                dept_matters[dept].update(step.matters)
                for m in step.matters:
                    planned = next(x for x in rec.matters if x.id == m)
                    matter_days[m] += min(planned.elapsed_days, step.elapsed_days)
                    matter_paths[m] += 1
        for dept in on_path:
            dept_paths[dept] += 1
        for material in rec.materials:
            material_plans[material.id] += 1
        for pm in rec.matters:
            if not pm.online:
                offline_plans[pm.id] += 1
    asked_by: Counter[str] = Counter()
    for matter, asked in atlas.matter_materials.items():
        if matter in atlas.matters:
            for x in asked:
                asked_by[x] += 1
    departments = [
        DepartmentLoad(atlas.department(d), dept_paths[d], dept_days[d], sorted(dept_matters[d]))
        for d in sorted(dept_days, key=lambda d: (-dept_days[d], -dept_paths[d], d))
    ]
    matters = [
        MatterLoad(
            atlas.ref(m),
            atlas.department(atlas.matters[m].department_id),
            matter_paths[m],
            matter_days[m],
        )
        for m in sorted(matter_days, key=lambda m: (-matter_days[m], -matter_paths[m], m))
    ]
    materials = [
        MaterialDemand(
            Ref(x, atlas.materials[x].name),
            material_plans[x],
            asked_by[x],
            atlas.materials[x].shared,
            atlas.materials[x].commitment,
        )
        for x in sorted(material_plans, key=lambda x: (-material_plans[x], -asked_by[x], x))
    ]
    offline = [
        OfflineMatter(
            atlas.ref(m),
            atlas.department(atlas.matters[m].department_id),
            offline_plans[m],
            atlas.matters[m].visits,
        )
        for m in sorted(offline_plans, key=lambda m: (-offline_plans[m], m))
    ]
    return Bottlenecks(
        len(plans), departments[:limit], matters[:limit], materials[:limit], offline[:limit]
    )


# ----------------------------------------------------------------------------- position diff


@dataclass(frozen=True, slots=True)
class PositionDiff:
    industry: Ref
    from_stage: Ref
    to_stage: Ref
    new_matters: list[Ref]  # in the next stage's plan, not in this one's
    continued_matters: list[Ref]  # in both
    done_matters: list[Ref]  # only in this stage's
    materials_held: list[Ref]  # the next stage asks for materials it already submitted
    new_materials: list[Ref]
    departments_again: list[Ref]  # met at both stages
    new_departments: list[Ref]
    prerequisites_met: list[Ref]  # the next stage's held prerequisites this stage plans
    before: PlanFigures
    after: PlanFigures


def position_diff(survey_: Survey, industry: str, from_stage: str, to_stage: str) -> PositionDiff:
    """What changes for an enterprise of `industry` moving from one stage to another.

    Raises:
        NotFound: an unknown industry or stage.
        InvalidRequest: a stage of another industry, or the same stage twice.
    """
    if industry not in survey_.industries:
        raise NotFound("industry", industry)
    stages = []
    for name, stage_id in (("from_stage", from_stage), ("to_stage", to_stage)):
        if stage_id not in survey_.stages:
            raise NotFound("stage", stage_id)
        owner, stage = survey_.stages[stage_id]
        if owner.id != industry:
            raise InvalidRequest(
                name, f"stage '{stage_id}' belongs to industry '{owner.id}', not '{industry}'"
            )
        stages.append(stage)
    if from_stage == to_stage:
        raise InvalidRequest("to_stage", "the two stages are the same")
    whole = {
        p.position.stage: p.plan
        for p in survey_.positions
        if p.position.scenario is None and p.position.industry == industry
    }
    a, b = whole[from_stage], whole[to_stage]
    atlas = survey_.atlas
    ma, mb = {m.id for m in a.matters}, {m.id for m in b.matters}
    xa = {x.id: x.name for x in a.materials}
    xb = {x.id: x.name for x in b.materials}
    da = {m.department.id for m in a.matters}
    db = {m.department.id for m in b.matters}
    return PositionDiff(
        industry=Ref(industry, survey_.industries[industry].name),
        from_stage=Ref(stages[0].id, stages[0].name),
        to_stage=Ref(stages[1].id, stages[1].name),
        new_matters=[atlas.ref(m) for m in sorted(mb - ma)],
        continued_matters=[atlas.ref(m) for m in sorted(ma & mb)],
        done_matters=[atlas.ref(m) for m in sorted(ma - mb)],
        materials_held=[Ref(x, xb[x]) for x in sorted(set(xa) & set(xb))],
        new_materials=[Ref(x, xb[x]) for x in sorted(set(xb) - set(xa))],
        departments_again=[atlas.department(d) for d in sorted(da & db)],
        new_departments=[atlas.department(d) for d in sorted(db - da)],
        prerequisites_met=[atlas.ref(h.id) for h in b.prerequisites_held if h.id in ma],
        before=_plan_figures(a),
        after=_plan_figures(b),
    )
