"""Request and response bodies of the planner analytics (GET/POST /v1/analytics/...).

The shapes mirror graph/analytics.py's dataclasses field for field; every figure is one the
planner computes (docs/analytics.md says how each is reached).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from api.limits import IdStr
from api.schemas import Model, Ref

MAX_PROPOSAL = 100  # matters in one proposal (graph.analytics.MAX_MATTERS)
ModeStr = Literal["", "parallel", "joint_review", "joint_acceptance"]
MatterIds = Annotated[list[IdStr], Field(max_length=MAX_PROPOSAL)]


class SavingsOut(Model):
    materials_before: int
    materials_after: int
    visits_before: int
    visits_after: int
    steps_before: int
    steps_after: int
    materials_shared: int
    materials_by_commitment: int
    days_before: int
    days_after: int


class FiguresOut(Model):
    """A proposal's counts: separate applications (before) or one window (after)."""

    matters: int
    materials: int = Field(description="Materials submitted (免提交 ones not counted).")
    visits: int
    steps: int = Field(description="Applications (windows).")
    days: int = Field(
        description="Working days: the statutory limits one after the other for separate "
        "applications, the decision time along the integrated path for one window."
    )
    elapsed_days: int = Field(description="The integrated plan's expected elapsed time.")
    departments: int


class PlanFiguresOut(Model):
    """A position's default plan: matters, materials submitted, visits, windows, days."""

    matters: int
    materials: int
    visits: int
    steps: int
    days: int = Field(description="Decision time along the path (working days).")
    elapsed_days: int


class BundleOverlapOut(Model):
    bundle: Ref
    jaccard: float
    shared: int


class CandidateOut(Model):
    rank: int
    matters: list[Ref]
    scenarios: list[Ref] = Field(
        description="Scenarios whose default plans hold at least two of its matters and at "
        "least half of them."
    )
    industries: list[Ref]
    positions: int = Field(description="Scenario positions (industry, stage, scenario) served.")
    departments: list[Ref]
    lead: Ref = Field(description="Suggested 牵头部门: most working days of the critical path.")
    lead_days: int
    support: float = Field(description="Co-occurrence weight inside the candidate.")
    savings: SavingsOut
    before: FiguresOut
    after: FiguresOut
    closest_bundle: BundleOverlapOut | None = Field(
        description="The existing bundle it overlaps most (Jaccard), if any."
    )


class CandidatesOut(Model):
    catalog_version: str
    leave_out: list[str] = Field(description="Bundles removed before the search.")
    candidates: list[CandidateOut]


class WhatIfRequest(Model):
    """A proposal: `matters`, or an existing `bundle`; either with `add` and `remove`."""

    matters: MatterIds = Field(default_factory=list, description="Matter ids, e.g. m.qy.sl.")
    bundle: IdStr | None = Field(default=None, description="An existing bundle id to change.")
    add: MatterIds = Field(default_factory=list)
    remove: MatterIds = Field(default_factory=list)
    mode: ModeStr | None = Field(
        default=None,
        description="The bundle's mode ('' one window, parallel 并联审批 ...); omitted: the "
        "existing bundle's, else ''.",
    )
    scenarios: MatterIds | None = Field(
        default=None,
        description="Scenario ids the bundle serves; omitted: the bundle's own, else those "
        "whose default plans hold at least two of its matters and half of them.",
    )


class PositionChangeOut(Model):
    industry: str
    stage: str
    scenario: str | None
    matters_added: list[Ref]
    matters_removed: list[Ref]
    materials_added: list[Ref]
    materials_removed: list[Ref]
    bundles_added: list[Ref]
    bundles_removed: list[Ref]
    before: PlanFiguresOut
    after: PlanFiguresOut


class WhatIfOut(Model):
    catalog_version: str
    base: Ref | None
    matters: list[Ref]
    added: list[Ref]
    removed: list[Ref]
    lead: Ref
    mode: str
    departments_before: list[Ref]
    departments_after: list[Ref]
    before: FiguresOut
    after: FiguresOut
    savings: SavingsOut
    serves: list[Ref]
    positions: list[PositionChangeOut] = Field(
        description="The positions whose default recommendation changes, with the diff."
    )


class DepartmentLoadOut(Model):
    department: Ref
    paths: int = Field(description="Default plans whose critical path it is on.")
    days: int = Field(description="Working days its steps contribute over those plans.")
    matters: list[str]


class MatterLoadOut(Model):
    matter: Ref
    department: Ref
    paths: int
    days: int


class MaterialDemandOut(Model):
    material: Ref
    plans: int = Field(description="Default plans asking it.")
    matters: int = Field(description="Matters asking it.")
    shared: bool = Field(description="Already 免提交.")
    commitment: bool


class OfflineMatterOut(Model):
    matter: Ref
    department: Ref
    plans: int
    visits: int


class BottlenecksOut(Model):
    catalog_version: str
    plans: int = Field(description="Scenario positions analysed.")
    departments: list[DepartmentLoadOut]
    matters: list[MatterLoadOut]
    materials: list[MaterialDemandOut]
    offline: list[OfflineMatterOut]


class PositionDiffOut(Model):
    catalog_version: str
    industry: Ref
    from_stage: Ref
    to_stage: Ref
    new_matters: list[Ref]
    continued_matters: list[Ref]
    done_matters: list[Ref]
    materials_held: list[Ref] = Field(description="Asked again: the enterprise already has them.")
    new_materials: list[Ref]
    departments_again: list[Ref]
    new_departments: list[Ref]
    prerequisites_met: list[Ref] = Field(
        description="The next stage's held prerequisites the earlier stage plans."
    )
    before: PlanFiguresOut
    after: PlanFiguresOut
