"""Neo4j down at start: the API still starts, says so, /v1/ready is 503 and /v1/health 200."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import BackendKind, Settings
from bench.common import free_port

ROOT = Path(__file__).parents[2]


def _nowhere() -> str:
    return f"bolt://127.0.0.1:{free_port()}"  # nothing listens there


def test_app_starts_and_reports_not_ready() -> None:
    app = create_app(Settings(backend=BackendKind.NEO4J, neo4j_uri=_nowhere()))
    with TestClient(app) as client:
        assert client.get("/v1/health").json() == {"status": "ok"}
        ready = client.get("/v1/ready")
        assert ready.status_code == 503
        assert ready.headers["content-type"].startswith("application/problem+json")
        assert ready.headers["retry-after"] == "5"
        body = client.post("/v1/recommendations", json={"industry": "nev", "stage": "x"})
        assert body.status_code == 503


def test_serve_says_neo4j_is_down_and_keeps_serving() -> None:
    port = free_port()
    env = {**os.environ, "CHAINKG_BACKEND": "neo4j", "CHAINKG_NEO4J_URI": _nowhere()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                health = httpx.get(base + "/v1/health", timeout=1)
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200
        ready = httpx.get(base + "/v1/ready", timeout=30)
        assert ready.status_code == 503
        assert "start-up catalog load is waiting" in ready.json()["detail"]
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=20)
    assert "the neo4j backend is not reachable" in stderr
