"""`chainkg serve --workers N`: N uvicorn worker processes on one port, each building the same
application from `cli.serving:worker_app`, the catalog validated once before they start."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.settings import Settings, get_settings
from bench.common import free_port
from cli import serving
from cli.main import app
from graph.model import Catalog
from tests.cli.test_cli import Opener

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"
runner = CliRunner()
PASSED = ("CHAINKG_DATA", "CHAINKG_HOST", "CHAINKG_PORT")
SERVE = [sys.executable, "-m", "cli", "serve"]


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CHAINKG_{name.upper()}", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def fake_uvicorn(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """uvicorn.run replaced: keeps its arguments and the environment the workers would inherit,
    and builds a worker's app from that environment as a fresh worker process would."""
    import uvicorn

    seen: dict[str, Any] = {}

    def run(target: object, **options: Any) -> None:
        seen["target"], seen["options"] = target, options
        seen["env"] = {name: os.environ.get(name) for name in PASSED}
        get_settings.cache_clear()  # a new process reads the environment afresh
        with TestClient(serving.worker_app()) as client:
            seen["ready"] = client.get("/v1/ready").json()
            seen["recommendation"] = client.post(
                "/v1/recommendations", json={"industry": "nev", "stage": "nev.construction"}
            ).json()

    monkeypatch.setattr(uvicorn, "run", run)
    return seen


def test_workers_run_the_factory_with_the_options_passed_through_the_environment(
    fake_uvicorn: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    port = free_port()
    shown = os.path.relpath(MINI, tmp_path)  # a relative --data reaches the workers resolved
    result = runner.invoke(app, ["serve", "--workers", "3", "--port", str(port), "--data", shown])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"chainkg: memory backend, http://127.0.0.1:{port}/v1/docs (3 worker processes)"
    )
    assert fake_uvicorn["target"] == "cli.serving:worker_app"
    assert fake_uvicorn["options"] == {
        "factory": True,
        "workers": 3,
        "host": "127.0.0.1",
        "port": port,
        "log_level": "info",
    }
    assert fake_uvicorn["env"] == {
        "CHAINKG_DATA": str(MINI.resolve()),
        "CHAINKG_HOST": "127.0.0.1",
        "CHAINKG_PORT": str(port),
    }
    assert {name: os.environ.get(name) for name in PASSED} == dict.fromkeys(PASSED)  # restored
    # the worker's app serves the catalog of --data
    assert fake_uvicorn["ready"]["counts"]["Matter"] == 7
    assert fake_uvicorn["recommendation"]["estimate"]["critical_path"] == ["ghxk", "sgxk", "jgba"]


def test_workers_the_parent_validates_then_closes_its_backend(
    fake_uvicorn: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINKG_BACKEND", "neo4j")
    opener = Opener(Catalog())
    closed_before_run: list[bool] = []
    import uvicorn

    def run(*_: object, **__: object) -> None:
        closed_before_run.append(opener.opened[0].closed)

    monkeypatch.setattr(uvicorn, "run", run)
    result = runner.invoke(
        app,
        ["serve", "--workers", "2", "--port", str(free_port()), "--data", str(MINI)],
        obj=opener,
    )
    assert result.exit_code == 0, result.output
    assert closed_before_run == [True]


def test_workers_a_broken_catalog_stops_before_any_worker_starts(
    monkeypatch: pytest.MonkeyPatch, mini_copy: Path
) -> None:
    import uvicorn

    (mini_copy / "matters.csv").unlink()
    monkeypatch.setattr(uvicorn, "run", None)  # never called
    result = runner.invoke(
        app, ["serve", "--workers", "2", "--port", str(free_port()), "--data", str(mini_copy)]
    )
    assert result.exit_code == 1
    assert "matters.csv: required table is missing" in result.stderr


# --- two real worker processes ---------------------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on `port` (any address), from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table, encoding="ascii") as f:
            next(f)
            for line in f:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    found.add(inode)
    return found


def _holds_socket(pid: int, inodes: set[str]) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    try:
        links = {os.readlink(fd) for fd in fds.iterdir()}
    except OSError:
        return False
    return any(f"socket:[{inode}]" in links for inode in inodes)


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    return int(stat.rsplit(")", 1)[1].split()[1])


def _wait_for(check: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} within {seconds} s; log:\n{log.read_text(encoding='utf-8')}")


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads worker processes in /proc")
def test_serve_workers_2_runs_two_worker_processes_that_answer(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINKG_")}
    env.pop("WEB_CONCURRENCY", None)
    with log.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            [*SERVE, "--workers", "2", "--port", str(port), "--data", str(MINI)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,  # its own process group, so cleanup reaches the workers
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            assert proc.poll() is None, log.read_text(encoding="utf-8")
            try:
                return httpx.get(base + "/v1/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait_for(healthy, 90, "no answer on /v1/health", log)

        def workers() -> list[int]:
            text = log.read_text(encoding="utf-8")
            return [int(p) for p in re.findall(r"Started server process \[(\d+)\]", text)]

        def both_started() -> bool:
            return len(workers()) == 2 and (
                log.read_text(encoding="utf-8").count("Application startup complete") == 2
            )

        _wait_for(both_started, 90, "two workers did not start", log)
        pids = workers()
        assert len(set(pids)) == 2 and proc.pid not in pids  # two processes, not the parent
        inodes = _listening_inodes(port)
        assert inodes, "nothing listens on the port"
        for pid in pids:
            assert _parent_of(pid) == proc.pid  # workers of this `chainkg serve`
            assert _holds_socket(pid, inodes)  # each serves the one listening socket
        assert "(2 worker processes)" in log.read_text(encoding="utf-8").splitlines()[0]
        for _ in range(4):  # whichever worker takes it, the answer is the same
            health = httpx.get(base + "/v1/health", timeout=5)
            assert health.status_code == 200 and health.json()["status"] == "ok"
            answer = httpx.post(
                base + "/v1/recommendations",
                json={"industry": "nev", "stage": "nev.construction"},
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["estimate"]["critical_path"] == ["ghxk", "sgxk", "jgba"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text(encoding="utf-8")
        _wait_for(
            lambda: not any(Path(f"/proc/{pid}").exists() for pid in pids),
            10,
            "workers outlived the parent",
            log,
        )
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
