"""`chainkg tokens ...` and `chainkg projects ...` on a tracking database of the test's own
(SQLite under a temporary CHAINKG_STATE_DIR) and the mini catalog (CHAINKG_DATA)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from api.settings import Settings, get_settings
from cli.main import app
from tracking import tokens
from tracking.stores.sql import open_sql_store, sqlite_url
from tracking.workflow import Role

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"
runner = CliRunner()
POSITION = ["--industry", "nev", "--stage", "nev.construction", "--scenario", "kaigong"]
PROJECT = ["projects", "create", "--name", "年产10万辆整车项目", "--enterprise", "示例汽车"]


@pytest.fixture(autouse=True)
def state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A fresh tracking database (SQLite in tmp_path) over the mini catalog."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CHAINKG_{name.upper()}", raising=False)
    monkeypatch.setenv("CHAINKG_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CHAINKG_DATA", str(MINI))
    monkeypatch.setenv("CHAINKG_PUBLIC_URL", "https://zone.example/")
    get_settings.cache_clear()
    yield tmp_path / "state"
    get_settings.cache_clear()


def ok(args: list[str]) -> Result:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def one_line(result: Result, codes: tuple[int, ...] = (1, 2)) -> str:
    """The single stderr line of a clean failure (exit in `codes`, no traceback, no stdout)."""
    assert result.exit_code in codes, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def as_json(args: list[str]) -> Any:
    return json.loads(ok([*args, "--json"]).stdout)


def database(state: Path) -> str:
    return sqlite_url(state.resolve() / "tracking.db")


# --- tokens -------------------------------------------------------------------------------------


def test_a_token_is_printed_once_stored_hashed_and_resolves(state: Path) -> None:
    result = ok(["tokens", "create", "--role", "officer", "--department", "zj", "--label", "张三"])
    secret = result.stdout.strip()
    assert result.stdout == secret + "\n" and secret.startswith(tokens.PREFIX)
    listed = as_json(["tokens", "list"])
    [entry] = listed
    assert set(entry) == {"id", "role", "department", "label", "created_at", "revoked_at"}
    assert entry["role"] == "officer" and entry["department"] == "zj"
    assert entry["label"] == "张三" and entry["revoked_at"] is None
    assert entry["id"] in result.stderr and "officer" in result.stderr
    assert secret not in result.stderr
    for listing in (ok(["tokens", "list"]), ok(["tokens", "list", "--json"])):
        assert secret not in listing.stdout + listing.stderr
        assert tokens.digest(secret) not in listing.stdout + listing.stderr
    store = open_sql_store(database(state))
    try:
        [record] = store.list_tokens()
        assert record.digest == tokens.digest(secret)  # the token itself is not stored
        actor = tokens.resolve(store, secret)
        assert actor is not None and actor.role == Role.OFFICER and actor.department_id == "zj"
        [audit] = store.audit_log()
        assert audit.action == "token.create" and audit.actor.startswith("admin#cli@")
    finally:
        store.close()


def test_a_revoked_token_no_longer_resolves(state: Path) -> None:
    secret = ok(["tokens", "create", "--role", "window"]).stdout.strip()
    [entry] = as_json(["tokens", "list"])
    revoked = ok(["tokens", "revoke", entry["id"]])
    assert revoked.stdout == "" and "revoked" in revoked.stderr
    [entry] = as_json(["tokens", "list"])
    assert entry["revoked_at"] is not None
    again = ok(["tokens", "revoke", entry["id"]])
    assert "already" in again.stderr
    store = open_sql_store(database(state))
    try:
        assert tokens.resolve(store, secret) is None
    finally:
        store.close()


def test_tokens_list_table_and_empty() -> None:
    empty = ok(["tokens", "list"])
    assert "no tokens yet" in empty.stderr
    assert as_json(["tokens", "list"]) == []
    ok(["tokens", "create", "--role", "planner", "--label", "规划"])
    table = ok(["tokens", "list"]).stdout
    assert "planner" in table and "规划" in table


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--role", "officer"], 2, "--department: an officer token acts for one department"),
        (["--role", "officer", "--department", " "], 2, "--department"),
        (["--role", "window", "--department", "zj"], 2, "a window token acts for no department"),
        (["--role", "officer", "--department", "nope"], 1, "--department nope: no such"),
        (["--role", "root"], 2, "--role"),
        ([], 2, "Missing option '--role'"),
    ],
)
def test_token_misuse_is_one_line(args: list[str], code: int, words: str) -> None:
    line = one_line(runner.invoke(app, ["tokens", "create", *args]), (code,))
    assert words in line
    assert as_json(["tokens", "list"]) == []  # nothing issued


def test_revoking_an_unknown_token_is_one_line() -> None:
    assert "token 'nope' not found" in one_line(runner.invoke(app, ["tokens", "revoke", "nope"]))


# --- projects -----------------------------------------------------------------------------------


def test_projects_create_show_list_round_trip(state: Path) -> None:
    created = ok([*PROJECT, *POSITION, "--answer", "special_project=是"])
    code, page = created.stdout.splitlines()
    assert page == f"https://zone.example/v1/projects/{code}/page"
    assert "4 matters" in created.stderr and "big_area" in created.stderr  # still unanswered

    shown = as_json(["projects", "show", code])
    assert shown["code"] == code and shown["status_page"] == page
    assert shown["position"] == {
        "industry": "nev",
        "stage": "nev.construction",
        "scenario": "kaigong",
        "answers": {"special_project": "是"},
    }
    assert shown["created_by"].startswith("window#cli@")
    assert shown["totals"] == {"matters": 4, "done": 0, "open": 4, "overdue": 0, "due_soon": 0}
    ids = [m["id"] for m in shown["matters"]]
    assert ids == ["ghxk", "rfsp", "sgxk", "xfsc"]  # xfsc: the answer added it
    first = shown["matters"][0]
    assert set(first) == {
        "id",
        "name",
        "department",
        "phase",
        "requires",
        "status",
        "status_label",
        "version",
        "accepted_on",
        "due_on",
        "days_left",
        "flag",
        "corrections",
        "closed_on",
        "updated_at",
    }
    assert first["department"] == {"id": "gh", "name": "自然资源和规划局"}
    assert [first[k] for k in ("status", "status_label", "flag")] == [
        "pending",
        "待受理",
        "waiting",
    ]
    assert first["version"] == 1 and first["days_left"] is None
    assert shown["matters"][1]["requires"] == ["ghxk"]

    table = ok(["projects", "show", code]).stdout
    for words in ("年产10万辆整车项目", "示例汽车", "建设工程规划许可证核发", "待受理", page):
        assert words in table

    listed = as_json(["projects", "list"])
    assert listed == [
        {
            "code": code,
            "name": "年产10万辆整车项目",
            "enterprise": "示例汽车",
            "industry": "nev",
            "stage": "nev.construction",
            "scenario": "kaigong",
            "created_at": shown["created_at"],
            "matters": 4,
            "done": 0,
        }
    ]
    assert code in ok(["projects", "list"]).stdout

    store = open_sql_store(database(state))
    try:
        project = store.project(code)
        assert project.plan["position"]["stage"]["id"] == "nev.construction"
        assert project.catalog_version == shown["catalog_version"] != ""
        assert store.audit_log()[0].action == "project.create"
    finally:
        store.close()


def test_projects_create_json_is_the_show_shape() -> None:
    created = as_json([*PROJECT, "--industry", "nev", "--stage", "nev.construction"])
    shown = as_json(["projects", "show", created["code"]])
    assert created == shown


def test_projects_show_reads_progress_in_working_days(state: Path) -> None:
    """A matter accepted today is due after its promised working days, and flagged."""
    from tracking import projects as tracked
    from tracking.calendar import WorkingCalendar
    from tracking.workflow import Actor, Status

    code = ok([*PROJECT, *POSITION]).stdout.splitlines()[0]
    store = open_sql_store(database(state))
    try:
        tracked.change_status(
            store,
            WorkingCalendar(),
            code,
            "ghxk",
            Status.ACCEPTED,
            Actor("t", Role.OFFICER, "gh"),
            1,
            "",
            datetime.now(UTC),
        )
    finally:
        store.close()
    ghxk = as_json(["projects", "show", code])["matters"][0]
    assert ghxk["status"] == "accepted" and ghxk["status_label"] == "已受理"
    assert ghxk["version"] == 2 and ghxk["due_on"] is not None
    assert ghxk["days_left"] == 5 and ghxk["flag"] == "on_track"  # promised 5 working days


def test_projects_list_limit() -> None:
    assert as_json(["projects", "list"]) == []
    assert "no projects yet" in ok(["projects", "list"]).stderr
    for name in ("一", "二", "三"):
        ok(["projects", "create", "--name", name, "--enterprise", "e", *POSITION])
    assert len(as_json(["projects", "list", "--limit", "2"])) == 2
    assert "2 of 3 projects" in ok(["projects", "list", "--limit", "2"]).stderr


CREATE = [*PROJECT, "--industry", "nev"]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        ([*CREATE, "--stage", "nope"], 1, "stage 'nope' not found"),
        ([*PROJECT[:-2], "--enterprise", "y", "--industry", "x", "--stage", "s"], 1, "not found"),
        ([*CREATE, "--stage", "nev.construction", "--scenario", "nope"], 1, "'nope' not found"),
        (
            [*CREATE, "--stage", "nev.construction", "--answer", "special_project=maybe"],
            1,
            "'maybe' is not one of the options",
        ),
        ([*CREATE, "--stage", "nev.construction", "--answer", "x"], 2, "CONDITION_ID=OPTION"),
        (
            ["projects", "create", "--name", " ", "--enterprise", "y", *POSITION],
            2,
            "--name: expected some text",
        ),
        (
            ["projects", "create", "--name", "x" * 201, "--enterprise", "y", *POSITION],
            2,
            "--name: at most 200 characters",
        ),
        (["projects", "create", "--name", "x", *POSITION], 2, "Missing option '--enterprise'"),
        (["projects", "show", "nosuchcodeatall12345"], 1, "project 'nosuchcodeat...' not found"),
        (["projects", "show", "nosuchcodeatall12345", "--json"], 1, "not found"),
        (["projects", "list", "--limit", "0"], 2, "--limit"),
        (["projects", "list", "--limit", "501"], 2, "--limit"),
    ],
)
def test_project_misuse_is_one_line(args: list[str], code: int, words: str) -> None:
    line = one_line(runner.invoke(app, args), (code,))
    assert words in line
    assert as_json(["projects", "list"]) == []  # nothing created


def test_an_unusable_tracking_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("CHAINKG_STATE_DIR", str(tmp_path / "file" / "state"))
    get_settings.cache_clear()
    one_line(runner.invoke(app, ["tokens", "list"]), (1,))
    monkeypatch.delenv("CHAINKG_STATE_DIR")
    monkeypatch.setenv("CHAINKG_TRACKING_URL", "postgresql+psycopg://u:secret@127.0.0.1:1/x")
    get_settings.cache_clear()
    line = one_line(runner.invoke(app, ["projects", "list"]), (1,))
    assert "tracking database" in line and "secret" not in line


# --- help ---------------------------------------------------------------------------------------

HELP: dict[str, tuple[list[str], str]] = {
    "tokens create": (["--role", "--department", "--label"], "Issue a token"),
    "tokens list": (["--json"], "Every token issued"),
    "tokens revoke": (["ID"], "Revoke a token"),
    "projects create": (
        ["--name", "--enterprise", "--industry", "--stage", "--scenario", "--answer", "--json"],
        "Track a project",
    ),
    "projects show": (["code", "--json"], "Every matter of a project"),
    "projects list": (["--limit", "--json"], "Tracked projects, newest first"),
}


def test_the_groups_list_their_commands() -> None:
    root = typer.main.get_group(app)
    for group in ("tokens", "projects"):
        commands = root.commands[group]
        assert isinstance(commands, typer.core.TyperGroup)
        assert {f"{group} {c}" for c in commands.commands} == {
            c for c in HELP if c.startswith(group + " ")
        }
        assert f"│ {group} " in ok(["--help"]).stdout
        bare = runner.invoke(app, [group])  # no arguments: its help, a usage error
        assert bare.exit_code == 2 and "Usage: root " + group in bare.stdout + bare.stderr


@pytest.mark.parametrize("command", sorted(HELP))
def test_help_of_each_command_names_its_options(command: str) -> None:
    options, summary = HELP[command]
    result = ok([*command.split(), "--help"])
    assert result.stderr == ""
    assert summary in result.stdout
    for option in options:
        assert option in result.stdout, option


def test_kpis_are_printed_with_the_articles_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINKG_STATE_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["kpis", "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    found = {k["name"]: k for k in json.loads(result.stdout)["kpis"]}
    assert found["projects_tracked"]["value"] == 0
    assert found["projects_tracked"]["reference"] == 163
    assert found["first_pass_rate"]["value"] is None  # nothing closed yet: no rate
