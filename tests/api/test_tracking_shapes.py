"""The success shape of every tracking endpoint (projects, queue, audit, guides, consultations,
KPIs, the project's pages and QR codes), pinned the two ways test_success_shapes pins the
catalog's: against the served OpenAPI schema and a hand-written contract. The endpoints need a
project, a consultation and tokens, which the `world` fixture makes through the API itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_success_shapes import (
    JSON,
    REF,
    ListOf,
    MapOf,
    Nullable,
    Shape,
    contract_errors,
    schema_errors,
)
from tracking.tokens import issue
from tracking.workflow import Role

MATTER: dict[str, Shape] = {
    "id": str,
    "name": str,
    "department": REF,
    "phase": int,
    "requires": ListOf(str, may_be_empty="one matter alone (ghxk) may require nothing"),
    "status": str,
    "status_label": str,
    "version": int,
    "accepted_on": Nullable(str, expect_value=True),
    "due_on": Nullable(str, expect_value=True),
    "days_left": Nullable(int, expect_value=True),
    "flag": str,
    "corrections": int,
    "closed_on": Nullable(str),
    "updated_at": Nullable(str, expect_value=True),
}
# A matter just created: pending, nothing dated yet.
NEW_MATTER: dict[str, Shape] = {
    **MATTER,
    **{name: Nullable(str) for name in ("accepted_on", "due_on", "updated_at")},
    "days_left": Nullable(int),
}
PROJECT: dict[str, Shape] = {
    "code": str,
    "name": str,
    "enterprise": str,
    "position": {
        "industry": str,
        "stage": str,
        "scenario": Nullable(str, expect_value=True),
        "answers": MapOf(str),
    },
    "catalog_version": str,
    "created_at": str,
    "created_by": str,
    "status_page": str,
    "totals": {"matters": int, "done": int, "open": int, "overdue": int, "due_soon": int},
    "matters": ListOf(MATTER),
    "warnings": ListOf(str, may_be_empty="2026 is a year the holiday calendar knows"),
}
SUMMARY: dict[str, Shape] = {
    "code": str,
    "name": str,
    "enterprise": str,
    "industry": str,
    "stage": str,
    "scenario": Nullable(str),
    "created_at": str,
    "matters": int,
    "done": int,
}
EVENT: dict[str, Shape] = {
    "matter_id": str,
    "from_status": str,
    "to_status": str,
    "actor": str,
    "at": str,
    "comment": str,
}
GUIDE: dict[str, Shape] = {
    "id": str,
    "title": str,
    "body": str,
    "topic": str,
    "about": REF,
    "about_kind": str,
    "source": str,
}


def consultation(seen_answered: bool) -> dict[str, Shape]:
    """A consultation's contract; `seen_answered`: the body shows an answered routed one."""
    return {
        "id": str,
        "question": str,
        "outcome": str,
        "answer": Nullable(str, expect_value=seen_answered),
        "guide": Nullable(GUIDE),
        "department": Nullable(REF, expect_value=seen_answered),
        "matter": Nullable(REF, expect_value=seen_answered),
        "created_at": str,
        "due_at": Nullable(str, expect_value=seen_answered),
        "answered_at": Nullable(str, expect_value=seen_answered),
        "answered_by": Nullable(str, expect_value=seen_answered),
        "overdue": bool,
    }


CONSULTATION = consultation(seen_answered=False)
KPI: dict[str, Shape] = {
    "name": str,
    "label": str,
    "value": Nullable(float),
    "unit": str,
    "reference": Nullable(float, expect_value=True),
    "basis": str,
}


