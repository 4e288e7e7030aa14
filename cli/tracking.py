"""`chainkg tokens ...` and `chainkg projects ...`: the tracking database from the command line.

cli/main.py registers both apps. They write the tracking database the API serves
(CHAINKG_TRACKING_URL, else SQLite at CHAINKG_STATE_DIR/tracking.db), so an operator can issue
the first tokens and track a project without a token of their own. The audit log names such a
write `<role>#cli@<os user>`: the role the command acts in (admin for tokens, the window for
projects, as the API requires them), then where it came from.

`projects create` makes the plan on the configured catalog backend (Neo4j with
CHAINKG_BACKEND=neo4j, else the catalog at CHAINKG_DATA or the shipped one), exactly as
POST /v1/projects does; `projects show --json` and `projects list --json` print the API's
shapes (GET /v1/projects/{code}, GET /v1/projects).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from api.routes.projects import project_out as api_project_out
from api.tracking_schemas import ProjectSummaryOut
from cli.common import (
    AnswersOpt,
    IndustryArg,
    JsonOpt,
    ScenarioOpt,
    StageArg,
    cli_settings,
    emit_json,
    err,
    fail,
    open_query_backend,
    out,
    quiet_driver,
)
from graph.answers import parse_answers
from graph.errors import ChainKGError, InvalidRequest, NotFound
from graph.model import Position
from graph.planner import recommend
from tracking import projects as tracked
from tracking import tokens
from tracking.calendar import WorkingCalendar
from tracking.model import Project, ProjectSummary, TokenRecord
from tracking.projects import MatterProgress, utc_now
from tracking.store import TrackingStore
from tracking.stores.sql import open_sql_store
from tracking.workflow import Actor, Role

tokens_app = typer.Typer(
    help="Bearer tokens of the API: create (shown once), list, revoke.",
    no_args_is_help=True,
)
projects_app = typer.Typer(
    help="Tracked projects (一码): create from a plan, show every matter's status, list.",
    no_args_is_help=True,
)

NAME_CHARS = 200  # as POST /v1/projects takes a name or an enterprise
LIST_LIMIT = (1, 500)  # as GET /v1/projects takes `limit`


# --- shared -------------------------------------------------------------------------------------


def os_user() -> str:
    """Who runs the command, as the operating system names them (their uid if it cannot)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no passwd entry, no LOGNAME/USER
        return f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def cli_actor(role: Role) -> Actor:
    """The actor of a write made here: `<role>#cli@<os user>` in the audit log."""
    return Actor(f"cli@{os_user()}", role)


@contextmanager
def tracking_store() -> Iterator[TrackingStore]:
    """The configured tracking database for a `with` block, closed at its end; a ChainKGError
    raised opening it or inside (unreachable, an unknown code ...) is one red line, exit 1."""
    settings = cli_settings()
    try:
        store = open_sql_store(settings.tracking_database())
    except ChainKGError as exc:
        fail(exc)
    try:
        yield store
    except ChainKGError as exc:
        fail(exc)
    finally:
        store.close()


def _text(option: str, value: str, most: int = NAME_CHARS, empty: bool = False) -> str:
    """`value` stripped; exit 2 with one line if it is empty (unless allowed), too long, or not
    storable text (a lone surrogate: bytes the locale could not decode)."""
    value = value.strip()
    if not value and not empty:
        fail(f"{option}: expected some text, got nothing", code=2)
    if len(value) > most:
        fail(f"{option}: at most {most} characters, got {len(value)}", code=2)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fail(f"{option}: not valid text (bytes that are not UTF-8)", code=2)
    return value


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --- tokens -------------------------------------------------------------------------------------


RoleOpt = Annotated[
    Role,
    typer.Option(
        "--role",
        case_sensitive=False,
        help="admin (tokens, catalog loads), window (综合窗口: projects, receiving), officer "
        "(one department's matters) or planner (reads only).",
    ),
]
DepartmentOpt = Annotated[
    str | None,
    typer.Option(
        "--department",
        help="The department an officer token acts for (a department id of the catalog).",
    ),
]
LabelOpt = Annotated[
    str, typer.Option("--label", help="Whose token this is, e.g. 张三 综合窗口 3号.")
]


