"""The catalog's tables, declared once.

Each table names its columns (type, required or not, the table an id column points at, the
relationship that reference becomes in the graph), the record type it holds and, for entity
tables, the graph label. The loader's reader and validator, the catalog report, the CSV writer,
the synthetic catalogs and both graph backends work from this one list, so a new column or
table is added here and nowhere else (plus the field on its record in graph/model.py).
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from graph.model import (
    APPROVAL_STAGES,
    GUIDE_TOPICS,
    LEVELS,
    MATTER_TYPES,
    Bundle,
    BundleKind,
    BundleMode,
    Catalog,
    Condition,
    ConditionEffect,
    Department,
    Guide,
    Industry,
    LifeEvent,
    Link,
    Material,
    Matter,
    Scenario,
    ServiceCentre,
    Stage,
    StageKind,
)

ColumnType = Literal["id", "text", "int", "decimal", "bool", "choice", "options"]


@dataclass(frozen=True, slots=True)
class Edge:
    """The relationship a reference column becomes; `reverse`: it points at the row's record."""

    rel: str
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a catalog table (its name is the record field's name).

    `ref` names the table whose ids the column holds; a column whose target table depends on
    another column's value (a guide's `about_id`, an effect's `target_id`) gives `ref_by`, that
    column, and `refs`, its values mapped to tables.
    """

    name: str
    type: ColumnType = "text"
    required: bool = True
    ref: str | None = None
    ref_by: str | None = None
    refs: tuple[tuple[str, str], ...] = ()
    choices: tuple[str, ...] = ()
    enum: builtins.type[Enum] | None = None  # `type` is a field here
    edge: Edge | None = None
    bounds: tuple[int, int] | None = None  # an int column's allowed range, if narrower

    @property
    def allowed(self) -> tuple[str, ...]:
        """A choice column's allowed values."""
        if self.enum is not None:
            return tuple(str(m.value) for m in self.enum)
        return self.choices

    def target_table(self, row: Mapping[str, Any]) -> str | None:
        """The table this column's value points at in `row` (None: not a reference)."""
        if self.ref_by is None:
            return self.ref
        return dict(self.refs).get(str(row.get(self.ref_by, "")))


@dataclass(frozen=True, slots=True)
class Table:
    """A catalog table: an entity table (`label` set, keyed by `id`) or a link table.

    A link table's first two columns are the ids it joins (`rel` is its relationship, from the
    first to the second); its other columns but `source` become properties of the edge.
    """

    name: str
    noun: str  # how messages name one record: "unknown department 'x'"
    record: type
    columns: tuple[Column, ...]
    label: str | None = None
    rel: str | None = None
    must_exist: bool = False
    edge_properties: tuple[str, ...] = ("source",)

    @property
    def is_entity(self) -> bool:
        return self.label is not None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _id(name: str = "id", ref: str | None = None, **kw: Any) -> Column:
    return Column(name, "id", ref=ref, **kw)


_SOURCE = Column("source")
_DESCRIPTION = Column("description", required=False)

TABLES: tuple[Table, ...] = (
    Table(
        "industries",
        "industry",
        Industry,
        (_id(), Column("name"), _DESCRIPTION, _SOURCE),
        label="Industry",
        must_exist=True,
    ),
    Table(
        "stages",
        "stage",
        Stage,
        (
            _id(),
            _id("industry_id", "industries", edge=Edge("HAS_STAGE", reverse=True)),
            Column("kind", "choice", enum=StageKind),
            Column("name"),
            Column("order", "int", bounds=(1, len(StageKind))),
            _SOURCE,
        ),
        label="Stage",
        must_exist=True,
    ),
    Table(
        "scenarios",
        "scenario",
        Scenario,
        (
            _id(),
            Column("name"),
            _DESCRIPTION,
            Column("life_event", "choice", required=False, enum=LifeEvent),
            _SOURCE,
        ),
        label="Scenario",
        must_exist=True,
    ),
    Table(
        "departments",
        "department",
        Department,
        (_id(), Column("name"), Column("level", "choice", choices=LEVELS), _SOURCE),
        label="Department",
        must_exist=True,
    ),
    Table(
        "matters",
        "matter",
        Matter,
        (
            _id(),
            Column("code"),
            Column("name"),
            Column("type", "choice", choices=MATTER_TYPES),
            Column("level", "choice", choices=LEVELS),
            _id("department_id", "departments", edge=Edge("HANDLED_BY")),
            Column("legal_days", "int"),
            Column("promised_days", "int"),
            Column("visits", "int"),
            Column("online", "bool"),
            Column("fee", "decimal"),
            Column("approval_stage", "choice", required=False, choices=APPROVAL_STAGES),
            Column("party", required=False),
            Column("excluded_days", "int", required=False),
            Column("excluded_kind", required=False),
            Column("calendar_days", "int", required=False),
            Column("baseline_visits", "int", required=False),
            Column("commitment", "bool", required=False),
            Column("deferrable", "bool", required=False),
            _SOURCE,
        ),
        label="Matter",
        must_exist=True,
    ),
    Table(
        "materials",
        "material",
        Material,
        (
            _id(),
            Column("name"),
            Column("shared", "bool", required=False),
            Column("commitment", "bool", required=False),
            Column("deferrable", "bool", required=False),
            Column("basis", required=False),
            _SOURCE,
        ),
        label="Material",
    ),
    Table(
        "bundles",
        "bundle",
        Bundle,
        (
            _id(),
            Column("name"),
            Column("kind", "choice", enum=BundleKind),
            _id("lead_department_id", "departments", edge=Edge("LED_BY")),
            _id("family_id", "bundles", required=False, edge=Edge("PART_OF")),
            _id("industry_id", "industries", required=False),
            _DESCRIPTION,
            Column("mode", "choice", required=False, enum=BundleMode),
            Column("promised_days", "int", required=False),
            _SOURCE,
        ),
        label="Bundle",
    ),
    Table(
        "conditions",
        "condition",
        Condition,
        (
            _id(),
            Column("question"),
            _id("scenario_id", "scenarios", edge=Edge("ASKS", reverse=True)),
            Column("options", "options"),
            Column("default", required=False),
            _SOURCE,
        ),
        label="Condition",
    ),
    Table(
        "guides",
        "guide",
        Guide,
        (
            _id(),
            Column("title"),
            Column("body"),
            Column("about_kind", "choice", choices=("matter", "bundle")),
            _id(
                "about_id",
                ref_by="about_kind",
                refs=(("matter", "matters"), ("bundle", "bundles")),
                edge=Edge("ABOUT"),
            ),
            _SOURCE,
            Column("topic", "choice", required=False, choices=GUIDE_TOPICS),
        ),
        label="Guide",
    ),
    Table(
        "service_centres",
        "centre",
        ServiceCentre,
        (_id(), Column("name"), _DESCRIPTION, _SOURCE),
        label="ServiceCentre",
    ),
    Table(
        "stage_scenarios",
        "stage scenario",
        Link,
        (_id("stage_id", "stages"), _id("scenario_id", "scenarios"), _SOURCE),
        rel="HAS_SCENARIO",
        must_exist=True,
    ),
    Table(
        "scenario_matters",
        "scenario matter",
        Link,
        (_id("scenario_id", "scenarios"), _id("matter_id", "matters"), _SOURCE),
        rel="NEEDS",
    ),
    Table(
        "scenario_bundles",
        "scenario bundle",
        Link,
        (_id("scenario_id", "scenarios"), _id("bundle_id", "bundles"), _SOURCE),
        rel="SERVED_BY",
    ),
    Table(
        "bundle_matters",
        "bundle matter",
        Link,
        (_id("bundle_id", "bundles"), _id("matter_id", "matters"), _SOURCE),
        rel="INCLUDES",
    ),
    Table(
        "matter_materials",
        "matter material",
        Link,
        (_id("matter_id", "matters"), _id("material_id", "materials"), _SOURCE),
        rel="ASKS_FOR",
    ),
    Table(
        "prerequisites",
        "prerequisite",
        Link,
        (_id("matter_id", "matters"), _id("requires_id", "matters"), _SOURCE),
        rel="REQUIRES",
    ),
    Table(
        "centre_departments",
        "centre department",
        Link,
        (_id("centre_id", "service_centres"), _id("department_id", "departments"), _SOURCE),
        rel="HOSTS",
    ),
    Table(
        "condition_effects",
        "effect",
        ConditionEffect,
        (
            _id("condition_id", "conditions"),
            _id(
                "target_id",
                ref_by="target_kind",
                refs=(("matter", "matters"), ("material", "materials")),
            ),
            Column("option"),
            Column("target_kind", "choice", choices=("matter", "material")),
            _id("matter_id", "matters", required=False),
            _SOURCE,
        ),
        rel="ADDS",
        edge_properties=("option", "matter_id", "source"),
    ),
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
LABEL_OF_TABLE: dict[str, str] = {t.name: t.label for t in TABLES if t.label}
# Every label chainkg writes; Cypher takes labels only from this tuple, never from input.
LABELS: tuple[str, ...] = tuple(LABEL_OF_TABLE.values())


def _relationships() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every relationship type with its (source label, target label) pairs, from the tables."""
    pairs: dict[str, list[tuple[str, str]]] = {}

    def targets(column: Column) -> list[str]:
        tables = [column.ref] if column.ref else [t for _, t in column.refs]
        return [LABEL_OF_TABLE[t] for t in tables if t]

    for table in TABLES:
        if table.label:
            for column in table.columns:
                if column.edge is None:
                    continue
                for target in targets(column):
                    pair = (target, table.label) if column.edge.reverse else (table.label, target)
                    pairs.setdefault(column.edge.rel, []).append(pair)
        elif table.rel:
            a, b = table.columns[0], table.columns[1]
            for source in targets(a):
                for target in targets(b):
                    pairs.setdefault(table.rel, []).append((source, target))
    return {rel: tuple(p) for rel, p in pairs.items()}


# Every relationship type chainkg writes, with its (source label, target label) pairs.
RELATIONSHIPS: dict[str, tuple[tuple[str, str], ...]] = _relationships()


def rows_of(catalog: Catalog, table: Table) -> list[Any]:
    """The records of one table of `catalog` (entity tables are dicts keyed by id)."""
    held = getattr(catalog, table.name)
    return list(held.values()) if isinstance(held, dict) else list(held)


def catalog_fingerprint(catalog: Catalog) -> str:
    """The catalog's version: a digest of every table's rows in the catalog format, order-free.

    The same content gives the same version on any backend and after any reload; a tracked
    project records the version its plan came from."""
    digest = hashlib.sha256()
    for table in TABLES:
        rows = sorted(
            "\x1f".join(to_cell(field_value(record, table, column)) for column in table.columns)
            for record in rows_of(catalog, table)
        )
        digest.update(f"{table.name}\x1e{len(rows)}\x1e".encode())
        for row in rows:
            digest.update(row.encode("utf-8", "surrogatepass") + b"\x1e")
    return digest.hexdigest()[:16]


# --- records <-> cells and properties ---------------------------------------------------------
def link_ids(record: Any, table: Table) -> tuple[str, str]:
    """The two ids a link-table record joins."""
    if isinstance(record, Link):
        return record.a, record.b
    a, b = table.columns[0].name, table.columns[1].name
    return getattr(record, a), getattr(record, b)


def field_value(record: Any, table: Table, column: Column) -> Any:
    """One column's value of a record (a plain Link keeps its ids in `a` and `b`)."""
    if isinstance(record, Link):
        index = table.columns.index(column)
        return (record.a, record.b, record.source)[index]
    return getattr(record, column.name)


def to_cell(value: Any) -> str:
    """A value as the catalog format writes it (booleans true/false, options a|b)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return "|".join(str(x) for x in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_properties(record: Any) -> dict[str, Any]:
    """A record's fields as graph properties (enums as values, tuples as lists, no nulls).

    Every node has a `name` (the schema contract): a guide's title, a condition's question.
    """
    props: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        props[f.name] = value
    props.setdefault("name", props.get("title") or props.get("question") or props.get("id"))
    return props


def from_properties(table: Table, props: Mapping[str, Any]) -> Any:
    """Rebuild a table's record from graph properties (the inverse of `to_properties`)."""
    values: dict[str, Any] = {}
    for column in table.columns:
        value = props.get(column.name)
        if value is None and not column.required and column.type != "id":
            continue  # not stored: the record's default
        if column.enum is not None:
            value = column.enum(value)
        elif column.type == "options":
            value = tuple(value or ())
        elif column.type == "decimal":
            value = float(value or 0)
        elif column.type == "text" and value is None:
            value = ""
        values[column.name] = value
    return table.record(**values)


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source_label: str
    source_id: str
    type: str
    target_label: str
    target_id: str
    properties: dict[str, Any]


def catalog_nodes(catalog: Catalog) -> Iterator[tuple[str, str, Any]]:
    """(label, id, record) for every record of an entity table."""
    for table in TABLES:
        if table.label:
            for record in rows_of(catalog, table):
                yield table.label, record.id, record


def catalog_edges(catalog: Catalog) -> Iterator[GraphEdge]:
    """Every relationship of the graph schema, with its properties (`source` on each)."""
    for table in TABLES:
        for record in rows_of(catalog, table):
            yield from _edges_of(table, record)


def _edges_of(table: Table, record: Any) -> Iterator[GraphEdge]:
    def label(column: Column, value_of: Mapping[str, Any]) -> str:
        target = column.target_table(value_of)
        assert target is not None
        return LABEL_OF_TABLE[target]

    if table.label:
        row = {c.name: field_value(record, table, c) for c in table.columns}
        for column in table.columns:
            value = row[column.name]
            if column.edge is None or not value:
                continue
            here, there = (table.label, record.id), (label(column, row), value)
            source, target = (there, here) if column.edge.reverse else (here, there)
            yield GraphEdge(*source, column.edge.rel, *target, {"source": record.source})
    elif table.rel:
        row = {c.name: field_value(record, table, c) for c in table.columns}
        a_col, b_col = table.columns[0], table.columns[1]
        a, b = link_ids(record, table)
        props = {
            name: row[name] for name in table.edge_properties if row.get(name) not in (None, "")
        }
        yield GraphEdge(label(a_col, row), a, table.rel, label(b_col, row), b, props)
