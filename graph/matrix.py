"""The service matrix: which departments carry how many matters at each stage and bundle.

Rows are each stage of an industry in chain order, each followed by the bundles serving its
scenarios; columns are departments; a cell counts the distinct matters of that row a department
handles. A stage row counts every candidate matter of the stage (the scenarios' own, their
bundles', and those a situational answer may add), as the planner sees them. Built only from
GraphStore calls, so every backend gives the same matrix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from graph.model import Matter, Position, Ref
from graph.planner import resolve
from graph.store import GraphStore


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """A stage or a bundle under a stage; `key` is unique (a bundle may serve several stages)."""

    key: str
    kind: str  # "stage" | "bundle"
    id: str
    name: str
    industry: Ref
    stage: Ref
    bundle_kind: str | None  # for bundles: chain_special, one_thing, one_category
    lead_departments: list[str]  # a bundle's lead; for a stage, the leads of its bundles
    total: int  # distinct matters in the row


@dataclass(frozen=True, slots=True)
class MatrixColumn:
    id: str
    name: str
    total: int  # distinct matters of this department over every stage row


@dataclass(frozen=True, slots=True)
class MatrixCell:
    row: str  # MatrixRow.key
    column: str  # department id
    count: int
    lead: bool  # the department leads the row's bundle (or one of the stage's bundles)
    matters: list[Ref]


@dataclass(slots=True)
class ServiceMatrix:
    """Rows, columns and the non-empty cells (count > 0 or lead), plus the grand total."""

    industries: list[Ref]
    rows: list[MatrixRow]
    columns: list[MatrixColumn]
    cells: list[MatrixCell]
    total: int  # distinct matters over every stage row
    _index: dict[tuple[str, str], MatrixCell] = field(
        default_factory=dict, repr=False, compare=False
    )

    def cell(self, row_key: str, column_id: str) -> MatrixCell | None:
        """The cell at a row and department, or None when it is blank."""
        if not self._index:
            self._index = {(c.row, c.column): c for c in self.cells}
        return self._index.get((row_key, column_id))


def service_matrix(store: GraphStore, industry_id: str | None = None) -> ServiceMatrix:
    """The service matrix of one industry, or of every industry when `industry_id` is None.

    Raises:
        NotFound: the industry id is unknown.
    """
    store = store.pinned()  # many calls, one catalog, even if a load switches meanwhile
    industry_ids = (
        [industry_id] if industry_id is not None else [i.id for i, _ in store.list_industries()]
    )
    rows: list[MatrixRow] = []
    row_matters: dict[str, list[Matter]] = {}
    row_leads: dict[str, set[str]] = {}
    departments: dict[str, str] = {}  # id -> name
    industries: list[Ref] = []
    bundle_cache: dict[str, tuple[list[Matter], dict[str, str]]] = {}

    for iid in industry_ids:
        detail = store.industry_detail(iid)
        industry = Ref(detail.industry.id, detail.industry.name)
        industries.append(industry)
        for stage_detail in detail.stages:
            stage = stage_detail.stage
            stage_ref = Ref(stage.id, stage.name)
            position = Position(iid, stage.id)
            sub = store.position_subgraph(position)
            departments.update({d.id: d.name for d in sub.departments.values()})
            bundles = sorted(stage_detail.bundles, key=lambda b: b.id)
            row_matters[stage.id] = list(resolve(sub, position).matters.values())
            row_leads[stage.id] = {b.lead_department_id for b in bundles}
            rows.append(_row(stage.id, "stage", stage.id, stage.name, industry, stage_ref, None))
            for bundle in bundles:
                if bundle.id not in bundle_cache:
                    b = store.bundle_detail(bundle.id)
                    names = {d.id: d.name for d in b.departments.values()}
                    names[b.lead_department.id] = b.lead_department.name
                    bundle_cache[bundle.id] = (b.matters, names)
                matters, names = bundle_cache[bundle.id]
                departments.update(names)
                key = f"{stage.id}/{bundle.id}"
                row_matters[key] = matters
                row_leads[key] = {bundle.lead_department_id}
                rows.append(
                    _row(
                        key, "bundle", bundle.id, bundle.name, industry, stage_ref, str(bundle.kind)
                    )
                )

    cells: list[MatrixCell] = []
    for i, row in enumerate(rows):
        by_department = _by_department(row_matters[row.key])
        leads = row_leads[row.key]
        for department_id in sorted(set(by_department) | leads):
            matters = by_department.get(department_id, [])
            cells.append(
                MatrixCell(
                    row.key,
                    department_id,
                    len(matters),
                    department_id in leads,
                    [Ref(m.id, m.name) for m in matters],
                )
            )
        rows[i] = replace(
            row, lead_departments=sorted(leads), total=len({m.id for m in row_matters[row.key]})
        )

    stage_matters = [m for r in rows if r.kind == "stage" for m in row_matters[r.key]]
    column_totals = {d: len(ids) for d, ids in _distinct_ids(stage_matters).items()}
    columns = sorted(
        (MatrixColumn(d, name, column_totals.get(d, 0)) for d, name in departments.items()),
        key=lambda c: (-c.total, c.id),
    )
    return ServiceMatrix(
        industries=industries,
        rows=rows,
        columns=columns,
        cells=cells,
        total=len({m.id for m in stage_matters}),
    )


def _row(
    key: str,
    kind: str,
    record_id: str,
    name: str,
    industry: Ref,
    stage: Ref,
    bundle_kind: str | None,
) -> MatrixRow:
    return MatrixRow(key, kind, record_id, name, industry, stage, bundle_kind, [], 0)


def _by_department(matters: Iterable[Matter]) -> dict[str, list[Matter]]:
    """Distinct matters per department, each list sorted by id."""
    out: dict[str, dict[str, Matter]] = {}
    for m in matters:
        out.setdefault(m.department_id, {})[m.id] = m
    return {d: [ms[k] for k in sorted(ms)] for d, ms in out.items()}


def _distinct_ids(matters: Iterable[Matter]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m in matters:
        out.setdefault(m.department_id, set()).add(m.id)
    return out
