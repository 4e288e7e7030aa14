"""Timing helpers shared by the benchmarks (percentiles, a uvicorn server in a subprocess)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def percentiles(samples_ns: list[int]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples_ns)
    if not ordered:
        return 0.0, 0.0

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6

    return at(0.50), at(0.99)


def timed(call: Callable[[], object], rounds: int) -> list[int]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return samples


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def uvicorn_server(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    """One `chainkg serve` process (with `workers` worker processes) on a free loopback port;
    yields its base URL."""
    port = free_port()
    root = Path(__file__).resolve().parents[1]
    extra = ["--workers", str(workers)] if workers > 1 else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port), *extra],
        cwd=root,
        env={**os.environ, **env, "CHAINKG_LOG_LEVEL": "warning"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            try:
                if httpx.get(base + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not answer within 60 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """A plain Markdown table (pasteable into the README)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
