"""Serving speed: the API driven from a separate process by wrk, beside the trivial endpoint.

A realistic mix (recommendations for every position, catalog lookups, search, the pages) for a
fixed duration at several connection counts, and GET /v1/health in the same run as the
baseline; prints requests/s, p50/p99, errors and the server's memory (RSS of the server and its
workers) at start and end. `--soak` runs the mix for 10 minutes at 8 connections and reports the
memory drift and the errors. Load goes to 127.0.0.1 only.

    python -m bench.http [--backend memory|neo4j] [--workers 1,2] [--duration 10]
                         [--connections 1,8,32] [--no-cache] [--soak]

With several worker counts each is served and measured in turn, and the ratios against the
first are printed. `--no-cache` turns the recommendation cache off (every plan computed).

Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import table, uvicorn_server

# wrk runs this: it cycles through the prepared requests and prints one JSON line at the end.
LUA = r"""
local requests = {}
local index = 0
init = function(args)
  local f = io.open(args[1], "r")
  for line in f:lines() do
    local method, path, body = line:match("^(%u+) (%S+) ?(.*)$")
    local headers = {}
    if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
    table.insert(requests, wrk.format(method, path, headers, body))
  end
  f:close()
end
request = function()
  index = index % #requests + 1
  return requests[index]
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, errors))
end
"""


def mix(base: str) -> list[str]:
    """The realistic mix: one line per request, `METHOD PATH [JSON body]`."""
    with httpx.Client(base_url=base) as client:
        industries = client.get("/v1/industries").json()
        lines: list[str] = []
        for industry in industries:
            lines.append(f"GET /v1/industries/{industry['id']}")
            for stage in industry["stages"]:
                body = {"industry": industry["id"], "stage": stage["id"]}
                lines.append("POST /v1/recommendations " + json.dumps(body, ensure_ascii=True))
                for scenario in client.get("/v1/scenarios", params={"stage": stage["id"]}).json():
                    body = {**body, "scenario": scenario["id"]}
                    lines.append("POST /v1/recommendations " + json.dumps(body, ensure_ascii=True))
        bundles = client.get("/v1/bundles").json()
        lines += [f"GET /v1/bundles/{b['id']}" for b in bundles[:20]]
        for q in (
            "%E6%96%BD%E5%B7%A5",
            "%E8%AE%B8%E5%8F%AF",
            "%E5%A4%96%E8%B4%B8",
        ):  # 施工 许可 外贸
            lines.append(f"GET /v1/search?q={q}")
        first = industries[0]
        lines.append(
            f"GET /v1/viz/flowchart?industry={first['id']}&stage={first['stages'][0]['id']}"
        )
        lines.append(f"GET /v1/service-matrix?industry={first['id']}")
    return lines


def rss_kb(pids: list[int]) -> int:
    """Resident memory of the server processes, in KiB (from /proc)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def server_pids(port: int) -> list[int]:
    """The `chainkg serve` process listening on `port` and its workers."""
    out = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines()[1:]]
    roots = [int(p) for p, _, args in rows if "cli serve" in args and f"--port {port}" in args]
    children = [int(p) for p, pp, _ in rows if int(pp) in roots]
    return roots + children


