"""Every misuse of a command, an option or a setting is one red line on stderr and exit 1 or 2.

Exit 2: the command line or the environment asks for something invalid (a usage error, a value
out of range, an output that is a folder, an invalid CHAINKG_ setting), found before any work.
Exit 1: the work failed (a catalog that cannot be read, a file that cannot be written, a port in
use). Never a traceback, never click's framed panel, nothing on stdout.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from api.settings import Settings, get_settings
from bench.common import free_port
from cli.common import settings_problem
from cli.main import app

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"
runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CHAINKG_{name.upper()}", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something listens on."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield int(held.getsockname()[1])


def one_line(result: Result, codes: tuple[int, ...] = (1, 2)) -> str:
    """The single stderr line of a clean failure (exit in `codes`, no exception, no stdout)."""
    assert result.exit_code in codes, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # not a crash
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# Each misuse: its arguments (<tmp> is the test's folder, <file> a regular file in it, <port> a
# port something listens on), CHAINKG_ variables, the exit code and words the line must hold.
VIZ = ["--data", str(MINI)]
FLOW = ["viz", "flowchart", "--industry", "nev", "--stage", "nev.construction"]
MISUSES: dict[str, tuple[list[str], dict[str, str], int, str]] = {
    # usage errors: one line with the --help to read
    "no such command": (["nope"], {}, 2, "No such command 'nope'. Try"),
    "missing option": (["recommend", "--industry", "nev"], {}, 2, "Missing option '--stage'"),
    "missing argument": (["check"], {}, 2, "Missing argument 'path'"),
    "unknown option": (["check", str(MINI), "--nope"], {}, 2, "--nope"),
    "answer without =": (
        ["recommend", "--industry", "nev", "--stage", "nev.construction", "--answer", "x"],
        {},
        2,
        "CONDITION_ID=OPTION",
    ),
    "flowchart answer without =": ([*FLOW, "--answer", "x", *VIZ], {}, 2, "CONDITION_ID=OPTION"),
    "unknown format": (["viz", "service-matrix", "--format", "pdf", *VIZ], {}, 2, "--format"),
    "max-nodes too small": (["viz", "chain-map", "--max-nodes", "5", *VIZ], {}, 2, "--max-nodes"),
    "unknown backend": (["load", str(MINI), "--backend", "nope"], {}, 2, "--backend"),
    "scale 0": (["synth", "--scale", "0", "--out", "<tmp>/s", *VIZ], {}, 2, "--scale"),
    "scale not a number": (["synth", "--scale", "x", "--out", "<tmp>/s", *VIZ], {}, 2, "--scale"),
    # search --limit: 1..100, as GET /v1/search
    "limit -5": (["search", "施工", "--limit", "-5", *VIZ], {}, 2, "--limit"),
    "limit 0": (["search", "施工", "--limit", "0", *VIZ], {}, 2, "--limit"),
    "limit 101": (["search", "施工", "--limit", "101", *VIZ], {}, 2, "--limit"),
    # serve: the address, before anything is opened or loaded
    "port 70000": (["serve", "--port", "70000", *VIZ], {}, 2, "--port"),
    "port 0": (["serve", "--port", "0", *VIZ], {}, 2, "--port"),
    "port -1": (["serve", "--port", "-1", *VIZ], {}, 2, "--port"),
    "workers 0": (["serve", "--workers", "0", *VIZ], {}, 2, "--workers"),
    "workers -1": (["serve", "--workers", "-1", *VIZ], {}, 2, "--workers"),
    "empty host": (["serve", "--host", "", *VIZ], {}, 2, "--host '': expected an address"),
    "host that does not resolve": (
        ["serve", "--host", "no-such-host.invalid", *VIZ],
        {},
        1,
        "cannot listen on no-such-host.invalid:",
    ),
    "port in use": (["serve", "--port", "<port>", *VIZ], {}, 1, "Address already in use"),
    "port in use, workers": (
        ["serve", "--port", "<port>", "--workers", "2", *VIZ],
        {},
        1,
        "Address already in use",
    ),
    # settings (CHAINKG_*): name, value and what is expected
    "log level": (["serve"], {"log_level": "verbose"}, 2, "CHAINKG_LOG_LEVEL='verbose': expected"),
    "log level, query": (["search", "施工"], {"log_level": "verbose"}, 2, "CHAINKG_LOG_LEVEL="),
    "port not a number": (["serve"], {"port": "abc"}, 2, "CHAINKG_PORT='abc': expected a valid"),
    "port out of range": (["serve"], {"port": "70000"}, 2, "CHAINKG_PORT='70000': expected"),
    "port zero": (["serve"], {"port": "0"}, 2, "CHAINKG_PORT='0': expected"),
    "empty host setting": (["serve"], {"host": ""}, 2, "CHAINKG_HOST='': expected an address"),
    "backend": (["load", str(MINI)], {"backend": "nope"}, 2, "CHAINKG_BACKEND='nope'"),
    "load on start": (["serve"], {"load_on_start": "maybe"}, 2, "CHAINKG_LOAD_ON_START='maybe'"),
    "synth reads settings": (
        ["synth", "--scale", "1", "--out", "<tmp>/s"],
        {"port": "x"},
        2,
        "CHAINKG_PORT='x'",
    ),
    "neo4j uri": (
        ["search", "施工"],
        {"backend": "neo4j", "neo4j_uri": "foo://x"},
        1,
        "cannot use Neo4j URI 'foo://x'",
    ),
    # catalogs that are not there or not a catalog
    "no catalog": (["check", "<tmp>/none"], {}, 1, "<tmp>/none: no such file or folder"),
    "not a workbook": (["check", "<file>.xlsx"], {}, 1, "not a readable .xlsx workbook"),
    "no catalog to load": (["load", "<tmp>/none", "--backend", "memory"], {}, 1, "no such file"),
    "no catalog in CHAINKG_DATA": (["search", "施工"], {"data": "<tmp>/none"}, 1, "no such file"),
    "no catalog to serve": (["serve", "--data", "<tmp>/none"], {}, 1, "no such file"),
    # viz -o: a folder is refused before any work; a path that cannot be written is one line
    "chain map into a folder": (["viz", "chain-map", "-o", "<tmp>", *VIZ], {}, 2, "a folder is"),
    "matrix into a folder": (["viz", "service-matrix", "-o", "<tmp>", *VIZ], {}, 2, "a folder is"),
    "flowchart into a folder": ([*FLOW, "-o", "<tmp>", *VIZ], {}, 2, "a folder is there"),
    "page under a file": (
        ["viz", "chain-map", "-o", "<file>/page.html", *VIZ],
        {},
        1,
        "cannot write <tmp>/file/page.html: <tmp>/file is a file, not a folder",
    ),
    "export under a file": (
        ["viz", "service-matrix", "--format", "xlsx", "-o", "<file>/x/m.xlsx", *VIZ],
        {},
        1,
        "<tmp>/file is a file, not a folder",
    ),
    # synth --out
    "synth onto a file": (
        ["synth", "--scale", "1", "--out", "<file>", *VIZ],
        {},
        2,
        "--out <tmp>/file: a file is there; expected a folder",
    ),
    "synth into a non-empty folder": (
        ["synth", "--scale", "1", "--out", "<tmp>", *VIZ],
        {},
        2,
        "is not empty (2 entries)",
    ),
    "synth over its own catalog": (
        ["synth", "--scale", "2", "--out", str(MINI), "--force", *VIZ],
        {},
        2,
        "is the catalog being read",
    ),
    "synth under a file": (
        ["synth", "--scale", "1", "--out", "<file>/s", *VIZ],
        {},
        1,
        "cannot write <tmp>/file/s: <tmp>/file is a file, not a folder",
    ),
}
if sys.platform.startswith("linux"):
    MISUSES["page nowhere"] = (
        ["viz", "chain-map", "-o", "/proc/chainkg-test/page.html", *VIZ],
        {},
        1,
        "cannot write /proc/chainkg-test/page.html:",
    )


@pytest.mark.parametrize("case", sorted(MISUSES))
def test_each_misuse_is_one_line_and_exit_1_or_2(
    case: str, tmp_path: Path, busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, env, code, words = MISUSES[case]
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    (tmp_path / "file.xlsx").write_text("not a workbook", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())

    def place(text: str) -> str:
        text = text.replace("<file>", str(tmp_path / "file")).replace("<tmp>", str(tmp_path))
        return text.replace("<port>", str(busy_port))

    for name, value in env.items():
        monkeypatch.setenv(f"CHAINKG_{name.upper()}", place(value))
    monkeypatch.chdir(tmp_path)
    line = one_line(runner.invoke(app, [place(a) for a in args]), (code,))
    assert place(words) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_a_usage_error_names_the_help_to_read() -> None:
    line = one_line(runner.invoke(app, ["serve", "--port", "70000"]), (2,))
    assert line.startswith("Invalid value for '--port': ")
    assert line.endswith(". Try 'root serve --help' for help.")


def test_a_secret_setting_is_never_printed() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate({"neo4j_password": 12345, "port": "abc"})
    text = settings_problem(caught.value)
    assert "CHAINKG_NEO4J_PASSWORD=***" in text and "12345" not in text
    assert "CHAINKG_PORT='abc'" in text and "\n" not in text


# --- a catalog file the operating system will not read ------------------------------------------


@pytest.fixture(params=["dangling symlink", "folder"])
def unreadable_catalog(request: pytest.FixtureRequest, mini_copy: Path) -> Path:
    """The mini catalog with matters.csv a link to nothing, or a folder."""
    (mini_copy / "matters.csv").unlink()
    if request.param == "folder":
        (mini_copy / "matters.csv").mkdir()
    else:
        (mini_copy / "matters.csv").symlink_to(mini_copy / "gone.csv")
    return mini_copy


READERS = {
    "check": ["check", "CAT"],
    "check --json": ["check", "CAT", "--json"],
    "check --report": ["check", "CAT", "--report"],
    "recommend": ["recommend", "--industry", "nev", "--stage", "nev.construction", "--data", "CAT"],
    "search": ["search", "施工", "--data", "CAT"],
    "load": ["load", "CAT", "--backend", "memory"],
    "synth": ["synth", "--scale", "1", "--out", "OUT", "--data", "CAT"],
    "viz": ["viz", "chain-map", "-o", "OUT/page.html", "--data", "CAT"],
    "serve": ["serve", "--port", "PORT", "--data", "CAT"],
}


@pytest.mark.parametrize("command", sorted(READERS))
def test_an_unreadable_catalog_file_is_a_catalog_error_not_a_traceback(
    command: str, unreadable_catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the loader makes of it (an OSError today, a problem once it checks), the CLI
    reports it as the catalog's problem: located lines, exit 1, never a traceback."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", None)  # never reached
    out = tmp_path / "out"
    port = str(free_port())
    args = [
        a.replace("CAT", str(unreadable_catalog)).replace("OUT", str(out)).replace("PORT", port)
        for a in READERS[command]
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr + result.stdout
    report = result.stdout if command == "check --json" else result.stderr
    assert "matters.csv" in report
    if command != "check --json":
        assert result.stdout == ""
        assert result.stderr.startswith(str(unreadable_catalog))
    assert not out.exists()


# --- as a real process ---------------------------------------------------------------------------

REAL = {
    "port out of range": (["serve", "--port", "70000"], {}),
    "setting": (["serve"], {"CHAINKG_PORT": "abc"}),
    "log level": (["search", "施工"], {"CHAINKG_LOG_LEVEL": "verbose"}),
    "usage": (["recommend", "--industry", "nev"], {}),
}


@pytest.mark.parametrize("case", sorted(REAL))
def test_the_command_as_a_process_prints_one_line_too(case: str) -> None:
    """Through `python -m cli` (what the `chainkg` script runs): logging set up, nothing caught
    by a test runner."""
    args, env = REAL[case]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHAINKG_")}
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (1, 2), done.stderr
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_synth_force_writes_into_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("kept", encoding="utf-8")
    result = runner.invoke(
        app, ["synth", "--scale", "1", "--out", str(tmp_path), "--data", str(MINI), "--force"]
    )
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "kept"
    assert (tmp_path / "matters.csv").is_file()


def test_search_limit_bounds_are_accepted() -> None:
    for limit, most in (("1", 1), ("100", 100)):
        args = ["search", "许可", "--limit", limit, "--json", "--data", str(MINI)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        assert 1 <= len(json.loads(result.stdout)) <= most
