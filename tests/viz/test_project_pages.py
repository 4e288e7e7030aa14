"""A tracked project's pages: the status page (GET /v1/projects/{code}/page) and its flowchart
with live statuses (GET /v1/projects/{code}/flowchart).

Projects are created and moved through the API with window and officer tokens on a clock the
tests set, so the page shows a matter done, one overdue, one due within a working day and one
sent back for correction. Checked on the HTML (content, grouping, flags, warnings, escaping,
no external URL, 404s) and in headless Chromium with the network off, at 375 px: no sideways
scrolling, no console error, no request leaving the machine, no policy violation, a script in
a name never runs, the inline QR code reads back as the page's URL, printing prints the code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from pydantic import TypeAdapter

from api.app import create_app
from api.deps import get_clock
from api.settings import Settings
from graph.model import Catalog, Position, Ref
from graph.planner import recommend
from graph.recommendation import Phase, Recommendation, Step
from graph.stores.factory import embedded_backend
from tests.api.conftest import serving
from tests.conftest import MINI
from tests.support.browser import Browser, Page
from tests.viz.conftest import SCREENSHOTS
from tests.viz.test_pages_offline import external_references
from tracking import projects as tracked
from tracking.calendar import WorkingCalendar, known_years
from tracking.projects import ZONE
from tracking.store import TrackingStore
from tracking.stores.sql import open_sql_store, sqlite_url
from tracking.tokens import issue
from tracking.workflow import LABELS, Role
from viz.page import CJK_FONTS
from viz.project_page import (
    STATUS_COLOURS,
    project_flowchart_html,
    project_page_html,
    step_progress,
)

PUBLIC = "https://zwfw.example.gov.cn"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=ZONE)  # a Monday after the 2026 春节 holidays
T1 = datetime(2026, 3, 9, 9, 30, tzinfo=ZONE)  # the Monday after
UNKNOWN = "A" * 32
KAIGONG = {"industry": "nev", "stage": "nev.construction", "scenario": "kaigong"}
WATCH = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.cspViolations.push("
    "e.violatedDirective + ' ' + e.blockedURI));"
    "window.alerted = [];"
    "window.alert = m => window.alerted.push(String(m));"
)


class Clock:
    """What time the apps think it is (their get_clock dependency); the tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    store: TrackingStore
    clock: Clock
    client: TestClient
    window: str
    officers: dict[str, str] = field(default_factory=dict)

    def headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def create(self, name: str, enterprise: str = "示例汽车有限公司", **answers: str) -> str:
        body = {"name": name, "enterprise": enterprise, **KAIGONG, "answers": answers}
        created = self.client.post("/v1/projects", json=body, headers=self.headers(self.window))
        assert created.status_code == 201, created.text
        code: str = created.json()["code"]
        return code

    def move(self, code: str, matter: str, status: str, by: str | None = None) -> None:
        token = self.officers[by] if by else self.window
        version = self.client.get(f"/v1/projects/{code}/matters/{matter}").json()["version"]
        moved = self.client.post(
            f"/v1/projects/{code}/matters/{matter}/status",
            json={"status": status, "version": version},
            headers=self.headers(token),
        )
        assert moved.status_code == 200, moved.text


def make_app(store: TrackingStore, clock: Clock, catalog: Catalog) -> FastAPI:
    app = create_app(
        Settings(data=MINI, public_url=PUBLIC), backend=embedded_backend(catalog), tracking=store
    )
    app.dependency_overrides[get_clock] = lambda: clock
    return app


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, mini_catalog: Catalog) -> Iterator[World]:
    store = open_sql_store(sqlite_url(tmp_path_factory.mktemp("pages") / "tracking.db"))
    clock = Clock(T0)
    now = datetime.now(UTC)
    window = issue(store, Role.WINDOW, None, "window 1", "test", now).secret
    officers = {
        d: issue(store, Role.OFFICER, d, f"officer {d}", "test", now).secret for d in ["gh", "zj"]
    }
    with TestClient(make_app(store, clock, mini_catalog)) as client:
        yield World(store, clock, client, window, officers)
    store.close()


