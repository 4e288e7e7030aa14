"""Request and response bodies of the HTTP API v1 (they become the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from api.limits import AnswersMap, IdStr


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
    life_event: str = Field(description="founding, change, closing, occasional, or empty.")
    source: str


class BundleOut(Model):
    id: str
    name: str
    kind: str
    lead_department_id: str
    family_id: str | None
    industry_id: str | None
    description: str
    mode: str = Field(description="parallel, joint_review, joint_acceptance, or empty.")
    promised_days: int | None = Field(description="The bundle's own promised limit.")
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
    approval_stage: str
    party: str
    excluded_days: int
    excluded_kind: str
    calendar_days: int
    baseline_visits: int | None
    commitment: bool
    deferrable: bool
    source: str


class MaterialOut(Model):
    id: str
    name: str
    shared: bool
    commitment: bool
    deferrable: bool
    basis: str
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

    industry: IdStr = Field(min_length=1, description="Industry id, e.g. nev.")
    stage: IdStr = Field(
        min_length=1, description="Stage id of that industry, e.g. nev.circulation."
    )
    scenario: IdStr | None = Field(
        None, description="One scenario; omitted: every one of the stage."
    )
    answers: AnswersMap = Field(
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
    time_limit_days: int = Field(description="Promised decision limit, working days.")
    legal_days: int
    visits: int
    online: bool
    fee: float
    phase: int
    requires: list[str] = Field(description="Statutory prerequisites inside the plan.")
    reasons: list[str] = Field(description="Why it is here: scenario:, bundle: or condition:.")
    critical: bool = Field(description="On the critical path.")
    source: str
    approval_stage: str = Field(description="Its 工程建设项目审批 stage, or empty.")
    step: str = Field(description="The id of its step in the department path.")
    excluded_days: int = Field(description="Working days the law excludes from the limit.")
    excluded_kind: str
    calendar_days: int = Field(description="A calendar window the matter must run.")
    elapsed_days: int = Field(description="Decision + excluded + calendar, working days.")
    commitment: bool = Field(description="告知承诺制 applies.")
    deferrable: bool = Field(description="容缺受理 applies.")


class PlannedMaterialOut(Model):
    id: str
    name: str
    used_by: list[str]
    added_by: list[str]
    shared: bool = Field(description="免提交: the government already holds it.")
    commitment: bool = Field(description="A signed commitment may replace it (告知承诺).")
    deferrable: bool = Field(description="May follow after acceptance (容缺受理).")


class StepOut(Model):
    id: str = Field(description="The bundle id of a joint step, else the matter id.")
    kind: str = Field(description="joint (a bundle handled as one step) or matter.")
    name: str
    mode: str = Field(description="parallel, joint_review, joint_acceptance, or empty.")
    lead: Ref = Field(description="The lead department (牵头部门) of the step.")
    departments: list[Ref]
    matters: list[str]
    days: int = Field(description="Decision time of the step, working days.")
    elapsed_days: int


class PhaseOut(Model):
    phase: int
    departments: list[Ref]
    matters: list[str]
    days: int = Field(description="The longest step of the phase, working days.")
    steps: list[StepOut]


class TimeItemOut(Model):
    matter: str
    kind: str
    days: int = Field(description="Working days.")
    calendar_days: int


class EstimateOut(Model):
    serial_days: int = Field(description="Every promised limit one after the other.")
    parallel_days: int = Field(description="Government decision time along the path.")
    critical_path: list[str]
    elapsed_days: int = Field(description="Expected elapsed time: decision + excluded + calendar.")
    with_commitment_days: int = Field(
        description="Decision time using 告知承诺制 where it applies."
    )
    excluded: list[TimeItemOut]


class SavingsOut(Model):
    materials_before: int
    materials_after: int
    visits_before: int
    visits_after: int
    steps_before: int = Field(description="Applications before integration: one per matter.")
    steps_after: int = Field(description="Applications after: one per window (bundle).")
    materials_shared: int = Field(description="免提交: held by the government, not submitted.")
    materials_by_commitment: int = Field(description="Replaced by one 告知承诺书.")
    days_before: int = Field(description="Every statutory limit one after the other.")
    days_after: int = Field(description="Decision time along the integrated path.")


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
    default: str | None = Field(description="The option assumed until it is answered.")


class AssumptionOut(Model):
    id: str
    question: str
    option: str = Field(description="The option the plan assumed.")
    change: str = Field(description="Where to answer otherwise (answers.<id>).")


class HeldPlaceOut(Model):
    stage: Ref
    scenario: Ref


class HeldPrerequisiteOut(Model):
    id: str
    name: str
    required_by: list[str]
    places: list[HeldPlaceOut] = Field(description="Where the catalog puts it.")


class OtherPartyMatterOut(Model):
    id: str
    name: str
    party: str = Field(description="Who files it (not the applicant).")
    department: Ref


class EventScenarioOut(Model):
    id: str
    name: str
    life_event: str = Field(description="founding, change, closing or occasional.")


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
    assumptions: list[AssumptionOut] = Field(
        description="Questions left unanswered and the default option the plan assumed."
    )
    by_others: list[OtherPartyMatterOut] = Field(
        description="Matters of the position another party files; not on the applicant."
    )
    other_scenarios: list[EventScenarioOut] = Field(
        description="Life-event scenarios of the stage (开办, 变更, 注销 ...), chosen one by one."
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


class ProblemError(BaseModel):
    field: str = Field(description="Where: a body member (answers.<id>), a query or path parameter")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, as application/problem+json; other members may follow."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="What kind of problem: urn:chainkg:problem:<kind>.")
    title: str
    status: int
    detail: str = Field(
        description="What went wrong; input it repeats is cut at 200 characters, saying so."
    )


class ValidationProblem(Problem):
    """422: the request is invalid; every invalid field (at most 20) is listed."""

    errors: list[ProblemError]


def _no_defaults(schema: dict[str, Any]) -> None:
    for member in schema.get("properties", {}).values():
        member.pop("default", None)


class NotFoundProblem(Problem):
    """404: an id names nothing in the catalog (`kind` and `id` are there when one did)."""

    model_config = ConfigDict(json_schema_extra=_no_defaults)

    kind: str | SkipJsonSchema[None] = Field(
        None, description="What the id should have named: industry, stage, matter ..."
    )
    id: str | SkipJsonSchema[None] = Field(None, description="The id, as sent (cut at 200).")


class TooLargeProblem(Problem):
    """413: the body is larger than the limit."""

    limit: int = Field(description="The limit, in bytes.")
    setting: str = Field(description="The setting that sets it: CHAINKG_MAX_BODY_BYTES.")
