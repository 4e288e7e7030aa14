"""Fault drills on the real Neo4j server (docs/reliability.md): the server stopped in the middle
of a catalog load, and restarted while `chainkg serve` is under load. Each stops and starts the
server, so it needs CHAINKG_TEST_NEO4J_CONTROL (set by .ci/run to `bash scripts/neo4j.sh`)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bench.common import free_port
from graph.errors import BackendUnavailable
from graph.model import Catalog, Position
from graph.planner import recommend
from graph.stores.factory import Backend
from loaders.synthetic import synth

ROOT = Path(__file__).resolve().parents[2]
KAIGONG = Position("nev", "nev.construction", "kaigong")
LEFTOVERS = """
MATCH (s:ChainKGState {key: 'catalog'})
MATCH (n) WHERE n.gen IS NOT NULL AND n.gen <> s.gen AND NOT n:ChainKGState
RETURN count(n) AS n
"""


@pytest.fixture
def control() -> list[str]:
    command = os.environ.get("CHAINKG_TEST_NEO4J_CONTROL")
    if not command:
        if os.environ.get("CI"):
            pytest.fail("CHAINKG_TEST_NEO4J_CONTROL is not set under CI")
        pytest.skip("set CHAINKG_TEST_NEO4J_CONTROL (e.g. 'bash scripts/neo4j.sh') to run")
    return shlex.split(command)


def test_neo4j_stopped_during_a_load(
    neo4j_holder: object, mini: Catalog, control: list[str]
) -> None:
    """The load reports failure; once the server is back the old catalog serves, whole, and
    the next load removes what the failed one left."""
    store = neo4j_holder.with_catalog("mini", mini)  # type: ignore[attr-defined]
    backend: Backend = neo4j_holder.backend  # type: ignore[attr-defined]
    before = recommend(store, KAIGONG)
    stats = store.stats()
    big = synth(mini, 2000)  # 130,000 rows: long enough to be stopped in the middle
    halfway = threading.Event()
    failure: list[BaseException] = []

    def progress(done: int, total: int) -> None:
        if done >= total // 3:
            halfway.set()

    def load() -> None:
        try:
            backend.load(big, progress)
        except BaseException as exc:  # the drill expects it
            failure.append(exc)
        finally:
            halfway.set()

    neo4j_holder.loaded = None  # type: ignore[attr-defined]
    loader = threading.Thread(target=load)
    loader.start()
    try:
        assert halfway.wait(120)
        subprocess.run([*control, "stop"], check=True)
        loader.join(120)
        assert not loader.is_alive()
        assert failure and isinstance(failure[0], BackendUnavailable), failure
        print(f"stopped during a load: {failure[0]}"[:300])
    finally:
        subprocess.run([*control, "start"], check=True)
    backend.wait_until_ready(60)
    assert store.stats() == stats  # the old catalog, whole
    assert recommend(store, KAIGONG) == before
    backend.load(mini)  # the next load cleans up
    neo4j_holder.loaded = "mini"  # type: ignore[attr-defined]
    assert int(store.executor.run_read(LEFTOVERS)[0]["n"]) == 0  # type: ignore[attr-defined]


def test_neo4j_restarted_under_load(neo4j_holder: object, control: list[str]) -> None:
    """`chainkg serve` under a steady stream of requests: 503 problem+json while the server is
    away, never a 500 or a hang, and 200 again without restarting chainkg."""
    port = free_port()
    env = {
        **os.environ,
        "CHAINKG_BACKEND": "neo4j",
        "CHAINKG_NEO4J_URI": os.environ["CHAINKG_TEST_NEO4J_URI"],
        "CHAINKG_LOAD_ON_START": "always",
        "CHAINKG_LOG_LEVEL": "warning",
    }
    neo4j_holder.loaded = None  # type: ignore[attr-defined]  # serve loads the shipped catalog
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    body = {"industry": "nev", "stage": "nev.circulation"}
    seen: Counter[str] = Counter()
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=base, timeout=15) as client:
            while not stop.is_set():
                try:
                    r = client.post("/v1/recommendations", json=body)
                except httpx.HTTPError as exc:
                    seen[f"transport:{type(exc).__name__}"] += 1
                    continue
                kind = r.headers.get("content-type", "").split(";")[0]
                seen[f"{r.status_code} {kind}"] += 1

    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/v1/ready", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("chainkg serve did not become ready")
        first = httpx.post(base + "/v1/recommendations", json=body, timeout=60)
        assert first.status_code == 200, first.text  # served before the outage
        workers = [threading.Thread(target=hammer) for _ in range(4)]
        for w in workers:
            w.start()
        time.sleep(2)
        subprocess.run([*control, "stop"], check=True)
        time.sleep(3)
        subprocess.run([*control, "start"], check=True)
        time.sleep(3)
        stop.set()
        for w in workers:
            w.join(30)
        after = httpx.post(base + "/v1/recommendations", json=body, timeout=15)
    finally:
        stop.set()
        server.terminate()
        server.wait(20)
    print(f"restart under load: {dict(seen)}")  # the figure docs/reliability.md quotes
    assert after.status_code == 200  # back without restarting chainkg
    assert seen["503 application/problem+json"] > 0, seen
    # Nothing but answers and 503 problem+json; a request the outage held past the client's
    # 15 s timeout is counted (docs/reliability.md) but is not a wrong answer.
    answers = {k for k in seen if not k.startswith("transport:ReadTimeout")}
    assert answers <= {"200 application/json", "503 application/problem+json"}, seen