@pytest.fixture(scope="module")
def progressed(world: World) -> str:
    """A project at T1: 规划许可 done; 人防 overdue; 施工许可 due tomorrow; 消防审查 需补正."""
    world.clock.now = T0
    code = world.create("年产10万辆新能源整车项目", special_project="是")
    world.move(code, "ghxk", "accepted")
    world.move(code, "ghxk", "reviewing", by="gh")
    world.move(code, "ghxk", "done", by="gh")
    world.move(code, "rfsp", "accepted")  # 2 working days: due Wed 4 March
    world.clock.now = T1
    world.move(code, "sgxk", "accepted")  # 1 working day: due Tue 10 March
    world.move(code, "xfsc", "accepted")
    world.move(code, "xfsc", "correction", by="zj")
    return code


@pytest.fixture(scope="module")
def live(world: World, mini_catalog: Catalog) -> Iterator[str]:
    """The same store and clock served over HTTP by uvicorn (for the browser)."""
    with serving(make_app(world.store, world.clock, mini_catalog)) as base:
        yield base


# --- reading the HTML --------------------------------------------------------------------------

VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: list[Element]
    texts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def within(self, other: Element) -> bool:
        return any(a is other for a in self.ancestors)


class Elements(HTMLParser):
    """Every element of a page with its attributes, ancestors and text (stdlib only)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[Element] = []
        self.all: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, list(self.stack))
        self.all.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.all.append(Element(tag, {k: v or "" for k, v in attrs}, list(self.stack)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.texts.append(data)

    def having(self, attribute: str, value: str | None = None) -> list[Element]:
        return [
            e
            for e in self.all
            if attribute in e.attrs and (value is None or e.attrs[attribute] == value)
        ]

    def one(self, attribute: str, value: str | None = None) -> Element:
        [found] = self.having(attribute, value)
        return found


def status_page(world: World, code: str) -> Elements:
    response = world.client.get(f"/v1/projects/{code}/page")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return Elements(response.text)


# --- the status page -----------------------------------------------------------------------------


def test_the_page_names_the_project_its_position_and_totals(world: World, progressed: str) -> None:
    page = status_page(world, progressed)
    assert page.one("data-project-name").text == "年产10万辆新能源整车项目"
    assert page.one("data-enterprise").text == "示例汽车有限公司"
    assert page.one("data-industry").text == "新能源汽车"
    assert page.one("data-stage").text == "建设"
    assert page.one("data-scenario").text == "新建厂房开工"
    assert page.one("data-bundles").text == "开工一件事"
    assert (page.one("data-done").text, page.one("data-matters").text) == ("1", "4")
    assert page.one("data-overdue").text == "1"
    assert page.one("data-due-soon").text == "1"
    assert "已办结" in page.one("id", "totals").text and "超期" in page.one("id", "totals").text
    # The same totals as the JSON API reports.
    totals = world.client.get(f"/v1/projects/{progressed}").json()["totals"]
    assert (totals["done"], totals["matters"], totals["overdue"], totals["due_soon"]) == (
        1,
        4,
        1,
        1,
    )


def test_each_matter_has_its_department_status_due_date_and_days_left_by_phase(
    world: World, progressed: str
) -> None:
    page = status_page(world, progressed)
    phases = {e.attrs["data-phase"]: e for e in page.having("data-phase")}
    assert list(phases) == ["1", "2"]
    matters = {e.attrs["data-matter"]: e for e in page.having("data-matter")}
    in_phase = {m: next(p for p, s in phases.items() if e.within(s)) for m, e in matters.items()}
    assert in_phase == {"ghxk": "1", "rfsp": "2", "sgxk": "2", "xfsc": "2"}
    # Phase 2 lists its matters in the plan's order.
    assert [m for m in matters if in_phase[m] == "2"] == ["rfsp", "sgxk", "xfsc"]

    def shown(matter: str) -> dict[str, str]:
        e = matters[matter]
        inner = [x for x in page.all if x.within(e)]
        pick = {
            a: next((x.text for x in inner if a in x.attrs), "")
            for a in ("data-label", "data-due", "data-flag-text")
        }
        return {
            "status": e.attrs["data-status"],
            "flag": e.attrs["data-flag"],
            **pick,
            "text": e.text,
        }

    ghxk = shown("ghxk")
    assert (ghxk["status"], ghxk["data-label"], ghxk["flag"]) == ("done", "已办结", "closed")
    assert "自然资源和规划局" in ghxk["text"] and "2026年3月2日" in ghxk["data-flag-text"]
    rfsp = shown("rfsp")
    assert (rfsp["data-label"], rfsp["flag"], rfsp["data-due"]) == (
        "已受理",
        "overdue",
        "2026年3月4日",
    )
    assert "已超期 3 个工作日" in rfsp["data-flag-text"]  # Thu 5, Fri 6, Mon 9 March
    assert "人民防空办公室" in rfsp["text"]
    sgxk = shown("sgxk")
    assert (sgxk["data-label"], sgxk["flag"], sgxk["data-due"]) == (
        "已受理",
        "due_soon",
        "2026年3月10日",
    )
    assert "剩 1 个工作日，即将到期" in sgxk["data-flag-text"]
    assert "住房和城乡建设局" in sgxk["text"]
    xfsc = shown("xfsc")
    assert (xfsc["data-label"], xfsc["flag"]) == ("需补正", "paused")
    assert "暂停" in xfsc["data-flag-text"] and "已补正 1 次" in xfsc["text"]


def test_a_new_project_is_all_pending_and_on_track_once_accepted(world: World) -> None:
    world.clock.now = T1
    code = world.create("新厂房")
    page = status_page(world, code)
    labels = {e.attrs["data-matter"]: e.attrs["data-status"] for e in page.having("data-matter")}
    assert labels == {"ghxk": "pending", "rfsp": "pending", "sgxk": "pending"}
    assert all("待受理" in e.text for e in page.having("data-matter"))
    assert "尚未受理，受理后开始计时，承诺 5 个工作日" in page.one("data-matter", "ghxk").text
    world.move(code, "ghxk", "accepted")
    ghxk = status_page(world, code).one("data-matter", "ghxk")
    assert ghxk.attrs["data-flag"] == "on_track" and "剩 5 个工作日" in ghxk.text


def test_calendar_warnings_are_shown(world: World) -> None:
    """A due date in a year chinesecalendar has no holidays for is counted Monday–Friday, and
    the page says so."""
    year = known_years().stop + 2
    try:
        world.clock.now = datetime(year, 3, 5, 10, tzinfo=ZONE)
        code = world.create("远期项目")
        world.move(code, "ghxk", "accepted")
        page = status_page(world, code)
    finally:
        world.clock.now = T1
    warning = page.one("data-warning-year", str(year))
    assert "尚未公布" in warning.text and "周一至周五" in warning.text
    assert "日历提示" in page.one("id", "warnings").text
    assert status_page(world, world.create("近期项目")).having("id", "warnings") == []


def test_the_page_is_self_contained_chinese_and_phone_sized(world: World, progressed: str) -> None:
    html = world.client.get(f"/v1/projects/{progressed}/page").text
    assert html.startswith("<!DOCTYPE html>")
    # The one URL is the page's own address, written out as text under its QR code.
    own = f"{PUBLIC}/v1/projects/{progressed}/page"
    assert html.count(own) == 1 and f"data-page-url>{own}</p>" in html
    assert external_references(html.replace(own, "")) == []
    assert '<html lang="zh-CN">' in html and '<meta charset="utf-8">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert f"font-family: {CJK_FONTS};" in html
    page = Elements(html)
    [qr] = [e for e in page.all if e.tag == "svg" and "qr" in e.attrs.get("class", "")]
    assert "xmlns" not in qr.attrs and "viewbox" in qr.attrs
    assert page.one("data-page-url").text == f"{PUBLIC}/v1/projects/{progressed}/page"
    assert page.one("data-code").text == progressed
    assert page.one("id", "flowchart-link").attrs["href"] == "flowchart"


def test_a_name_is_html_escaped_on_both_pages(world: World) -> None:
    name = "<script>alert(1)</script>"
    enterprise = '"A&B" <b>公司</b> \''
    code = world.create(name, enterprise)
    for suffix in ("page", "flowchart"):
        html = world.client.get(f"/v1/projects/{code}/{suffix}").text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>公司</b>" not in html
        assert Elements(html).having("data-project-name")[0].text == name
    page = status_page(world, code)
    assert page.one("data-enterprise").text == enterprise
    scripts = [e for e in page.all if e.tag == "script"]
    assert all("alert" not in s.text for s in scripts)


@pytest.mark.parametrize("suffix", ["page", "flowchart"])
def test_an_unknown_code_is_404_problem_json(world: World, suffix: str) -> None:
    response = world.client.get(f"/v1/projects/{UNKNOWN}/{suffix}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["kind"] == "project"
    assert world.client.head(f"/v1/projects/{UNKNOWN}/{suffix}").status_code == 404


def test_the_pages_answer_head_and_are_not_cached_stale(world: World, progressed: str) -> None:
    for suffix in ("page", "flowchart"):
        get = world.client.get(f"/v1/projects/{progressed}/{suffix}")
        head = world.client.head(f"/v1/projects/{progressed}/{suffix}")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == get.headers["content-length"]
        assert get.headers["cache-control"] == "no-cache"
        assert "default-src 'none'" in get.headers["content-security-policy"]


# --- the flowchart -------------------------------------------------------------------------------


def test_the_plan_snapshot_rebuilds_the_recommendation_it_was_made_from(
    world: World, progressed: str, mini_catalog: Catalog
) -> None:
    project = world.store.project(progressed)
    rebuilt = TypeAdapter(Recommendation).validate_python(project.plan)
    backend = embedded_backend(mini_catalog)
    fresh = recommend(
        backend.catalog, Position("nev", "nev.construction", "kaigong"), {"special_project": "是"}
    )
    assert rebuilt == fresh


def test_the_flowchart_colours_each_box_by_its_status(world: World, progressed: str) -> None:
    response = world.client.get(f"/v1/projects/{progressed}/flowchart")
    assert response.status_code == 200
    html = response.text
    assert external_references(html) == []
    page = Elements(html)
    boxes = {
        e.attrs["data-matter"]: e for e in page.all if e.tag == "g" and "data-matter" in e.attrs
    }
    assert {m: (b.attrs["data-status"], b.attrs["data-flag"]) for m, b in boxes.items()} == {
        "ghxk": ("done", "closed"),
        "rfsp": ("accepted", "overdue"),
        "sgxk": ("accepted", "due_soon"),
        "xfsc": ("correction", "paused"),
    }
    assert "st-done" in boxes["ghxk"].attrs["class"] and "overdue" in boxes["rfsp"].attrs["class"]
    assert "已办结" in boxes["ghxk"].text and "需补正" in boxes["xfsc"].text
    assert "已超期" in boxes["rfsp"].text
    legend = {e.attrs["data-legend"]: e.text for e in page.having("data-legend")}
    assert legend == {s.value: label for s, label in LABELS.items()}
    for status, (fill, stroke) in STATUS_COLOURS.items():
        assert f".box.st-{status.value} rect.frame {{ fill: {fill}; stroke: {stroke}; }}" in html
    critical = [
        (e.attrs["data-from"], e.attrs["data-to"])
        for e in page.all
        if e.tag == "path" and "critical" in e.attrs.get("class", "")
    ]
    assert sorted(critical) == [("ghxk", "xfsc"), ("start", "ghxk"), ("xfsc", "end")]
    assert (page.one("data-done").text, page.one("data-overdue").text) == ("1", "1")
    assert page.one("id", "page-link").attrs["href"] == "page"


def test_a_joint_step_shows_how_many_of_its_matters_are_done(world: World, progressed: str) -> None:
    """The mini catalog has no joint step (its bundle has no mode): one is put into the plan
    snapshot, 开工一件事 over 人防 and 施工许可, as a catalog with a 并联审批 bundle makes it."""
    project = world.store.project(progressed)
    rec = TypeAdapter(Recommendation).validate_python(project.plan)
    two = rec.department_path[1]
    zj = Ref("zj", "住房和城乡建设局")
    joint = Step(
        "kaigong_bundle",
        "joint",
        "开工一件事",
        "parallel",
        zj,
        two.departments,
        ["rfsp", "sgxk"],
        2,
        2,
    )
    rec.department_path[1] = Phase(
        2, two.departments, two.matters, two.days, [joint, two.steps[-1]]
    )
    plan: dict[str, Any] = TypeAdapter(Recommendation).dump_python(rec, mode="json")
    states = {m.matter_id: m for m in project.matters}
    [step] = step_progress(rec, states)
    assert (step.name, step.done, step.matters, step.status) == (
        "开工一件事 · 并联审批",
        0,
        2,
        "accepted",
    )
    calendar = WorkingCalendar()
    today = T1.date()
    progress = [tracked.progress(calendar, m, today) for m in project.matters]
    html = project_flowchart_html(dataclasses.replace(project, plan=plan), progress, today)
    rows = Elements(html).having("data-step", "开工一件事 · 并联审批")
    assert len(rows) == 2  # in the column head and in the table
    assert all("0 / 2" in r.text or "0/2" in r.text for r in rows)


def test_a_snapshot_that_no_longer_reads_still_draws_from_the_tracked_matters(
    world: World, progressed: str
) -> None:
    """Should the plan's shape change under an old snapshot, both pages still show every
    matter in its status, from the tracking records (ids for the names of the position)."""
    project = dataclasses.replace(world.store.project(progressed), plan={"old": "shape"})
    calendar = WorkingCalendar()
    today = T1.date()
    progress = [tracked.progress(calendar, m, today) for m in project.matters]
    chart = Elements(project_flowchart_html(project, progress, today))
    boxes = {e.attrs["data-matter"]: e.attrs["data-status"] for e in chart.having("data-status")}
    assert boxes == {
        "ghxk": "done",
        "rfsp": "accepted",
        "sgxk": "accepted",
        "xfsc": "correction",
    }
    assert chart.having("id", "from-matters")
    arrows = {(e.attrs["data-from"], e.attrs["data-to"]) for e in chart.having("data-from")}
    assert {("ghxk", "rfsp"), ("ghxk", "sgxk"), ("ghxk", "xfsc")} <= arrows
    page = Elements(project_page_html(project, progress, today, f"{PUBLIC}/x"))
    assert page.one("data-industry").text == "nev"
    assert len(page.having("data-matter")) == 4 and page.one("data-done").text == "1"


# --- in the browser ------------------------------------------------------------------------------

browser_test = pytest.mark.browser


def open_page(browser: Browser, url: str, width: int, height: int = 800) -> Page:
    tab = browser.new_page(width=width, height=height)
    tab.send("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    tab.goto(url)
    return tab


def assert_clean(tab: Page) -> None:
    assert tab.external_requests == [] and tab.blocked == []
    # Chromium asks the origin for /favicon.ico by itself (no page names it): not the page's.
    assert [e for e in tab.console_errors if not e.endswith("/favicon.ico")] == []
    assert tab.evaluate("window.cspViolations") == []
    assert all(u.startswith(("http://127.0.0.1:", "data:", "about:")) for u in tab.requests)


@browser_test
def test_on_a_375_px_phone_the_page_does_not_scroll_sideways(
    browser: Browser, live: str, progressed: str, tmp_path: Path
) -> None:
    tab = open_page(browser, f"{live}/v1/projects/{progressed}/page", 375, 812)
    try:
        assert_clean(tab)
        sizes = tab.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth, "
            "window.innerWidth]"
        )
        assert sizes == [375, 375, 375]
        outside = tab.evaluate("""(() => {
            const width = document.documentElement.clientWidth;
            return [...document.querySelectorAll('body *')].filter(e => {
              const r = e.getBoundingClientRect();
              return r.width > 0 && (r.left < -0.5 || r.right > width + 0.5);
            }).map(e => e.tagName + '.' + e.className);
          })()""")
        assert outside == []
        assert tab.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 14
        assert (
            tab.evaluate("document.querySelector('[data-matter=rfsp]').dataset.flag") == "overdue"
        )
        assert (
            tab.evaluate(
                "getComputedStyle(document.querySelector('[data-matter=rfsp]')).borderTopColor"
            )
            == "rgb(197, 48, 48)"
        )
        # The inline QR code, as the phone shows it, reads back as the page's own URL.
        tab.evaluate("document.getElementById('qr').scrollIntoView({block: 'center'})")
        tab.wait_for("true")
        shot = tab.screenshot(tmp_path / "page-qr.png")
        found = [r.text for r in zxingcpp.read_barcodes(Image.open(shot))]
        assert found == [f"{PUBLIC}/v1/projects/{progressed}/page"]
        tab.evaluate("window.scrollTo(0, 0)")
        tab.screenshot(SCREENSHOTS / "project-page-375.png")
    finally:
        tab.close()


@browser_test
def test_a_script_in_a_name_is_shown_not_run(browser: Browser, live: str, world: World) -> None:
    code = world.create("<script>alert(1)</script>", "<img src=x onerror=alert(2)>")
    for suffix in ("page", "flowchart"):
        tab = open_page(browser, f"{live}/v1/projects/{code}/{suffix}", 375)
        try:
            assert tab.evaluate("window.alerted") == []
            assert (
                tab.evaluate("document.querySelector('[data-project-name]').textContent")
                == "<script>alert(1)</script>"
            )
            assert tab.evaluate("document.querySelectorAll('img').length") == 0
            assert_clean(tab)
        finally:
            tab.close()


@browser_test
def test_the_flowchart_draws_the_statuses(browser: Browser, live: str, progressed: str) -> None:
    tab = open_page(browser, f"{live}/v1/projects/{progressed}/flowchart", 1280)
    try:
        assert_clean(tab)
        frames = tab.evaluate("""Object.fromEntries([...document.querySelectorAll('g.box')]
          .map(g => {
            const s = getComputedStyle(g.querySelector('rect.frame'));
            return [g.dataset.matter, [s.fill, s.stroke, s.strokeDasharray]];
          }))""")
        assert frames["ghxk"][:2] == ["rgb(220, 252, 231)", "rgb(21, 128, 61)"]  # 已办结 green
        assert frames["rfsp"][1] == "rgb(197, 48, 48)" and frames["rfsp"][2] != "none"  # overdue
        assert frames["xfsc"][0] == "rgb(254, 243, 199)"  # 需补正 amber
        lefts = tab.evaluate("""Object.fromEntries([...document.querySelectorAll('g.box')]
            .map(g => [g.dataset.matter, Math.round(g.getBoundingClientRect().left)]))""")
        assert lefts["ghxk"] < lefts["rfsp"] == lefts["sgxk"] == lefts["xfsc"]
        # On a phone the chart scrolls inside its frame; the page itself does not.
        tab.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": False},
        )
        assert tab.evaluate("document.documentElement.scrollWidth") == 375
    finally:
        tab.close()


@browser_test
def test_printing_the_qr_code_prints_the_project_and_its_code_only(
    browser: Browser, live: str, progressed: str
) -> None:
    tab = open_page(browser, f"{live}/v1/projects/{progressed}/page", 375)
    try:
        tab.send("Emulation.setEmulatedMedia", {"media": "print"})
        tab.evaluate("document.body.setAttribute('data-print', 'qr')")
        shown = tab.evaluate("""[...document.querySelectorAll('main > *')]
            .filter(e => getComputedStyle(e).display !== 'none').map(e => e.id || e.tagName)""")
        assert shown == ["project", "H2", "qr"]
        assert tab.evaluate("document.getElementById('print-qr').getClientRects().length") == 0
        tab.evaluate("document.body.removeAttribute('data-print')")
        everything = tab.evaluate("document.querySelectorAll('[data-matter]').length")
        visible = tab.evaluate(
            "[...document.querySelectorAll('[data-matter]')]"
            ".filter(e => e.offsetParent !== null).length"
        )
        assert everything == visible == 4  # a plain print (Ctrl+P) prints the whole status
        assert_clean(tab)
    finally:
        tab.close()
