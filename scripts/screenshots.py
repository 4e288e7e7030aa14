"""Screenshots of the three pages for the README (docs/img/*.png), taken in headless Chromium.

    python scripts/screenshots.py [--data PATH] [--out docs/img]

Uses the shipped catalog by default. Needs Chromium: $CHAINKG_CHROMIUM, else chromium (or
chromium-browser, google-chrome, google-chrome-stable) on PATH; scripts/install-browser.sh
installs it and, for legible Chinese, a CJK font (fonts-wqy-microhei).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from api.settings import shipped_catalog  # noqa: E402
from graph.matrix import service_matrix  # noqa: E402
from graph.model import Position  # noqa: E402
from graph.planner import recommend  # noqa: E402
from graph.stores.factory import embedded_backend  # noqa: E402
from loaders import load_catalog  # noqa: E402
from tests.support.browser import Browser, ChromiumNotFound, find_chromium  # noqa: E402
from viz.chain_map import build_chain_map, chain_map_html  # noqa: E402
from viz.flowchart import flowchart_html  # noqa: E402
from viz.page import write_page  # noqa: E402
from viz.service_matrix import matrix_html  # noqa: E402

# What the README shows: the NEV chain's circulation stage (the seed's 汽车销售一件事).
INDUSTRY, STAGE, SCENARIO = "nev", "nev.circulation", "sc.nev.qcxs"
SEARCH = "汽车销售一件事"
SHOW_STAGE = """(() => { const s = document.getElementById('stage-filter');
  s.value = %r; s.dispatchEvent(new Event('change')); })()"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="catalog (default: shipped)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    try:
        chromium = find_chromium()
    except ChromiumNotFound as missing:
        raise SystemExit(str(missing)) from None
    store = embedded_backend(load_catalog(args.data or shipped_catalog())).catalog
    chain = chain_map_html(build_chain_map(store, INDUSTRY))
    pages = {
        "chain-map": chain,
        "chain-map-search": chain,
        "service-matrix": matrix_html(service_matrix(store, INDUSTRY)),
        "flowchart": flowchart_html(recommend(store, Position(INDUSTRY, STAGE, SCENARIO))),
    }
    with tempfile.TemporaryDirectory() as tmp, Browser(chromium) as browser:
        for name, html in pages.items():
            page = browser.new_page(width=1280, height=800)
            page.goto(write_page(Path(tmp) / f"{name}.html", html).as_uri())
            if name.startswith("chain-map"):
                page.evaluate(SHOW_STAGE % STAGE)
            if name == "chain-map-search":
                page.evaluate(f"chainkg.search({SEARCH!r})")
            if page.console_errors or page.external_requests:
                raise SystemExit(f"{name}: {page.console_errors} {page.external_requests}")
            shot = page.screenshot(args.out / f"{name}.png").resolve()
            shown = shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot
            print(f"{shown} ({shot.stat().st_size // 1024} KB)", file=sys.stderr)
            page.close()


if __name__ == "__main__":
    main()
