"""Tracked projects over HTTP: each role's rights (every refusal 401/403 and nothing written),
versions (428 without one, 409 with the state now when two writers race), the plan snapshot
a later catalog load leaves alone, hostile input."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_clock
from api.settings import Settings
from graph.model import Catalog
from graph.stores.factory import Backend, embedded_backend
from tracking.store import TrackingStore
from tracking.tokens import issue
from tracking.workflow import Role

KAIGONG = {"industry": "nev", "stage": "nev.construction", "scenario": "kaigong"}
PROJECT = {"name": "年产10万辆新能源整车项目", "enterprise": "示例汽车有限公司", **KAIGONG}
NOW = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)


@dataclasses.dataclass
class Served:
    client: TestClient
    app: FastAPI
    backend: Backend
    tokens: dict[str, str]

    @property
    def tracking(self) -> TrackingStore:
        store: TrackingStore = self.app.state.tracking
        return store

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def create(self, **extra: Any) -> dict[str, Any]:
        answer = self.client.post(
            "/v1/projects", json={**PROJECT, **extra}, headers=self.auth("window")
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def writes(self) -> int:
        return len(self.tracking.audit_log(10_000))


@pytest.fixture
def served(mini_catalog: Catalog, tmp_path: Path) -> Iterator[Served]:
    backend = embedded_backend(mini_catalog)
    settings = Settings(public_url="https://zwfw.example.gov.cn", state_dir=tmp_path)
    app = create_app(settings, backend=backend)
    app.dependency_overrides[get_clock] = lambda: lambda: NOW
    with TestClient(app) as client:
        store = app.state.tracking
        tokens = {
            "window": issue(store, Role.WINDOW, None, "窗口", "test", NOW).secret,
            "planner": issue(store, Role.PLANNER, None, "规划", "test", NOW).secret,
            "admin": issue(store, Role.ADMIN, None, "管理", "test", NOW).secret,
            "gh": issue(store, Role.OFFICER, "gh", "规划局", "test", NOW).secret,
            "zj": issue(store, Role.OFFICER, "zj", "住建局", "test", NOW).secret,
        }
        yield Served(client, app, backend, tokens)


def _status(
    s: Served, code: str, matter: str, to: str, who: str, version: int | None = 1, **headers: str
) -> Any:
    body: dict[str, Any] = {"status": to, "comment": "测试"}
    if version is not None:
        body["version"] = version
    return s.client.post(
        f"/v1/projects/{code}/matters/{matter}/status",
        json=body,
        headers={**s.auth(who), **headers},
    )


def test_the_window_creates_a_project_from_the_plan_of_its_position(served: Served) -> None:
    project = served.create()
    assert len(project["code"]) >= 32  # 192 random bits, URL-safe
    assert project["status_page"] == (
        f"https://zwfw.example.gov.cn/v1/projects/{project['code']}/page"
    )
    assert [m["id"] for m in project["matters"]] == ["ghxk", "rfsp", "sgxk"]
    assert {m["status_label"] for m in project["matters"]} == {"待受理"}
    assert project["totals"] == {"matters": 3, "done": 0, "open": 3, "overdue": 0, "due_soon": 0}
    plain = served.client.get(f"/v1/projects/{project['code']}")  # the code alone reads it
    assert plain.status_code == 200 and plain.json() == project


@pytest.mark.parametrize("who", [None, "bogus", "planner", "admin", "gh"])
def test_only_the_window_creates_projects_and_a_refusal_writes_nothing(
    served: Served, who: str | None
) -> None:
    before = served.writes()
    headers = {} if who is None else {"Authorization": f"Bearer {served.tokens.get(who, who)}"}
    answer = served.client.post("/v1/projects", json=PROJECT, headers=headers)
    assert answer.status_code == (401 if who in (None, "bogus") else 403)
    assert answer.headers["content-type"] == "application/problem+json"
    if answer.status_code == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert served.writes() == before and served.tracking.count_projects() == 0


def test_a_revoked_token_is_refused(served: Served) -> None:
    from tracking.tokens import revoke

    token_id = next(t.id for t in served.tracking.list_tokens() if t.label == "窗口")
    revoke(served.tracking, token_id, "test", NOW)
    answer = served.client.post("/v1/projects", json=PROJECT, headers=served.auth("window"))
    assert answer.status_code == 401


def test_officers_move_their_departments_matters_only(served: Served) -> None:
    code = served.create()["code"]
    assert _status(served, code, "ghxk", "accepted", "zj").status_code == 403
    moved = _status(served, code, "ghxk", "accepted", "gh")
    assert moved.status_code == 200, moved.text
    assert moved.json()["version"] == 2 and moved.headers["etag"] == '"2"'
    # 5 working days from Monday 28 Sep 2026 is Saturday 10 Oct (调休), see the calendar tests.
    assert moved.json()["status_label"] == "已受理" and moved.json()["due_on"] is not None
    for who in ("planner", "admin"):
        assert _status(served, code, "ghxk", "reviewing", who, 2).status_code == 403
    assert served.client.get(f"/v1/projects/{code}/matters/ghxk").json()["version"] == 2


def test_the_window_accepts_but_does_not_decide(served: Served) -> None:
    code = served.create()["code"]
    assert _status(served, code, "ghxk", "accepted", "window").status_code == 200
    assert _status(served, code, "ghxk", "reviewing", "window", 2).status_code == 403
    assert _status(served, code, "ghxk", "reviewing", "gh", 2).status_code == 200
    assert _status(served, code, "ghxk", "done", "window", 3).status_code == 403


def test_a_move_the_workflow_forbids_is_409_and_writes_nothing(served: Served) -> None:
    code = served.create()["code"]
    before = served.writes()
    refused = _status(served, code, "ghxk", "done", "gh")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("transition-refused")
    waiting = _status(served, code, "sgxk", "accepted", "zj")  # needs ghxk done first
    assert waiting.status_code == 409 and "ghxk" not in waiting.json()["detail"]
    assert "规划" in waiting.json()["detail"] or "waits for" in waiting.json()["detail"]
    assert served.writes() == before


def test_a_change_without_the_version_read_is_428(served: Served) -> None:
    code = served.create()["code"]
    assert _status(served, code, "ghxk", "accepted", "gh", None).status_code == 428
    by_header = _status(served, code, "ghxk", "accepted", "gh", None, **{"If-Match": '"1"'})
    assert by_header.status_code == 200
    bad = _status(served, code, "ghxk", "reviewing", "gh", None, **{"If-Match": "*"})
    assert bad.status_code == 422  # not a version ETag


def test_of_two_writers_who_read_one_version_one_wins_the_other_gets_the_state_now(
    served: Served,
) -> None:
    code = served.create()["code"]
    barrier = threading.Barrier(2)
    answers: list[Any] = []

    def write(to: str) -> None:
        barrier.wait()
        answers.append(_status(served, code, "ghxk", to, "gh"))

    threads = [threading.Thread(target=write, args=(t,)) for t in ("accepted", "not_accepted")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409], [a.text for a in answers]
    won = next(a for a in answers if a.status_code == 200).json()
    lost = next(a for a in answers if a.status_code == 409).json()
    assert lost["type"].endswith("version-conflict")
    assert lost["current"]["version"] == 2 and lost["current"]["status"] == won["status"]
    assert len(served.tracking.history(code)) == 1  # nothing lost, nothing doubled


def test_a_later_catalog_load_leaves_a_running_projects_plan_alone(
    served: Served, mini_catalog: Catalog
) -> None:
    project = served.create()
    plan = served.client.get(f"/v1/projects/{project['code']}/plan").json()
    matters = dict(mini_catalog.matters)
    matters["ghxk"] = dataclasses.replace(matters["ghxk"], name="改名后的规划许可")
    served.backend.load(dataclasses.replace(mini_catalog, matters=matters))
    again = served.client.get(f"/v1/projects/{project['code']}").json()
    assert again["catalog_version"] == project["catalog_version"]
    assert again["matters"] == project["matters"]
    assert served.client.get(f"/v1/projects/{project['code']}/plan").json() == plan
    assert served.create()["catalog_version"] != project["catalog_version"]


def test_the_department_queue_lists_open_matters_overdue_first(served: Served) -> None:
    code = served.create()["code"]
    _status(served, code, "ghxk", "accepted", "gh")
    queue = served.client.get("/v1/departments/gh/queue", headers=served.auth("planner"))
    assert queue.status_code == 200
    assert [(q["project_code"], q["id"]) for q in queue.json()] == [(code, "ghxk")]
    assert served.client.get("/v1/departments/gh/queue").status_code == 401
    unknown = served.client.get("/v1/departments/nope/queue", headers=served.auth("planner"))
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {**PROJECT, "name": "\udfff"},
        {**PROJECT, "enterprise": ""},
        {**PROJECT, "name": "长" * 201},
        {**PROJECT, "scenario": "no-such-scenario"},
        {**PROJECT, "extra": 1},
    ],
    ids=["lone-surrogate", "empty", "too-long", "unknown-scenario", "extra-member"],
)
def test_hostile_project_bodies_are_refused_and_nothing_is_written(
    served: Served, body: dict[str, Any]
) -> None:
    answer = served.client.post(  # ensure_ascii: a lone surrogate goes as the escape \udfff
        "/v1/projects",
        content=json.dumps(body, ensure_ascii=True),
        headers={**served.auth("window"), "Content-Type": "application/json"},
    )
    assert answer.status_code in (404, 422), answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert served.tracking.count_projects() == 0


@pytest.mark.parametrize("path", ["", "/plan", "/history", "/matters/ghxk"])
def test_an_unknown_code_is_404_problem_json(served: Served, path: str) -> None:
    answer = served.client.get(f"/v1/projects/{'x' * 32}{path}")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_audit_log_is_read_by_admins_and_planners_and_written_by_no_one(
    served: Served,
) -> None:
    code = served.create()["code"]
    _status(served, code, "ghxk", "accepted", "gh")
    for who in ("admin", "planner"):
        log = served.client.get("/v1/audit", headers=served.auth(who))
        assert log.status_code == 200
        assert [e["action"] for e in log.json()[:2]] == ["matter.status", "project.create"]
    for who in ("window", "gh"):
        assert served.client.get("/v1/audit", headers=served.auth(who)).status_code == 403
    for method in ("put", "patch", "delete", "post"):
        answer = served.client.request(method, "/v1/audit", headers=served.auth("admin"))
        assert answer.status_code == 405
