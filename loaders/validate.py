"""Validate raw tables and build a Catalog, collecting every problem with file, row and column."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.errors import Problem
from graph.model import BundleKind, Catalog, ConditionEffect, Link, StageKind
from graph.tables import TABLES, TABLES_BY_NAME, Column, Table
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

    def entities(self, table: Table) -> dict[str, Any]:
        """An entity table's records by id, each cell parsed by its column's type."""
        records: dict[str, Any] = {}
        for row in self.rows(table.name):
            values, failed = _parse_row(row, table)
            _RULES.get(table.name, _no_rule)(row, values, failed)
            record_id = values["id"]
            if not record_id:
                continue
            if record_id in records:
                first = self.rows_of[(table.name, record_id)]
                row.fail("id", f"duplicate id '{record_id}' (first defined on row {first})")
                continue
            self.rows_of[(table.name, record_id)] = row.number
            # Kept even when a cell failed: the catalog is rejected anyway, and keeping the id
            # avoids a cascade of "unknown id" reports for rows that name it.
            records[record_id] = table.record(**values)
        return records

    def reference(
        self, row: _Row, column: str, value: str, pool: Mapping[str, object], kind: str
    ) -> None:
        if value and value not in pool and ID_PATTERN.match(value):
            row.fail(column, f"unknown {kind} '{value}'")

    def pool(self, table_name: str | None) -> Mapping[str, object]:
        return getattr(self.catalog, table_name) if table_name else {}

    def check_references(self, row: _Row, table: Table) -> None:
        """Every id column of `row` names a record of the table it points at."""
        for column in table.columns:
            target = column.target_table(row.cells)
            if column.type == "id" and column.name != "id" and target is not None:
                noun = TABLES_BY_NAME[target].noun
                self.reference(
                    row, column.name, row.cells.get(column.name, ""), self.pool(target), noun
                )

    def links(self, table: Table) -> list[Link]:
        a_col, b_col = table.columns[0].name, table.columns[1].name
        seen: dict[tuple[str, str], int] = {}
        out: list[Link] = []
        for row in self.rows(table.name):
            a, b, source = row.ident(a_col), row.ident(b_col), row.text("source")
            self.check_references(row, table)
            if (a, b) in seen:
                row.fail(None, f"duplicate link {a} -> {b} (first on row {seen[(a, b)]})")
            seen.setdefault((a, b), row.number)
            if row.ok:
                out.append(Link(a, b, source))
        self.link_rows[table.name] = seen
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
            if column not in spec.column_names:
                expected = ", ".join(spec.column_names)
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
    for table in TABLES:
        if table.is_entity:
            setattr(b.catalog, table.name, b.entities(table))
    for table in TABLES:
        if table.is_entity:
            for row in b.rows(table.name):
                b.check_references(row, table)
    _check_stages(b)
    _check_bundles(b)
    for table in TABLES:
        if table.rel and table.record is Link:
            setattr(b.catalog, table.name, b.links(table))
    b.catalog.condition_effects = _effects(b)
    _check_cycles(b)
    return b.catalog, b.problems


def _parse(row: _Row, column: Column) -> Any:
    """One cell as its column's type; a bad cell is recorded on the row."""
    name = column.name
    if column.type == "id":
        value = row.ident(name, column.required)
        return value if value or column.required else None
    if column.type == "int":
        low, high = column.bounds or (0, MAX_COUNT)
        return row.integer(name, low=low, high=high)
    if column.type == "decimal":
        return row.decimal(name)
    if column.type == "bool":
        return row.boolean(name)
    if column.type == "choice":
        value = row.choice(name, column.allowed)
        if column.enum is None:
            return value
        # A bad kind was reported; any member stands in, as the catalog is rejected anyway.
        return column.enum(value) if value in column.allowed else next(iter(column.enum))
    if column.type == "options":
        raw = row.text(name)
        options = tuple(o.strip() for o in raw.split("|")) if raw else ()
        if raw and (len(options) < 2 or "" in options or len(set(options)) != len(options)):
            row.fail(name, f"'{raw}' needs two or more distinct options separated by |")
        return options
    return row.text(name, column.required)


def _parse_row(row: _Row, table: Table) -> tuple[dict[str, Any], set[str]]:
    """Every cell of `row` parsed, and the columns whose cell was refused."""
    values: dict[str, Any] = {}
    failed: set[str] = set()
    defaults = _defaulted(table)
    for column in table.columns:
        if column.name in defaults and not row.cells.get(column.name, ""):
            continue  # an optional cell left empty: the record's default
        before = len(row.problems)
        values[column.name] = _parse(row, column)
        if len(row.problems) > before:
            failed.add(column.name)
    return values, failed


