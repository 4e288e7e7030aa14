"""An acknowledged change survives a kill -9 of the server (SQLite in WAL, synchronous=FULL):
`chainkg serve` in a subprocess, changes made over HTTP, the process killed right after the
last answer, the database read back by a fresh store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.common import free_port
from tracking.stores.sql import open_sql_store, sqlite_url
from tracking.tokens import issue
from tracking.workflow import Role, Status

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"


def test_acknowledged_changes_survive_a_kill_9_of_the_server(tmp_path: Path) -> None:
    database = tmp_path / "tracking.db"
    setup = open_sql_store(sqlite_url(database))  # migrated; tokens made before the server
    now = datetime.now(UTC)
    window = issue(setup, Role.WINDOW, None, "窗口", "test", now).secret
    officer = issue(setup, Role.OFFICER, "gh", "规划", "test", now).secret
    setup.close()
    port = free_port()
    env = {
        **os.environ,
        "CHAINKG_DATA": str(MINI),
        "CHAINKG_STATE_DIR": str(tmp_path),
        "CHAINKG_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[tuple[str, int]] = []
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if client.get("/v1/ready").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            project = client.post(
                "/v1/projects",
                json={
                    "name": "断电测试项目",
                    "enterprise": "示例公司",
                    "industry": "nev",
                    "stage": "nev.construction",
                    "scenario": "kaigong",
                },
                headers={"Authorization": f"Bearer {window}"},
            )
            assert project.status_code == 201, project.text
            code = project.json()["code"]
            version = 1
            steps = [Status.ACCEPTED, Status.REVIEWING] + [Status.CORRECTION, Status.REVIEWING] * 10
            for step in steps:
                moved = client.post(
                    f"/v1/projects/{code}/matters/ghxk/status",
                    json={"status": step.value, "version": version},
                    headers={"Authorization": f"Bearer {officer}"},
                )
                assert moved.status_code == 200, moved.text
                version = moved.json()["version"]
                acknowledged.append((step.value, version))
        server.send_signal(signal.SIGKILL)  # right after the last acknowledgement
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
    after = open_sql_store(sqlite_url(database))
    state = after.matter(code, "ghxk")
    assert (state.status.value, state.version) == acknowledged[-1]
    assert len(after.history(code)) == len(acknowledged)
    after.close()
