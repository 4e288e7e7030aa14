"""一库 and 一窗通办: the knowledge base's guides, consultations at the window (answered there
from a guide, or routed to a department with a deadline), their statistics, and the KPIs.

Rules in tracking/consultations.py (when a guide fits, where a question goes) and
tracking/kpis.py (what each KPI counts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.auth import AnyRoleDep, OfficerDep, TrackingDep, WindowDep
from api.deps import BackendDep, CalendarDep, ClockDep, run_read
from api.limits import IdStr
from api.problems import CONFLICT, NOT_FOUND
from api.schemas import Ref
from api.settings import get_settings
from api.tracking_schemas import (
    ConsultationAnswer,
    ConsultationOut,
    ConsultationRequest,
    ConsultationStatsOut,
    DepartmentResponse,
    GuideHitOut,
    KpiOut,
    KpisOut,
)
from graph.errors import NotFound
from graph.model import Guide
from tracking import consultations as consult
from tracking import kpis as kpi
from tracking.calendar import WorkingCalendar
from tracking.consultations import KnowledgeBase, KnowledgeBaseCache
from tracking.model import Consultation
from tracking.projects import local_day
from tracking.store import TrackingStore
from viz.page import render

router = APIRouter(tags=["window"])

GuideTopic = Annotated[
    str | None,
    Query(
        pattern="^(overview|materials|where|duration|corrections)$",
        description="What the entry tells: overview, materials, where, duration, corrections.",
    ),
]
ConsultationPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The consultation's id (from POST /v1/consultations).",
    ),
]


async def get_knowledge_base_cache(request: Request) -> KnowledgeBaseCache:
    """The app's knowledge-base cache (one per catalog version), made on first use."""
    state = request.app.state
    cache: KnowledgeBaseCache | None = getattr(state, "knowledge_base", None)
    if cache is None:
        cache = state.knowledge_base = KnowledgeBaseCache()
    return cache


async def get_consultation_minutes(request: Request) -> int:
    """CHAINKG_CONSULTATION_MINUTES: the app's, if create_app put it on app.state, else the
    process's settings."""
    minutes: int | None = getattr(request.app.state, "consultation_minutes", None)
    return minutes if minutes is not None else get_settings().consultation_minutes


KnowledgeBaseDep = Annotated[KnowledgeBaseCache, Depends(get_knowledge_base_cache)]
MinutesDep = Annotated[int, Depends(get_consultation_minutes)]


def guide_out(kb: KnowledgeBase, guide: Guide, score: float | None = None) -> GuideHitOut:
    return GuideHitOut(
        id=guide.id,
        title=guide.title,
        body=guide.body,
        topic=guide.topic,
        about=Ref(id=guide.about_id, name=kb.about_name(guide)),
        about_kind="bundle" if guide.about_kind == "bundle" else "matter",
        source=guide.source,
        score=None if score is None else round(score, 4),
    )


def consultation_out(
    kb: KnowledgeBase, c: Consultation, now: datetime, reason: str | None = None
) -> ConsultationOut:
    guide = kb.guides.get(c.guide_id) if c.guide_id else None
    return ConsultationOut(
        id=c.id,
        question=c.question,
        industry=c.industry,
        stage=c.stage,
        outcome="window" if c.outcome == "window" else "routed",
        answer=c.answer,
        guide=guide_out(kb, guide) if guide else None,
        department=(
            Ref(id=c.department_id, name=kb.department_name(c.department_id))
            if c.department_id
            else None
        ),
        matter=Ref(id=c.matter_id, name=kb.matter_name(c.matter_id)) if c.matter_id else None,
        created_at=c.created_at,
        created_by=c.created_by,
        due_at=c.due_at,
        answered_at=c.answered_at,
        answered_by=c.answered_by,
        overdue=consult.overdue(c, now),
        reason=reason,
    )


