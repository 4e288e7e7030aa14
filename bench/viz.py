"""Benchmark of the viz pages: time to build each page, and in Chromium to its first draw.

    python -m bench.viz [--data PATH] [--scale 10] [--runs 3] [--no-browser]

For the shipped catalog (or --data) and a synthetic one `--scale` times as big, it builds the
whole-catalog chain map (default folding, and unfolded), the whole-catalog service matrix and
the flowchart of the stage with the most matters; then opens each page from a file in headless
Chromium, network off, and reads the time from navigation start to the first draw (the chain
map's first vis-network frame; two animation frames after load for the static pages). Medians
over the runs, after one untimed load that warms Chromium up (so the first page measured does
not also pay for the browser's own start). The chain map opens in a 1440x900 window on its
overview; the report also says how many nodes it draws at first sight and its smallest label
on screen (font size x zoom). Target: the chain map (shipped and 10x) drawn in under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.settings import shipped_catalog
from graph.matrix import service_matrix
from graph.model import Catalog, Position
from graph.planner import recommend
from graph.store import GraphStore
from graph.stores.factory import embedded_backend
from loaders import load_catalog
from loaders.synthetic import synth
from tests.support.browser import Browser, ChromiumNotFound, find_chromium
from viz.chain_map import DEFAULT_MAX_NODES, build_chain_map, chain_map_html, position_paths
from viz.flowchart import flowchart_html
from viz.page import write_page
from viz.service_matrix import matrix_html

TARGET_MS = 2000.0


@dataclass
class Result:
    catalog: str
    page: str
    size: str  # what the page holds: nodes, rows x columns, matters
    build_ms: float
    html_kb: float
    draw_ms: float | None
    first_sight: str = ""  # chain map: nodes drawn at first and the smallest label on screen


def busiest_position(store: GraphStore) -> Position:
    """The stage with the most matters: the largest flowchart."""
    positions = [Position(i.id, s.id) for i, stages in store.list_industries() for s in stages]
    sizes = {p: len(recommend(store, p).matters) for p in positions}
    if not sizes:
        raise SystemExit("the catalog has no stage to draw a flowchart for")
    return max(sizes, key=lambda p: (sizes[p], p.stage))


Build = Callable[[], tuple[str, str]]  # -> (HTML, what the page holds)


def builders(store: GraphStore) -> dict[str, Build]:
    """The pages timed for one catalog."""

    def chain(max_nodes: int) -> Build:
        def build() -> tuple[str, str]:
            m = build_chain_map(store, None, max_nodes)
            folded = f", {sum(m.folded.values())} folded into links" if m.folded else ""
            return chain_map_html(m, position_paths(store)), f"{len(m.nodes)} nodes{folded}"

        return build

    def matrix() -> tuple[str, str]:
        m = service_matrix(store)
        return matrix_html(m), f"{len(m.rows)} rows x {len(m.columns)} departments"

    position = busiest_position(store)

    def flowchart() -> tuple[str, str]:
        rec = recommend(store, position)
        return flowchart_html(rec), f"{len(rec.matters)} matters ({position.stage})"

    return {
        "chain map, full": chain(10**9),
        f"chain map, default (folds > {DEFAULT_MAX_NODES})": chain(DEFAULT_MAX_NODES),
        "service matrix, all industries": matrix,
        "flowchart, busiest stage": flowchart,
    }


def timed(build: Build, runs: int) -> tuple[str, str, float]:
    times, html, size = [], "", ""
    for _ in range(runs):
        start = time.perf_counter()
        html, size = build()
        times.append((time.perf_counter() - start) * 1000)
    return html, size, statistics.median(times)


FIRST_SIGHT = """window.chainkg && window.chainkg.fontSize
  ? [chainkg.nodes.length, chainkg.fontSize * chainkg.network.getScale()] : null"""


def first_draw(browser: Browser, url: str, runs: int) -> tuple[float, str]:
    draws, sight = [], ""
    for _ in range(runs):
        page = browser.new_page(width=1440, height=900)
        page.goto(url, timeout=120)
        if page.console_errors or page.external_requests:
            raise SystemExit(f"{url}: {page.console_errors} {page.external_requests}")
        draws.append(float(page.evaluate("window.chainkgDrawnAt")))
        shown = page.evaluate(FIRST_SIGHT)
        if shown:
            sight = f"{shown[0]} nodes, labels >= {shown[1]:.1f} px"
        page.close()
    return statistics.median(draws), sight


def run(catalogs: dict[str, Catalog], runs: int, chromium: str | None) -> list[Result]:
    """Build (and with a Chromium binary, draw) each page of each catalog."""
    results: list[Result] = []
    browser = Browser(chromium) if chromium is not None else None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, catalog in catalogs.items():
                store = embedded_backend(catalog).catalog
                for i, (name, build) in enumerate(builders(store).items()):
                    html, size, build_ms = timed(build, runs)
                    path = write_page(Path(tmp) / f"{len(results)}-{i}.html", html)
                    if browser is not None and not results:
                        first_draw(browser, path.as_uri(), 1)  # warm-up, untimed
                    draw, sight = (
                        first_draw(browser, path.as_uri(), runs) if browser else (None, "")
                    )
                    results.append(
                        Result(label, name, size, build_ms, len(html.encode()) / 1024, draw, sight)
                    )
                    print(f"  {label} {name}: done", file=sys.stderr)
    finally:
        if browser is not None:
            browser.close()
    return results


def report(results: list[Result]) -> str:
    head = ("catalog", "page", "holds", "build ms", "HTML KB", "first draw ms", "first sight")
    rows = [
        (
            r.catalog,
            r.page,
            r.size,
            f"{r.build_ms:.0f}",
            f"{r.html_kb:.0f}",
            "-" if r.draw_ms is None else f"{r.draw_ms:.0f}",
            r.first_sight or "-",
        )
        for r in results
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    lines = [
        " | ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True))
        for line in (head, *rows)
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="catalog (default: shipped)")
    parser.add_argument("--scale", type=int, default=10, help="synthetic catalog size (0: none)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="build times only")
    args = parser.parse_args()
    chromium = None
    if not args.no_browser:
        try:
            chromium = find_chromium()
        except ChromiumNotFound as missing:
            raise SystemExit(f"{missing}; or pass --no-browser") from None
    base = load_catalog(args.data or shipped_catalog())
    catalogs = {"shipped" if args.data is None else "catalog": base}
    if args.scale > 1:
        catalogs[f"{args.scale}x synthetic"] = synth(base, args.scale)
    results = run(catalogs, args.runs, chromium)
    print(report(results))
    for r in results:
        if r.draw_ms is not None and r.page.startswith("chain map, default"):
            verdict = "met" if r.draw_ms < TARGET_MS else "MISSED"
            print(
                f"target: {r.catalog} chain map drawn in {r.draw_ms:.0f} ms "
                f"(< {TARGET_MS:.0f} ms), {r.first_sight}: {verdict}"
            )


if __name__ == "__main__":
    main()
