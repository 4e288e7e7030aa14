"""Recommendation latency for every position of a catalog, in process and over HTTP.

Each figure sits beside a trivial baseline measured in the same run (in process: the health
route's function; over HTTP: GET /v1/health; on Neo4j: a `RETURN 1` round trip).

    python -m bench.recommend [--backend memory|neo4j] [--data PATH] [--rounds N]
    python -m bench.recommend --scale 100      # the shipped positions on an N x catalog too
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Coroutine
from functools import partial
from typing import Any

import httpx

from api.routes.meta import health
from api.settings import Settings, shipped_catalog
from api.startup import prepare_startup
from bench.common import percentiles, table, timed, uvicorn_server
from graph.planner import every_position, recommend
from graph.stores.factory import Backend, open_backend


def open_bench_backend(settings: Settings) -> Backend:
    """The configured backend with the start-up load a server would make."""
    backend = open_backend(settings.backend_config())
    prepare_startup(settings, backend).attempt(backend)
    return backend


def _run(coroutine: Coroutine[Any, Any, object]) -> object:
    """A coroutine that never awaits anything, run to its end without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("the coroutine awaited something")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="memory", choices=["memory", "neo4j"])
    parser.add_argument("--data", default=None, help="catalog path (default: shipped)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over every position")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP measurement")
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="also plan the shipped positions on an N x synthetic catalog (embedded) and print "
        "the ratio: what grows with the catalog",
    )
    args = parser.parse_args()
    if args.scale:
        scaling(args.scale, args.rounds)
        return

    env = {"CHAINKG_BACKEND": args.backend}
    if args.data:
        env["CHAINKG_DATA"] = args.data
    settings = Settings(**{k.removeprefix("CHAINKG_").lower(): v for k, v in env.items()})
    backend = open_bench_backend(settings)
    store = backend.catalog
    todo = every_position(store)
    print(f"{len(todo)} positions, {args.rounds} rounds, backend {args.backend}", file=sys.stderr)

    rows: list[tuple[str, ...]] = []
    for p in todo:  # warm-up: caches, JIT of the Neo4j query plans
        recommend(store, p)
    rec_samples: list[int] = []
    for _ in range(args.rounds):
        for p in todo:
            rec_samples += timed(partial(recommend, store, p), 1)
    base = timed(lambda: _run(health()), len(rec_samples))
    rows.append(_row("in process: recommend", rec_samples))
    rows.append(_row("in process: health() baseline", base))
    if backend.shared:
        rows.append(_row(f"{backend.name}: ping round trip", timed(store.ping, len(rec_samples))))

    if not args.no_http:
        with uvicorn_server(env) as base_url, httpx.Client(base_url=base_url) as client:
            bodies = [
                {
                    "industry": p.industry,
                    "stage": p.stage,
                    **({"scenario": p.scenario} if p.scenario else {}),
                }
                for p in todo
            ]
            for body in bodies:
                client.post("/v1/recommendations", json=body).raise_for_status()
            http_samples: list[int] = []
            for _ in range(args.rounds):
                for body in bodies:
                    http_samples += timed(partial(client.post, "/v1/recommendations", json=body), 1)
            rows.append(_row("HTTP: POST /v1/recommendations", http_samples))
            rows.append(
                _row(
                    "HTTP: GET /v1/health baseline",
                    timed(lambda: client.get("/v1/health"), len(http_samples)),
                )
            )
    print(table(rows, ("measure", "n", "p50 ms", "p99 ms")))
    backend.close()
    os.environ.pop("CHAINKG_BACKEND", None)


def scaling(scale: int, rounds: int) -> None:
    """The shipped catalog's positions planned on it and on a `scale` x synthetic copy."""
    from graph.stores.factory import embedded_backend
    from loaders import load_catalog
    from loaders.synthetic import synth

    base = load_catalog(shipped_catalog())
    small = embedded_backend(base).catalog
    big = embedded_backend(synth(base, scale)).catalog
    todo = every_position(small)
    rows = []
    samples: dict[str, list[int]] = {"shipped": [], f"{scale}x": []}
    for store in (small, big):  # warm-up
        for p in todo:
            recommend(store, p)
    for _ in range(rounds):  # alternate, so drift of the machine hits both alike
        for name, store in (("shipped", small), (f"{scale}x", big)):
            for p in todo:
                samples[name] += timed(partial(recommend, store, p), 1)
    for name, found in samples.items():
        rows.append(_row(f"in process: recommend, {name} catalog", found))
    ratio = percentiles(samples[f"{scale}x"])[0] / percentiles(samples["shipped"])[0]
    print(table(rows, ("measure", "n", "p50 ms", "p99 ms")))
    print(f"p50 ratio {scale}x / shipped: {ratio:.2f} (the same {len(todo)} positions)")


def _row(name: str, samples: list[int]) -> tuple[str, ...]:
    p50, p99 = percentiles(samples)
    return (name, str(len(samples)), f"{p50:.3f}", f"{p99:.3f}")


if __name__ == "__main__":
    main()
