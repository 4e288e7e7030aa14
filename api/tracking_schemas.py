"""Request and response bodies of tracking (projects, statuses, consultations, tokens, KPIs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.limits import AnswersMap, IdStr
from api.schemas import Ref
from tracking.workflow import Status


def _utf8(value: str) -> str:
    """Text stored in SQL must be UTF-8: a lone surrogate (JSON "\\udfff") cannot be."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the text holds a lone surrogate, which is not a character") from None
    return value


Utf8 = AfterValidator(_utf8)
NameText = Annotated[str, Field(min_length=1, max_length=200), Utf8]
CommentText = Annotated[str, Field(max_length=1000), Utf8]
QuestionText = Annotated[str, Field(min_length=1, max_length=500), Utf8]
AnswerText = Annotated[str, Field(min_length=1, max_length=2000), Utf8]


class ProjectRequest(BaseModel):
    """A project to track: who, what, and the position in the chain its plan is made for."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "年产10万辆新能源整车项目",
                    "enterprise": "示例汽车有限公司",
                    "industry": "nev",
                    "stage": "nev.construction",
                    "scenario": "sc.xmsp.sgxk",
                }
            ]
        },
    )

    name: NameText = Field(description="The project's name, e.g. 年产10万辆新能源整车项目.")
    enterprise: NameText = Field(description="The enterprise (applicant).")
    industry: IdStr = Field(min_length=1)
    stage: IdStr = Field(min_length=1)
    scenario: IdStr | None = None
    answers: AnswersMap = Field(default_factory=dict)


class StatusRequest(BaseModel):
    """A matter's next status; `version` (or an If-Match header) is the one the writer read."""

    model_config = ConfigDict(extra="forbid")

    status: Status = Field(description="The status to move to.")
    comment: CommentText = Field("", description="Why (kept in the matter's history).")
    version: int | None = Field(
        None, ge=1, description="The version read (ETag); or send If-Match instead."
    )


class MatterProgressOut(BaseModel):
    id: str
    name: str
    department: Ref
    phase: int
    requires: list[str]
    status: Status
    status_label: str
    version: int
    accepted_on: date | None
    due_on: date | None
    days_left: int | None = Field(description="Working days to the due date; < 0: overdue.")
    flag: Literal["overdue", "due_soon", "on_track", "waiting", "paused", "closed"]
    corrections: int
    closed_on: date | None
    updated_at: datetime | None


class ProjectPosition(BaseModel):
    industry: str
    stage: str
    scenario: str | None
    answers: dict[str, str]


class ProjectSummaryOut(BaseModel):
    code: str
    name: str
    enterprise: str
    industry: str
    stage: str
    scenario: str | None
    created_at: datetime
    matters: int
    done: int


class ProjectTotals(BaseModel):
    matters: int
    done: int
    open: int
    overdue: int
    due_soon: int


class ProjectOut(BaseModel):
    code: str
    name: str
    enterprise: str
    position: ProjectPosition
    catalog_version: str = Field(description="The catalog the plan came from.")
    created_at: datetime
    created_by: str
    status_page: str = Field(description="The project's page, which its QR code points to.")
    totals: ProjectTotals
    matters: list[MatterProgressOut]
    warnings: list[str] = Field(description="Dates the holiday calendar does not know, etc.")


class StatusEventOut(BaseModel):
    matter_id: str
    from_status: Status
    to_status: Status
    actor: str
    at: datetime
    comment: str


class QueueItemOut(MatterProgressOut):
    project_code: str


class GuideHitOut(BaseModel):
    """A knowledge-base entry (一库) with what it is about and its source."""

    id: str
    title: str
    body: str
    topic: str = Field(description="overview, materials, where, duration or corrections.")
    about: Ref = Field(description="The matter or bundle it is about.")
    about_kind: Literal["matter", "bundle"]
    source: str = Field(description="Where its text comes from (a regulation, the article ...).")
    score: float | None = Field(
        None, description="The search score for `q` (graph/search.py), when one was given."
    )


class ConsultationRequest(BaseModel):
    """A question asked at the window (一窗通办), with the position and matter if known."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "question": "施工许可需要哪些材料？",
                    "industry": "nev",
                    "stage": "nev.construction",
                }
            ]
        },
    )

    question: QuestionText = Field(description="The applicant's question, in Chinese.")
    industry: IdStr | None = None
    stage: IdStr | None = None
    matter: IdStr | None = Field(None, description="The matter it is about, if known.")


class ConsultationAnswer(BaseModel):
    """The answer of the department a consultation was routed to."""

    model_config = ConfigDict(extra="forbid")

    answer: AnswerText


class ConsultationOut(BaseModel):
    id: str
    question: str
    industry: str | None
    stage: str | None
    outcome: Literal["window", "routed"] = Field(
        description="window: answered there from a guide; routed: to a department."
    )
    answer: str | None
    guide: GuideHitOut | None = Field(description="The guide that answered at the window.")
    department: Ref | None = Field(description="The department it was routed to.")
    matter: Ref | None = Field(description="The matter it is about (named, or found).")
    created_at: datetime
    created_by: str
    due_at: datetime | None = Field(description="When the department's answer is due.")
    answered_at: datetime | None
    answered_by: str | None
    overdue: bool = Field(description="Routed, and answered after its due time or still open.")
    reason: str | None = Field(
        None, description="Why it went where it went (in the answer to POST; the audit log)."
    )


class DepartmentResponse(BaseModel):
    department: Ref
    routed: int
    answered: int
    within_deadline: int = Field(description="Answered by the due time.")
    open_overdue: int = Field(description="Not answered, and past the due time.")
    mean_minutes: float | None = Field(description="From routing to answer, answered ones.")
    max_minutes: float | None


class ConsultationStatsOut(BaseModel):
    total: int
    at_window: int
    routed: int
    at_window_share: float | None = Field(description="0–1; null without consultations.")
    reference_at_window_share: float = Field(description="The article's 80%.")
    answered_routed: int
    within_deadline: int
    within_deadline_share: float | None = Field(description="Of the routed ones answered.")
    mean_minutes: float | None = Field(description="Routing to answer, every department.")
    reference_response_minutes: float = Field(description="The article's 3 minutes.")
    deadline_minutes: int = Field(description="CHAINKG_CONSULTATION_MINUTES, for new ones.")
    departments: list[DepartmentResponse]


class KpiOut(BaseModel):
    name: str
    label: str = Field(description="指标, in Chinese.")
    value: float | None = Field(description="null when there is nothing to compute it over.")
    unit: str
    reference: float | None = Field(description="The article's figure, where it gives one.")
    basis: str = Field(description="How it is computed.")
    sample: int = Field(description="Records it is computed over (a rate's denominator).")
    estimate: float | None = Field(
        None, description="The plans' estimate for the same sample (working-day KPIs)."
    )


class KpisOut(BaseModel):
    kpis: list[KpiOut]
    as_of: date
    reference_source: str = Field(description="Where the reference figures come from.")


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
