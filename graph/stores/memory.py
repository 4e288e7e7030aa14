"""The embedded default backend: the catalog as a networkx graph in this process's memory."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import networkx as nx

from graph.errors import NotFound
from graph.model import (
    Bundle,
    BundleDetail,
    Catalog,
    CentreDetail,
    Condition,
    ConditionEffect,
    DepartmentDetail,
    Industry,
    IndustryDetail,
    Link,
    Matter,
    MatterDetail,
    MatterPlace,
    Position,
    PositionSubgraph,
    Scenario,
    SearchHit,
    Stage,
    StageDetail,
)
from graph.search import searchable_records
from graph.store import LoadReport
from graph.tables import catalog_edges, catalog_fingerprint, catalog_nodes

Node = tuple[str, str]  # (label, id)


Adjacency = dict[tuple[Node, str], tuple[str, ...]]  # (node, rel) -> neighbour ids, sorted


@dataclass(slots=True)
class _Snapshot:
    """One immutable catalog plus the graph built from it; swapped in whole."""

    catalog: Catalog
    graph: nx.MultiDiGraph
    searchable: list[SearchHit]
    effects: dict[str, list[ConditionEffect]]  # by condition id, so a fetch never scans all
    places: dict[str, list[MatterPlace]] = field(default_factory=dict)  # by matter, on demand
    # Neighbours by relationship, indexed once per load: a fetch then costs dictionary lookups,
    # not a walk over networkx's edge views (a stage-wide position asks for ~150 of them).
    outgoing: Adjacency = field(default_factory=dict)
    incoming: Adjacency = field(default_factory=dict)
    version: str = ""  # graph.tables.catalog_fingerprint of `catalog`

    def out(self, node: Node, rel: str) -> tuple[str, ...]:
        """Ids of the targets of `rel` edges leaving `node`, sorted."""
        return self.outgoing.get((node, rel), ())

    def into(self, node: Node, rel: str) -> tuple[str, ...]:
        """Ids of the sources of `rel` edges entering `node`, sorted."""
        return self.incoming.get((node, rel), ())


def adjacency(graph: nx.MultiDiGraph) -> tuple[Adjacency, Adjacency]:
    """Every node's outgoing and incoming neighbour ids per relationship, each sorted once."""
    outgoing: dict[tuple[Node, str], set[str]] = {}
    incoming: dict[tuple[Node, str], set[str]] = {}
    for source, target, rel in graph.edges(data="rel"):
        outgoing.setdefault((source, rel), set()).add(target[1])
        incoming.setdefault((target, rel), set()).add(source[1])
    return (
        {key: tuple(sorted(ids)) for key, ids in outgoing.items()},
        {key: tuple(sorted(ids)) for key, ids in incoming.items()},
    )


def build_graph(catalog: Catalog) -> nx.MultiDiGraph:
    """The property graph of the schema, as networkx nodes keyed (label, id)."""
    g = nx.MultiDiGraph()
    for label, record_id, record in catalog_nodes(catalog):
        g.add_node((label, record_id), record=record)
    for e in catalog_edges(catalog):
        g.add_edge(
            (e.source_label, e.source_id),
            (e.target_label, e.target_id),
            rel=e.type,  # not the edge key: a pair may have two ADDS edges (two options)
            **e.properties,
        )
    return g


