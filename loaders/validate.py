"""Validate raw tables and build a Catalog, collecting every problem with file, row and column."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from graph.errors import Problem
from graph.model import (
    LEVELS,
    MATTER_TYPES,
    Bundle,
    BundleKind,
    Catalog,
    Condition,
    ConditionEffect,
    Department,
    Guide,
    Industry,
    Link,
    Material,
    Matter,
    Scenario,
    ServiceCentre,
    Stage,
    StageKind,
)
from loaders.schema import TABLES, TABLES_BY_NAME
from loaders.tabular import RawTable

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
TRUE_WORDS = {"true", "yes", "1", "是", "y"}
FALSE_WORDS = {"false", "no", "0", "否", "n"}
# Upper bounds that catch a slipped key or a unit mix-up: ten years of days or of visits, and a
# fee of a billion yuan.
MAX_COUNT = 3650
MAX_FEE = 1e9
# A stage's `order` is its kind's place in the chain.
CHAIN_ORDER = {kind: place for place, kind in enumerate(StageKind, start=1)}
T = TypeVar("T")


@dataclass(slots=True)
class _Row:
    """One row being read; every accessor records a problem instead of raising."""

    table: RawTable
    number: int
    cells: dict[str, str]
    problems: list[Problem]
    ok: bool = True

    def fail(self, column: str | None, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.table.label, self.number, column, message))

    def text(self, column: str, required: bool = True) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.fail(column, "empty value")
        return value

    def ident(self, column: str, required: bool = True) -> str:
        value = self.text(column, required)
        if value and not ID_PATTERN.match(value):
            self.fail(column, f"'{value}' is not a valid id (lower-case letters, digits, _ . -)")
        return value

    def integer(self, column: str, low: int = 0, high: int = MAX_COUNT) -> int:
        value = self.text(column)
        if not value:
            return 0
        try:
            number = float(value)
        except ValueError:
            self.fail(column, f"'{value}' is not a whole number")
            return 0
        if not number.is_integer() or number < low:  # inf and nan are not integers
            self.fail(column, f"'{value}' is not a whole number >= {low}")
            return 0
        if number > high:
            self.fail(column, f"'{value}' is too large (at most {high})")
            return 0
        return int(number)

    def decimal(self, column: str, high: float = MAX_FEE) -> float:
        value = self.text(column)
        if not value:
            return 0.0
        try:
            number = float(value)
        except ValueError:
            self.fail(column, f"'{value}' is not a number")
            return 0.0
        if not math.isfinite(number):
            self.fail(column, f"'{value}' is not a finite number")
            return 0.0
        if number < 0:
            self.fail(column, f"'{value}' is not a number >= 0")
            return 0.0
        if number > high:
            self.fail(column, f"'{value}' is too large (at most {high:.0f})")
            return 0.0
        return number

    def boolean(self, column: str) -> bool:
        value = self.text(column).lower()
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS or not value:
            return False
        self.fail(column, f"'{value}' is not a boolean (true/false, 是/否)")
        return False

    def choice(self, column: str, allowed: tuple[str, ...]) -> str:
        value = self.text(column)
        if value and value not in allowed:
            self.fail(column, f"'{value}' is not one of {', '.join(allowed)}")
        return value


@dataclass(slots=True)
class _Builder:
    tables: dict[str, RawTable]
    problems: list[Problem] = field(default_factory=list)
    catalog: Catalog = field(default_factory=Catalog)
    # Where each id was defined, for reference errors and duplicate reports.
    rows_of: dict[tuple[str, str], int] = field(default_factory=dict)
    link_rows: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)

    def rows(self, name: str) -> list[_Row]:
        table = self.tables.get(name)
        if table is None:
            return []
        out = []
        for offset, cells in enumerate(table.rows):
            if not any(cells.values()):
                continue  # a blank line in a spreadsheet is not a record
            out.append(_Row(table, table.first_row + offset, cells, self.problems))
        return out

    def entities(self, name: str, make: Callable[[_Row], T]) -> dict[str, T]:
        records: dict[str, T] = {}
        for row in self.rows(name):
            record_id = row.ident("id")
            record = make(row)
            if not record_id:
                continue
            if record_id in records:
                first = self.rows_of[(name, record_id)]
                row.fail("id", f"duplicate id '{record_id}' (first defined on row {first})")
                continue
            self.rows_of[(name, record_id)] = row.number
            # Kept even when a cell failed: the catalog is rejected anyway, and keeping the id
            # avoids a cascade of "unknown id" reports for rows that name it.
            records[record_id] = record
        return records

    def reference(
        self, row: _Row, column: str, value: str, pool: Mapping[str, object], kind: str
    ) -> None:
        if value and value not in pool and ID_PATTERN.match(value):
            row.fail(column, f"unknown {kind} '{value}'")

    def links(
        self,
        name: str,
        a_col: str,
        a_pool: dict[str, object],
        a_kind: str,
        b_col: str,
        b_pool: dict[str, object],
        b_kind: str,
    ) -> list[Link]:
        seen: dict[tuple[str, str], int] = {}
        out: list[Link] = []
        for row in self.rows(name):
            a, b, source = row.ident(a_col), row.ident(b_col), row.text("source")
            self.reference(row, a_col, a, a_pool, a_kind)
            self.reference(row, b_col, b, b_pool, b_kind)
            if (a, b) in seen:
                row.fail(None, f"duplicate link {a} -> {b} (first on row {seen[(a, b)]})")
            seen.setdefault((a, b), row.number)
            if row.ok:
                out.append(Link(a, b, source))
        self.link_rows[name] = seen
        return out


def check_columns(tables: dict[str, RawTable]) -> list[Problem]:
    """Missing tables, missing columns and unknown columns."""
    problems: list[Problem] = []
    for spec in TABLES:
        table = tables.get(spec.name)
        if table is None:
            if spec.must_exist:
                problems.append(
                    Problem(f"{spec.name}.csv", None, None, "required table is missing")
                )
            continue
        for column in spec.required:
            if column not in table.header:
                problems.append(Problem(table.label, 1, column, "required column is missing"))
        for column in table.header:
            if column not in spec.columns:
                expected = ", ".join(TABLES_BY_NAME[spec.name].columns)
                problems.append(
                    Problem(table.label, 1, column, f"unknown column (expected: {expected})")
                )
    return problems


def build_catalog(tables: dict[str, RawTable]) -> tuple[Catalog, list[Problem]]:
    """Build a Catalog from raw tables; the catalog is usable only when no problem was found."""
    problems = check_columns(tables)
    if problems:
        return Catalog(), problems
    b = _Builder(tables)
    c = b.catalog
    c.industries = b.entities(
        "industries",
        lambda r: Industry(
            r.ident("id"), r.text("name"), r.text("description", False), r.text("source")
        ),
    )
    c.stages = b.entities("stages", _stage)
    c.scenarios = b.entities(
        "scenarios",
        lambda r: Scenario(
            r.ident("id"), r.text("name"), r.text("description", False), r.text("source")
        ),
    )
    c.departments = b.entities(
        "departments",
        lambda r: Department(
            r.ident("id"), r.text("name"), r.choice("level", LEVELS), r.text("source")
        ),
    )
    c.matters = b.entities("matters", _matter)
    c.materials = b.entities(
        "materials", lambda r: Material(r.ident("id"), r.text("name"), r.text("source"))
    )
    c.bundles = b.entities("bundles", _bundle)
    c.conditions = b.entities("conditions", _condition)
    c.guides = b.entities("guides", _guide)
    c.service_centres = b.entities(
        "service_centres",
        lambda r: ServiceCentre(
            r.ident("id"), r.text("name"), r.text("description", False), r.text("source")
        ),
    )
    _check_entity_references(b)
    pools: dict[str, dict[str, object]] = {
        "stage": dict(c.stages),
        "scenario": dict(c.scenarios),
        "matter": dict(c.matters),
        "bundle": dict(c.bundles),
        "material": dict(c.materials),
        "department": dict(c.departments),
        "centre": dict(c.service_centres),
    }
    link_specs = (
        ("stage_scenarios", "stage_id", "stage", "scenario_id", "scenario"),
        ("scenario_matters", "scenario_id", "scenario", "matter_id", "matter"),
        ("scenario_bundles", "scenario_id", "scenario", "bundle_id", "bundle"),
        ("bundle_matters", "bundle_id", "bundle", "matter_id", "matter"),
        ("matter_materials", "matter_id", "matter", "material_id", "material"),
        ("prerequisites", "matter_id", "matter", "requires_id", "matter"),
        ("centre_departments", "centre_id", "centre", "department_id", "department"),
    )
    for name, a_col, a_kind, b_col, b_kind in link_specs:
        links = b.links(name, a_col, pools[a_kind], a_kind, b_col, pools[b_kind], b_kind)
        setattr(c, name, links)
    c.condition_effects = _effects(b)
    _check_cycles(b)
    return c, b.problems


def _stage(r: _Row) -> Stage:
    kind = r.choice("kind", tuple(k.value for k in StageKind))
    before = len(r.problems)
    order = r.integer("order", low=1, high=len(CHAIN_ORDER))
    if len(r.problems) == before and kind in CHAIN_ORDER and order != CHAIN_ORDER[StageKind(kind)]:
        chain = ", ".join(f"{k.value}={n}" for k, n in CHAIN_ORDER.items())
        r.fail("order", f"{order} does not match kind '{kind}': the chain order is {chain}")
    return Stage(
        r.ident("id"),
        r.ident("industry_id"),
        StageKind(kind) if kind in StageKind._value2member_map_ else StageKind.CONSTRUCTION,
        r.text("name"),
        order,
        r.text("source"),
    )


def _matter(r: _Row) -> Matter:
    before = len(r.problems)
    legal, promised = r.integer("legal_days"), r.integer("promised_days")
    if len(r.problems) == before and promised > legal:
        r.fail("promised_days", f"promised limit {promised} exceeds the legal limit {legal}")
    return Matter(
        id=r.ident("id"),
        code=r.text("code"),
        name=r.text("name"),
        type=r.choice("type", MATTER_TYPES),
        level=r.choice("level", LEVELS),
        department_id=r.ident("department_id"),
        legal_days=legal,
        promised_days=promised,
        visits=r.integer("visits"),
        online=r.boolean("online"),
        fee=r.decimal("fee"),
        source=r.text("source"),
    )


def _bundle(r: _Row) -> Bundle:
    kind = r.choice("kind", tuple(k.value for k in BundleKind))
    return Bundle(
        id=r.ident("id"),
        name=r.text("name"),
        kind=BundleKind(kind) if kind in BundleKind._value2member_map_ else BundleKind.ONE_THING,
        lead_department_id=r.ident("lead_department_id"),
        family_id=r.ident("family_id", False) or None,
        industry_id=r.ident("industry_id", False) or None,
        description=r.text("description", False),
        source=r.text("source"),
    )


def _condition(r: _Row) -> Condition:
    raw = r.text("options")
    options = tuple(o.strip() for o in raw.split("|")) if raw else ()
    if raw and (len(options) < 2 or "" in options or len(set(options)) != len(options)):
        r.fail("options", f"'{raw}' needs two or more distinct options separated by |")
    return Condition(
        r.ident("id"), r.text("question"), r.ident("scenario_id"), options, r.text("source")
    )


def _guide(r: _Row) -> Guide:
    return Guide(
        r.ident("id"),
        r.text("title"),
        r.text("body"),
        r.choice("about_kind", ("matter", "bundle")),
        r.ident("about_id"),
        r.text("source"),
    )


def _check_entity_references(b: _Builder) -> None:
    """References held by entity rows (a matter's department, a stage's industry ...)."""
    c = b.catalog
    kind_seen: dict[tuple[str, str], int] = {}
    order_seen: dict[tuple[str, int], int] = {}
    for row in b.rows("stages"):
        industry = row.cells["industry_id"]
        b.reference(row, "industry_id", industry, dict(c.industries), "industry")
        key = (industry, row.cells["kind"])
        if key in kind_seen and row.cells["id"] in c.stages:
            row.fail(
                "kind",
                f"industry '{key[0]}' already has a '{key[1]}' stage (row {kind_seen[key]})",
            )
        kind_seen.setdefault(key, row.number)
        order = _valid_order(row.cells["order"])
        if order is None:
            continue  # reported by _stage
        if (industry, order) in order_seen and row.cells["id"] in c.stages:
            row.fail(
                "order",
                f"industry '{industry}' already has a stage of order {order} "
                f"(row {order_seen[(industry, order)]})",
            )
        order_seen.setdefault((industry, order), row.number)
    for row in b.rows("matters"):
        b.reference(
            row, "department_id", row.cells["department_id"], dict(c.departments), "department"
        )
    for row in b.rows("bundles"):
        b.reference(
            row,
            "lead_department_id",
            row.cells["lead_department_id"],
            dict(c.departments),
            "department",
        )
        family = row.cells.get("family_id", "")
        b.reference(row, "family_id", family, dict(c.bundles), "bundle")
        if family in c.bundles and c.bundles[family].kind != BundleKind.ONE_CATEGORY:
            row.fail("family_id", f"'{family}' is not a one_category bundle")
        industry = row.cells.get("industry_id", "")
        b.reference(row, "industry_id", industry, dict(c.industries), "industry")
        if row.cells.get("kind") == BundleKind.CHAIN_SPECIAL and not industry:
            row.fail("industry_id", "a chain_special bundle needs its industry")
    for row in b.rows("conditions"):
        b.reference(row, "scenario_id", row.cells["scenario_id"], dict(c.scenarios), "scenario")
    for row in b.rows("guides"):
        pool = dict(c.matters) if row.cells["about_kind"] == "matter" else dict(c.bundles)
        b.reference(
            row, "about_id", row.cells["about_id"], pool, row.cells["about_kind"] or "record"
        )


def _valid_order(text: str) -> int | None:
    """A stage's `order` cell as _stage accepts it, or None."""
    try:
        number = float(text)
    except ValueError:
        return None
    if number.is_integer() and 1 <= number <= len(CHAIN_ORDER):
        return int(number)
    return None