@router.get("/guides", response_model=list[GuideHitOut], responses=NOT_FOUND)
async def guides(
    backend: BackendDep,
    cache: KnowledgeBaseDep,
    matter: Annotated[
        IdStr | None,
        Query(description="A matter id: its guides, then those of the bundles including it."),
    ] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="Chinese text, e.g. 施工许可 材料"),
    ] = None,
    topic: GuideTopic = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[GuideHitOut]:
    """The knowledge base (一库), no token needed: the entries about a matter (its own, then
    those of the bundles including it), and/or those matching `q` best first (graph/search.py;
    with a matter, its entries that match), of one topic or all; by id without `q`."""

    def read() -> list[GuideHitOut]:
        store = backend.catalog.pinned()
        kb = cache.get(store)
        found = consult.find_guides(store, kb, matter, q, topic, limit)
        return [guide_out(kb, h.guide, h.score) for h in found]

    return await run_read(backend, read)


@router.post(
    "/consultations",
    status_code=201,
    response_model=ConsultationOut,
    responses=NOT_FOUND,
)
async def ask(
    body: ConsultationRequest,
    response: Response,
    backend: BackendDep,
    cache: KnowledgeBaseDep,
    tracking: TrackingDep,
    actor: WindowDep,
    clock: ClockDep,
    minutes: MinutesDep,
) -> ConsultationOut:
    """一窗通办: answered at the window from the best guide when one fits, else routed to the
    department handling the matter, due CHAINKG_CONSULTATION_MINUTES later (window role)."""
    question = consult.Ask(body.question, body.industry, body.stage, body.matter)

    def make() -> ConsultationOut:
        store = backend.catalog.pinned()
        kb = cache.get(store)
        decision = consult.decide(store, kb, question)
        now = clock()
        made = consult.record(tracking, question, decision, actor, now, minutes)
        return consultation_out(kb, made, now, decision.reason)

    out = await run_in_threadpool(make)
    response.headers["Location"] = f"/v1/consultations/{out.id}"
    return out


