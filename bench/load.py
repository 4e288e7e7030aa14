"""Catalog load throughput (rows/s) on each backend, for the shipped and a synthetic catalog.

The baseline is reading and validating the same catalog from CSV, measured in the same run.

    python -m bench.load [--scale 100] [--backend memory --backend neo4j]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from api.settings import Settings, shipped_catalog
from bench.common import table
from graph.memory import MemoryStore
from loaders import load_catalog
from loaders.synthetic import synth
from loaders.writer import write_catalog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100, help="synthetic catalog size")
    parser.add_argument("--backend", action="append", choices=["memory", "neo4j"])
    args = parser.parse_args()
    backends = args.backend or ["memory", "neo4j"]

    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / f"synth{args.scale}"
        write_catalog(synth(load_catalog(shipped_catalog()), args.scale), big)
        for label, path in (("shipped", shipped_catalog()), (f"{args.scale}x", big)):
            started = time.perf_counter()
            catalog = load_catalog(path)
            read_s = time.perf_counter() - started
            n = catalog.total_rows()
            rows.append(
                (
                    label,
                    "read + validate CSV (baseline)",
                    str(n),
                    f"{read_s:.2f}",
                    f"{n / read_s:,.0f}",
                )
            )
            for backend in backends:
                print(f"loading {label} into {backend} ...", file=sys.stderr)
                if backend == "memory":
                    store = MemoryStore()
                    started = time.perf_counter()
                    store.replace_catalog(catalog)
                    load_s = time.perf_counter() - started
                    rows.append(
                        (
                            label,
                            "memory: build graph",
                            str(n),
                            f"{load_s:.2f}",
                            f"{n / load_s:,.0f}",
                        )
                    )
                    continue
                from graph.neo4j_store import Neo4jStore

                settings = Settings()
                neo = Neo4jStore(
                    settings.neo4j_uri,
                    settings.neo4j_user,
                    settings.neo4j_password.get_secret_value(),
                    database=settings.neo4j_database,
                )
                try:
                    neo.replace_catalog(catalog)  # warm-up: schema, plans, the old catalog
                    neo.replace_catalog(catalog)
                    times = neo.last_load
                    assert times is not None
                finally:
                    neo.close()
                rows.append(
                    (
                        label,
                        "neo4j: until the new catalog serves",
                        str(n),
                        f"{times.to_serving_s:.2f}",
                        f"{n / times.to_serving_s:,.0f}",
                    )
                )
                rows.append(
                    (
                        label,
                        "neo4j: then removing the old one",
                        str(n),
                        f"{times.cleanup_s:.2f}",
                        "",
                    )
                )
    print(table(rows, ("catalog", "step", "rows", "seconds", "rows/s")))


if __name__ == "__main__":
    main()
