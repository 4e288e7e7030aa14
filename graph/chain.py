"""The chain map as data: industry -> stages -> scenarios -> bundles -> matters -> departments.

Nodes carry their level (0..5, left to right), the stages they belong to (for filtering) and the
key fields of their record as plain text; edges carry the schema relationship they stand for.
Built only from GraphStore calls, so every backend draws the same map. `fold` shrinks a map
that is too big to read by dropping whole levels and linking across them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from graph.model import Bundle, Department, Industry, Matter, Position, Scenario, Stage
from graph.store import GraphStore

LEVELS = ("industry", "stage", "scenario", "bundle", "matter", "department")
LEVEL_OF = {t: i for i, t in enumerate(LEVELS)}
BUNDLE_KINDS = {
    "chain_special": "产业链特色一件事",
    "one_thing": "一件事",
    "one_category": "一类事",
}


@dataclass(frozen=True, slots=True)
class ChainNode:
    """One record on the map; `id` is `<type>:<record id>` since ids are unique per table only."""

    id: str
    type: str
    record_id: str
    name: str
    level: int
    stages: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]  # (Chinese label, value) for the tooltip, in order


@dataclass(frozen=True, slots=True)
class ChainEdge:
    """`kind` is a schema relationship, or LINKS for an edge standing in for folded levels."""

    source: str
    target: str
    kind: str
    note: str = ""  # e.g. the question whose answer adds the matter
    via: tuple[str, ...] = ()  # names of the folded matters this edge stands for


@dataclass(slots=True)
class ChainMap:
    title: str
    stages: list[tuple[str, str]]  # (stage id, "industry · stage") in chain order, for filters
    nodes: list[ChainNode]
    edges: list[ChainEdge]
    folded: dict[str, int] = field(default_factory=dict)  # type -> records folded into edges
    requires: list[tuple[str, str]] = field(default_factory=list)  # (matter, its prerequisite)

    def counts(self) -> dict[str, int]:
        """Nodes drawn per type, in level order (zero for a level that is folded or empty)."""
        out = dict.fromkeys(LEVELS, 0)
        for node in self.nodes:
            out[node.type] += 1
        return out


class _Builder:
    def __init__(self) -> None:
        self.nodes: dict[str, ChainNode] = {}
        self.stages: dict[str, set[str]] = {}
        self.edges: dict[tuple[str, str, str], ChainEdge] = {}
        self.requires: dict[tuple[str, str], None] = {}

    def node(
        self, kind: str, record_id: str, name: str, stage: str, fields: list[tuple[str, str]]
    ) -> str:
        node_id = f"{kind}:{record_id}"
        if node_id not in self.nodes:
            self.nodes[node_id] = ChainNode(
                node_id, kind, record_id, name, LEVEL_OF[kind], (), tuple(fields)
            )
        self.stages.setdefault(node_id, set()).add(stage)
        return node_id

    def edge(self, source: str, target: str, kind: str, note: str = "") -> None:
        self.edges.setdefault((source, target, kind), ChainEdge(source, target, kind, note))


def chain_map(store: GraphStore, industry_id: str | None = None) -> ChainMap:
    """The chain map of one industry, or of the whole catalog when `industry_id` is None.

    Raises:
        NotFound: the industry id is unknown.
    """
    store = store.pinned()  # many calls, one catalog, even if a load switches meanwhile
    industry_ids = (
        [industry_id] if industry_id is not None else [i.id for i, _ in store.list_industries()]
    )
    b = _Builder()
    stage_options: list[tuple[str, str]] = []
    lead_names: dict[str, str] = {}
    title = "全部产业"
    for iid in industry_ids:
        detail = store.industry_detail(iid)
        industry = detail.industry
        if industry_id is not None:
            title = industry.name
        for stage_detail in detail.stages:
            stage = stage_detail.stage
            stage_options.append((stage.id, f"{industry.name} · {stage.name}"))
            sub = store.position_subgraph(Position(iid, stage.id))
            ind = b.node(
                "industry", industry.id, industry.name, stage.id, _industry_fields(industry)
            )
            st = b.node("stage", stage.id, stage.name, stage.id, _stage_fields(stage, industry))
            b.edge(ind, st, "HAS_STAGE")
            departments = dict(sub.departments)
            for bundle in sub.bundles:
                if bundle.lead_department_id not in departments:
                    lead_names.setdefault(
                        bundle.lead_department_id,
                        store.department_detail(bundle.lead_department_id).department.name,
                    )
            names = {d.id: d.name for d in departments.values()} | lead_names
            scenario_ids: dict[str, str] = {}
            for scenario in sub.scenarios:
                scenario_ids[scenario.id] = b.node(
                    "scenario", scenario.id, scenario.name, stage.id, _scenario_fields(scenario)
                )
                b.edge(st, scenario_ids[scenario.id], "HAS_SCENARIO")
            bundles = {bd.id: bd for bd in sub.bundles}
            members = {bid: 0 for bid in bundles}
            for link in sub.bundle_matters:
                members[link.a] += 1
            bundle_ids = {
                bid: b.node(
                    "bundle",
                    bid,
                    bd.name,
                    stage.id,
                    _bundle_fields(bd, names[bd.lead_department_id], members[bid]),
                )
                for bid, bd in bundles.items()
            }
            matter_ids: dict[str, str] = {}
            for mid, matter in sub.matters.items():
                department = departments[matter.department_id]
                matter_ids[mid] = b.node(
                    "matter", mid, matter.name, stage.id, _matter_fields(matter, department)
                )
                dep = b.node(
                    "department",
                    department.id,
                    department.name,
                    stage.id,
                    _department_fields(department),
                )
                b.edge(matter_ids[mid], dep, "HANDLED_BY")
            for link in sub.scenario_bundles:
                b.edge(scenario_ids[link.a], bundle_ids[link.b], "SERVED_BY")
            for link in sub.bundle_matters:
                b.edge(bundle_ids[link.a], matter_ids[link.b], "INCLUDES")
            for link in sub.scenario_matters:
                b.edge(scenario_ids[link.a], matter_ids[link.b], "NEEDS")
            for link in sub.prerequisites:
                if link.a in matter_ids and link.b in matter_ids:
                    b.requires[(matter_ids[link.a], matter_ids[link.b])] = None
            questions = {c.id: c for c in sub.conditions}
            for effect in sub.condition_effects:
                if effect.target_kind != "matter":
                    continue
                condition = questions[effect.condition_id]
                b.edge(
                    scenario_ids[condition.scenario_id],
                    matter_ids[effect.target_id],
                    "ADDS",
                    f"{condition.question}：{effect.option}",
                )
    handled: dict[str, int] = {}
    for _, target, kind in b.edges:
        if kind == "HANDLED_BY":
            handled[target] = handled.get(target, 0) + 1
    nodes = [
        ChainNode(
            n.id,
            n.type,
            n.record_id,
            n.name,
            n.level,
            tuple(s for s, _ in stage_options if s in b.stages[n.id]),
            n.fields + ((("本图事项数", str(handled[n.id])),) if n.id in handled else ()),
        )
        for n in b.nodes.values()
    ]
    return ChainMap(title, stage_options, nodes, list(b.edges.values()), requires=list(b.requires))


def fold(chain: ChainMap, types: Collection[str]) -> ChainMap:
    """Drop the nodes of `types`; link each kept node to the kept nodes it reached through them.

    A new edge is a LINKS edge whose `via` names the folded matters on the way, so a tooltip
    can still say which matters a scenario -> department link stands for.
    """
    dropped = {n.id for n in chain.nodes if n.type in types}
    if not dropped:
        return chain
    names = {n.id: n.name for n in chain.nodes}
    kinds = {n.id: n.type for n in chain.nodes}
    out_edges: dict[str, list[ChainEdge]] = {}
    for e in chain.edges:
        out_edges.setdefault(e.source, []).append(e)

    edges: dict[tuple[str, str, str], ChainEdge] = {}
    via: dict[tuple[str, str], set[str]] = {}
    for e in chain.edges:
        if e.source in dropped:
            continue
        if e.target not in dropped:
            edges.setdefault((e.source, e.target, e.kind), e)
            continue
        # Walk through the dropped nodes below this edge to the kept ones they lead to.
        stack, seen = [e.target], {e.target}
        while stack:
            current = stack.pop()
            for nxt in out_edges.get(current, []):
                if nxt.target in dropped:
                    if nxt.target not in seen:
                        seen.add(nxt.target)
                        stack.append(nxt.target)
                    continue
                key = (e.source, nxt.target)
                via.setdefault(key, set()).update(
                    {current} if kinds[current] == "matter" else set()
                )
    for (source, target), matters in via.items():
        edges.setdefault(
            (source, target, "LINKS"),
            ChainEdge(source, target, "LINKS", "", tuple(sorted(names[m] for m in matters))),
        )
    folded = dict(chain.folded)
    for node in chain.nodes:
        if node.id in dropped:
            folded[node.type] = folded.get(node.type, 0) + 1
    return ChainMap(
        chain.title,
        chain.stages,
        [n for n in chain.nodes if n.id not in dropped],
        list(edges.values()),
        folded,
        [(a, b) for a, b in chain.requires if a not in dropped and b not in dropped],
    )


def _industry_fields(i: Industry) -> list[tuple[str, str]]:
    return [("类型", "产业"), ("说明", i.description), ("来源", i.source)]


def _stage_fields(s: Stage, industry: Industry) -> list[tuple[str, str]]:
    return [("类型", "阶段"), ("产业", industry.name), ("顺序", str(s.order)), ("来源", s.source)]


def _scenario_fields(s: Scenario) -> list[tuple[str, str]]:
    return [("类型", "应用场景"), ("说明", s.description), ("来源", s.source)]


def _bundle_fields(b: Bundle, lead: str, matters: int) -> list[tuple[str, str]]:
    return [
        ("类型", BUNDLE_KINDS.get(str(b.kind), str(b.kind))),
        ("牵头部门", lead),
        ("事项数", str(matters)),
        ("说明", b.description),
        ("来源", b.source),
    ]


def _matter_fields(m: Matter, d: Department) -> list[tuple[str, str]]:
    return [
        ("类型", f"事项 · {m.type}"),
        ("编码", m.code),
        ("层级", m.level),
        ("办理部门", d.name),
        ("法定时限", f"{m.legal_days} 个工作日"),
        ("承诺时限", f"{m.promised_days} 个工作日"),
        ("跑动次数", str(m.visits)),
        ("网上办理", "是" if m.online else "否"),
        ("收费", "免费" if m.fee == 0 else f"{m.fee:g} 元"),
        ("来源", m.source),
    ]


def _department_fields(d: Department) -> list[tuple[str, str]]:
    return [("类型", "部门"), ("层级", d.level), ("来源", d.source)]
