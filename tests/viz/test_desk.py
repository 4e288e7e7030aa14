"""The window desk (GET /v1/desk): one offline page that talks to the API of its own origin.

Driven in headless Chromium with the network off, over a real server: the clerk enters the
window's token, picks 新能源汽车 / 建设 / 新建厂房开工, answers each situational question,
reads the bundle and the one-time materials checklist (each material once, the API's own),
creates the project and sees its code and its QR code loaded (and reading back as the status
page's URL). No request leaves the machine, none carries the token in its URL, no console
error, no policy violation; API errors read in plain words; the checklist prints alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from api.settings import Settings, shipped_catalog
from graph.model import Catalog
from graph.stores.factory import embedded_backend
from loaders import load_catalog
from tests.api.conftest import serving
from tests.conftest import MINI
from tests.support.browser import Browser, Page
from tests.viz.conftest import SCREENSHOTS
from tests.viz.test_pages_offline import external_references
from tracking.store import TrackingStore
from tracking.stores.sql import open_sql_store, sqlite_url
from tracking.tokens import issue
from tracking.workflow import Role
from viz.page import CJK_FONTS, asset

PUBLIC = "https://zwfw.example.gov.cn"
READY = "document.body.dataset.ready === 'true' && window.chainkgDrawnAt !== undefined"
WATCH = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.cspViolations.push("
    "e.violatedDirective + ' ' + e.blockedURI));"
)
IDLE = "document.body.getAttribute('aria-busy') === 'false'"


@dataclass
class Desk:
    base: str
    store: TrackingStore
    window: str
    planner: str


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, mini_catalog: Catalog) -> Iterator[Desk]:
    store = open_sql_store(sqlite_url(tmp_path_factory.mktemp("desk") / "tracking.db"))
    now = datetime.now(UTC)
    window = issue(store, Role.WINDOW, None, "综合窗口 1号", "test", now).secret
    planner = issue(store, Role.PLANNER, None, "planner", "test", now).secret
    app = create_app(
        Settings(data=MINI, public_url=PUBLIC),
        backend=embedded_backend(mini_catalog),
        tracking=store,
    )
    with serving(app) as base:
        yield Desk(base, store, window, planner)
    store.close()


# --- the page as served --------------------------------------------------------------------------


def test_the_desk_is_one_self_contained_chinese_page(client: TestClient) -> None:
    response = client.get("/v1/desk")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert "connect-src 'self'" in policy and "default-src 'none'" in policy
    html = response.text
    assert html.startswith("<!DOCTYPE html>")
    assert external_references(html) == []
    assert '<html lang="zh-CN">' in html and '<meta charset="utf-8">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert f"font-family: {CJK_FONTS};" in html
    assert "综合窗口" in html and "一次性告知单" in html
    assert client.head("/v1/desk").status_code == 200


def test_the_desk_script_writes_text_never_markup_and_fetches_its_own_origin() -> None:
    js = asset("desk.js")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js, sink
    assert "localStorage" not in js and "location" not in js  # the token goes nowhere else
    assert "sessionStorage" in js
    targets = re.findall(r"\b(?:api|postJson)\(\s*\"([^\"]*)\"", js)
    assert sorted(set(targets)) == ["industries", "projects", "recommendations", "scenarios?"]
    assert all(not t.startswith("/") and ":" not in t for t in targets)  # relative: same origin


# --- in the browser ------------------------------------------------------------------------------


def open_desk(browser: Browser, desk: Desk, width: int = 1280, height: int = 900) -> Page:
    tab = browser.new_page(width=width, height=height)
    tab.send("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    tab.goto(f"{desk.base}/v1/desk", ready=READY)
    return tab


def choose(tab: Page, select: str, value: str) -> None:
    tab.evaluate(
        f"""(() => {{ const s = document.getElementById({select!r});
        s.value = {value!r}; s.dispatchEvent(new Event('change')); }})()"""
    )
    tab.wait_for(IDLE)


def type_into(tab: Page, element: str, text: str) -> None:
    tab.evaluate(f"document.getElementById({element!r}).value = ''")
    tab.evaluate(f"document.getElementById({element!r}).focus()")
    tab.type_text(text)


def click(tab: Page, element: str) -> None:
    tab.evaluate(f"document.getElementById({element!r}).click()")
    tab.wait_for(IDLE)


def plan_position(tab: Page, stage: str, scenario: str) -> None:
    choose(tab, "industry", "nev")
    choose(tab, "stage", stage)
    tab.wait_for("document.getElementById('scenario').options.length > 1")
    choose(tab, "scenario", scenario)
    click(tab, "plan")
    tab.wait_for("!document.getElementById('plan-section').hidden")


def texts(tab: Page, selector: str) -> list[str]:
    found: list[str] = tab.evaluate(
        f"[...document.querySelectorAll({selector!r})].map(e => e.textContent)"
    )
    return found


def expected_errors(tab: Page, *statuses: int) -> list[str]:
    """Console errors but those Chromium logs for a refused request the test made on purpose
    (and its own /favicon.ico request, which no page names)."""
    allowed = tuple(f"status of {s}" for s in statuses)
    return [
        e
        for e in tab.console_errors
        if not e.endswith("/favicon.ico") and not any(a in e for a in allowed)
    ]


def assert_clean(tab: Page, desk: Desk) -> None:
    assert tab.external_requests == [] and tab.blocked == []
    assert all(u.startswith(desk.base + "/") or u.startswith("data:") for u in tab.requests)
    assert tab.evaluate("window.cspViolations") == []


@pytest.mark.browser
def test_the_clerk_plans_with_the_applicant_and_creates_the_project(
    browser: Browser, desk: Desk, tmp_path: Path
) -> None:
    tab = open_desk(browser, desk)
    try:
        industries = texts(tab, "#industry option")
        assert industries == ["新能源汽车"]
        type_into(tab, "token", desk.window)
        assert tab.evaluate("sessionStorage.getItem('chainkg.desk.token')") == desk.window
        plan_position(tab, "nev.construction", "kaigong")
        assert texts(tab, "#stage option") == ["建设", "流通"]
        assert texts(tab, "#scenario option") == [
            "整个阶段（全部场景）",
            "竣工验收",
            "新建厂房开工",
        ]

        # The questions, one at a time, each answered by the clerk (是: each adds something).
        asked = []
        while tab.evaluate("!document.getElementById('question-form').hidden"):
            question = tab.evaluate("document.getElementById('question-form').dataset.question")
            assert question not in asked
            asked.append(question)
            assert tab.evaluate("document.getElementById('create-section').hidden") is True
            options = tab.evaluate(
                "[...document.querySelectorAll('#question-options input')].map(i => i.value)"
            )
            assert options == ["是", "否"]
            tab.evaluate(
                "[...document.querySelectorAll('#question-options input')]"
                ".find(i => i.value === '是').click()"
            )
            click(tab, "answer")
            assert len(asked) <= 5
        assert sorted(asked) == ["big_area", "special_project"]
        assert len(texts(tab, "#answered li")) == 2
        assert "已全部确认" in tab.evaluate(
            "document.getElementById('question-progress').textContent"
        )

        # The bundle and the checklist are the API's plan for those answers.
        answers = {"big_area": "是", "special_project": "是"}
        rec = httpx.post(
            f"{desk.base}/v1/recommendations",
            json={
                "industry": "nev",
                "stage": "nev.construction",
                "scenario": "kaigong",
                "answers": answers,
            },
        ).json()
        shown = tab.evaluate(
            "[...document.querySelectorAll('#matters tr')].map(r => r.dataset.matter)"
        )
        assert shown == [m["id"] for m in rec["matters"]] and "xfsc" in shown
        assert tab.evaluate("document.querySelector('[data-matters]').textContent") == "4"
        assert tab.evaluate("document.querySelector('[data-days]').textContent") == str(
            rec["estimate"]["parallel_days"]
        )
        assert "开工一件事" in tab.evaluate("document.getElementById('bundles').textContent")
        materials = tab.evaluate(
            "[...document.querySelectorAll('#materials tr')].map(r => "
            "[r.dataset.material, r.children[1].textContent])"
        )
        assert materials == [[m["id"], m["name"]] for m in rec["materials"]]
        assert len({m[0] for m in materials}) == len(materials)  # each material once
        checklist = tab.evaluate("document.getElementById('checklist').textContent")
        assert all(checklist.count(name) == 1 for _, name in materials)
        assert "消防设计文件" in checklist  # added by the answer 是 to big_area
        link = urlsplit(tab.evaluate("document.getElementById('flowchart-link').href"))
        assert link.path == "/v1/viz/flowchart"
        assert sorted(parse_qs(link.query)["answer"]) == ["big_area=是", "special_project=是"]
        assert httpx.get(f"{desk.base}{link.path}?{link.query}").status_code == 200
        path = texts(tab, "#path li")
        assert len(path) == 2 and "第 1 步" in path[0] and "自然资源和规划局" in path[0]

        # Create the project: its code, its page and its QR code.
        assert tab.evaluate("document.getElementById('create-section').hidden") is False
        type_into(tab, "project-name", "年产10万辆新能源整车项目")
        type_into(tab, "enterprise", "示例汽车有限公司")
        click(tab, "create")
        tab.wait_for("document.getElementById('created-qr').dataset.loaded === 'true'")
        code = tab.evaluate("document.getElementById('created-code').textContent")
        project = desk.store.project(code)
        assert (project.name, project.enterprise) == (
            "年产10万辆新能源整车项目",
            "示例汽车有限公司",
        )
        assert (project.stage, project.scenario, project.answers) == (
            "nev.construction",
            "kaigong",
            answers,
        )
        assert [m.matter_id for m in project.matters] == shown
        assert tab.evaluate("document.getElementById('created-qr').naturalWidth") > 0
        assert tab.evaluate("document.getElementById('create-section').hidden") is True
        qr_src = tab.evaluate("document.getElementById('created-qr').src")
        assert qr_src == f"{desk.base}/v1/projects/{code}/qr.svg"
        page_href = tab.evaluate("document.getElementById('created-page').href")
        assert page_href == f"{desk.base}/v1/projects/{code}/page"
        assert httpx.get(page_href).status_code == 200
        url = tab.evaluate("document.getElementById('created-url').textContent")
        assert url == f"{PUBLIC}/v1/projects/{code}/page"
        tab.evaluate("document.getElementById('created-qr').scrollIntoView({block: 'center'})")
        tab.wait_for("true")
        shot = tab.screenshot(tmp_path / "desk-qr.png")
        assert [r.text for r in zxingcpp.read_barcodes(Image.open(shot))] == [url]
        tab.screenshot(SCREENSHOTS / "desk-created.png")

        # The token stayed in the tab: in no URL, in sessionStorage only.
        assert tab.evaluate("location.href") == f"{desk.base}/v1/desk"
        assert all(desk.window not in u for u in tab.requests)
        assert tab.evaluate("localStorage.length") == 0
        assert expected_errors(tab) == []
        assert_clean(tab, desk)
    finally:
        tab.close()


@pytest.mark.browser
def test_the_token_survives_a_reload_of_the_tab(browser: Browser, desk: Desk) -> None:
    tab = open_desk(browser, desk)
    try:
        type_into(tab, "token", desk.window)
        tab.goto(f"{desk.base}/v1/desk", ready=READY)  # the same tab, so the same session
        assert tab.evaluate("document.getElementById('token').value") == desk.window
        click(tab, "token-clear")
        assert tab.evaluate("sessionStorage.getItem('chainkg.desk.token')") is None
        assert expected_errors(tab) == []
    finally:
        tab.close()


@pytest.mark.browser
def test_api_errors_are_shown_in_plain_words(browser: Browser, desk: Desk) -> None:
    tab = open_desk(browser, desk)
    try:
        plan_position(tab, "nev.circulation", "sales")  # a position that asks nothing
        assert tab.evaluate("document.getElementById('questions-section').hidden") is True
        type_into(tab, "project-name", "汽车销售门店")
        type_into(tab, "enterprise", "示例销售有限公司")

        def error() -> tuple[str, str]:
            shown = tab.evaluate(
                "[document.getElementById('error').hidden, "
                "document.getElementById('error-message').textContent, "
                "document.getElementById('error-detail').textContent]"
            )
            assert shown[0] is False, "no error shown"
            return shown[1], shown[2]

        click(tab, "create")  # no token at all: said before anything is sent
        assert "窗口令牌" in error()[0]
        type_into(tab, "token", "ckg_not-a-token")
        click(tab, "create")
        message, detail = error()
        assert "窗口令牌" in message and "无效" in message
        assert detail == "说明：unknown or revoked token"
        type_into(tab, "token", desk.planner)
        click(tab, "create")
        message, detail = error()
        assert "无权" in message and "planner" in detail
        assert tab.evaluate("document.getElementById('created').hidden") is True
        # A position the catalog does not have: 404, in words.
        tab.evaluate(
            "(() => { const o = document.createElement('option'); o.value = 'nope';"
            "o.textContent = 'nope'; document.getElementById('scenario').appendChild(o); })()"
        )
        choose(tab, "scenario", "nope")
        click(tab, "plan")
        message, detail = error()
        assert "不存在" in message and "nope" in detail
        assert expected_errors(tab, 401, 403, 404) == []
        assert all(desk.planner not in u for u in tab.requests)
        assert_clean(tab, desk)
    finally:
        tab.close()


@pytest.mark.browser
def test_the_checklist_prints_alone(browser: Browser, desk: Desk) -> None:
    tab = open_desk(browser, desk)
    try:
        plan_position(tab, "nev.circulation", "sales")
        tab.send("Emulation.setEmulatedMedia", {"media": "print"})
        visible = (
            "[...document.querySelectorAll('main > *')]"
            ".filter(e => e.getClientRects().length > 0).map(e => e.id)"
        )
        tab.evaluate("document.body.setAttribute('data-print', 'checklist')")
        assert tab.evaluate(visible) == ["checklist"]
        assert (
            tab.evaluate("document.getElementById('print-checklist').getClientRects().length") == 0
        )
        assert tab.evaluate("document.querySelectorAll('#materials tr').length") >= 1
        tab.evaluate("document.body.removeAttribute('data-print')")
        assert tab.evaluate(visible) == ["plan-section", "checklist"]  # the forms never print
        assert expected_errors(tab) == []
    finally:
        tab.close()


@pytest.mark.browser
def test_the_desk_fits_a_narrow_window(browser: Browser, desk: Desk) -> None:
    tab = open_desk(browser, desk, width=375, height=812)
    try:
        plan_position(tab, "nev.construction", "kaigong")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 375
        assert expected_errors(tab) == []
    finally:
        tab.close()


@pytest.fixture(scope="module")
def shipped_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """The desk over the shipped catalog, whose questions have defaults and whose bundles
    make joint steps (并联审批)."""
    store = open_sql_store(sqlite_url(tmp_path_factory.mktemp("shipped") / "tracking.db"))
    now = datetime.now(UTC)
    window = issue(store, Role.WINDOW, None, "综合窗口 2号", "test", now).secret
    planner = issue(store, Role.PLANNER, None, "planner", "test", now).secret
    backend = embedded_backend(load_catalog(shipped_catalog()))
    app = create_app(Settings(public_url=PUBLIC), backend=backend, tracking=store)
    with serving(app) as base:
        yield Desk(base, store, window, planner)
    store.close()


@pytest.mark.browser
def test_defaults_are_preselected_and_the_clerk_may_change_one(
    browser: Browser, shipped_desk: Desk
) -> None:
    desk = shipped_desk
    tab = open_desk(browser, desk)
    try:
        type_into(tab, "token", desk.window)
        plan_position(tab, "nev.construction", "sc.xmsp.sgxk")
        first = httpx.post(
            f"{desk.base}/v1/recommendations",
            json={"industry": "nev", "stage": "nev.construction", "scenario": "sc.xmsp.sgxk"},
        ).json()
        defaults = {q["id"]: q["default"] for q in first["pending_questions"]}
        assert defaults and all(defaults.values())
        answered: dict[str, str] = {}
        while tab.evaluate("!document.getElementById('question-form').hidden"):
            question = tab.evaluate("document.getElementById('question-form').dataset.question")
            checked = tab.evaluate(
                "[...document.querySelectorAll('#question-options input:checked')]"
                ".map(i => i.value)"
            )
            assert checked == [defaults[question]]  # the typical enterprise's option, preselected
            assert tab.evaluate("document.getElementById('answer').disabled") is False
            if question == "c.sgxk.ps":  # the applicant's case differs here
                tab.evaluate(
                    "[...document.querySelectorAll('#question-options input')]"
                    ".find(i => i.value === '是').click()"
                )
            answered[question] = "是" if question == "c.sgxk.ps" else defaults[question]
            click(tab, "answer")
            assert len(answered) <= len(defaults) + 5
        assert set(defaults) <= set(answered)
        assert len(texts(tab, "#answered li")) == len(answered)
        type_into(tab, "project-name", "整车厂房施工许可")
        type_into(tab, "enterprise", "示例汽车有限公司")
        click(tab, "create")
        tab.wait_for("document.getElementById('created-qr').dataset.loaded === 'true'")
        code = tab.evaluate("document.getElementById('created-code').textContent")
        assert desk.store.project(code).answers == dict(sorted(answered.items()))
        # The project's flowchart shows its joint step and how far it is.
        tab.goto(tab.evaluate("document.getElementById('created-flowchart').href"))
        steps = texts(tab, "#steps tbody tr")
        assert steps and all("已办结 0 /" in s for s in steps)
        assert tab.evaluate("document.querySelectorAll('g.box[data-status=pending]').length") > 0
        assert expected_errors(tab) == []
        assert_clean(tab, desk)
    finally:
        tab.close()


@pytest.mark.browser
def test_the_rest_can_be_confirmed_as_preselected_in_one_go(
    browser: Browser, shipped_desk: Desk
) -> None:
    desk = shipped_desk
    tab = open_desk(browser, desk)
    try:
        plan_position(tab, "nev.construction", "sc.xmsp.sgxk")
        pending = httpx.post(
            f"{desk.base}/v1/recommendations",
            json={"industry": "nev", "stage": "nev.construction", "scenario": "sc.xmsp.sgxk"},
        ).json()["pending_questions"]
        assert tab.evaluate("document.getElementById('accept-defaults').hidden") is False
        shown = tab.evaluate("document.getElementById('question-form').dataset.question")
        assert shown == pending[0]["id"]
        other = next(
            o["value"] for o in pending[0]["options"] if o["value"] != pending[0]["default"]
        )
        tab.evaluate(
            "[...document.querySelectorAll('#question-options input')]"
            f".find(i => i.value === {other!r}).click()"
        )
        click(tab, "accept-defaults")
        expected = {q["id"]: q["default"] for q in pending} | {shown: other}
        assert tab.evaluate("window.chainkgDesk.answers") == expected
        assert tab.evaluate("document.getElementById('question-form').hidden") is True
        assert len(texts(tab, "#answered li")) == len(pending)
        assert tab.evaluate("document.getElementById('create-section').hidden") is False
        assert expected_errors(tab) == []
    finally:
        tab.close()
