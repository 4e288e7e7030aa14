"""The 一库 and 一窗通办 over HTTP: /v1/guides, /v1/consultations, /v1/kpis (api/routes/window)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_clock
from api.routes.window import get_consultation_minutes
from api.settings import Settings, shipped_catalog
from graph.model import Catalog
from graph.stores.factory import embedded_backend
from loaders import load_catalog
from tracking.stores.sql import SqlTrackingStore, open_sql_store, sqlite_url
from tracking.tokens import issue
from tracking.workflow import Role

PROBLEM = "application/problem+json"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in 郑州
MINUTES = 5


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog(shipped_catalog())


@dataclass
class Desk:
    """A client of an app over the shipped catalog, with its own tracking database, a clock
    the test moves and a token per role."""

    client: TestClient
    tracking: SqlTrackingStore
    clock: list[datetime]
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def post(self, url: str, who: str | None, body: dict[str, Any]) -> Any:
        return self.client.post(url, json=body, headers=self.headers(who) if who else {})

    def get(self, url: str, who: str | None = "planner", **params: Any) -> Any:
        return self.client.get(url, params=params, headers=self.headers(who) if who else {})

    def audit_count(self) -> int:
        return len(self.tracking.audit_log(100_000))


@pytest.fixture
def desk(shipped: Catalog, tmp_path: Path) -> Iterator[Desk]:
    tracking = open_sql_store(sqlite_url(tmp_path / "tracking.db"))
    app = create_app(Settings(), backend=embedded_backend(shipped), tracking=tracking)
    now = [T0]

    async def clock() -> Callable[[], datetime]:
        return lambda: now[0]

    async def minutes() -> int:
        return MINUTES

    app.dependency_overrides[get_clock] = clock
    app.dependency_overrides[get_consultation_minutes] = minutes
    with TestClient(app) as client:
        roles = {
            "window": (Role.WINDOW, None),
            "planner": (Role.PLANNER, None),
            "admin": (Role.ADMIN, None),
            "scjg": (Role.OFFICER, "hkq.scjg"),
            "zjj": (Role.OFFICER, "hkq.zjj"),
            "rfb": (Role.OFFICER, "hkq.rfb"),
        }
        tokens = {
            who: issue(tracking, role, department, who, "test", T0).secret
            for who, (role, department) in roles.items()
        }
        yield Desk(client, tracking, now, tokens)
    tracking.close()


# --- /v1/guides -------------------------------------------------------------------------------


def test_guides_need_no_token_and_carry_their_source(desk: Desk) -> None:
    r = desk.get("/v1/guides", None, q="施工许可 材料", limit=3)
    assert r.status_code == 200, r.text
    first = r.json()[0]
    assert first["id"] == "g.sgxk.materials"
    assert first["about"] == {"id": "m.xm.sgxk", "name": "建筑工程施工许可证核发"}
    assert first["about_kind"] == "matter" and first["topic"] == "materials"
    assert first["source"].startswith("住房和城乡建设部令第42号")
    assert first["score"] > 0
    assert len(r.json()) == 3


def test_guides_of_a_matter_include_its_bundles_and_filter_by_topic(desk: Desk) -> None:
    found = desk.get("/v1/guides", None, matter="m.xm.sgxk").json()
    ids = [g["id"] for g in found]
    assert ids[0].startswith("g.sgxk.")  # its own first
    assert "g.kg.48" in ids  # 开工一件事, a bundle including it
    only = desk.get("/v1/guides", None, matter="m.xm.sgxk", topic="duration").json()
    assert {g["topic"] for g in only} == {"duration"}
    ranked = desk.get("/v1/guides", None, matter="m.xm.sgxk", q="开工").json()
    assert ranked and all(g["score"] > 0 for g in ranked)


def test_guides_of_an_unknown_matter_are_404_problems(desk: Desk) -> None:
    r = desk.get("/v1/guides", None, matter="m.nope")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["kind"] == "matter"
    assert desk.get("/v1/guides", None, topic="nope").status_code == 422


# --- asking -----------------------------------------------------------------------------------


def test_a_question_the_guides_answer_is_answered_at_the_window(desk: Desk) -> None:
    before = desk.audit_count()
    r = desk.post("/v1/consultations", "window", {"question": "施工许可需要哪些材料？"})
    assert r.status_code == 201, r.text
    out = r.json()
    assert r.headers["Location"] == f"/v1/consultations/{out['id']}"
    assert out["outcome"] == "window"
    assert out["guide"]["id"] == "g.sgxk.materials"
    assert out["answer"] == out["guide"]["body"]
    assert (out["department"], out["due_at"], out["overdue"]) == (None, None, False)
    assert out["answered_at"] == out["created_at"]
    assert "fits" in out["reason"]
    assert desk.audit_count() == before + 1
    entry = desk.tracking.audit_log(1)[0]
    assert (entry.action, entry.target) == ("consultation.create", f"consultation:{out['id']}")


def test_a_question_they_do_not_answer_is_routed_with_its_deadline(desk: Desk) -> None:
    r = desk.post("/v1/consultations", "window", {"question": "食堂的食品经营许可怎么办"})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["outcome"] == "routed"
    assert out["department"]["id"] == "hkq.scjg"
    assert out["matter"]["id"] == "m.nev.st"
    assert (out["answer"], out["guide"]) == (None, None)
    due = datetime.fromisoformat(out["due_at"])
    assert due == T0 + timedelta(minutes=MINUTES)
    assert datetime.fromisoformat(out["created_at"]) == T0


def test_a_named_matter_goes_to_its_department(desk: Desk) -> None:
    body = {"question": "这个项目情况特殊，请帮忙看看", "matter": "m.xm.rfyd"}
    out = desk.post("/v1/consultations", "window", body).json()
    assert out["outcome"] == "routed"
    assert out["department"]["id"] == "hkq.rfb"
    assert out["matter"]["id"] == "m.xm.rfyd"


def test_an_unmatched_question_goes_to_the_government_service_centre(desk: Desk) -> None:
    out = desk.post("/v1/consultations", "window", {"question": "屋顶装光伏要什么手续"}).json()
    assert out["outcome"] == "routed"
    assert out["department"] == {"id": "hkq.zwfw", "name": "郑州航空港区政务服务和大数据中心"}
    assert out["matter"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"question": "施工许可材料", "matter": "m.nope"}, 404),
        ({"question": "施工许可材料", "industry": "nope"}, 404),
        ({"question": "施工许可材料", "industry": "nev", "stage": "biomed.construction"}, 422),
        ({"question": ""}, 422),
        ({"question": "施工许可材料", "extra": 1}, 422),
    ],
)
def test_a_refused_question_writes_nothing(desk: Desk, body: dict[str, Any], status: int) -> None:
    before = desk.audit_count()
    r = desk.post("/v1/consultations", "window", body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert desk.audit_count() == before
    assert desk.tracking.list_consultations() == []


def test_roles_for_asking(desk: Desk) -> None:
    body = {"question": "施工许可需要哪些材料？"}
    none = desk.post("/v1/consultations", None, body)
    assert none.status_code == 401
    assert none.headers["WWW-Authenticate"].startswith("Bearer")
    for who in ["planner", "admin", "zjj"]:
        assert desk.post("/v1/consultations", who, body).status_code == 403, who
    assert desk.tracking.list_consultations() == []
    assert desk.get("/v1/consultations", None).status_code == 401
    assert desk.get("/v1/consultations/stats", None).status_code == 401


# --- answering --------------------------------------------------------------------------------


def _routed(desk: Desk) -> str:
    out = desk.post("/v1/consultations", "window", {"question": "食堂的食品经营许可怎么办"})
    assert out.json()["department"]["id"] == "hkq.scjg"
    return str(out.json()["id"])


def test_the_routed_departments_officer_answers_once(desk: Desk) -> None:
    cid = _routed(desk)
    desk.clock[0] = T0 + timedelta(minutes=2)
    r = desk.post(
        f"/v1/consultations/{cid}/answer", "scjg", {"answer": "单位食堂向区市场监管局申请"}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["answer"] == "单位食堂向区市场监管局申请"
    assert out["answered_by"].startswith("officer@hkq.scjg#")
    assert out["overdue"] is False
    assert desk.tracking.audit_log(1)[0].action == "consultation.answer"
    before = desk.audit_count()
    again = desk.post(f"/v1/consultations/{cid}/answer", "scjg", {"answer": "again"})
    assert again.status_code == 409
    assert again.json()["type"].endswith("already-answered")
    assert desk.audit_count() == before
    assert desk.get(f"/v1/consultations/{cid}").json()["answer"] == "单位食堂向区市场监管局申请"


def test_another_departments_officer_may_not_answer(desk: Desk) -> None:
    cid = _routed(desk)
    before = desk.audit_count()
    r = desk.post(f"/v1/consultations/{cid}/answer", "zjj", {"answer": "x"})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith(PROBLEM)
    for who in ["window", "planner"]:
        assert desk.post(f"/v1/consultations/{cid}/answer", who, {"answer": "x"}).status_code == 403
    assert desk.post(f"/v1/consultations/{cid}/answer", None, {"answer": "x"}).status_code == 401
    assert desk.audit_count() == before
    assert desk.get(f"/v1/consultations/{cid}").json()["answer"] is None


def test_a_window_answer_is_answered_already(desk: Desk) -> None:
    out = desk.post("/v1/consultations", "window", {"question": "施工许可需要哪些材料？"}).json()
    before = desk.audit_count()
    r = desk.post(f"/v1/consultations/{out['id']}/answer", "zjj", {"answer": "x"})
    assert r.status_code == 409
    assert desk.audit_count() == before


def test_answering_an_unknown_consultation_is_404(desk: Desk) -> None:
    r = desk.post("/v1/consultations/cnope/answer", "zjj", {"answer": "x"})
    assert r.status_code == 404
    assert desk.get("/v1/consultations/cnope").status_code == 404


# --- reading ----------------------------------------------------------------------------------


def test_lists_by_department_and_open(desk: Desk) -> None:
    window = desk.post("/v1/consultations", "window", {"question": "施工许可需要哪些材料？"})
    desk.clock[0] += timedelta(seconds=1)
    first = _routed(desk)
    desk.clock[0] += timedelta(seconds=1)
    second = _routed(desk)
    desk.post(f"/v1/consultations/{first}/answer", "scjg", {"answer": "a"})
    everything = desk.get("/v1/consultations").json()
    assert [c["id"] for c in everything] == [second, first, window.json()["id"]]  # newest first
    assert len(everything) == 3
    scjg = desk.get("/v1/consultations", department="hkq.scjg").json()
    assert {c["id"] for c in scjg} == {first, second}
    assert [c["id"] for c in desk.get("/v1/consultations", open="true").json()] == [second]
    assert len(desk.get("/v1/consultations", open="false").json()) == 2
    assert desk.get("/v1/consultations", department="nope").status_code == 404


def test_a_routed_question_is_overdue_past_its_deadline(desk: Desk) -> None:
    cid = _routed(desk)
    assert desk.get(f"/v1/consultations/{cid}").json()["overdue"] is False
    desk.clock[0] = T0 + timedelta(minutes=MINUTES, seconds=1)
    assert desk.get(f"/v1/consultations/{cid}").json()["overdue"] is True
    late = desk.post(f"/v1/consultations/{cid}/answer", "scjg", {"answer": "a"}).json()
    assert late["overdue"] is True  # answered after its due time


def test_stats_against_the_articles_80_20(desk: Desk) -> None:
    empty = desk.get("/v1/consultations/stats").json()
    assert (empty["total"], empty["at_window_share"], empty["departments"]) == (0, None, [])
    assert empty["reference_at_window_share"] == 0.8
    assert (empty["reference_response_minutes"], empty["deadline_minutes"]) == (3.0, MINUTES)
    for _ in range(3):
        desk.post("/v1/consultations", "window", {"question": "施工许可需要哪些材料？"})
    fast, slow = _routed(desk), _routed(desk)
    desk.clock[0] = T0 + timedelta(minutes=1)
    desk.post(f"/v1/consultations/{fast}/answer", "scjg", {"answer": "a"})
    desk.clock[0] = T0 + timedelta(minutes=7)
    desk.post(f"/v1/consultations/{slow}/answer", "scjg", {"answer": "b"})
    s = desk.get("/v1/consultations/stats").json()
    assert (s["total"], s["at_window"], s["routed"], s["at_window_share"]) == (5, 3, 2, 0.6)
    assert (s["answered_routed"], s["within_deadline"], s["within_deadline_share"]) == (2, 1, 0.5)
    assert s["mean_minutes"] == 4.0
    (department,) = s["departments"]
    assert department["department"]["id"] == "hkq.scjg"
    assert (department["routed"], department["answered"], department["within_deadline"]) == (
        2,
        2,
        1,
    )
    assert (department["mean_minutes"], department["max_minutes"]) == (4.0, 7.0)


# --- KPIs -------------------------------------------------------------------------------------


def _status(desk: Desk, code: str, matter: str, who: str, status: str, version: int) -> None:
    url = f"/v1/projects/{code}/matters/{matter}/status"
    r = desk.post(url, who, {"status": status, "version": version})
    assert r.status_code == 200, r.text


def test_kpis_of_an_empty_database_are_null(desk: Desk) -> None:
    r = desk.get("/v1/kpis")
    assert r.status_code == 200, r.text
    found = {k["name"]: k for k in r.json()["kpis"]}
    assert found["projects_tracked"]["value"] == 0
    assert found["projects_tracked"]["reference"] == 163
    assert found["first_pass_rate"]["value"] is None
    assert found["first_pass_rate"]["reference"] == 92
    assert found["window_share"]["value"] is None
    assert found["window_share"]["reference"] == 80
    assert r.json()["as_of"] == "2026-03-02"
    assert desk.get("/v1/kpis", None).status_code == 401


def test_kpis_follow_a_project_through_its_bundle(desk: Desk) -> None:
    body = {
        "name": "年产10万辆新能源整车项目",
        "enterprise": "示例汽车有限公司",
        "industry": "nev",
        "stage": "nev.construction",
        "scenario": "sc.xmsp.sgxk",
    }
    created = desk.post("/v1/projects", "window", body)
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    assert {m["id"] for m in created.json()["matters"]} == {"m.xm.rfyd", "m.xm.sgxk"}
    for matter in ["m.xm.rfyd", "m.xm.sgxk"]:
        _status(desk, code, matter, "window", "accepted", 1)
    desk.clock[0] = T0 + timedelta(days=1)  # Tuesday
    _status(desk, code, "m.xm.rfyd", "rfb", "reviewing", 2)
    _status(desk, code, "m.xm.rfyd", "rfb", "done", 3)
    _status(desk, code, "m.xm.sgxk", "zjj", "reviewing", 2)
    _status(desk, code, "m.xm.sgxk", "zjj", "correction", 3)
    _status(desk, code, "m.xm.sgxk", "window", "reviewing", 4)
    _status(desk, code, "m.xm.sgxk", "zjj", "done", 5)
    desk.post("/v1/consultations", "window", {"question": "施工许可需要哪些材料？"})
    found = {k["name"]: k for k in desk.get("/v1/kpis").json()["kpis"]}
    assert found["projects_tracked"]["value"] == 1
    assert (found["first_pass_rate"]["value"], found["first_pass_rate"]["sample"]) == (50.0, 2)
    assert (found["on_time_rate"]["value"], found["on_time_rate"]["sample"]) == (100.0, 2)
    bundle = found["bundle_working_days"]
    assert (bundle["value"], bundle["estimate"], bundle["sample"]) == (1.0, 1.0, 1)
    assert (found["guidance_sessions"]["value"], found["window_share"]["value"]) == (1, 100.0)


def test_the_kpi_page_is_chinese_and_self_contained(desk: Desk) -> None:
    r = desk.get("/v1/kpis/page")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="zh-CN">' in page
    for text in [
        "一次通过率",
        "窗口解决率",
        "定制辅导次数",
        "文章数字",
        "92.0%",
        "80.0%",
        "163 个",
    ]:
        assert text in page, text
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "@import" not in page and "url(http" not in page
    assert desk.get("/v1/kpis/page", None).status_code == 200  # aggregates: a browser opens it


def test_the_kpi_page_escapes_what_it_shows(desk: Desk) -> None:
    # Nothing the page shows comes from a request; the template escapes anyway.
    from viz.page import render

    html = render(
        "kpis.html",
        rows=[
            {
                "name": "x",
                "label": "<b>",
                "value": "1",
                "estimate": "",
                "reference": "—",
                "sample": "0",
                "basis": "<script>",
            }
        ],
        as_of="2026-03-02",
        article="a",
    )
    assert "<b>" not in html.split("<body>")[1] and "&lt;script&gt;" in html
