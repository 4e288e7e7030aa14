"""Screenshots of the pages for the README (docs/img/*.png), taken in headless Chromium.

The chain map is shot as a planner meets it, in a 1440x900 window: the overview at first
sight, a scenario opened on click, a department in focus, and a position's path.

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
from viz.chain_map import build_chain_map, chain_map_html, position_paths  # noqa: E402
from viz.flowchart import flowchart_html  # noqa: E402
from viz.page import write_page  # noqa: E402
from viz.service_matrix import matrix_html  # noqa: E402

# What the README shows: the NEV chain's circulation stage (the seed's 汽车销售一件事).
INDUSTRY, STAGE, SCENARIO = "nev", "nev.circulation", "sc.nev.qcxs"
DEPARTMENT = "郑州航空港区商务局"
# What each chain-map picture does after the page has drawn.
CHAIN_VIEWS = {
    "chain-map": "",
    "chain-map-expanded": f"chainkg.expand('scenario:{SCENARIO}')",
    "chain-map-focus": f"chainkg.search({DEPARTMENT!r})",
    "chain-map-path": f"""(() => {{ const s = document.getElementById('position-stage');
      s.value = {STAGE!r}; s.dispatchEvent(new Event('change'));
      document.getElementById('position-scenario').value = '{STAGE}|{SCENARIO}';
      document.getElementById('position-show').click(); }})()""",
}


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
    chain = chain_map_html(build_chain_map(store, INDUSTRY), position_paths(store, INDUSTRY))
    pages = {
        **dict.fromkeys(CHAIN_VIEWS, chain),
        "service-matrix": matrix_html(service_matrix(store, INDUSTRY)),
        "flowchart": flowchart_html(recommend(store, Position(INDUSTRY, STAGE, SCENARIO))),
    }
    with tempfile.TemporaryDirectory() as tmp, Browser(chromium) as browser:
        for name, html in pages.items():
            chain_view = name in CHAIN_VIEWS
            page = browser.new_page(width=1440, height=900) if chain_view else browser.new_page()
            page.goto(write_page(Path(tmp) / f"{name}.html", html).as_uri())
            if chain_view and CHAIN_VIEWS[name]:
                page.evaluate(CHAIN_VIEWS[name])
            if page.console_errors or page.external_requests:
                raise SystemExit(f"{name}: {page.console_errors} {page.external_requests}")
            shot = page.screenshot(args.out / f"{name}.png").resolve()
            shown = shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot
            print(f"{shown} ({shot.stat().st_size // 1024} KB)", file=sys.stderr)
            page.close()


if __name__ == "__main__":
    main()
