"""Moving a tracked matter: deadlines in working days (2026's 国庆 and its 调休 Saturday), the
clock stopped during 补正, prerequisites first, refusals that write nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracking.calendar import WorkingCalendar
from tracking.projects import change_status, progress, queue
from tracking.store import VersionConflict
from tracking.stores.sql import SqlTrackingStore
from tracking.workflow import Actor, NotPermitted, Role, Status, TransitionRefused

from .conftest import NOW, matter, project

CAL = WorkingCalendar()
OFFICER = Actor("o1", Role.OFFICER, "d.a")
WINDOW = Actor("w1", Role.WINDOW)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def move(
    store: SqlTrackingStore,
    code: str,
    target: Status,
    on: date,
    who: Actor = OFFICER,
    matter_id: str = "m.a",
) -> None:
    version = store.matter(code, matter_id).version
    change_status(store, CAL, code, matter_id, target, who, version, "", at(on))


@pytest.fixture
def code(store: SqlTrackingStore) -> str:
    from tracking.model import AuditEntry

    new = project(None, matter("m.a", days=5), matter("m.b", "d.a", days=1))
    store.create_project(new, AuditEntry(NOW, "t", "project.create", "p", {}))
    return new.code


def test_the_due_date_skips_the_national_day_holiday_and_counts_its_working_saturday(
    store: SqlTrackingStore, code: str
) -> None:
    # Accepted Monday 28 Sep 2026: 29, 30 Sep; 1-7 Oct off (国务院办公厅 2026 arrangement);
    # 8, 9 Oct; Saturday 10 Oct is a working day (调休) and the fifth.
    move(store, code, Status.ACCEPTED, date(2026, 9, 28), who=WINDOW)
    state = store.matter(code, "m.a")
    assert (state.accepted_on, state.due_on) == (date(2026, 9, 28), date(2026, 10, 10))
    assert progress(CAL, state, date(2026, 10, 9)).flag == "due_soon"
    assert progress(CAL, state, date(2026, 9, 30)).days_left == 3
    assert progress(CAL, state, date(2026, 10, 12)).flag == "overdue"


def test_the_clock_stops_while_the_applicant_corrects(store: SqlTrackingStore, code: str) -> None:
    move(store, code, Status.ACCEPTED, date(2026, 9, 28), who=WINDOW)
    move(store, code, Status.REVIEWING, date(2026, 9, 29))
    move(store, code, Status.CORRECTION, date(2026, 9, 29))
    paused = store.matter(code, "m.a")
    assert progress(CAL, paused, date(2026, 10, 20)).flag == "paused"
    move(store, code, Status.REVIEWING, date(2026, 10, 9), who=WINDOW)  # corrected at the window
    state = store.matter(code, "m.a")
    # 30 Sep, 8 and 9 Oct were spent in 补正: the due date moves three working days on.
    assert state.due_on == date(2026, 10, 14)
    assert state.corrections == 1 and state.correction_since is None
    move(store, code, Status.DONE, date(2026, 10, 13))
    done = store.matter(code, "m.a")
    assert (done.status, done.closed_on, progress(CAL, done, date(2026, 10, 13)).flag) == (
        Status.DONE,
        date(2026, 10, 13),
        "closed",
    )


def test_a_matter_is_accepted_only_after_its_prerequisites_are_done(
    store: SqlTrackingStore,
) -> None:
    from tracking.model import AuditEntry

    new = project(None, matter("m.a", requires=("m.b",)), matter("m.b"))
    store.create_project(new, AuditEntry(NOW, "t", "project.create", "p", {}))
    with pytest.raises(TransitionRefused, match=r"事项m\.b"):
        move(store, new.code, Status.ACCEPTED, date(2026, 9, 28), matter_id="m.a")
    for step in (Status.ACCEPTED, Status.REVIEWING, Status.DONE):
        move(store, new.code, step, date(2026, 9, 28), matter_id="m.b")
    move(store, new.code, Status.ACCEPTED, date(2026, 9, 28), matter_id="m.a")
    assert store.matter(new.code, "m.a").status == Status.ACCEPTED


def test_a_refused_change_writes_nothing(store: SqlTrackingStore, code: str) -> None:
    entries = len(store.audit_log(1000))
    with pytest.raises(TransitionRefused):
        move(store, code, Status.DONE, date(2026, 9, 28))
    with pytest.raises(NotPermitted):
        move(store, code, Status.ACCEPTED, date(2026, 9, 28), who=Actor("x", Role.OFFICER, "d.z"))
    with pytest.raises(VersionConflict):
        change_status(
            store, CAL, code, "m.a", Status.ACCEPTED, OFFICER, 7, "", at(date(2026, 9, 28))
        )
    assert store.history(code) == []
    assert len(store.audit_log(1000)) == entries
    assert store.matter(code, "m.a").version == 1


def test_the_queue_puts_overdue_matters_first(store: SqlTrackingStore, code: str) -> None:
    move(store, code, Status.ACCEPTED, date(2026, 9, 1), matter_id="m.b")  # 1 day: long overdue
    move(store, code, Status.ACCEPTED, date(2026, 9, 28), matter_id="m.a")
    items = queue(store, CAL, "d.a", date(2026, 10, 9))
    assert [(i.state.matter_id, i.flag) for i in items] == [
        ("m.b", "overdue"),
        ("m.a", "due_soon"),
    ]
    assert queue(store, CAL, "d.other", date(2026, 10, 9)) == []


def test_a_project_code_is_long_url_safe_and_never_looks_like_an_option() -> None:
    import re

    from tracking.projects import new_code

    codes = {new_code() for _ in range(5000)}
    assert len(codes) == 5000
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{31}", c) for c in codes)
