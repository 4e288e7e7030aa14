"""The `chainkg` command line: check, recommend, search; data on stdout, errors on stderr."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.settings import BackendKind, Settings, get_settings
from bench.common import free_port
from cli import serving
from cli.main import app
from graph.errors import BackendUnavailable, LoadInProgress
from graph.model import Catalog
from graph.search import search as run_search
from graph.store import LoadReport
from graph.stores.factory import Backend, open_backend
from graph.stores.memory import MemoryStore

runner = CliRunner()


def test_check_ok(mini_path: Path) -> None:
    result = runner.invoke(app, ["check", str(mini_path)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout


def test_check_reports_every_error_and_exits_1(mini_copy: Path) -> None:
    with (mini_copy / "materials.csv").open("a", encoding="utf-8") as f:
        f.write("form,重复,illustrative\nBAD,x,illustrative\n")
    result = runner.invoke(app, ["check", str(mini_copy)])
    assert result.exit_code == 1
    assert "materials.csv:7:id: duplicate id 'form'" in result.stderr
    assert "materials.csv:8:id:" in result.stderr
    assert result.stdout == ""


def test_check_report_json(mini_path: Path) -> None:
    result = runner.invoke(app, ["check", str(mini_path), "--json"])
    body = json.loads(result.stdout)
    assert body["ok"] and body["counts"]["matters"] == 7
    assert set(body["sources"]) == {"article", "illustrative", "regulation"}
    assert not any(body["orphans"].values())


def test_check_report_table(mini_path: Path) -> None:
    result = runner.invoke(app, ["check", str(mini_path), "--report"])
    assert "汽车销售一件事" in result.stdout and "orphans" not in result.stderr


def test_recommend_prints_bundle_and_department_path(mini_path: Path) -> None:
    result = runner.invoke(
        app,
        ["recommend", "--industry", "nev", "--stage", "nev.circulation", "--data", str(mini_path)],
    )
    assert result.exit_code == 0, result.output
    assert "汽车销售一件事" in result.stdout
    assert "市场监督管理局" in result.stdout and "商务局" in result.stdout


def test_recommend_json_with_answers(mini_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "recommend",
            "--industry",
            "nev",
            "--stage",
            "nev.construction",
            "--scenario",
            "kaigong",
            "--answer",
            "special_project=是",
            "--json",
            "--data",
            str(mini_path),
        ],
    )
    body = json.loads(result.stdout)
    assert body["estimate"]["critical_path"] == ["ghxk", "xfsc"]


def test_recommend_bad_input(mini_path: Path) -> None:
    result = runner.invoke(
        app, ["recommend", "--industry", "nev", "--stage", "nope", "--data", str(mini_path)]
    )
    assert result.exit_code == 1 and "stage 'nope' not found" in result.stderr
    result = runner.invoke(
        app,
        [
            "recommend",
            "--industry",
            "nev",
            "--stage",
            "nev.construction",
            "--answer",
            "x",
            "--data",
            str(mini_path),
        ],
    )
    assert result.exit_code == 2 and "CONDITION_ID=OPTION" in result.stderr


def test_search(mini_path: Path) -> None:
    result = runner.invoke(app, ["search", "施工", "--json", "--data", str(mini_path)])
    assert json.loads(result.stdout)[0]["id"] == "sgxk"


# --- the configured backend ------------------------------------------------------------------


class ServedStore(MemoryStore):
    """Stands in for the Neo4j store: serves a catalog it was given and records its closing."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog)
        self.closed = False

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set CHAINKG_ variables for the CLI (none of the caller's leak in)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CHAINKG_{name.upper()}", raising=False)

    def configure(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"CHAINKG_{name.upper()}", value)
        get_settings.cache_clear()

    get_settings.cache_clear()
    yield configure
    get_settings.cache_clear()


class Opener:
    """Opens a shared backend serving `catalog` for the CLI (passed as its context object) and
    keeps what it opened."""

    def __init__(self, catalog: Catalog, store: type[ServedStore] | None = None) -> None:
        self.catalog = catalog
        self.store = store or ServedStore
        self.opened: list[ServedStore] = []

    def __call__(self, settings: Settings) -> Backend:
        assert settings.backend == BackendKind.NEO4J
        self.opened.append(self.store(self.catalog))
        return Backend("neo4j", self.opened[-1], shared=True)


@pytest.fixture
def neo4j_served(configure: Callable[..., None], mini_catalog: Catalog) -> Opener:
    """CHAINKG_BACKEND=neo4j with a backend serving the mini catalog; CHAINKG_DATA names
    nothing, so a command that reads local CSVs instead fails."""
    configure(backend="neo4j", data="/nonexistent/catalog")
    return Opener(mini_catalog)


QUERIES = {
    "recommend": ["recommend", "--industry", "nev", "--stage", "nev.circulation"],
    "search": ["search", "施工", "--json"],
    "chain-map": ["viz", "chain-map", "--industry", "nev"],
    "service-matrix": ["viz", "service-matrix", "--industry", "nev"],
    "flowchart": ["viz", "flowchart", "--industry", "nev", "--stage", "nev.construction"],
}


@pytest.mark.parametrize("command", sorted(QUERIES))
def test_queries_read_the_configured_neo4j_backend_and_close_it(
    neo4j_served: Opener, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # viz pages land here
    result = runner.invoke(app, QUERIES[command], obj=neo4j_served)
    assert result.exit_code == 0, result.output
    assert len(neo4j_served.opened) == 1 and neo4j_served.opened[0].closed
    if command == "recommend":
        assert "汽车销售一件事" in result.stdout
    if command == "search":
        assert json.loads(result.stdout)[0]["id"] == "sgxk"


@pytest.mark.parametrize("command", sorted(QUERIES))
def test_data_reads_that_catalog_whatever_the_backend(
    neo4j_served: Opener,
    command: str,
    mini_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*QUERIES[command], "--data", str(mini_path)], obj=neo4j_served)
    assert result.exit_code == 0, result.output
    assert neo4j_served.opened == []  # Neo4j was not even opened


def test_an_embedded_backend_reads_chainkg_data(
    configure: Callable[..., None], mini_path: Path
) -> None:
    configure(backend="memory", data=str(mini_path))
    result = runner.invoke(app, ["search", "施工", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["id"] == "sgxk"


def test_an_error_of_the_backend_is_one_line_and_the_store_is_closed(
    neo4j_served: Opener,
) -> None:
    result = runner.invoke(
        app, ["recommend", "--industry", "nev", "--stage", "nope"], obj=neo4j_served
    )
    assert result.exit_code == 1
    assert result.stderr == "stage 'nope' not found\n" and result.stdout == ""
    assert neo4j_served.opened[0].closed


@pytest.mark.parametrize("command", ["recommend", "search", "chain-map"])
def test_an_unreachable_neo4j_is_a_clean_one_line_error(
    configure: Callable[..., None],
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    configure(backend="neo4j", neo4j_uri=f"bolt://127.0.0.1:{free_port()}")
    level = logging.getLogger("neo4j").level
    result = runner.invoke(app, QUERIES[command])
    assert not [r for r in caplog.records if r.name.startswith("neo4j")]  # no retry warnings
    assert logging.getLogger("neo4j").level == level
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # no traceback
    [line] = result.stderr.splitlines()
    assert line.startswith("Neo4j at bolt://127.0.0.1:")
    assert result.stdout == ""
    assert not list(tmp_path.iterdir())  # no page written


# --- serve -------------------------------------------------------------------------------------


def test_serve_closes_the_backend_it_opened_and_loads_at_start(
    configure: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    mini_path: Path,
) -> None:
    import uvicorn

    configure(backend="neo4j", data=str(mini_path), load_on_start="always")
    opener = Opener(Catalog())

    def run(app: FastAPI, **_: object) -> None:
        with TestClient(app) as client:  # start-up and shutdown, as uvicorn runs them
            assert client.get("/v1/ready").json()["counts"]["Matter"] == 7
        assert not opener.opened[0].closed  # serve closes it after uvicorn returns

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(serving, "check_bindable", lambda host, port, workers: None)
    result = runner.invoke(app, ["serve", "--port", "1"], obj=opener)
    assert result.exit_code == 0, result.output
    assert len(opener.opened) == 1 and opener.opened[0].closed


def test_serve_refuses_a_broken_catalog_before_serving(
    configure: Callable[..., None], monkeypatch: pytest.MonkeyPatch, mini_copy: Path
) -> None:
    import uvicorn

    configure()
    (mini_copy / "matters.csv").unlink()
    monkeypatch.setattr(uvicorn, "run", None)  # never called
    result = runner.invoke(app, ["serve", "--data", str(mini_copy)])
    assert result.exit_code == 1
    assert "matters.csv: required table is missing" in result.stderr


# --- load --------------------------------------------------------------------------------------


def test_load_memory_is_a_dry_run_that_reports_rows_per_second(
    configure: Callable[..., None], mini_path: Path, mini_catalog: Catalog
) -> None:
    configure(backend="neo4j")  # --backend wins
    result = runner.invoke(app, ["load", str(mini_path), "--backend", "memory"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.stderr
    assert f"{mini_catalog.total_rows()} rows" in result.stderr and "rows/s" in result.stderr
    assert result.stdout == ""


def test_load_a_broken_catalog_prints_every_error_and_exits_1(
    configure: Callable[..., None], mini_copy: Path
) -> None:
    configure()
    with (mini_copy / "materials.csv").open("a", encoding="utf-8") as f:
        f.write("form,重复,illustrative\nBAD,x,illustrative\n")
    result = runner.invoke(app, ["load", str(mini_copy), "--backend", "memory"])
    assert result.exit_code == 1
    assert "materials.csv:7:id: duplicate id 'form'" in result.stderr
    assert "materials.csv:8:id:" in result.stderr
    assert result.stdout == ""


class _RefusingStore(ServedStore):
    def replace_catalog(
        self, catalog: Catalog, progress: Callable[[int, int], None] | None = None
    ) -> LoadReport:
        if catalog.total_rows():  # the constructor's empty catalog goes in
            raise LoadInProgress("another catalog load is in progress (since 10:00)")
        return super().replace_catalog(catalog, progress)


@pytest.mark.parametrize("failure", ["opening", "loading"])
def test_load_failures_are_one_line_and_keep_the_previous_catalog(
    configure: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    mini_path: Path,
    failure: str,
) -> None:
    configure()
    opener = Opener(Catalog(), _RefusingStore)

    def open_or_fail(settings: Settings) -> Backend:
        if failure == "opening":
            raise BackendUnavailable("Neo4j at bolt://db:7687: connection refused")
        return opener(settings)

    result = runner.invoke(app, ["load", str(mini_path), "--backend", "neo4j"], obj=open_or_fail)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    [line] = result.stderr.splitlines()
    assert line.startswith("load failed, the previous catalog is unchanged: ")
    assert ("connection refused" if failure == "opening" else "in progress") in line
    assert all(store.closed for store in opener.opened)


@pytest.mark.neo4j
def test_search_reads_what_a_real_neo4j_serves(configure: Callable[..., None]) -> None:
    """Whatever catalog the test server holds, the CLI answers what the store answers."""
    uri = os.environ.get("CHAINKG_TEST_NEO4J_URI")
    if not uri:
        if os.environ.get("CI"):
            pytest.fail("CHAINKG_TEST_NEO4J_URI is not set under CI: Neo4j did not come up")
        pytest.skip("Neo4j not configured (set CHAINKG_TEST_NEO4J_URI, see README)")
    configure(
        backend="neo4j",
        neo4j_uri=uri,
        neo4j_user=os.environ.get("CHAINKG_TEST_NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("CHAINKG_TEST_NEO4J_PASSWORD", "chainkg-dev-pw"),
        neo4j_database=os.environ.get("CHAINKG_TEST_NEO4J_DATABASE", "neo4j"),
    )
    backend = open_backend(get_settings().backend_config())
    try:
        expected = [dataclasses.asdict(h) for h in run_search(backend.catalog, "许可", limit=5)]
    finally:
        backend.close()
    result = runner.invoke(app, ["search", "许可", "--limit", "5", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(json.dumps(expected, ensure_ascii=False))