@tokens_app.command("create")
def tokens_create(
    ctx: typer.Context,
    role: RoleOpt,
    department: DepartmentOpt = None,
    label: LabelOpt = "",
) -> None:
    """Issue a token: printed once on stdout (only its digest is stored), its id on stderr.

    An officer token needs --department, a department of the configured catalog.

    Other roles take none.
    """
    label = _text("--label", label, empty=True)
    if department is not None:
        department = _text("--department", department, most=100)
    if role == Role.OFFICER and not department:
        fail("--department: an officer token acts for one department; name it", code=2)
    if role != Role.OFFICER and department:
        fail(f"--department: a {role.value} token acts for no department", code=2)
    if department:
        _check_department(ctx, department)
    with tracking_store() as store:
        issued = tokens.issue(
            store, role, department, label, cli_actor(Role.ADMIN).label, utc_now()
        )
    sys.stdout.write(issued.secret + "\n")
    record = issued.record
    where = f" of {record.department_id}" if record.department_id else ""
    named = f" ({record.label})" if record.label else ""
    err.print(
        Text(
            f"token {record.id}: {record.role.value}{where}{named}. It is shown this once "
            "(only its digest is kept): store it now; `chainkg tokens revoke "
            f"{record.id}` ends it.",
        ),
        soft_wrap=True,
    )


def _check_department(ctx: typer.Context, department: str) -> None:
    """Exit 1 with one line unless the configured catalog has `department`."""
    with quiet_driver():
        backend = open_query_backend(ctx, None)
        try:
            backend.catalog.department_detail(department)
        except NotFound:
            fail(f"--department {department}: no such department in the catalog")
        except ChainKGError as exc:
            fail(exc)
        finally:
            backend.close()


def token_out(record: TokenRecord) -> dict[str, Any]:
    """A token as listed: never the token nor its digest."""
    return {
        "id": record.id,
        "role": record.role.value,
        "department": record.department_id,
        "label": record.label,
        "created_at": _iso(record.created_at),
        "revoked_at": _iso(record.revoked_at),
    }


@tokens_app.command("list")
def tokens_list(as_json: JsonOpt = False) -> None:
    """Every token issued, oldest first: id, role, department, label, created, revoked."""
    with tracking_store() as store:
        records = store.list_tokens()
    if as_json:
        emit_json([token_out(r) for r in records])
        return
    table = Table()
    for column in ("id", "role", "department", "label", "created", "revoked"):
        table.add_column(column)
    for r in records:
        table.add_row(
            Text(r.id),
            r.role.value,
            Text(r.department_id or ""),
            Text(r.label),
            _minute(r.created_at),
            _minute(r.revoked_at) if r.revoked_at else "",
        )
    out.print(table)
    if not records:
        err.print("no tokens yet: `chainkg tokens create --role admin` issues one")


def _minute(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (tokens list).")],
) -> None:
    """Revoke a token: from now on it is refused (it stays listed, for the audit log)."""
    now = utc_now()
    with tracking_store() as store:
        record = tokens.revoke(store, token_id.strip(), cli_actor(Role.ADMIN).label, now)
    if record.revoked_at is not None and record.revoked_at < now:
        err.print(f"token {record.id} was revoked already, at {_minute(record.revoked_at)}")
    else:
        err.print(f"token {record.id} ({record.role.value}) revoked")


# --- projects -----------------------------------------------------------------------------------


def status_page(code: str) -> str:
    return f"{cli_settings().public_url.rstrip('/')}/v1/projects/{code}/page"


def project_out(project: Project, now: datetime) -> dict[str, Any]:
    """A project as GET /v1/projects/{code} gives it (the API's own view of it)."""
    view = api_project_out(project, WorkingCalendar(), now, status_page(project.code))
    out: dict[str, Any] = view.model_dump(mode="json")
    return out


def summary_out(s: ProjectSummary) -> dict[str, Any]:
    """A project as GET /v1/projects lists it."""
    out: dict[str, Any] = ProjectSummaryOut.model_validate(s, from_attributes=True).model_dump(
        mode="json"
    )
    return out


def _progress(project: Project, now: datetime) -> list[MatterProgress]:
    """Every matter as it stands today (China Standard Time), in working days."""
    calendar = WorkingCalendar()
    today = tracked.local_day(now)
    return [tracked.progress(calendar, m, today) for m in project.matters]