@dataclass(frozen=True)
class Case:
    method: str
    route: str
    contract: Shape | None  # None: not JSON (media type and magic bytes instead)
    role: str | None = "planner"  # whose token goes with it (None: no token, the code only)
    status: int = 200
    body: dict[str, Any] | None = None
    media_type: str = JSON
    magic: bytes = b""
    params: dict[str, str] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "project-create": Case(
        "POST",
        "/v1/projects",
        {**PROJECT, "matters": ListOf(NEW_MATTER)},
        role="window",
        status=201,
        body={
            "name": "项目",
            "enterprise": "企业",
            "industry": "nev",
            "stage": "nev.construction",
            "scenario": "kaigong",
            "answers": {"big_area": "是"},
        },
    ),
    "projects": Case("GET", "/v1/projects", ListOf(SUMMARY)),
    "project": Case("GET", "/v1/projects/{code}", PROJECT, role=None),
    "plan": Case(
        "GET", "/v1/projects/{code}/plan", {"catalog_version": str, "plan": MapOf(object)}, None
    ),
    "history": Case("GET", "/v1/projects/{code}/history", ListOf(EVENT), role=None),
    "matter": Case("GET", "/v1/projects/{code}/matters/{matter}", MATTER, role=None),
    "status": Case(
        "POST",
        "/v1/projects/{code}/matters/{matter}/status",
        MATTER,
        role="gh",
        body={"status": "reviewing", "version": 2, "comment": "材料齐全"},
    ),
    "queue": Case(
        "GET", "/v1/departments/{department}/queue", ListOf({**MATTER, "project_code": str})
    ),
    "audit": Case(
        "GET",
        "/v1/audit",
        ListOf(
            {
                "id": int,
                "at": str,
                "actor": str,
                "action": str,
                "target": str,
                "detail": MapOf(object),
            }
        ),
    ),
    "guides": Case("GET", "/v1/guides", ListOf(GUIDE), role=None, params={"matter": "sgxk"}),
    "consultation-create": Case(
        "POST",
        "/v1/consultations",
        CONSULTATION,
        role="window",
        status=201,
        body={"question": "施工许可证核发的办理时限是多久", "matter": "sgxk"},
    ),
    "consultations": Case("GET", "/v1/consultations", ListOf(consultation(seen_answered=True))),
    "consultation": Case("GET", "/v1/consultations/{consultation}", CONSULTATION),
    "consultation-answer": Case(
        "POST",
        "/v1/consultations/{open_consultation}/answer",
        consultation(seen_answered=True),
        role="zj",
        body={"answer": "法定时限内办结"},
    ),
    "consultation-stats": Case(
        "GET",
        "/v1/consultations/stats",
        {
            "total": int,
            "at_window": int,
            "routed": int,
            "at_window_share": Nullable(float, expect_value=True),
            "reference_at_window_share": float,
            "departments": ListOf(
                {
                    "department": REF,
                    "routed": int,
                    "answered": int,
                    "within_deadline": int,
                    "mean_minutes": Nullable(float),
                    "max_minutes": Nullable(float),
                }
            ),
        },
    ),
    "kpis": Case("GET", "/v1/kpis", {"kpis": ListOf(KPI), "as_of": str}),
    "kpis-page": Case(
        "GET", "/v1/kpis/page", None, None, media_type="text/html", magic=b"<!doctype"
    ),
    "qr-svg": Case(
        "GET", "/v1/projects/{code}/qr.svg", None, None, media_type="image/svg+xml", magic=b"<"
    ),
    "qr-png": Case(
        "GET", "/v1/projects/{code}/qr.png", None, None, media_type="image/png", magic=b"\x89PNG"
    ),
    "project-page": Case(
        "GET", "/v1/projects/{code}/page", None, None, media_type="text/html", magic=b"<!doctype"
    ),
    "project-flowchart": Case(
        "GET",
        "/v1/projects/{code}/flowchart",
        None,
        None,
        media_type="text/html",
        magic=b"<!doctype",
    ),
    "desk": Case("GET", "/v1/desk", None, None, media_type="text/html", magic=b"<!doctype"),
}
# The routes these cases cover (test_success_shapes' coverage test counts them).
ROUTES = {
    (
        c.method,
        c.route.replace("{matter}", "{matter_id}")
        .replace("{department}", "{department_id}")
        .replace("{consultation}", "{consultation_id}")
        .replace("{open_consultation}", "{consultation_id}"),
    )
    for c in CASES.values()
}


@pytest.fixture
def world(client: TestClient) -> dict[str, Any]:
    """Tokens of each role, a project with one matter accepted, two consultations (one
    answered), all made through the API."""
    store = client.app.state.tracking  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    tokens = {
        role: issue(store, Role(kind), dept, role, "test", now).secret
        for role, kind, dept in (
            ("window", "window", None),
            ("planner", "planner", None),
            ("gh", "officer", "gh"),
            ("zj", "officer", "zj"),
        )
    }

    def auth(role: str | None) -> dict[str, str]:
        return {} if role is None else {"Authorization": f"Bearer {tokens[role]}"}

    made = client.post("/v1/projects", json=CASES["project-create"].body, headers=auth("window"))
    code = made.json()["code"]
    accepted = client.post(
        f"/v1/projects/{code}/matters/ghxk/status",
        json={"status": "accepted", "version": 1},
        headers=auth("gh"),
    )
    question = CASES["consultation-create"].body
    first = client.post("/v1/consultations", json=question, headers=auth("window"))
    second = client.post("/v1/consultations", json=question, headers=auth("window"))
    for answer in (made, accepted, first, second):
        assert answer.status_code in (200, 201), answer.text
    routed = [a.json() for a in (first, second) if a.json()["outcome"] == "routed"]
    if routed:  # one answered, one left open for the answer case
        client.post(
            f"/v1/consultations/{routed[0]['id']}/answer",
            json={"answer": "已答复"},
            headers=auth(routed[0]["department"]["id"]),
        )
    return {
        "auth": auth,
        "code": code,
        "matter": "ghxk",
        "department": "gh",
        "consultation": first.json()["id"],
        "open_consultation": (routed[1] if len(routed) > 1 else second.json())["id"],
    }


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_tracking_success_shape(client: TestClient, world: dict[str, Any], case: Case) -> None:
    url = case.route.format(**{k: v for k, v in world.items() if isinstance(v, str)})
    response = client.request(
        case.method, url, params=case.params, json=case.body, headers=world["auth"](case.role)
    )
    assert response.status_code == case.status, response.text
    media_type = response.headers["content-type"].split(";")[0].strip()
    assert media_type == case.media_type
    spec = client.get("/v1/openapi.json").json()
    route = next(r for m, r in ROUTES if m == case.method and _matches(r, case.route))
    operation = spec["paths"][route][case.method.lower()]
    content = operation["responses"][str(case.status)].get("content", {})
    if case.contract is None:
        assert response.content[: len(case.magic)].lower() == case.magic.lower()
        assert media_type in content or not content, list(content)
        return
    assert schema_errors(response.json(), content[JSON]["schema"], spec) == []
    assert contract_errors(response.json(), case.contract) == []


def _matches(template: str, route: str) -> bool:
    normal = route.replace("{matter}", "{matter_id}").replace("{open_consultation}", "{x}")
    normal = normal.replace("{department}", "{department_id}")
    normal = normal.replace("{consultation}", "{x}")
    return template.replace("{consultation_id}", "{x}") == normal
