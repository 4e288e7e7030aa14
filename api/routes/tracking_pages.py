"""The pages of tracking: a project's status page, QR code and flowchart (一码一图), and the
window desk (综合窗口) that plans with an applicant and creates the project.

A project's pages need no token: its unguessable code is the capability. Pages are
self-contained HTML (no external URL; the desk fetches from chainkg itself only, which the
pages' Content-Security-Policy enforces). An unknown code is a 404 problem+json.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import TrackingDep
from api.deps import CalendarDep, ClockDep
from api.problems import NOT_FOUND
from api.routes.projects import CodePath, status_page
from tracking import projects as tracked
from viz.desk import desk_html
from viz.project_page import project_flowchart_html, project_page_html, qr_png, qr_svg

router = APIRouter(tags=["tracking"])

# A project's code, and so its QR code, never changes; its pages change with every status.
QR_CACHE = {"Cache-Control": "public, max-age=86400"}
PAGE_CACHE = {"Cache-Control": "no-cache"}


class SvgResponse(Response):
    media_type = "image/svg+xml"


class PngResponse(Response):
    media_type = "image/png"


@router.get("/projects/{code}/qr.svg", response_class=SvgResponse, responses=NOT_FOUND)
async def project_qr_svg(code: CodePath, request: Request, tracking: TrackingDep) -> Response:
    """The QR code of the project's status page (<CHAINKG_PUBLIC_URL>/v1/projects/<code>/page),
    as SVG: error correction level Q, a four-module quiet zone."""
    await run_in_threadpool(tracking.project, code)  # NotFound for an unknown code
    return SvgResponse(qr_svg(status_page(request, code)), headers=QR_CACHE)


@router.get("/projects/{code}/qr.png", response_class=PngResponse, responses=NOT_FOUND)
async def project_qr_png(code: CodePath, request: Request, tracking: TrackingDep) -> Response:
    """The same QR code as a PNG (8 pixels a module)."""
    await run_in_threadpool(tracking.project, code)
    return PngResponse(qr_png(status_page(request, code)), headers=QR_CACHE)


@router.get("/projects/{code}/page", response_class=HTMLResponse, responses=NOT_FOUND)
async def project_page(
    code: CodePath,
    request: Request,
    tracking: TrackingDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> HTMLResponse:
    """The project's status page for the enterprise (phone-sized, Chinese, offline): every
    matter by phase with its status, due date and working days left, and the QR code."""

    def build() -> str:
        project = tracking.project(code)
        today = tracked.local_day(clock())
        progress = [tracked.progress(calendar, m, today) for m in project.matters]
        return project_page_html(project, progress, today, status_page(request, code))

    return HTMLResponse(await run_in_threadpool(build), headers=PAGE_CACHE)


@router.get("/projects/{code}/flowchart", response_class=HTMLResponse, responses=NOT_FOUND)
async def project_flowchart(
    code: CodePath, tracking: TrackingDep, clock: ClockDep, calendar: CalendarDep
) -> HTMLResponse:
    """The flowchart (一图) of the project's plan, each matter in its current status."""

    def build() -> str:
        project = tracking.project(code)
        today = tracked.local_day(clock())
        progress = [tracked.progress(calendar, m, today) for m in project.matters]
        return project_flowchart_html(project, progress, today)

    return HTMLResponse(await run_in_threadpool(build), headers=PAGE_CACHE)


@router.get("/desk", response_class=HTMLResponse)
async def desk() -> HTMLResponse:
    """The window desk (综合窗口): plan with the applicant (position, situational questions),
    print the one-time materials checklist (一次性告知单), create the project and print its
    QR code. It talks to this API only; the window's token stays in the tab (sessionStorage)."""
    return HTMLResponse(desk_html())