def _defaulted(table: Table) -> set[str]:
    """The optional columns whose record field has a default (an empty cell takes it)."""
    if not dataclasses.is_dataclass(table.record):
        return set()
    return {
        f.name
        for f in dataclasses.fields(table.record)
        if f.default is not dataclasses.MISSING and not table.column(f.name).required
    }


def _no_rule(row: _Row, values: dict[str, Any], failed: set[str]) -> None:
    return None


def _condition_rule(row: _Row, values: dict[str, Any], failed: set[str]) -> None:
    """A condition's default is one of its options."""
    default, options = values.get("default", ""), values["options"]
    if default and "options" not in failed and default not in options:
        row.fail("default", f"'{default}' is not one of the options {'|'.join(options)}")


def _stage_rule(row: _Row, values: dict[str, Any], failed: set[str]) -> None:
    """A stage's `order` is its kind's place in the chain."""
    kind, order = row.cells.get("kind", ""), values["order"]
    if not failed & {"kind", "order"} and order != CHAIN_ORDER[StageKind(kind)]:
        chain = ", ".join(f"{k.value}={n}" for k, n in CHAIN_ORDER.items())
        row.fail("order", f"{order} does not match kind '{kind}': the chain order is {chain}")


def _matter_rule(row: _Row, values: dict[str, Any], failed: set[str]) -> None:
    """A zone's promised limit never exceeds the legal one."""
    legal, promised = values["legal_days"], values["promised_days"]
    if not failed & {"legal_days", "promised_days"} and promised > legal:
        row.fail("promised_days", f"promised limit {promised} exceeds the legal limit {legal}")


_RULES = {"stages": _stage_rule, "matters": _matter_rule, "conditions": _condition_rule}


def _check_stages(b: _Builder) -> None:
    """One stage of each kind and of each order per industry."""
    c = b.catalog
    kind_seen: dict[tuple[str, str], int] = {}
    order_seen: dict[tuple[str, int], int] = {}
    for row in b.rows("stages"):
        industry = row.cells["industry_id"]
        key = (industry, row.cells["kind"])
        if key in kind_seen and row.cells["id"] in c.stages:
            row.fail(
                "kind",
                f"industry '{key[0]}' already has a '{key[1]}' stage (row {kind_seen[key]})",
            )
        kind_seen.setdefault(key, row.number)
        order = _valid_order(row.cells["order"])
        if order is None:
            continue  # reported when the row was parsed
        if (industry, order) in order_seen and row.cells["id"] in c.stages:
            row.fail(
                "order",
                f"industry '{industry}' already has a stage of order {order} "
                f"(row {order_seen[(industry, order)]})",
            )
        order_seen.setdefault((industry, order), row.number)


def _check_bundles(b: _Builder) -> None:
    c = b.catalog
    for row in b.rows("bundles"):
        family = row.cells.get("family_id", "")
        if family in c.bundles and c.bundles[family].kind != BundleKind.ONE_CATEGORY:
            row.fail("family_id", f"'{family}' is not a one_category bundle")
        if row.cells.get("kind") == BundleKind.CHAIN_SPECIAL and not row.cells.get("industry_id"):
            row.fail("industry_id", "a chain_special bundle needs its industry")


def _valid_order(text: str) -> int | None:
    """A stage's `order` cell as the parser accepts it, or None."""
    try:
        number = float(text)
    except ValueError:
        return None
    if number.is_integer() and 1 <= number <= len(CHAIN_ORDER):
        return int(number)
    return None


def _effects(b: _Builder) -> list[ConditionEffect]:
    c = b.catalog
    table = TABLES_BY_NAME["condition_effects"]
    out: list[ConditionEffect] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for row in b.rows(table.name):
        values, _ = _parse_row(row, table)
        condition_id, option = values["condition_id"], values["option"]
        kind, target, matter = values["target_kind"], values["target_id"], values["matter_id"]
        b.check_references(row, table)
        condition = c.conditions.get(condition_id)
        if condition is not None and option and option not in condition.options:
            row.fail(
                "option",
                f"'{option}' is not an option of '{condition_id}' ({'|'.join(condition.options)})",
            )
        if matter and kind == "matter":
            row.fail("matter_id", "only a material effect names the matter that asks for it")
        key = (condition_id, option, kind, target)
        if key in seen:
            row.fail(None, f"duplicate effect (first on row {seen[key]})")
        seen.setdefault(key, row.number)
        if row.ok:
            out.append(ConditionEffect(**values))
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
