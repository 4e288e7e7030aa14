"""Tracking works the same whichever graph backend serves the catalog: a project made from a
position's plan on memory and on Neo4j holds the same matters, departments, prerequisites and
catalog version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from graph.model import Position
from graph.planner import recommend
from graph.store import GraphStore
from tracking.projects import ProjectRequest, create_project, new_project
from tracking.stores.sql import open_sql_store, sqlite_url
from tracking.workflow import Actor, Role

KAIGONG = Position("nev", "nev.construction", "kaigong")
NOW = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)


def test_a_tracked_project_is_the_same_on_every_backend(
    mini_backend: GraphStore, tmp_path: Path
) -> None:
    view = mini_backend.pinned()
    window = Actor("t", Role.WINDOW)
    request = ProjectRequest("项目", "企业", "nev", "nev.construction", "kaigong", {})
    made = new_project(request, recommend(view, KAIGONG), view.catalog_version(), window, NOW)
    store = open_sql_store(sqlite_url(tmp_path / "t.db"))
    project = create_project(store, made, window)
    store.close()
    from graph.tables import catalog_fingerprint
    from loaders import load_catalog
    from tests.contract.conftest import MINI

    assert project.catalog_version == catalog_fingerprint(load_catalog(MINI))
    assert [(m.matter_id, m.department_id, m.phase, m.requires) for m in project.matters] == [
        ("ghxk", "gh", 1, ()),
        ("rfsp", "rf", 2, ("ghxk",)),
        ("sgxk", "zj", 2, ("ghxk",)),
    ]
