"""The shared backend: the catalog graph in Neo4j, through the official driver.

One driver per store (per process); every read runs in a read transaction so a `neo4j://`
routing URI spreads reads over a cluster; `database=` is always passed. Catalogs are stored as
generations (graph/neo4j_load.py): each read statement serves the current one, or the one a
pinned view was bound to.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterable
from typing import Any, TypeVar

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import (
    DriverError,
    Neo4jError,
)

from graph import cypher
from graph.errors import BackendUnavailable, NotFound
from graph.model import (
    Bundle,
    BundleDetail,
    BundleKind,
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
    Position,
    PositionSubgraph,
    Scenario,
    SearchHit,
    ServiceCentre,
    Stage,
    StageDetail,
    StageKind,
)
from graph.neo4j_load import LoadTimes, ProgressFn, load_generation
from graph.schema import LABELS, RELATIONSHIPS
from graph.scope import resolve_position
from graph.search import matter_search_text

log = logging.getLogger("chainkg.neo4j")
T = TypeVar("T")


def _record(cls: type[T], props: dict[str, Any]) -> T:
    """Rebuild a model record from node properties (the inverse of schema.node_properties)."""
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    values: dict[str, Any] = {name: props.get(name) for name in fields}
    if cls is Stage:
        values["kind"] = StageKind(values["kind"])
    elif cls is Bundle:
        values["kind"] = BundleKind(values["kind"])
    elif cls is Condition:
        values["options"] = tuple(values["options"] or ())
    elif cls is Matter:
        values["fee"] = float(values["fee"] or 0)
    return cls(**values)


def _sorted(records: Iterable[T]) -> list[T]:
    unique = {r.id: r for r in records}  # type: ignore[attr-defined]
    return [unique[k] for k in sorted(unique)]


class Neo4jStore:
    """GraphStore on Neo4j 5 (Community, Enterprise, cluster or Aura)."""

    def __init__(self, uri: str, user: str, password: str, *, database: str = "neo4j") -> None:
        self.uri = uri
        self.database = database
        # Short timeouts: an API request must fail fast with 503 when Neo4j is down, not hang.
        try:
            self._driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=3.0,
                connection_acquisition_timeout=5.0,
                max_transaction_retry_time=1.0,
                liveness_check_timeout=30.0,
            )
        except (DriverError, ValueError, ImportError) as exc:  # a bad URI scheme or option
            raise BackendUnavailable(f"cannot use Neo4j URI '{uri}': {exc}") from exc
        self._schema_ready = False
        self._gen: int | None = None  # set on pinned views
        self._owns_driver = True
        self.switch_grace_s = 2.0
        self.last_load: LoadTimes | None = None

    def close(self) -> None:
        if self._owns_driver:
            self._driver.close()

    # --- plumbing ----------------------------------------------------------------------------
    def pinned(self) -> Neo4jStore:
        """A view reading the generation served now for its whole life (multi-statement reads)."""
        rows = self.execute_read(cypher.SERVED_GEN)
        view = copy.copy(self)
        view._gen = rows[0]["gen"] if rows else None
        view._owns_driver = False
        return view

    def _read(self, statement: str, /, **params: Any) -> list[neo4j.Record]:
        return self.execute_read(statement, gen=self._gen, **params)

    def execute_read(self, statement: str, /, **params: Any) -> list[neo4j.Record]:
        return self._execute(statement, params, RoutingControl.READ)

    def execute_write(self, statement: str, /, **params: Any) -> list[neo4j.Record]:
        return self._execute(statement, params, RoutingControl.WRITE)

    def run_auto_commit(self, statement: str, /, **params: Any) -> None:
        """For `CALL ... IN TRANSACTIONS`, which needs an auto-commit transaction."""
        try:
            with self._driver.session(database=self.database) as session:
                session.run(statement, params).consume()
        except (Neo4jError, DriverError, OSError) as exc:
            raise BackendUnavailable(f"Neo4j at {self.uri}: {exc}") from exc

    def _execute(
        self, statement: str, params: dict[str, Any], routing: RoutingControl
    ) -> list[neo4j.Record]:
        try:
            records, _, _ = self._driver.execute_query(
                statement, params, database_=self.database, routing_=routing
            )
        except (Neo4jError, DriverError, OSError) as exc:
            # Unreachable, refused, misconfigured (unknown database, bad credentials): the
            # backend cannot serve; the API answers 503 with this detail.
            raise BackendUnavailable(f"Neo4j at {self.uri}: {exc}") from exc
        return list(records)

    def ensure_schema(self) -> None:
        """Uniqueness constraints on every label's id and the CJK full-text index."""
        if self._schema_ready:
            return
        found = self.execute_read(cypher.FULLTEXT_FIELDS, name=cypher.FULLTEXT_INDEX)
        if found and sorted(found[0]["properties"]) != sorted(cypher.SEARCH_FIELDS):
            # An index from an older chainkg searches other fields: rebuild it.
            self.execute_write(cypher.DROP_FULLTEXT)
        for statement in [*cypher.constraints(), cypher.fulltext_index()]:
            self.execute_write(statement)
        self._schema_ready = True

    def ping(self) -> None:
        self.execute_read(cypher.PING)

    # --- writing -----------------------------------------------------------------------------
    def replace_catalog(self, catalog: Catalog, progress: ProgressFn | None = None) -> None:
        """Load `catalog` as a new generation and switch to it atomically (graph.neo4j_load)."""
        self.last_load = load_generation(self, catalog, progress, self.switch_grace_s)

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
        if not rows:  # no catalog loaded yet
            raise NotFound("industry", position.industry)
        r = rows[0]
        industries = {position.industry: _record(Industry, r["industry"])} if r["industry"] else {}
        stages = {position.stage: _record(Stage, r["stage"])} if r["stage"] else {}
        industry, stage, _ = resolve_position(
            position,
            industries=industries,
            stages=stages,
            scenario_exists=lambda _: bool(r["scenario_exists"]),
            stage_scenarios=lambda _: sorted(r["under"]),
        )
        matters = {m.id: m for m in _sorted(_record(Matter, x) for x in r["matters"])}
        prerequisites = sorted({(a, b): n for a, b, n in r["prerequisites"]}.items())
        return PositionSubgraph(
            industry=industry,
            stage=stage,
            scenarios=_sorted(_record(Scenario, x) for x in r["scenarios"]),
            bundles=_sorted(_record(Bundle, x) for x in r["bundles"]),
            matters=matters,
            departments={
                d.id: d for d in _sorted(_record(Department, x) for x in r["departments"])
            },
            materials={m.id: m for m in _sorted(_record(Material, x) for x in r["materials"])},
            conditions=_sorted(_record(Condition, x) for x in r["conditions"]),
            condition_effects=sorted(
                (ConditionEffect(**e) for e in r["effects"]),
                key=lambda e: (e.condition_id, e.option, e.target_kind, e.target_id),
            ),
            scenario_matters=_links(r["sm"]),
            scenario_bundles=_links(r["sb"]),
            bundle_matters=_links(r["bm"]),
            matter_materials=_links(r["mm"]),
            prerequisites=[Link(a, b, "") for (a, b), _ in prerequisites],
            outside_prerequisites={b: n for (_, b), n in prerequisites if b not in matters},
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


def wait_until_ready(store: Neo4jStore, timeout: float = 60.0) -> None:
    """Block until Neo4j answers (scripts and tests); raise BackendUnavailable on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            store.ping()
            return
        except BackendUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
