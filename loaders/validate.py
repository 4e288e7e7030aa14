"""Validate raw tables and build a Catalog, collecting every problem with file, row and column."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any

from graph.errors import Problem
from graph.model import BundleKind, Catalog, ConditionEffect, Link, StageKind
from graph.tables import TABLES, TABLES_BY_NAME, Column, Table
from loaders.tabular import RawTable, ReadResult

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
TRUE_WORDS = {"true", "yes", "1", "是", "y"}
FALSE_WORDS = {"false", "no", "0", "否", "n"}
# Upper bounds that catch a slipped key or a unit mix-up: ten years of days or of visits, and a
# fee of a billion yuan.
MAX_COUNT = 3650
MAX_FEE = 1e9
# A stage's `order` is its kind's place in the chain.
CHAIN_ORDER = {kind: place for place, kind in enumerate(StageKind, start=1)}
# What a catalog without an optional table's rows means, for the warning that says so.
WITHOUT = {
    "materials": "no matter asks for a material",
    "bundles": "no 一件事 or 一类事 bundle serves a scenario",
    "conditions": "no question refines a plan",
    "guides": "no guide is shown",
    "service_centres": "no service centre hosts a department",
    "scenario_matters": "no scenario needs a matter of its own (only through bundles)",
    "scenario_bundles": "no bundle serves a scenario",
    "bundle_matters": "no bundle includes a matter",
    "matter_materials": "no matter asks for a material",
    "prerequisites": "no matter requires another first, so every plan is a single phase",
    "centre_departments": "no service centre hosts a department",
    "condition_effects": "no answer adds a matter or a material",
}


@dataclass(slots=True)
class _Row:
    """One row being read; every accessor records a problem instead of raising."""

    table: RawTable
    offset: int
    cells: dict[str, str]
    problems: list[Problem]
    ok: bool = True
    failed: set[str | None] = field(default_factory=set)

    @property
    def number(self) -> int:
        return self.table.first_row + self.offset

    @property
    def muted(self) -> bool:
        """Whether reading already reported this row (its cells are not to be trusted)."""
        return self.offset in self.table.muted_rows

    def fail(self, column: str | None, message: str) -> None:
        """Record a problem, unless reading reported this row or cell already."""
        self.ok = False
        self.failed.add(column)
        if not self.table.muted(self.offset, column):
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


# How a table stands after its header was checked.
USABLE, IDS_ONLY, UNKNOWN = "usable", "ids only", "unknown"


@dataclass(slots=True)
class Validated:
    """What validation gave: the catalog (usable only without problems), its problems and
    warnings, and where each record was defined (for warnings about records)."""

    catalog: Catalog
    problems: list[Problem]
    warnings: list[Problem]
    defined_at: dict[tuple[str, str], int]
    labels: dict[str, str]


@dataclass(slots=True)
class _Builder:
    read: ReadResult
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    catalog: Catalog = field(default_factory=Catalog)
    # How each table stands: rows validated, only its ids known, or nothing known of it.
    status: dict[str, str] = field(default_factory=dict)
    # The ids each entity table defines (None: not known, so references to it go unchecked).
    pools: dict[str, dict[str, None] | None] = field(default_factory=dict)
    # Ids defined but not valid, lower-cased: references to them were reported at the definition.
    invalid: dict[str, set[str]] = field(default_factory=dict)
    # Where each id was defined, for reference errors and duplicate reports.
    rows_of: dict[tuple[str, str], int] = field(default_factory=dict)
    link_rows: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)

    @property
    def tables(self) -> dict[str, RawTable]:
        return self.read.tables

    def rows(self, name: str) -> list[_Row]:
        """The non-blank rows of a table whose header allows validating them."""
        table = self.tables.get(name)
        if table is None or self.status.get(name) != USABLE:
            return []
        return [
            _Row(table, offset, cells, self.problems)
            for offset, cells in enumerate(table.rows)
            if any(cells.values())  # a blank line in a spreadsheet is not a record
        ]

    def define(self, table: Table, row: _Row, record_id: str) -> None:
        """Note an id a table defines (its row), and whether it is a valid one."""
        pool = self.pools.setdefault(table.name, {})
        if pool is not None:
            pool[record_id] = None
        self.rows_of.setdefault((table.name, record_id), row.number)
        if not ID_PATTERN.match(record_id):
            self.invalid.setdefault(table.name, set()).add(record_id.strip().lower())

    def entities(self, table: Table) -> dict[str, Any]:
        """An entity table's records by id, each cell parsed by its column's type."""
        records: dict[str, Any] = {}
        self.pools[table.name] = {}
        for row in self.rows(table.name):
            if row.muted:  # its fault is reported; its id still stands, to spare a cascade
                if row.cells.get("id"):
                    self.define(table, row, row.cells["id"])
                continue
            values, failed = _parse_row(row, table)
            _RULES.get(table.name, _no_rule)(row, values, failed)
            record_id = values["id"]
            if not record_id:
                continue
            if record_id in records:
                first = self.rows_of[(table.name, record_id)]
                row.fail("id", f"duplicate id '{record_id}' (first defined on row {first})")
                continue
            self.define(table, row, record_id)
            # Kept even when a cell failed: the catalog is rejected anyway, and keeping the id
            # avoids a cascade of "unknown id" reports for rows that name it.
            records[record_id] = table.record(**values)
        pool = self.pools[table.name]
        for record_id, row_number in self.tables[table.name].swallowed_ids.items():
            if pool is not None:
                pool[record_id] = None
            self.rows_of.setdefault((table.name, record_id), row_number)
        return records

    def reference(self, row: _Row, column: str, value: str, target: str) -> None:
        """`value` names a record of table `target`, or the row fails."""
        pool = self.pools.get(target)
        if not value or pool is None or value in pool:
            return
        if value.strip().lower() in self.invalid.get(target, set()):
            return  # names an invalid id, which was reported where it is defined
        if not ID_PATTERN.match(value):
            meant = value.strip().lower()
            hint = f": did you mean '{meant}'?" if meant in pool else ""
            row.fail(
                column, f"'{value}' is not a valid id (lower-case letters, digits, _ . -){hint}"
            )
            return
        row.fail(column, f"unknown {TABLES_BY_NAME[target].noun} '{value}'")

    def check_references(self, row: _Row, table: Table) -> None:
        """Every id column of `row` names a record of the table it points at."""
        for column in table.columns:
            target = column.target_table(row.cells)
            if column.type == "id" and column.name != "id" and target is not None:
                self.reference(row, column.name, row.cells.get(column.name, ""), target)

    def links(self, table: Table) -> list[Link]:
        a_col, b_col = table.columns[0].name, table.columns[1].name
        seen: dict[tuple[str, str], int] = {}
        out: list[Link] = []
        for row in self.rows(table.name):
            a, b, source = row.text(a_col), row.text(b_col), row.text("source")
            self.check_references(row, table)
            if (a, b) in seen:
                row.fail(None, f"duplicate link {a} -> {b} (first on row {seen[(a, b)]})")
            seen.setdefault((a, b), row.number)
            if row.ok:
                out.append(Link(a, b, source))
        self.link_rows[table.name] = seen
        return out


def _close_column(name: str, absent: list[str]) -> str | None:
    """The absent column `name` most likely meant (a case slip or a typo)."""
    lowered = {c.lower(): c for c in absent}
    if name.strip().lower() in lowered:
        return lowered[name.strip().lower()]
    found = difflib.get_close_matches(name.lower(), absent, n=1, cutoff=0.8)
    return found[0] if found else None


def _has_records(table: RawTable) -> bool:
    return any(any(cells.values()) for cells in table.rows)


def _check_header(b: _Builder, spec: Table, table: RawTable) -> str:
    """Unknown, missing and repeated columns of one table; returns how the table stands."""
    expected = ", ".join(spec.column_names)
    named = [c for c in table.header if c]
    if named and not any(c in spec.column_names for c in named):
        b.problems.append(
            Problem(
                table.label,
                1,
                None,
                f"the first row names no column of {spec.name} (expected: {expected}): "
                "is the header row missing?",
            )
        )
        return UNKNOWN
    absent = [c for c in spec.column_names if c not in table.header]
    meant: set[str] = set()
    for column in dict.fromkeys(named):
        if column in spec.column_names:
            continue
        guess = _close_column(column, [c for c in absent if c not in meant])
        if guess is not None:
            meant.add(guess)
            message = f"unknown column: did you mean {guess}?"
        else:
            message = f"unknown column (expected: {expected})"
        b.problems.append(Problem(table.label, 1, column, message))
    missing = [c for c in spec.required if c not in table.header]
    for column in missing:
        if column not in meant:
            b.problems.append(Problem(table.label, 1, column, "required column is missing"))
    if not missing and not table.duplicated & set(spec.column_names):
        return USABLE
    id_ok = "id" in table.header and "id" not in table.duplicated
    return IDS_ONLY if spec.is_entity and id_ok else UNKNOWN


def check_tables(b: _Builder) -> None:
    """Missing, empty and unusable tables, and the columns of each table."""
    read = b.read
    for spec in TABLES:
        table = read.tables.get(spec.name)
        if table is None:
            if spec.name in read.unreadable:
                b.status[spec.name] = UNKNOWN
            elif spec.must_exist:
                b.problems.append(
                    Problem(read.label(spec.name), None, None, "required table is missing")
                )
                b.status[spec.name] = UNKNOWN
            continue
        b.status[spec.name] = _check_header(b, spec, table)
        if not table.aligned:
            b.status[spec.name] = UNKNOWN
        if _has_records(table):
            continue
        if spec.must_exist:
            b.problems.append(
                Problem(
                    table.label,
                    None,
                    None,
                    f"the table is empty: a catalog needs at least one {spec.noun}",
                )
            )
            b.status[spec.name] = UNKNOWN
        else:
            b.warnings.append(
                Problem(table.label, None, None, f"the table is empty: {WITHOUT[spec.name]}")
            )
    for spec in TABLES:
        if spec.name not in b.status:
            _missing_optional(b, spec)
    for spec in TABLES:
        if b.status[spec.name] == UNKNOWN:
            b.pools[spec.name] = None
        elif b.status[spec.name] == IDS_ONLY:
            _ids_only(b, spec)


def _missing_optional(b: _Builder, spec: Table) -> None:
    """An optional table that is not there: a warning, or an error if other tables name it."""
    label = b.read.label(spec.name)
    naming: list[str] = []
    noun = spec.noun
    for other in TABLES:
        table = b.tables.get(other.name)
        if table is None or b.status.get(other.name) == UNKNOWN:
            continue
        for column in other.columns:
            if column.type != "id" or column.name == "id" or column.name not in table.header:
                continue
            n = sum(
                1
                for cells in table.rows
                if cells.get(column.name) and column.target_table(cells) == spec.name
            )
            if n:
                rows = f"{n} row" if n == 1 else f"{n} rows"
                naming.append(f"{table.label} ({rows}, column {column.name})")
    if naming:
        b.problems.append(
            Problem(
                label,
                None,
                None,
                f"the table is missing, but rows name {noun}s in it: {', '.join(naming)}",
            )
        )
        b.status[spec.name] = UNKNOWN
    else:
        b.warnings.append(
            Problem(
                label,
                None,
                None,
                f"optional table is missing (read as empty): {WITHOUT[spec.name]}",
            )
        )
        b.status[spec.name] = "missing"


def _ids_only(b: _Builder, spec: Table) -> None:
    """The ids of a table whose rows are not validated, so that references to them hold."""
    table = b.tables[spec.name]
    for offset, cells in enumerate(table.rows):
        if cells.get("id"):
            b.define(spec, _Row(table, offset, cells, []), cells["id"])


def check_columns(tables: dict[str, RawTable]) -> list[Problem]:
    """Missing tables, missing columns and unknown columns."""
    b = _Builder(ReadResult(tables=dict(tables)))
    check_tables(b)
    return b.problems


def validate(read: ReadResult) -> Validated:
    """Build a Catalog from what was read; the catalog is usable only when no problem was found.

    Every table is validated as far as its header allows; references into a table whose ids
    are not known (missing, unreadable, no usable id column) are not checked, so that one fault
    is one problem and not a cascade.
    """
    b = _Builder(read)
    check_tables(b)
    for table in TABLES:
        if table.is_entity and b.status[table.name] == USABLE:
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
    labels = {name: t.label for name, t in read.tables.items()}
    return Validated(b.catalog, b.problems, b.warnings, b.rows_of, labels)


def build_catalog(tables: dict[str, RawTable]) -> tuple[Catalog, list[Problem]]:
    """Build a Catalog from raw tables; the catalog is usable only when no problem was found."""
    done = validate(ReadResult(tables=dict(tables)))
    return done.catalog, done.problems


def _parse(row: _Row, column: Column) -> Any:
    """One cell as its column's type; a bad cell is recorded on the row."""
    name = column.name
    if column.type == "id":
        # An id's form is checked where it is defined; a reference is checked against its table.
        is_reference = column.ref is not None or column.ref_by is not None
        value = row.text(name, column.required) if is_reference else row.ident(name)
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
        values[column.name] = _parse(row, column)
        if column.name in row.failed or (row.offset, column.name) in row.table.muted_cells:
            failed.add(column.name)
    return values, failed


@functools.cache
def _defaulted(table: Table) -> frozenset[str]:
    """The optional columns whose record field has a default (an empty cell takes it)."""
    if not dataclasses.is_dataclass(table.record):
        return frozenset()
    return frozenset(
        f.name
        for f in dataclasses.fields(table.record)
        if f.default is not dataclasses.MISSING and not table.column(f.name).required
    )


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
