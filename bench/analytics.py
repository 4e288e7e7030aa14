"""Planner analytics' time on the shipped catalog and on 10x and 100x synthetic copies.

Each analysis (graph/analytics.py) is timed on each catalog, beside a baseline measured in the
same run on the same store: one stage-wide `recommend` (nev.circulation), the planner call
every analysis repeats once per position. The ratio column says how each grows with the
catalog (loaders.synthetic.synth: N disjoint copies, so N times the positions and matters).

    python -m bench.analytics [--scales 10,100] [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from api.settings import shipped_catalog
from bench.common import table
from graph import analytics as A
from graph.model import Position
from graph.planner import every_position, recommend
from graph.store import GraphStore
from graph.stores.factory import embedded_backend
from loaders import load_catalog
from loaders.synthetic import synth
from viz.analytics_report import report_html, report_xlsx

BASELINE = Position("nev", "nev.circulation")


def best_of(call: Callable[[], object], rounds: int) -> float:
    """The fastest of `rounds` calls, in seconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(store: GraphStore, rounds: int) -> dict[str, float]:
    sv = A.survey(store)
    found = {
        "baseline: one recommend (nev.circulation)": best_of(
            lambda: recommend(store, BASELINE), max(rounds, 20)
        ),
        "survey (every position planned)": best_of(lambda: A.survey(store), rounds),
        "candidates (top 10)": best_of(lambda: A.candidates(sv), rounds),
        "candidates, leave out 外贸一类事": best_of(
            lambda: A.candidates(sv, leave_out=["b.wm"]), rounds
        ),
        "what-if: 汽车销售一件事 + 报关单位备案": best_of(
            lambda: A.what_if(sv, bundle="b.nev.qcxs", add=["m.wm.bgdw"]), rounds
        ),
        "what-if: 3 matters": best_of(
            lambda: A.what_if(sv, matters=["m.qy.sl", "m.wm.bgdw", "m.wm.hgbg"]), rounds
        ),
        "bottlenecks": best_of(lambda: A.bottlenecks(sv), rounds),
        "position diff (nev 生产 → 流通)": best_of(
            lambda: A.position_diff(sv, "nev", "nev.production", "nev.circulation"), rounds
        ),
        "report (html)": best_of(lambda: report_html(sv), 1),
        "report (xlsx)": best_of(lambda: report_xlsx(sv), 1),
    }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10,100", help="synthetic multiples, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="calls per analysis (best kept)")
    args = parser.parse_args()
    base = load_catalog(shipped_catalog())
    scales = [1] + [int(s) for s in args.scales.split(",") if s.strip()]
    results: dict[int, dict[str, float]] = {}
    sizes: dict[int, tuple[int, int]] = {}
    for scale in scales:
        catalog = base if scale == 1 else synth(base, scale)
        store = embedded_backend(catalog).catalog
        sizes[scale] = (len(catalog.matters), len(every_position(store)))
        print(f"{scale}x: {sizes[scale][0]} matters, {sizes[scale][1]} positions", file=sys.stderr)
        results[scale] = measure(store, args.rounds)
    header = ("analysis", *(f"{s}x s" for s in scales), *(f"{s}x ÷ 1x" for s in scales[1:]))
    rows = []
    for name in results[1]:
        row = [name, *(f"{results[s][name]:.4f}" for s in scales)]
        row += [f"{results[s][name] / results[1][name]:.1f}" for s in scales[1:]]
        rows.append(tuple(row))
    sizes_row = ("catalog: matters / positions", *(f"{m} / {p}" for m, p in sizes.values()))
    rows.insert(0, sizes_row + ("",) * (len(scales) - 1))
    print(table(rows, header))


if __name__ == "__main__":
    main()
