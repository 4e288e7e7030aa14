"""Neo4jStore: the GraphStore reads on Neo4j (Community, Enterprise, cluster or Aura).

Every statement goes through one Executor (graph/stores/neo4j/executor.py). Catalogs are stored
as generations (loads.py): each read statement serves the current one, or the one a pinned
view was bound to; a pinned view passes that generation to every call it makes.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

import neo4j

from graph.errors import NotFound
from graph.model import (
    Bundle,
    BundleDetail,
    Catalog,
    CentreDetail,
    Condition,
    ConditionEffect,
    Department,
    DepartmentDetail,
    Guide,
    Industry,
    IndustryDetail,
    Link,
    Material,
    Matter,
    MatterDetail,
    MatterPlace,
    Position,
    PositionSubgraph,
    Scenario,
    SearchHit,
    ServiceCentre,
    Stage,
    StageDetail,
)
from graph.search import matter_search_text
from graph.store import LoadReport
from graph.stores.neo4j import cypher
from graph.stores.neo4j.executor import Executor
from graph.stores.neo4j.loads import ProgressFn, load_generation
from graph.tables import LABELS, RELATIONSHIPS, TABLES, from_properties

log = logging.getLogger("chainkg.neo4j")
T = TypeVar("T")


_TABLE_OF_RECORD = {t.record: t for t in TABLES if t.is_entity}


def _record(cls: type[T], props: dict[str, Any]) -> T:
    """Rebuild a model record from node properties (graph.tables.from_properties)."""
    record: T = from_properties(_TABLE_OF_RECORD[cls], props)
    return record


def _sorted(records: Iterable[T]) -> list[T]:
    unique = {r.id: r for r in records}  # type: ignore[attr-defined]
    return [unique[k] for k in sorted(unique)]


class Neo4jStore:
    """GraphStore on Neo4j 5 over one Executor."""

    def __init__(self, executor: Executor, *, switch_grace_s: float = 2.0) -> None:
        self._x = executor
        self.switch_grace_s = switch_grace_s
        self._load_token = uuid.uuid4().hex  # this store's loads hold the lease under it
        self._loading = threading.Lock()  # one load at a time from this store

    @property
    def executor(self) -> Executor:
        return self._x

    def close(self) -> None:
        self._x.close()

    def pinned(self) -> Neo4jStore:
        """A view reading the generation served now for its whole life (multi-statement reads)."""
        if self._x.gen is not None:
            return self
        view = Neo4jStore(self._x.pinned(), switch_grace_s=self.switch_grace_s)
        view._load_token = self._load_token
        return view

    def ping(self) -> None:
        self._x.ping()

    def catalog_version(self) -> str:
        return self._x.served_version()

    def replace_catalog(self, catalog: Catalog, progress: ProgressFn | None = None) -> LoadReport:
        """Load `catalog` as a new generation and switch to it atomically (loads.py)."""
        with self._loading:
            return load_generation(
                self._x, catalog, progress, self.switch_grace_s, self._load_token
            )

    def _read(self, statement: str, /, **params: Any) -> list[neo4j.Record]:
        return self._x.read(statement, **params)

    # --- reading -----------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        rows = self._read(cypher.NODE_COUNTS)
        if not rows:
            return {}
        labels = {label: c for label, c in zip(LABELS, rows[0]["counts"], strict=True) if c}
        rels = {
            r["name"]: r["c"]
            for r in self._read(cypher.REL_COUNTS, types=list(RELATIONSHIPS))
            if r["c"]
        }
        return {**dict(sorted(labels.items())), **dict(sorted(rels.items()))}

    def list_industries(self) -> list[tuple[Industry, list[Stage]]]:
        out = []
        for r in self._read(cypher.LIST_INDUSTRIES):
            stages = [_record(Stage, s) for s in r["stages"]]
            out.append(
                (_record(Industry, r["industry"]), sorted(stages, key=lambda s: (s.order, s.id)))
            )
        return out

    def industry_detail(self, industry_id: str) -> IndustryDetail:
        rows = self._read(cypher.INDUSTRY_DETAIL, id=industry_id)
        if not rows:
            raise NotFound("industry", industry_id)
        r = rows[0]
        stages = []
        for s in r["stages"]:
            stages.append(
                StageDetail(
                    stage=_record(Stage, s["stage"]),
                    scenarios=_sorted(_record(Scenario, x) for x in s["scenarios"]),
                    bundles=_sorted(_record(Bundle, x) for x in s["bundles"]),
                )
            )
        stages.sort(key=lambda d: (d.stage.order, d.stage.id))
        return IndustryDetail(industry=_record(Industry, r["industry"]), stages=stages)

    def _exists(self, label: str, record_id: str, kind: str) -> None:
        assert label in LABELS
        rows = self._read(cypher.exists(label), id=record_id)
        if not rows or not rows[0]["found"]:
            raise NotFound(kind, record_id)

    def _scenarios(self, industry_id: str | None, stage_id: str | None) -> list[Scenario]:
        if industry_id is not None:
            self._exists("Industry", industry_id, "industry")
        if stage_id is not None:
            self._exists("Stage", stage_id, "stage")
            rows = self._read(cypher.SCENARIOS_OF_STAGE, stage=stage_id, industry=industry_id)
        elif industry_id is not None:
            rows = self._read(cypher.SCENARIOS_OF_INDUSTRY, industry=industry_id)
        else:
            rows = self._read(cypher.SCENARIOS_ALL)
        return [_record(Scenario, r["s"]) for r in rows]

    def list_scenarios(self, industry_id: str | None, stage_id: str | None) -> list[Scenario]:
        return self.pinned()._scenarios(industry_id, stage_id)

    def list_bundles(
        self, industry_id: str | None, stage_id: str | None, kind: str | None
    ) -> list[Bundle]:
        if industry_id is None and stage_id is None:
            rows = self._read(cypher.BUNDLES_ALL, kind=kind)
        else:
            view = self.pinned()  # several statements: one generation
            scenarios = [s.id for s in view._scenarios(industry_id, stage_id)]
            rows = view._read(cypher.BUNDLES_OF_SCENARIOS, scenarios=scenarios, kind=kind)
        return [_record(Bundle, r["b"]) for r in rows]

    def matter_detail(self, matter_id: str) -> MatterDetail:
        rows = self._read(cypher.MATTER_DETAIL, id=matter_id)
        if not rows:
            raise NotFound("matter", matter_id)
        r = rows[0]
        return MatterDetail(
            matter=_record(Matter, r["matter"]),
            department=_record(Department, r["department"]),
            materials=_sorted(_record(Material, x) for x in r["materials"]),
            requires=_sorted(_record(Matter, x) for x in r["requires"]),
            required_by=_sorted(_record(Matter, x) for x in r["required_by"]),
            scenarios=_sorted(_record(Scenario, x) for x in r["scenarios"]),
            bundles=_sorted(_record(Bundle, x) for x in r["bundles"]),
            guides=_sorted(_record(Guide, x) for x in r["guides"]),
        )

    def department_detail(self, department_id: str) -> DepartmentDetail:
        rows = self._read(cypher.DEPARTMENT_DETAIL, id=department_id)
        if not rows:
            raise NotFound("department", department_id)
        r = rows[0]
        return DepartmentDetail(
            department=_record(Department, r["department"]),
            matters=_sorted(_record(Matter, x) for x in r["matters"]),
            leads=_sorted(_record(Bundle, x) for x in r["leads"]),
            centres=_sorted(_record(ServiceCentre, x) for x in r["centres"]),
        )

    def bundle_detail(self, bundle_id: str) -> BundleDetail:
        rows = self._read(cypher.BUNDLE_DETAIL, id=bundle_id)
        if not rows:
            raise NotFound("bundle", bundle_id)
        r = rows[0]
        departments = _sorted(_record(Department, x) for x in r["departments"])
        return BundleDetail(
            bundle=_record(Bundle, r["bundle"]),
            lead_department=_record(Department, r["lead"]),
            family=_record(Bundle, r["family"]) if r["family"] else None,
            members=_sorted(_record(Bundle, x) for x in r["members"]),
            matters=_sorted(_record(Matter, x) for x in r["matters"]),
            departments={d.id: d for d in departments},
            scenarios=_sorted(_record(Scenario, x) for x in r["scenarios"]),
            guides=_sorted(_record(Guide, x) for x in r["guides"]),
        )

    def _centres(self, centre_id: str | None) -> list[CentreDetail]:
        return [
            CentreDetail(
                centre=_record(ServiceCentre, r["centre"]),
                departments=_sorted(_record(Department, x) for x in r["departments"]),
            )
            for r in self._read(cypher.CENTRES, id=centre_id)
        ]

    def centre_detail(self, centre_id: str) -> CentreDetail:
        found = self._centres(centre_id)
        if not found:
            raise NotFound("service centre", centre_id)
        return found[0]

    def list_centres(self) -> list[CentreDetail]:
        return self._centres(None)

    def position_subgraph(self, position: Position) -> PositionSubgraph:
        rows = self._read(
            cypher.POSITION_SUBGRAPH,
            industry=position.industry,
            stage=position.stage,
            scenario=position.scenario,
        )
        if not rows:  # no catalog loaded yet: an empty subgraph
            return PositionSubgraph.empty()
        r = rows[0]
        matters = {m.id: m for m in _sorted(_record(Matter, x) for x in r["matters"])}
        prerequisites = sorted({(a, b): n for a, b, n in r["prerequisites"]}.items())
        outside = {b: n for (_, b), n in prerequisites if b not in matters}
        places = set()
        for p in r["places"]:
            if p["id"]:
                for stage_props, scenario_props in p["places"]:
                    places.add(
                        MatterPlace.of(
                            p["id"], _record(Stage, stage_props), _record(Scenario, scenario_props)
                        )
                    )
        return PositionSubgraph(
            industry=_record(Industry, r["industry"]) if r["industry"] else None,
            stage=_record(Stage, r["stage"]) if r["stage"] else None,
            stage_scenarios=sorted(r["under"]),
            scenario_known=bool(r["scenario_exists"]),
            scenarios=_sorted(_record(Scenario, x) for x in r["scenarios"]),
            bundles=_sorted(_record(Bundle, x) for x in r["bundles"]),
            matters=matters,
            departments={
                d.id: d for d in _sorted(_record(Department, x) for x in r["departments"])
            },
            materials={m.id: m for m in _sorted(_record(Material, x) for x in r["materials"])},
            conditions=_sorted(_record(Condition, x) for x in r["conditions"]),
            condition_effects=sorted(
                {ConditionEffect(**e) for e in r["effects"]},
                key=lambda e: (e.condition_id, e.option, e.target_kind, e.target_id),
            ),
            scenario_matters=_links(r["sm"]),
            scenario_bundles=_links(r["sb"]),
            bundle_matters=_links(r["bm"]),
            matter_materials=_links(r["mm"]),
            prerequisites=[Link(a, b, "") for (a, b), _ in prerequisites],
            outside_prerequisites=outside,
            prerequisite_places=sorted(places),
        )

    def search_candidates(self, terms: list[str]) -> list[SearchHit]:
        bigrams = [t for t in terms if len(t) >= 2 and not t.isascii()]
        others = [t for t in terms if t not in bigrams]
        rows: list[neo4j.Record] = []
        if bigrams:
            # Lucene query syntax: each bigram quoted, OR-ed; the cjk analyzer indexes bigrams.
            query = " OR ".join('"' + t.replace('"', "") + '"' for t in bigrams)
            rows += self._read(cypher.SEARCH_FULLTEXT, query=query)
        if others:
            # Single characters and Latin/digit terms: substring match, as the memory backend.
            rows += self._read(cypher.SEARCH_CONTAINS, terms=others)
        hits: dict[tuple[str, str], SearchHit] = {}
        for row in rows:
            kind, n = row["kind"], row["n"]
            text = {
                "matter": matter_search_text(n.get("code", ""), n.get("keywords", "")),
                "bundle": n.get("description", ""),
                "guide": n.get("body", ""),
                "scenario": n.get("description", ""),
            }.get(kind, "")
            name = n.get("title") if kind == "guide" else n["name"]
            hits[(kind, n["id"])] = SearchHit(kind, n["id"], name, text or "")
        return list(hits.values())


def _links(pairs: list[list[str]]) -> list[Link]:
    return [Link(a, b, "") for a, b in sorted({(p[0], p[1]) for p in pairs})]
