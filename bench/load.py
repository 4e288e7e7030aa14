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

from api.settings import BackendKind, Settings, shipped_catalog
from bench.common import table
from graph.stores.factory import open_backend
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
                settings = Settings(backend=BackendKind(backend))
                target = open_backend(settings.backend_config())
                try:
                    if target.shared:
                        target.load(catalog)  # warm-up: schema, plans, the old catalog
                    report = target.load(catalog)
                finally:
                    target.close()
                step = "until the new catalog serves" if target.shared else "build graph"
                rows.append(
                    (
                        label,
                        f"{backend}: {step}",
                        str(n),
                        f"{report.to_serving_s:.2f}",
                        f"{n / report.to_serving_s:,.0f}",
                    )
                )
                if target.shared:
                    rows.append(
                        (
                            label,
                            f"{backend}: then removing the old one",
                            str(n),
                            f"{report.cleanup_s:.2f}",
                            "",
                        )
                    )
    print(table(rows, ("catalog", "step", "rows", "seconds", "rows/s")))


if __name__ == "__main__":
    main()