@router.get("/consultations", response_model=list[ConsultationOut], responses=NOT_FOUND)
async def list_consultations(
    backend: BackendDep,
    cache: KnowledgeBaseDep,
    tracking: TrackingDep,
    _actor: AnyRoleDep,
    clock: ClockDep,
    department: Annotated[
        IdStr | None, Query(description="Only those routed to this department.")
    ] = None,
    open: Annotated[
        bool | None, Query(description="true: not answered yet; false: answered.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ConsultationOut]:
    """Consultations, newest first (any role)."""

    def read() -> list[ConsultationOut]:
        kb = cache.get(backend.catalog.pinned())
        if department is not None and department not in kb.departments:
            raise NotFound("department", department)
        found = tracking.list_consultations(department, open_only=open is True)
        if open is False:
            found = [c for c in found if c.answer is not None]
        found.reverse()
        now = clock()
        return [consultation_out(kb, c, now) for c in found[offset : offset + limit]]

    return await run_in_threadpool(read)


@router.get("/consultations/stats", response_model=ConsultationStatsOut)
async def consultation_stats(
    backend: BackendDep,
    cache: KnowledgeBaseDep,
    tracking: TrackingDep,
    _actor: AnyRoleDep,
    clock: ClockDep,
    minutes: MinutesDep,
) -> ConsultationStatsOut:
    """Answered at the window vs routed (the article: 80/20), and per department how fast the
    routed ones were answered and how many within the deadline (any role)."""

    def read() -> ConsultationStatsOut:
        kb = cache.get(backend.catalog.pinned())
        s = consult.stats(tracking.list_consultations(), clock())
        return ConsultationStatsOut(
            total=s.total,
            at_window=s.at_window,
            routed=s.routed,
            at_window_share=s.at_window_share,
            reference_at_window_share=consult.REFERENCE_AT_WINDOW_SHARE,
            answered_routed=s.answered_routed,
            within_deadline=s.within_deadline,
            within_deadline_share=s.within_deadline_share,
            mean_minutes=s.mean_minutes,
            reference_response_minutes=consult.REFERENCE_RESPONSE_MINUTES,
            deadline_minutes=minutes,
            departments=[
                DepartmentResponse(
                    department=Ref(id=d.department_id, name=kb.department_name(d.department_id)),
                    routed=d.routed,
                    answered=d.answered,
                    within_deadline=d.within_deadline,
                    open_overdue=d.open_overdue,
                    mean_minutes=d.mean_minutes,
                    max_minutes=d.max_minutes,
                )
                for d in s.departments
            ],
        )

    return await run_in_threadpool(read)


@router.get("/consultations/{consultation_id}", response_model=ConsultationOut, responses=NOT_FOUND)
async def get_consultation(
    consultation_id: ConsultationPath,
    backend: BackendDep,
    cache: KnowledgeBaseDep,
    tracking: TrackingDep,
    _actor: AnyRoleDep,
    clock: ClockDep,
) -> ConsultationOut:
    """One consultation, with its answer once there is one (any role)."""

    def read() -> ConsultationOut:
        kb = cache.get(backend.catalog.pinned())
        return consultation_out(kb, tracking.consultation(consultation_id), clock())

    return await run_in_threadpool(read)


@router.post(
    "/consultations/{consultation_id}/answer",
    response_model=ConsultationOut,
    responses={**NOT_FOUND, **CONFLICT},
)
async def answer_consultation(
    consultation_id: ConsultationPath,
    body: ConsultationAnswer,
    backend: BackendDep,
    cache: KnowledgeBaseDep,
    tracking: TrackingDep,
    actor: OfficerDep,
    clock: ClockDep,
) -> ConsultationOut:
    """The department's answer: by an officer of the department it was routed to, once (403
    for another department's officer, 409 once answered)."""

    def write() -> ConsultationOut:
        kb = cache.get(backend.catalog.pinned())
        now = clock()
        answered = consult.answer(tracking, consultation_id, body.answer, actor, now)
        return consultation_out(kb, answered, now)

    return await run_in_threadpool(write)


def _kpis(tracking: TrackingStore, calendar: WorkingCalendar, now: datetime) -> KpisOut:
    records = kpi.read_records(tracking)
    return KpisOut(
        kpis=[
            KpiOut(
                name=k.name,
                label=k.label,
                value=k.value,
                unit=k.unit,
                reference=k.reference,
                basis=k.basis,
                sample=k.sample,
                estimate=k.estimate,
            )
            for k in kpi.kpis(records, calendar, now)
        ],
        as_of=local_day(now),
        reference_source=kpi.ARTICLE,
    )


@router.get("/kpis", response_model=KpisOut)
async def kpis(
    tracking: TrackingDep, _actor: AnyRoleDep, clock: ClockDep, calendar: CalendarDep
) -> KpisOut:
    """The zone's KPIs from the tracking records, each beside the article's figure (any role)."""
    return await run_in_threadpool(_kpis, tracking, calendar, clock())


@router.get("/kpis/page", response_class=HTMLResponse)
async def kpis_page(tracking: TrackingDep, clock: ClockDep, calendar: CalendarDep) -> HTMLResponse:
    """The KPIs as a self-contained Chinese page for planners, opened in a browser (no token:
    it shows aggregate figures only, as a zone publishes them)."""

    def make() -> str:
        now = clock()
        records = kpi.read_records(tracking)
        rows = [_row(k) for k in kpi.kpis(records, calendar, now)]
        return render("kpis.html", rows=rows, as_of=local_day(now).isoformat(), article=kpi.ARTICLE)

    return HTMLResponse(await run_in_threadpool(make))


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}" if unit == "%" else f"{value:g}"
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def _row(k: kpi.Kpi) -> dict[str, str]:
    return {
        "name": k.name,
        "label": k.label,
        "value": _number(k.value, k.unit),
        "estimate": _number(k.estimate, k.unit) if k.estimate is not None else "",
        "reference": _number(k.reference, k.unit),
        "sample": str(k.sample),
        "basis": k.basis_zh,
    }
