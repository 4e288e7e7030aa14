"""一窗通办: which questions the 一库 answers at the window, where the others go, answering,
and the statistics (tracking/consultations.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.settings import shipped_catalog
from graph.errors import InvalidRequest, NotFound
from graph.store import GraphStore
from graph.stores.factory import embedded_backend
from loaders import load_catalog
from tests.conftest import MINI
from tracking import consultations as consult
from tracking.consultations import Ask, KnowledgeBase, KnowledgeBaseCache
from tracking.model import AuditEntry, Consultation
from tracking.store import AlreadyAnswered
from tracking.stores.sql import SqlTrackingStore, open_sql_store, sqlite_url
from tracking.workflow import Actor, NotPermitted, Role

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = Actor("w1", Role.WINDOW)


@pytest.fixture(scope="module")
def store() -> GraphStore:
    return embedded_backend(load_catalog(shipped_catalog())).catalog


@pytest.fixture(scope="module")
def kb(store: GraphStore) -> KnowledgeBase:
    return consult.build_knowledge_base(store)


@pytest.fixture
def tracking(tmp_path: Path) -> Iterator[SqlTrackingStore]:
    opened = open_sql_store(sqlite_url(tmp_path / "tracking.db"))
    yield opened
    opened.close()


# --- the question's subject -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("施工许可需要哪些材料？", "施工许可 材料"),
        ("请问报关单位备案在哪里办理", "报关单位备案在"),
        ("环评审批要多久", "环评审批"),
        ("怎么办？", ""),
    ],
)
def test_the_subject_is_the_question_without_its_question_words(
    question: str, subject: str
) -> None:
    assert consult.subject_text(question) == subject


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("施工许可需要哪些材料", "materials"),
        ("报关单位备案在哪里办", "where"),
        ("施工许可证要多久", "duration"),
        ("申请被退回补正是什么原因", "corrections"),
        ("充电桩建设一件事", None),
    ],
)
def test_the_topic_asked_about(question: str, topic: str | None) -> None:
    assert consult.topic_hint(question) == topic


# --- the knowledge base -----------------------------------------------------------------------


def test_the_knowledge_base_reaches_every_guide_matter_and_department(
    store: GraphStore, kb: KnowledgeBase
) -> None:
    catalog = load_catalog(shipped_catalog())
    assert set(kb.guides) == set(catalog.guides)
    assert set(kb.matters) == set(catalog.matters)
    assert set(kb.departments) == set(catalog.departments)
    assert kb.version == store.catalog_version()


def test_the_cache_reads_the_catalog_once_per_version(store: GraphStore) -> None:
    cache = KnowledgeBaseCache()
    assert cache.get(store) is cache.get(store)


def test_a_matters_guides_are_its_own_then_its_bundles(kb: KnowledgeBase) -> None:
    guides = kb.guides_of_matter("m.xm.sgxk")
    kinds = [g.about_kind for g in guides]
    assert kinds == sorted(kinds, key=lambda k: k != "matter")  # its own first
    assert {g.about_id for g in guides if g.about_kind == "bundle"} <= kb.matter_bundles[
        "m.xm.sgxk"
    ]
    assert "g.kg.48" in {g.id for g in guides}  # 开工一件事 includes 施工许可


def test_guides_about_a_matter_of_one_topic(store: GraphStore, kb: KnowledgeBase) -> None:
    found = consult.find_guides(store, kb, "m.xm.sgxk", None, "duration", 20)
    assert {h.guide.id for h in found} == {"g.sgxk.6h", "g.sgxk.duration", "g.kg.48"}
    assert all(h.score is None for h in found)


def test_guides_ranked_for_a_text(store: GraphStore, kb: KnowledgeBase) -> None:
    found = consult.find_guides(store, kb, None, "报关单位备案", None, 3)
    assert [h.guide.about_id for h in found] == ["m.wm.bgdw"] * 3
    scores = [h.score or 0 for h in found]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_guides_of_an_unknown_matter_are_not_found(store: GraphStore, kb: KnowledgeBase) -> None:
    with pytest.raises(NotFound):
        consult.find_guides(store, kb, "m.nope", None, None, 5)


# --- deciding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "guide"),
    [
        ("施工许可需要哪些材料？", "g.sgxk.materials"),
        ("企业设立登记需要什么材料", "g.qysl.materials"),
        ("报关单位备案在哪里办", "g.bgdw.tj"),
        # The best hit is the materials entry; the question asks why it came back: the
        # corrections entry about the same matter answers.
        ("排污许可证申请被退回补正是什么原因", "g.pwxk.corrections"),
        ("充电桩建设要办什么", "g.b.cdz.overview"),
    ],
)
def test_a_question_the_guides_answer_is_answered_at_the_window(
    store: GraphStore, kb: KnowledgeBase, question: str, guide: str
) -> None:
    decision = consult.decide(store, kb, Ask(question))
    assert decision.outcome == "window"
    assert decision.guide is not None and decision.guide.id == guide
    assert decision.department_id is None
    assert "fits" in decision.reason


def test_a_question_no_guide_answers_goes_to_the_matters_department(
    store: GraphStore, kb: KnowledgeBase
) -> None:
    # 食品经营许可（单位食堂） has no guide; 药品经营许可 guides share words but are about
    # other matters, so they are not considered.
    decision = consult.decide(store, kb, Ask("食堂的食品经营许可怎么办"))
    assert decision.outcome == "routed"
    assert (decision.matter_id, decision.department_id) == ("m.nev.st", "hkq.scjg")
    assert decision.guide is None


def test_a_named_matter_routes_to_its_department(store: GraphStore, kb: KnowledgeBase) -> None:
    decision = consult.decide(
        store, kb, Ask("这个项目的情况比较特殊，请帮忙看看", matter_id="m.xm.sgxk")
    )
    assert decision.outcome == "routed"
    assert (decision.matter_id, decision.department_id) == ("m.xm.sgxk", "hkq.zjj")
    assert "named matter" in decision.reason


def test_a_named_matter_keeps_the_answer_to_its_own_guides(
    store: GraphStore, kb: KnowledgeBase
) -> None:
    # 材料 alone would match many guides; the named matter decides whose.
    decision = consult.decide(store, kb, Ask("需要什么材料", matter_id="m.qy.sl"))
    assert decision.outcome == "window"
    assert decision.guide is not None and decision.guide.id == "g.qysl.materials"


def test_within_a_position_only_its_matters_are_candidates(
    store: GraphStore, kb: KnowledgeBase
) -> None:
    anywhere = consult.decide(store, kb, Ask("报关单位备案在哪里办"))
    assert anywhere.outcome == "window"
    # 报关单位备案 is no matter of 新能源汽车's construction stage.
    there = consult.decide(store, kb, Ask("报关单位备案在哪里办", "nev", "nev.construction"))
    assert there.guide is None or there.guide.about_id != "m.wm.bgdw"


def test_nothing_matching_goes_to_the_government_service_centre(
    store: GraphStore, kb: KnowledgeBase
) -> None:
    decision = consult.decide(store, kb, Ask("我想在屋顶装光伏需要什么手续"))
    assert decision.outcome == "routed"
    assert decision.department_id == "hkq.zwfw"  # 郑州航空港区政务服务和大数据中心
    assert decision.matter_id is None


def test_without_a_centre_department_an_unmatched_question_asks_for_the_matter() -> None:
    mini = embedded_backend(load_catalog(MINI)).catalog
    kb = consult.build_knowledge_base(mini)
    assert kb.centre_department() is None
    with pytest.raises(InvalidRequest) as refused:
        consult.decide(mini, kb, Ask("我想在屋顶装光伏需要什么手续"))
    assert refused.value.field == "matter"


@pytest.mark.parametrize(
    ("industry", "stage", "error"),
    [
        ("nope", None, NotFound),
        (None, "nope", NotFound),
        ("nev", "nope", NotFound),
        ("nev", "biomed.construction", InvalidRequest),
    ],
)
def test_an_unknown_or_inconsistent_position_is_refused(
    store: GraphStore,
    kb: KnowledgeBase,
    industry: str | None,
    stage: str | None,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        consult.decide(store, kb, Ask("施工许可需要哪些材料", industry, stage))


def test_an_unknown_matter_is_not_found(store: GraphStore, kb: KnowledgeBase) -> None:
    with pytest.raises(NotFound):
        consult.decide(store, kb, Ask("施工许可需要哪些材料", matter_id="m.nope"))


# --- writing and answering --------------------------------------------------------------------


def test_a_window_answer_is_stored_answered_with_its_audit_entry(
    store: GraphStore, kb: KnowledgeBase, tracking: SqlTrackingStore
) -> None:
    ask = Ask("施工许可需要哪些材料？")
    made = consult.record(tracking, ask, consult.decide(store, kb, ask), WINDOW, T0, 3)
    assert made.outcome == "window" and made.guide_id == "g.sgxk.materials"
    assert made.answer == kb.guides["g.sgxk.materials"].body
    assert (made.answered_at, made.due_at, made.department_id) == (T0, None, None)
    assert tracking.consultation(made.id) == made
    entry = tracking.audit_log(1)[0]
    assert (entry.action, entry.target) == ("consultation.create", f"consultation:{made.id}")
    assert entry.detail["guide"] == "g.sgxk.materials" and "fits" in entry.detail["reason"]


def test_a_routed_question_is_due_minutes_later(
    store: GraphStore, kb: KnowledgeBase, tracking: SqlTrackingStore
) -> None:
    ask = Ask("食堂的食品经营许可怎么办")
    made = consult.record(tracking, ask, consult.decide(store, kb, ask), WINDOW, T0, 7)
    assert made.outcome == "routed" and made.answer is None
    assert made.due_at == T0 + timedelta(minutes=7)
    assert not consult.overdue(made, T0 + timedelta(minutes=7))
    assert consult.overdue(made, T0 + timedelta(minutes=7, seconds=1))


def _routed(tracking: SqlTrackingStore, department: str = "hkq.scjg") -> Consultation:
    c = Consultation(
        id=consult.new_id(),
        question="q",
        industry=None,
        stage=None,
        matter_id=None,
        outcome="routed",
        guide_id=None,
        department_id=department,
        answer=None,
        created_at=T0,
        created_by=WINDOW.label,
        due_at=T0 + timedelta(minutes=3),
    )
    audit = AuditEntry(T0, WINDOW.label, "consultation.create", f"consultation:{c.id}", {})
    tracking.add_consultation(c, audit)
    return c


def test_the_routed_departments_officer_answers_once(tracking: SqlTrackingStore) -> None:
    c = _routed(tracking)
    officer = Actor("o1", Role.OFFICER, "hkq.scjg")
    at = T0 + timedelta(minutes=2)
    answered = consult.answer(tracking, c.id, "到市场监管窗口办理", officer, at)
    assert (answered.answer, answered.answered_at, answered.answered_by) == (
        "到市场监管窗口办理",
        at,
        officer.label,
    )
    entry = tracking.audit_log(1)[0]
    assert (entry.action, entry.detail) == (
        "consultation.answer",
        {"department": "hkq.scjg", "minutes": 2.0},
    )
    count = len(tracking.audit_log(1000))
    with pytest.raises(AlreadyAnswered):
        consult.answer(tracking, c.id, "again", officer, at)
    assert len(tracking.audit_log(1000)) == count
    assert tracking.consultation(c.id).answer == "到市场监管窗口办理"


@pytest.mark.parametrize(
    "actor",
    [
        Actor("o2", Role.OFFICER, "hkq.zjj"),
        Actor("w2", Role.WINDOW),
        Actor("a1", Role.ADMIN),
    ],
)
def test_nobody_else_answers_and_nothing_is_written(
    tracking: SqlTrackingStore, actor: Actor
) -> None:
    c = _routed(tracking)
    count = len(tracking.audit_log(1000))
    with pytest.raises(NotPermitted):
        consult.answer(tracking, c.id, "answer", actor, T0)
    assert len(tracking.audit_log(1000)) == count
    assert tracking.consultation(c.id).answer is None


def test_a_window_answer_cannot_be_answered_again(
    store: GraphStore, kb: KnowledgeBase, tracking: SqlTrackingStore
) -> None:
    ask = Ask("施工许可需要哪些材料？")
    made = consult.record(tracking, ask, consult.decide(store, kb, ask), WINDOW, T0, 3)
    with pytest.raises(AlreadyAnswered):
        consult.answer(tracking, made.id, "x", Actor("o", Role.OFFICER, "hkq.zjj"), T0)


def test_answering_an_unknown_consultation_is_not_found(tracking: SqlTrackingStore) -> None:
    with pytest.raises(NotFound):
        consult.answer(tracking, "cnope", "x", Actor("o", Role.OFFICER, "hkq.zjj"), T0)


# --- statistics -------------------------------------------------------------------------------


def _c(
    outcome: str,
    department: str | None = None,
    answered_after: float | None = None,
    minutes: int = 3,
) -> Consultation:
    window = outcome == "window"
    return Consultation(
        id=consult.new_id(),
        question="q",
        industry=None,
        stage=None,
        matter_id=None,
        outcome=outcome,
        guide_id="g" if window else None,
        department_id=department,
        answer="a" if window or answered_after is not None else None,
        created_at=T0,
        created_by="w",
        due_at=None if window else T0 + timedelta(minutes=minutes),
        answered_at=(
            T0
            if window
            else (None if answered_after is None else T0 + timedelta(minutes=answered_after))
        ),
    )


def test_stats_of_no_consultations_are_empty_not_errors() -> None:
    s = consult.stats([], T0)
    assert (s.total, s.at_window, s.routed, s.at_window_share) == (0, 0, 0, None)
    assert (s.within_deadline_share, s.mean_minutes, s.departments) == (None, None, [])


def test_stats_arithmetic() -> None:
    items = [
        *[_c("window") for _ in range(8)],
        _c("routed", "hkq.zjj", answered_after=1),
        _c("routed", "hkq.zjj", answered_after=5),  # late: due after 3
        _c("routed", "hkq.zjj"),  # open, past due at T0 + 10
        _c("routed", "hkq.sw", answered_after=2.5),
    ]
    s = consult.stats(items, T0 + timedelta(minutes=10))
    assert (s.total, s.at_window, s.routed) == (12, 8, 4)
    assert s.at_window_share == round(8 / 12, 4)
    assert (s.answered_routed, s.within_deadline) == (3, 2)
    assert s.within_deadline_share == round(2 / 3, 4)
    assert s.mean_minutes == round((1 + 5 + 2.5) / 3, 2)
    sw, zjj = s.departments
    assert (sw.department_id, sw.routed, sw.answered, sw.within_deadline) == ("hkq.sw", 1, 1, 1)
    assert (sw.mean_minutes, sw.max_minutes, sw.open_overdue) == (2.5, 2.5, 0)
    assert (zjj.department_id, zjj.routed, zjj.answered, zjj.within_deadline) == (
        "hkq.zjj",
        3,
        2,
        1,
    )
    assert (zjj.mean_minutes, zjj.max_minutes, zjj.open_overdue) == (3.0, 5.0, 1)


def test_the_article_is_the_reference() -> None:
    assert consult.REFERENCE_AT_WINDOW_SHARE == 0.8
    assert consult.REFERENCE_RESPONSE_MINUTES == 3.0