class MemoryStore:
    """GraphStore over networkx; replace_catalog swaps one reference, so reads never mix."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self._snap = _Snapshot(Catalog(), nx.MultiDiGraph(), [], {})
        self._is_view = False
        if catalog is not None:
            self.replace_catalog(catalog)

    # --- writing -----------------------------------------------------------------------------
    def replace_catalog(
        self, catalog: Catalog, progress: Callable[[int, int], None] | None = None
    ) -> LoadReport:
        started = time.perf_counter()
        effects: dict[str, list[ConditionEffect]] = {}
        for e in catalog.condition_effects:
            effects.setdefault(e.condition_id, []).append(e)
        graph = build_graph(catalog)
        outgoing, incoming = adjacency(graph)
        snapshot = _Snapshot(
            catalog,
            graph,
            searchable_records(catalog),
            effects,
            {},
            outgoing,
            incoming,
            catalog_fingerprint(catalog) if catalog.total_rows() else "",
        )
        self._snap = snapshot  # a single reference assignment: atomic for readers
        if progress:
            progress(catalog.total_rows(), catalog.total_rows())
        return LoadReport(catalog.total_rows(), time.perf_counter() - started, 0.0)

    def pinned(self) -> MemoryStore:
        """A view on the snapshot served now; every call of the view reads that snapshot."""
        if self._is_view:
            return self
        view = MemoryStore()
        view._is_view = True
        view._snap = self._snap  # snapshots are immutable: the view keeps this one
        return view

    def ping(self) -> None:
        return None

    def catalog_version(self) -> str:
        return self._snap.version

    def close(self) -> None:
        return None

    # --- reading -----------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        snap = self._snap
        labels = Counter(label for label, _ in snap.graph.nodes)
        rels = Counter(rel for _, _, rel in snap.graph.edges(data="rel"))
        return {**dict(sorted(labels.items())), **dict(sorted(rels.items()))}

    def list_industries(self) -> list[tuple[Industry, list[Stage]]]:
        snap = self._snap
        return [
            (industry, self._stages_of(snap, industry.id))
            for industry in sorted(snap.catalog.industries.values(), key=lambda i: i.id)
        ]

    @staticmethod
    def _stages_of(snap: _Snapshot, industry_id: str) -> list[Stage]:
        stages = [snap.catalog.stages[s] for s in snap.out(("Industry", industry_id), "HAS_STAGE")]
        return sorted(stages, key=lambda s: (s.order, s.id))

    def industry_detail(self, industry_id: str) -> IndustryDetail:
        snap = self._snap
        industry = _get(snap.catalog.industries, "industry", industry_id)
        details = []
        for stage in self._stages_of(snap, industry_id):
            scenario_ids = snap.out(("Stage", stage.id), "HAS_SCENARIO")
            bundle_ids = sorted(
                {b for s in scenario_ids for b in snap.out(("Scenario", s), "SERVED_BY")}
            )
            details.append(
                StageDetail(
                    stage=stage,
                    scenarios=[snap.catalog.scenarios[s] for s in scenario_ids],
                    bundles=[snap.catalog.bundles[b] for b in bundle_ids],
                )
            )
        return IndustryDetail(industry=industry, stages=details)

    def _scenario_ids(
        self, snap: _Snapshot, industry_id: str | None, stage_id: str | None
    ) -> list[str]:
        if industry_id is not None:
            _get(snap.catalog.industries, "industry", industry_id)
        if stage_id is not None:
            stage = _get(snap.catalog.stages, "stage", stage_id)
            if industry_id is not None and stage.industry_id != industry_id:
                return []
            return list(snap.out(("Stage", stage_id), "HAS_SCENARIO"))
        if industry_id is not None:
            return sorted(
                {
                    s
                    for stage in snap.out(("Industry", industry_id), "HAS_STAGE")
                    for s in snap.out(("Stage", stage), "HAS_SCENARIO")
                }
            )
        return sorted(snap.catalog.scenarios)

    def list_scenarios(self, industry_id: str | None, stage_id: str | None) -> list[Scenario]:
        snap = self._snap
        return [snap.catalog.scenarios[s] for s in self._scenario_ids(snap, industry_id, stage_id)]

    def list_bundles(
        self, industry_id: str | None, stage_id: str | None, kind: str | None
    ) -> list[Bundle]:
        snap = self._snap
        if industry_id is None and stage_id is None:
            ids = sorted(snap.catalog.bundles)
        else:
            scenario_ids = self._scenario_ids(snap, industry_id, stage_id)
            ids = sorted({b for s in scenario_ids for b in snap.out(("Scenario", s), "SERVED_BY")})
        bundles = [snap.catalog.bundles[b] for b in ids]
        return [b for b in bundles if kind is None or b.kind == kind]

    def matter_detail(self, matter_id: str) -> MatterDetail:
        snap = self._snap
        cat = snap.catalog
        matter = _get(cat.matters, "matter", matter_id)
        node = ("Matter", matter_id)
        return MatterDetail(
            matter=matter,
            department=cat.departments[matter.department_id],
            materials=[cat.materials[m] for m in snap.out(node, "ASKS_FOR")],
            requires=[cat.matters[m] for m in snap.out(node, "REQUIRES")],
            required_by=[cat.matters[m] for m in snap.into(node, "REQUIRES")],
            scenarios=[cat.scenarios[s] for s in snap.into(node, "NEEDS")],
            bundles=[cat.bundles[b] for b in snap.into(node, "INCLUDES")],
            guides=[cat.guides[g] for g in snap.into(node, "ABOUT")],
        )

    def department_detail(self, department_id: str) -> DepartmentDetail:
        snap = self._snap
        cat = snap.catalog
        department = _get(cat.departments, "department", department_id)
        node = ("Department", department_id)
        return DepartmentDetail(
            department=department,
            matters=[cat.matters[m] for m in snap.into(node, "HANDLED_BY")],
            leads=[cat.bundles[b] for b in snap.into(node, "LED_BY")],
            centres=[cat.service_centres[c] for c in snap.into(node, "HOSTS")],
        )

    def bundle_detail(self, bundle_id: str) -> BundleDetail:
        snap = self._snap
        cat = snap.catalog
        bundle = _get(cat.bundles, "bundle", bundle_id)
        node = ("Bundle", bundle_id)
        matters = [cat.matters[m] for m in snap.out(node, "INCLUDES")]
        return BundleDetail(
            bundle=bundle,
            lead_department=cat.departments[bundle.lead_department_id],
            family=cat.bundles[bundle.family_id] if bundle.family_id else None,
            members=[cat.bundles[b] for b in snap.into(node, "PART_OF")],
            matters=matters,
            departments={m.department_id: cat.departments[m.department_id] for m in matters},
            scenarios=[cat.scenarios[s] for s in snap.into(node, "SERVED_BY")],
            guides=[cat.guides[g] for g in snap.into(node, "ABOUT")],
        )

    def centre_detail(self, centre_id: str) -> CentreDetail:
        snap = self._snap
        centre = _get(snap.catalog.service_centres, "service centre", centre_id)
        return CentreDetail(
            centre=centre,
            departments=[
                snap.catalog.departments[d] for d in snap.out(("ServiceCentre", centre_id), "HOSTS")
            ],
        )

    def list_centres(self) -> list[CentreDetail]:
        view = self.pinned()
        return [view.centre_detail(c) for c in sorted(view._snap.catalog.service_centres)]

    def position_subgraph(self, position: Position) -> PositionSubgraph:
        snap = self._snap
        cat = snap.catalog
        under = snap.out(("Stage", position.stage), "HAS_SCENARIO")
        named = position.scenario
        scenario_ids = under if named is None else ([named] if named in cat.scenarios else [])
        scenario_matters = [
            Link(s, m, "") for s in scenario_ids for m in snap.out(("Scenario", s), "NEEDS")
        ]
        scenario_bundles = [
            Link(s, b, "") for s in scenario_ids for b in snap.out(("Scenario", s), "SERVED_BY")
        ]
        bundle_ids = sorted({link.b for link in scenario_bundles})
        bundle_matters = [
            Link(b, m, "") for b in bundle_ids for m in snap.out(("Bundle", b), "INCLUDES")
        ]
        listed = {link.b for link in scenario_matters} | {link.b for link in bundle_matters}
        # The questions the scenarios ask, and those that decide a matter they list.
        condition_ids = sorted(
            {c for s in scenario_ids for c in snap.out(("Scenario", s), "ASKS")}
            | {c for m in listed for c in snap.into(("Matter", m), "ADDS")}
        )
        conditions: list[Condition] = [cat.conditions[c] for c in condition_ids]
        effects: list[ConditionEffect] = sorted(
            (e for c in condition_ids for e in snap.effects.get(c, ())),
            key=lambda e: (e.condition_id, e.option, e.target_kind, e.target_id),
        )
        matter_ids = listed | {e.target_id for e in effects if e.target_kind == "matter"}
        matter_materials = [
            Link(m, mat, "")
            for m in sorted(matter_ids)
            for mat in snap.out(("Matter", m), "ASKS_FOR")
        ]
        material_ids = {link.b for link in matter_materials} | {
            e.target_id for e in effects if e.target_kind == "material"
        }
        prerequisites = [
            Link(m, r, "") for m in sorted(matter_ids) for r in snap.out(("Matter", m), "REQUIRES")
        ]
        outside = {
            link.b: cat.matters[link.b].name for link in prerequisites if link.b not in matter_ids
        }
        matters: dict[str, Matter] = {m: cat.matters[m] for m in sorted(matter_ids)}
        asking = {c.scenario_id for c in conditions}
        return PositionSubgraph(
            industry=cat.industries.get(position.industry),
            stage=cat.stages.get(position.stage),
            stage_scenarios=list(under),
            scenario_known=named is not None and named in cat.scenarios,
            scenarios=[cat.scenarios[s] for s in sorted(set(scenario_ids) | asking)],
            bundles=[cat.bundles[b] for b in bundle_ids],
            matters=matters,
            departments={
                d: cat.departments[d] for d in sorted({m.department_id for m in matters.values()})
            },
            materials={m: cat.materials[m] for m in sorted(material_ids)},
            conditions=conditions,
            condition_effects=effects,
            scenario_matters=scenario_matters,
            scenario_bundles=scenario_bundles,
            bundle_matters=bundle_matters,
            matter_materials=matter_materials,
            prerequisites=prerequisites,
            outside_prerequisites=outside,
            prerequisite_places=[  # sorted: by matter, then each matter's places sorted
                place
                for m in sorted({link.b for link in prerequisites})
                for place in self._places(snap, m)
            ],
        )

    @staticmethod
    def _places(snap: _Snapshot, matter_id: str) -> list[MatterPlace]:
        """Where the catalog puts a matter: each stage and scenario that reaches it (kept on the
        snapshot, which never changes)."""
        if matter_id not in snap.places:
            snap.places[matter_id] = MemoryStore._find_places(snap, matter_id)
        return snap.places[matter_id]

    @staticmethod
    def _find_places(snap: _Snapshot, matter_id: str) -> list[MatterPlace]:
        cat = snap.catalog
        node = ("Matter", matter_id)
        scenarios = set(snap.into(node, "NEEDS")) | {
            s for b in snap.into(node, "INCLUDES") for s in snap.into(("Bundle", b), "SERVED_BY")
        }
        return sorted(
            MatterPlace.of(matter_id, cat.stages[st], cat.scenarios[s])
            for s in scenarios
            for st in snap.into(("Scenario", s), "HAS_SCENARIO")
        )

    def search_candidates(self, terms: list[str]) -> list[SearchHit]:
        hits: list[SearchHit] = []
        for hit in self._snap.searchable:
            haystack = (hit.name + "\n" + hit.text).lower()
            if any(term in haystack for term in terms):
                hits.append(hit)
        return hits


T = TypeVar("T")


def _get(records: dict[str, T], kind: str, record_id: str) -> T:
    try:
        return records[record_id]
    except KeyError:
        raise NotFound(kind, record_id) from None