def wrk(
    base: str, script: Path, requests: Path, connections: int, seconds: int
) -> dict[str, float]:
    threads = max(1, min(connections, 2))
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        base,
        "--",
        str(requests),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="memory", choices=["memory", "neo4j"])
    parser.add_argument(
        "--workers", default="1", help="worker counts, each measured in turn (e.g. 1,2)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="serve with CHAINKG_RECOMMENDATION_CACHE_MB=0: every recommendation computed",
    )
    parser.add_argument(
        "--soak", action="store_true", help="10 minutes of the mix at 8 connections"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench.http needs wrk (apt-get install wrk)")
    env = {"CHAINKG_BACKEND": args.backend}
    if args.no_cache:
        env["CHAINKG_RECOMMENDATION_CACHE_MB"] = "0"
    counts = [int(x) for x in args.connections.split(",")]
    by_workers: dict[int, dict[tuple[str, int], dict[str, float]]] = {}
    for workers in [int(x) for x in args.workers.split(",")]:
        if args.soak:
            with tempfile.TemporaryDirectory() as tmp, uvicorn_server(env, workers) as base:
                script, requests, _, _ = _request_files(Path(tmp), base)
                soak(base, script, requests, server_pids(int(base.rsplit(":", 1)[1])))
            return
        by_workers[workers] = _measure(env, workers, counts, args)
    first = min(by_workers)
    for workers, results in by_workers.items():
        if workers == first:
            continue
        rows: list[tuple[str, ...]] = [
            (name, str(c), f"{r['rps'] / by_workers[first][(name, c)]['rps']:.2f}x")
            for (name, c), r in results.items()
        ]
        print(f"\n{workers} workers against {first} (same run):")
        print(table(rows, ("measure", "connections", f"requests/s, {workers} / {first}")))


HEALTH = "GET /v1/health (baseline)"
RECOMMENDATIONS = "POST /v1/recommendations"
MIX = "mix (recommendations, lookups, search, pages)"


def _request_files(tmp: Path, base: str) -> tuple[Path, Path, Path, Path]:
    """The wrk script and the request lists: the mix, health alone, recommendations alone."""
    script = tmp / "mix.lua"
    script.write_text(LUA, encoding="utf-8")
    requests = tmp / "mix.txt"
    requests.write_text("\n".join(mix(base)) + "\n", encoding="utf-8")
    health = tmp / "health.txt"
    health.write_text("GET /v1/health\n", encoding="utf-8")
    recs = tmp / "recommendations.txt"
    recs.write_text(
        "\n".join(x for x in requests.read_text().splitlines() if x.startswith("POST")) + "\n",
        encoding="utf-8",
    )
    return script, requests, health, recs


def _measure(
    env: dict[str, str], workers: int, counts: list[int], args: argparse.Namespace
) -> dict[tuple[str, int], dict[str, float]]:
    """One server with `workers` workers: each measure at each connection count, printed."""
    results: dict[tuple[str, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, uvicorn_server(env, workers) as base:
        script, requests, health, recs = _request_files(Path(tmp), base)
        pids = server_pids(int(base.rsplit(":", 1)[1]))
        print(
            f"server pids {pids}, {len(requests.read_text().splitlines())} requests in the mix",
            file=sys.stderr,
        )
        rows: list[tuple[str, ...]] = []
        start_rss = rss_kb(pids)
        for c in counts:
            for name, listed in ((HEALTH, health), (RECOMMENDATIONS, recs), (MIX, requests)):
                r = results[(name, c)] = wrk(base, script, listed, c, args.duration)
                rows.append(
                    (
                        name,
                        str(c),
                        f"{r['rps']:,.0f}",
                        f"{r['p50_ms']:.1f}",
                        f"{r['p99_ms']:.1f}",
                        str(int(r["errors"])),
                    )
                )
            for name in (RECOMMENDATIONS, MIX):
                ratio = results[(name, c)]["rps"] / results[(HEALTH, c)]["rps"]
                rows.append((f"{name.split(' (')[0]} / health", str(c), f"{ratio:.0%}", "", "", ""))
        end_rss = rss_kb(pids)
    cache = "off" if args.no_cache else "on"
    print(
        f"backend {args.backend}, {workers} worker(s), recommendation cache {cache}, "
        f"{args.duration} s per row; server RSS {start_rss / 1024:.0f} MiB at start, "
        f"{end_rss / 1024:.0f} MiB at end"
    )
    print(table(rows, ("measure", "connections", "requests/s", "p50 ms", "p99 ms", "errors")))
    return results


def soak(base: str, script: Path, requests: Path, pids: list[int]) -> None:
    """Ten minutes of the mix at 8 connections, in 30 s slices: memory drift and errors."""
    samples: list[tuple[float, int, float, int]] = []
    started = time.monotonic()
    first = rss_kb(pids)
    while time.monotonic() - started < 600:
        r = wrk(base, script, requests, 8, 30)
        samples.append((time.monotonic() - started, rss_kb(pids), r["rps"], int(r["errors"])))
        print(
            f"{samples[-1][0]:5.0f} s  RSS {samples[-1][1] / 1024:.0f} MiB  "
            f"{samples[-1][2]:,.0f} req/s  errors {samples[-1][3]}",
            file=sys.stderr,
            flush=True,
        )
    errors = sum(s[3] for s in samples)
    second = samples[0][1]
    last = samples[-1][1]
    print(
        f"soak: {len(samples)} slices of 30 s at 8 connections; RSS {first / 1024:.0f} MiB "
        f"before, {second / 1024:.0f} MiB after the first slice, {last / 1024:.0f} MiB at the "
        f"end (drift after warm-up {(last - second) / 1024:+.1f} MiB); "
        f"{sum(s[2] for s in samples) / len(samples):,.0f} req/s mean; errors {errors}"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
