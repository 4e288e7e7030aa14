"""Request and response bodies of the HTTP API v1 (they become the OpenAPI document)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Ref(Model):
    id: str
    name: str


class StageOut(Model):
    id: str
    name: str
    order: int
    kind: str


class IndustryOut(Model):
    id: str
    name: str
    stages: list[StageOut]


class ScenarioOut(Model):
    id: str
    name: str
    description: str
    source: str


class BundleOut(Model):
    id: str
    name: str
    kind: str
    lead_department_id: str
    family_id: str | None
    industry_id: str | None
    description: str
    source: str


class StageDetailOut(Model):
    id: str
    name: str
    order: int
    kind: str
    scenarios: list[ScenarioOut]
    bundles: list[BundleOut]


class IndustryDetailOut(Model):
    id: str
    name: str
    description: str
    source: str
    stages: list[StageDetailOut]


class DepartmentOut(Model):
    id: str
    name: str
    level: str
    source: str


class MatterOut(Model):
    id: str
    code: str
    name: str
    type: str
    level: str
    department_id: str
    legal_days: int
    promised_days: int
    visits: int
    online: bool
    fee: float
    source: str


class MaterialOut(Model):
    id: str
    name: str
    source: str


class GuideOut(Model):
    id: str
    title: str
    body: str
    about_kind: str
    about_id: str
    source: str


class MatterDetailOut(MatterOut):
    department: DepartmentOut
    materials: list[MaterialOut]
    prerequisites: list[Ref] = Field(description="Matters whose result this one needs first.")
    required_by: list[Ref]
    scenarios: list[Ref]
    bundles: list[Ref]
    guides: list[GuideOut]


class CentreOut(Model):
    id: str
    name: str
    description: str
    source: str
    departments: list[Ref]


class DepartmentDetailOut(DepartmentOut):
    matters: list[MatterOut]
    leads: list[Ref] = Field(description="Bundles this department leads.")
    centres: list[Ref] = Field(description="Service centres hosting its window.")


class BundleMatterOut(Model):
    id: str
    name: str
    code: str
    type: str
    level: str
    department: Ref
    promised_days: int
    source: str


class BundleDetailOut(BundleOut):
    lead_department: Ref
    family: Ref | None
    members: list[Ref] = Field(description="For a 一类事: the bundles of the family.")
    matters: list[BundleMatterOut]
    departments: list[Ref]
    scenarios: list[Ref]
    guides: list[GuideOut]


class RecommendationRequest(BaseModel):
    """An enterprise position in the chain and its answers to situational questions."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"industry": "nev", "stage": "nev.circulation"},
                {
                    "industry": "nev",
                    "stage": "nev.construction",
                    "scenario": "sc.xmsp.sgxk",
                    "answers": {"c.sgxk.ps": "否"},
                },
            ]
        },
    )

    industry: str = Field(min_length=1, description="Industry id, e.g. nev.")
    stage: str = Field(min_length=1, description="Stage id of that industry, e.g. nev.circulation.")
    scenario: str | None = Field(None, description="One scenario; omitted: every one of the stage.")
    answers: dict[str, str] = Field(
        default_factory=dict, description="Condition id -> chosen option (see pending_questions)."
    )


class PositionOut(Model):
    industry: Ref
    stage: Ref
    stage_kind: str
    scenario: Ref | None
    scenarios: list[Ref]


class PlannedMatterOut(Model):
    id: str
    code: str
    name: str
    type: str
    level: str
    department: Ref
    time_limit_days: int = Field(description="Promised limit, working days.")
    legal_days: int
    visits: int
    online: bool
    fee: float
    phase: int
    requires: list[str]
    reasons: list[str] = Field(description="Why it is here: scenario:, bundle: or condition:.")
    critical: bool = Field(description="On the critical path.")
    source: str


class PlannedMaterialOut(Model):
    id: str
    name: str
    used_by: list[str]
    added_by: list[str]


class PhaseOut(Model):
    phase: int
    departments: list[Ref]
    matters: list[str]
    days: int


class EstimateOut(Model):
    serial_days: int
    parallel_days: int
    critical_path: list[str]


class SavingsOut(Model):
    materials_before: int
    materials_after: int
    visits_before: int
    visits_after: int
    steps_before: int
    steps_after: int


class OptionEffectOut(Model):
    kind: str
    id: str
    name: str


class QuestionOptionOut(Model):
    value: str
    adds: list[OptionEffectOut]


class PendingQuestionOut(Model):
    id: str
    question: str
    scenario: Ref
    options: list[QuestionOptionOut]


class HeldPrerequisiteOut(Model):
    id: str
    name: str
    required_by: list[str]


class RecommendationOut(Model):
    position: PositionOut
    bundles: list[Ref]
    matters: list[PlannedMatterOut]
    materials: list[PlannedMaterialOut]
    department_path: list[PhaseOut]
    estimate: EstimateOut
    savings: SavingsOut
    pending_questions: list[PendingQuestionOut]
    answers: dict[str, str]
    prerequisites_held: list[HeldPrerequisiteOut] = Field(
        description="Prerequisites outside this position: the enterprise must already hold them."
    )


class SearchHitOut(Model):
    kind: str
    id: str
    name: str
    score: float
    snippet: str


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    backend: str
    counts: dict[str, int]
