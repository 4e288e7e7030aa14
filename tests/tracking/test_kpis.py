"""KPI arithmetic on hand-built records (tracking/kpis.py), empty records included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tracking import kpis as kpi
from tracking.calendar import WorkingCalendar
from tracking.model import Consultation, MatterState, Project
from tracking.stores.sql import SqlTrackingStore, open_sql_store, sqlite_url
from tracking.workflow import Status

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D = date
MONDAY, FRIDAY, NEXT_MONDAY = D(2026, 3, 2), D(2026, 3, 6), D(2026, 3, 9)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def matter(
    matter_id: str,
    status: Status = Status.DONE,
    *,
    code: str = "p1",
    accepted: date | None = MONDAY,
    due: date | None = NEXT_MONDAY,
    closed: date | None = FRIDAY,
    corrections: int = 0,
) -> MatterState:
    final = status in {Status.DONE, Status.DENIED, Status.NOT_ACCEPTED}
    return MatterState(
        project_code=code,
        matter_id=matter_id,
        name=matter_id,
        department_id="hkq.zjj",
        department_name="建设局",
        promised_days=5,
        phase=1,
        licence=True,
        deferrable=False,
        status=status,
        version=4,
        accepted_on=accepted,
        due_on=due,
        corrections=corrections,
        closed_on=closed if final else None,
    )


def plan(steps: list[dict[str, Any]], elapsed: int = 0, parallel: int = 0) -> dict[str, Any]:
    return {
        "department_path": [{"phase": 1, "steps": steps}],
        "estimate": {"parallel_days": parallel, "elapsed_days": elapsed},
    }


def joint(bundle: str, matters: list[str], days: int, elapsed: int = 0) -> dict[str, Any]:
    return {
        "id": bundle,
        "kind": "joint",
        "matters": matters,
        "days": days,
        "elapsed_days": elapsed,
    }


def project(code: str, matters: list[MatterState], plan_: dict[str, Any]) -> Project:
    return Project(
        code=code,
        name=code,
        enterprise="e",
        industry="nev",
        stage="nev.construction",
        scenario=None,
        answers={},
        catalog_version="v",
        plan=plan_,
        created_at=T0,
        created_by="window#w",
        matters=matters,
    )


def consultation(
    outcome: str, answered_after: float | None = None, due_minutes: int = 3
) -> Consultation:
    window = outcome == "window"
    return Consultation(
        id=f"c{answered_after}{outcome}",
        question="q",
        industry=None,
        stage=None,
        matter_id=None,
        outcome=outcome,
        guide_id="g" if window else None,
        department_id=None if window else "hkq.zjj",
        answer="a" if window or answered_after is not None else None,
        created_at=T0,
        created_by="w",
        due_at=None if window else T0 + timedelta(minutes=due_minutes),
        answered_at=(
            T0
            if window
            else (None if answered_after is None else T0 + timedelta(minutes=answered_after))
        ),
    )


def by_name(kpis: list[kpi.Kpi]) -> dict[str, kpi.Kpi]:
    return {k.name: k for k in kpis}


def test_no_records_give_nulls_not_division_errors(cal: WorkingCalendar) -> None:
    found = by_name(kpi.kpis(kpi.Records([], []), cal, T0))
    assert list(found) == [
        "projects_tracked",
        "guidance_sessions",
        "first_pass_rate",
        "on_time_rate",
        "bundle_working_days",
        "project_working_days",
        "window_share",
        "response_minutes",
        "routed_on_time",
    ]
    # Counts are zero; everything divided or averaged is null.
    assert found["projects_tracked"].value == 0 and found["guidance_sessions"].value == 0
    for name in [
        "first_pass_rate",
        "on_time_rate",
        "bundle_working_days",
        "project_working_days",
        "window_share",
        "response_minutes",
        "routed_on_time",
    ]:
        assert found[name].value is None, name
        assert found[name].sample == 0
    assert found["bundle_working_days"].estimate is None


def test_each_kpi_has_a_label_unit_basis_and_the_articles_figure(cal: WorkingCalendar) -> None:
    found = by_name(kpi.kpis(kpi.Records([], []), cal, T0))
    assert {n: k.reference for n, k in found.items() if k.reference is not None} == {
        "projects_tracked": 163,
        "guidance_sessions": 352,
        "first_pass_rate": 92,
        "window_share": 80,
        "response_minutes": 3,
    }
    for k in found.values():
        assert k.label and k.unit and k.basis and k.basis_zh


def test_first_pass_rate_counts_done_matters_never_sent_back(cal: WorkingCalendar) -> None:
    matters = [
        matter("a"),
        matter("b"),
        matter("c", corrections=1),
        matter("d", corrections=2),
        matter("e", Status.REVIEWING),  # not done: not counted
        matter("f", Status.DENIED),  # closed, not 已办结
    ]
    k = kpi.first_pass_rate(matters)
    assert (k.value, k.sample, k.unit) == (50.0, 4, "%")


def test_on_time_rate_counts_closed_matters_with_a_due_date(cal: WorkingCalendar) -> None:
    matters = [
        matter("a", closed=D(2026, 3, 9)),  # on the due date: on time
        matter("b", closed=D(2026, 3, 10)),  # a day late
        matter("c", Status.DENIED, closed=D(2026, 3, 5)),  # refused in time: closed on time
        matter("d", Status.NOT_ACCEPTED, accepted=None, due=None),  # no due date
        matter("e", Status.REVIEWING),  # open
    ]
    k = kpi.on_time_rate(matters)
    assert (k.value, k.sample) == (round(200 / 3, 1), 3)


def test_bundle_days_are_first_acceptance_to_last_closing_in_working_days(
    cal: WorkingCalendar,
) -> None:
    # 春节 2026: 2月14日 (Saturday) is worked, 15–23 off, 24 worked.
    done = project(
        "p1",
        [
            matter("m1", accepted=D(2026, 2, 13), closed=D(2026, 2, 14)),
            matter("m2", accepted=D(2026, 2, 13), closed=D(2026, 2, 24)),
            matter("m3", accepted=D(2026, 3, 2), closed=D(2026, 3, 6)),
        ],
        plan([joint("b.kg", ["m1", "m2"], 1, elapsed=1), joint("b.x", ["m3"], 3)], elapsed=9),
    )
    unfinished = project(
        "p2",
        [matter("m1", code="p2"), matter("m2", Status.REVIEWING, code="p2")],
        plan([joint("b.kg", ["m1", "m2"], 1)], elapsed=1),
    )
    durations = kpi.bundle_durations(cal, [done, unfinished])
    assert [(d.project_code, d.id, d.planned, d.actual) for d in durations] == [
        ("p1", "b.kg", 1, 2),
        ("p1", "b.x", 3, 4),  # no elapsed figure: the decision days are the estimate
    ]
    k = kpi.bundle_working_days(cal, [done, unfinished])
    assert (k.value, k.estimate, k.sample, k.unit) == (3.0, 2.0, 2, "个工作日")
    whole = kpi.project_working_days(cal, [done, unfinished])
    # 2月13日 -> 3月6日: 14, 24, 25, 26, 27, 28 (Saturday, worked), 3月2–6.
    assert (whole.value, whole.estimate, whole.sample) == (11.0, 9.0, 1)


def test_a_step_naming_a_matter_the_project_lacks_is_not_counted(cal: WorkingCalendar) -> None:
    p = project("p1", [matter("m1")], plan([joint("b.kg", ["m1", "gone"], 1)]))
    assert kpi.bundle_durations(cal, [p]) == []


def test_consultation_kpis(cal: WorkingCalendar) -> None:
    items = [
        *[consultation("window") for _ in range(3)],
        consultation("routed", answered_after=2),
        consultation("routed", answered_after=6),  # late
        consultation("routed"),  # open, not yet due at T0 + 1
    ]
    found = by_name(kpi.kpis(kpi.Records([], items), cal, T0 + timedelta(minutes=1)))
    assert (found["guidance_sessions"].value, found["guidance_sessions"].sample) == (3, 6)
    assert (found["window_share"].value, found["window_share"].sample) == (50.0, 6)
    assert (found["response_minutes"].value, found["response_minutes"].sample) == (4.0, 2)
    assert (found["routed_on_time"].value, found["routed_on_time"].sample) == (50.0, 2)
    later = by_name(kpi.kpis(kpi.Records([], items), cal, T0 + timedelta(minutes=4)))
    # the open one is past due now: judged, and late
    assert (later["routed_on_time"].value, later["routed_on_time"].sample) == (33.3, 3)


@pytest.fixture
def tracking(tmp_path: Path) -> Iterator[SqlTrackingStore]:
    opened = open_sql_store(sqlite_url(tmp_path / "tracking.db"))
    yield opened
    opened.close()


def test_records_of_an_empty_store(tracking: SqlTrackingStore) -> None:
    records = kpi.read_records(tracking)
    assert (records.projects, records.consultations, records.matters) == ([], [], [])
