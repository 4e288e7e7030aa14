"""The tracking store contract, on SQLite and PostgreSQL alike: what is written is read back,
a stale version never overwrites, one of two racing writers wins, history only grows."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from graph.errors import NotFound
from tracking.model import AuditEntry, StatusChange, StatusEvent, TokenRecord
from tracking.store import TrackingStore, VersionConflict
from tracking.stores.sql import SqlTrackingStore, open_sql_store
from tracking.workflow import Role, Status

from .conftest import NOW, matter, project


def _audit(action: str = "test") -> AuditEntry:
    return AuditEntry(NOW, "test", action, "t", {"k": "值"})


def _accept(code: str, matter_id: str, version: int, actor: str = "officer#1") -> StatusChange:
    event = StatusEvent(code, matter_id, Status.PENDING, Status.ACCEPTED, actor, NOW, "受理")
    return StatusChange(
        code, matter_id, version, Status.ACCEPTED, NOW.date(), NOW.date(), None, 0, None, event
    )


def test_the_sql_store_is_a_tracking_store(store: SqlTrackingStore) -> None:
    assert isinstance(store, TrackingStore)


def test_a_project_reads_back_as_written_each_matter_pending_at_version_1(
    store: SqlTrackingStore,
) -> None:
    new = project(None, matter("m.a", requires=("m.b",)), matter("m.b", "d.b", phase=2))
    made = store.create_project(new, _audit("project.create"))
    again = store.project(new.code)
    assert made == again
    assert (again.name, again.enterprise, again.answers) == (new.name, new.enterprise, new.answers)
    assert again.catalog_version == "0123456789abcdef" and again.plan == new.plan
    assert again.created_at == NOW
    assert [(m.matter_id, m.status, m.version, m.requires) for m in again.matters] == [
        ("m.a", Status.PENDING, 1, ("m.b",)),
        ("m.b", Status.PENDING, 1, ()),
    ]
    assert store.audit_log()[0].action == "project.create"
    assert store.count_projects() == 1


def test_unknown_codes_and_matters_are_not_found(store: SqlTrackingStore) -> None:
    new = project()
    store.create_project(new, _audit())
    with pytest.raises(NotFound):
        store.project("no-such-code-0000000000")
    with pytest.raises(NotFound):
        store.matter(new.code, "m.none")
    with pytest.raises(NotFound):
        store.apply_change(_accept(new.code, "m.none", 1), _audit())


def test_a_change_at_the_current_version_is_written_with_its_event_and_audit_entry(
    store: SqlTrackingStore,
) -> None:
    new = project()
    store.create_project(new, _audit())
    after = store.apply_change(_accept(new.code, "m.a", 1), _audit("matter.status"))
    assert (after.status, after.version, after.accepted_on) == (Status.ACCEPTED, 2, NOW.date())
    assert store.matter(new.code, "m.a") == after
    [event] = store.history(new.code)
    assert (event.from_status, event.to_status, event.actor, event.comment) == (
        Status.PENDING,
        Status.ACCEPTED,
        "officer#1",
        "受理",
    )
    assert store.audit_log()[0].action == "matter.status"


def test_a_stale_version_is_refused_with_the_state_now_and_nothing_written(
    store: SqlTrackingStore,
) -> None:
    new = project()
    store.create_project(new, _audit())
    store.apply_change(_accept(new.code, "m.a", 1), _audit())
    entries = len(store.audit_log(1000))
    with pytest.raises(VersionConflict) as caught:
        store.apply_change(_accept(new.code, "m.a", 1, actor="late"), _audit())
    assert caught.value.current.version == 2
    assert caught.value.current.status == Status.ACCEPTED
    assert len(store.history(new.code)) == 1
    assert len(store.audit_log(1000)) == entries


def test_of_two_writers_with_one_version_exactly_one_wins(sql_url: str) -> None:
    stores = [open_sql_store(sql_url) for _ in range(2)]
    new = project()
    stores[0].create_project(new, _audit())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(i: int) -> None:
        barrier.wait()
        try:
            stores[i].apply_change(_accept(new.code, "m.a", 1, actor=f"w{i}"), _audit())
            outcomes.append("won")
        except VersionConflict:
            outcomes.append("conflict")

    for _ in range(5):  # several rounds: the race is real each time
        threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["conflict", "won"]
        outcomes.clear()
        new = replace(project(), code=new.code + "x")
        stores[0].create_project(new, _audit())
    for s in stores:
        s.close()


@pytest.mark.parametrize("table", ["audit_log", "status_events"])
def test_history_is_append_only_in_the_database_itself(store: SqlTrackingStore, table: str) -> None:
    new = project()
    store.create_project(new, _audit())
    store.apply_change(_accept(new.code, "m.a", 1), _audit())
    for statement in (f"UPDATE {table} SET at = at", f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
            c.execute(sa.text(statement))
    assert len(store.history(new.code)) == 1


def test_open_matters_are_those_not_closed_by_department(store: SqlTrackingStore) -> None:
    new = project()
    store.create_project(new, _audit())
    assert {m.matter_id for m in store.open_matters()} == {"m.a", "m.b"}
    assert [m.matter_id for m in store.open_matters("d.b")] == ["m.b"]
    event = StatusEvent(new.code, "m.b", Status.PENDING, Status.NOT_ACCEPTED, "o", NOW, "")
    store.apply_change(
        StatusChange(
            new.code, "m.b", 1, Status.NOT_ACCEPTED, None, None, None, 0, NOW.date(), event
        ),
        _audit(),
    )
    assert store.open_matters("d.b") == []
    assert len(store.all_matters()) == 2 and len(store.all_events()) == 1


def test_projects_are_listed_newest_first_with_their_counts(store: SqlTrackingStore) -> None:
    older, newer = project(), project()
    store.create_project(older, _audit())
    store.create_project(replace(newer, created_at=NOW + timedelta(hours=1)), _audit())
    listed = store.list_projects(10, 0)
    assert [p.code for p in listed] == [newer.code, older.code]
    assert (listed[0].matters, listed[0].done) == (2, 0)
    assert [p.code for p in store.list_projects(1, 1)] == [older.code]


def test_tokens_are_found_by_digest_and_revoked_not_deleted(store: SqlTrackingStore) -> None:
    token = TokenRecord("ab12cd34", "f" * 64, Role.OFFICER, "d.a", "张三", NOW)
    store.add_token(token, _audit("token.create"))
    assert store.token_by_digest("f" * 64) == token
    assert store.token_by_digest("0" * 64) is None
    revoked = store.revoke_token("ab12cd34", NOW, _audit("token.revoke"))
    assert revoked.revoked_at == NOW
    assert store.list_tokens() == [revoked]
    with pytest.raises(NotFound):
        store.revoke_token("nope", NOW, _audit())


def test_opening_an_existing_database_again_migrates_nothing_and_keeps_everything(
    sql_url: str,
) -> None:
    first = open_sql_store(sql_url)
    new = project()
    first.create_project(new, _audit())
    first.close()
    second = open_sql_store(sql_url)
    assert second.project(new.code).code == new.code
    second.close()