def _effects(b: _Builder) -> list[ConditionEffect]:
    c = b.catalog
    out: list[ConditionEffect] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for row in b.rows("condition_effects"):
        condition_id, option = row.ident("condition_id"), row.text("option")
        kind = row.choice("target_kind", ("matter", "material"))
        target, matter = row.ident("target_id"), row.ident("matter_id", False)
        condition = c.conditions.get(condition_id)
        b.reference(row, "condition_id", condition_id, dict(c.conditions), "condition")
        if condition is not None and option and option not in condition.options:
            row.fail(
                "option",
                f"'{option}' is not an option of '{condition_id}' ({'|'.join(condition.options)})",
            )
        if kind:
            pool = dict(c.matters) if kind == "matter" else dict(c.materials)
            b.reference(row, "target_id", target, pool, kind)
        b.reference(row, "matter_id", matter, dict(c.matters), "matter")
        if matter and kind == "matter":
            row.fail("matter_id", "only a material effect names the matter that asks for it")
        key = (condition_id, option, kind, target)
        if key in seen:
            row.fail(None, f"duplicate effect (first on row {seen[key]})")
        seen.setdefault(key, row.number)
        if row.ok:
            out.append(
                ConditionEffect(
                    condition_id, option, kind, target, matter or None, row.text("source")
                )
            )
    return out


def _check_cycles(b: _Builder) -> None:
    """Name every prerequisite cycle, at the row of its last edge in the file."""
    table = b.tables.get("prerequisites")
    if table is None:
        return
    graph: dict[str, list[str]] = {}
    for link in b.catalog.prerequisites:
        graph.setdefault(link.a, []).append(link.b)
    row_of = b.link_rows.get("prerequisites", {})
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []
    reported: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, [])):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    # Reported at the cycle's last row in the file: usually the edit that made it.
                    row = max(row_of[(x, y)] for x, y in itertools.pairwise(cycle))
                    b.problems.append(
                        Problem(
                            table.label,
                            row,
                            "requires_id",
                            "prerequisite cycle: " + " -> ".join(cycle),
                        )
                    )
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
