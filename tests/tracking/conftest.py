"""The tracking store on each SQL database: SQLite always; PostgreSQL at CHAINKG_TEST_PG_URL
(.ci/run starts one; under CI a missing PostgreSQL fails the suite instead of skipping it)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tracking.model import NewMatter, NewProject
from tracking.store import TrackingStore
from tracking.stores.sql import SqlTrackingStore, open_sql_store, sqlite_url

DATABASES = ["sqlite", "postgresql"]
NOW = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, a Monday before 国庆


def pg_url() -> str | None:
    url = os.environ.get("CHAINKG_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI=true but CHAINKG_TEST_PG_URL is not set: PostgreSQL tests must run")
        pytest.skip("CHAINKG_TEST_PG_URL not set (bash scripts/postgres.sh start; export it)")
    return url


@pytest.fixture
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty tracking database on each SQL backend (PostgreSQL: its own schema)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "tracking.db")
        return
    base = pg_url()
    assert base is not None
    schema = "t_" + secrets.token_hex(6)
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    joiner = "&" if "?" in base else "?"
    yield f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sql_url" in metafunc.fixturenames:
        metafunc.parametrize("sql_url", DATABASES, indirect=True)


@pytest.fixture
def store(sql_url: str) -> Iterator[SqlTrackingStore]:
    opened = open_sql_store(sql_url)
    yield opened
    opened.close()


def matter(
    matter_id: str,
    department: str = "d.a",
    *,
    days: int = 5,
    phase: int = 1,
    licence: bool = True,
    deferrable: bool = False,
    requires: tuple[str, ...] = (),
) -> NewMatter:
    return NewMatter(
        matter_id,
        f"事项{matter_id}",
        department,
        f"部门{department}",
        days,
        phase,
        licence,
        deferrable,
        requires,
    )


def project(code: str | None = None, *matters: NewMatter) -> NewProject:
    return NewProject(
        code=code or secrets.token_urlsafe(24),
        name="年产10万辆新能源整车项目",
        enterprise="示例汽车有限公司",
        industry="nev",
        stage="nev.construction",
        scenario=None,
        answers={"c.x": "是"},
        catalog_version="0123456789abcdef",
        plan={"matters": [{"id": m.matter_id} for m in matters]},
        matters=tuple(matters) or (matter("m.a"), matter("m.b", "d.b")),
        created_at=NOW,
        created_by="window#t1",
    )


def as_store(store: SqlTrackingStore) -> TrackingStore:
    return store