@projects_app.command("create")
def projects_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="The project, e.g. 年产10万辆整车项目.")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="The applicant enterprise.")],
    industry: IndustryArg,
    stage: StageArg,
    scenario: ScenarioOpt = None,
    answer: AnswersOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Track a project: its plan is made now on the configured catalog, kept with its version.

    Prints the project's code and the status page its QR code points to (CHAINKG_PUBLIC_URL).
    """
    name = _text("--name", name)
    enterprise = _text("--enterprise", enterprise)
    try:
        answers = parse_answers(answer or [])
    except InvalidRequest as exc:
        fail(f"--{exc}", code=2)
    position = Position(industry, stage, scenario)
    with quiet_driver():
        backend = open_query_backend(ctx, None)
        try:
            view = backend.catalog.pinned()
            plan = recommend(view, position, answers)
            version = view.catalog_version()
        except ChainKGError as exc:
            fail(exc)
        finally:
            backend.close()
    actor = cli_actor(Role.WINDOW)
    now = utc_now()
    request = tracked.ProjectRequest(name, enterprise, industry, stage, scenario, answers)
    new = tracked.new_project(request, plan, version, actor, now)
    with tracking_store() as store:
        project = tracked.create_project(store, new, actor)
    if as_json:
        emit_json(project_out(project, now))
    else:
        sys.stdout.write(f"{project.code}\n{status_page(project.code)}\n")
    unanswered = ", ".join(q.id for q in plan.pending_questions)
    pending = f"; unanswered (--answer ID=OPTION): {unanswered}" if unanswered else ""
    err.print(
        Text(
            f"project {project.name} ({project.enterprise}): {len(project.matters)} matters, "
            f"catalog {version[:12]}{pending}"
        ),
        soft_wrap=True,
    )


@projects_app.command("show")
def projects_show(
    code: Annotated[str, typer.Argument(help="The project's code (projects create or list).")],
    as_json: JsonOpt = False,
) -> None:
    """Every matter of a project: status, department, due date, working days left, flag."""
    now = utc_now()
    with tracking_store() as store:
        project = store.project(code.strip())
    progress = _progress(project, now)
    body = project_out(project, now)
    if as_json:
        emit_json(body)
        return
    where = " / ".join(x for x in (project.industry, project.stage, project.scenario) if x)
    out.print(Text(f"{project.name} — {project.enterprise}", style="bold"))
    out.print(
        Text(
            f"{where}; created {_minute(project.created_at)} by {project.created_by}; "
            f"catalog {project.catalog_version[:12]}"
        )
    )
    out.print(Text(body["status_page"]))
    table = Table(title=f"事项 matters (today {tracked.local_day(now)}, China Standard Time)")
    for column in ("阶段", "事项", "部门", "状态", "受理", "截止", "剩余工作日", "flag", "v"):
        table.add_column(column)
    for p in progress:
        m = p.state
        table.add_row(
            str(m.phase),
            Text(f"{m.name} ({m.matter_id})"),
            Text(m.department_name),
            p.label,
            _iso(m.accepted_on) or "",
            _iso(m.due_on) or "",
            "" if p.days_left is None else str(p.days_left),
            Text(p.flag, style=FLAG_STYLES.get(p.flag, "")),
            str(m.version),
        )
    out.print(table)
    totals = body["totals"]
    out.print(
        f"{totals['done']}/{totals['matters']} done, {totals['open']} open, "
        f"{totals['overdue']} overdue, {totals['due_soon']} due soon"
    )
    for warning in body["warnings"]:
        err.print(Text(f"warning: {warning}", style="yellow"), soft_wrap=True)


FLAG_STYLES = {"overdue": "red", "due_soon": "yellow", "on_track": "green", "closed": "dim"}


@projects_app.command("list")
def projects_list(
    limit: Annotated[
        int,
        typer.Option(min=LIST_LIMIT[0], max=LIST_LIMIT[1], help="Most projects, 1..500."),
    ] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Tracked projects, newest first."""
    with tracking_store() as store:
        found = store.list_projects(limit, 0)
        total = store.count_projects()
    if as_json:
        emit_json([summary_out(s) for s in found])
        return
    table = Table()
    for column in ("code", "名称", "企业", "位置", "created", "done"):
        table.add_column(column)
    for s in found:
        where = " / ".join(x for x in (s.industry, s.stage, s.scenario) if x)
        table.add_row(
            Text(s.code),
            Text(s.name),
            Text(s.enterprise),
            Text(where),
            _minute(s.created_at),
            f"{s.done}/{s.matters}",
        )
    out.print(table)
    if total > len(found):
        err.print(f"{len(found)} of {total} projects (--limit)")
    elif not found:
        err.print("no projects yet: `chainkg projects create` tracks one")


def kpis_command(as_json: JsonOpt = False) -> None:
    """The tracking KPIs beside the article's figures (as GET /v1/kpis)."""
    from tracking.kpis import kpis, read_records

    now = utc_now()
    with tracking_store() as store:
        found = kpis(read_records(store), WorkingCalendar(), now)
    if as_json:
        emit_json(
            {
                "as_of": tracked.local_day(now).isoformat(),
                "kpis": [
                    {
                        "name": k.name,
                        "label": k.label,
                        "value": k.value,
                        "unit": k.unit,
                        "reference": k.reference,
                        "sample": k.sample,
                        "basis": k.basis,
                    }
                    for k in found
                ],
            }
        )
        return
    table = Table()
    for column in ("指标", "value", "unit", "文章", "sample"):
        table.add_column(column)
    for k in found:
        table.add_row(
            Text(k.label),
            "—" if k.value is None else f"{k.value:g}",
            Text(k.unit),
            "—" if k.reference is None else f"{k.reference:g}",
            str(k.sample),
        )
    out.print(table)
