"""The article's reported outcomes beside what the catalog computes for the same positions.

    python scripts/savings.py [--data PATH]

Prints the Markdown table of docs/savings.md (a test checks the page holds this output for the
shipped catalog). Each position is planned with the default answers (docs/planning-rules.md).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from api.settings import shipped_catalog  # noqa: E402
from graph.model import Position  # noqa: E402
from graph.planner import recommend  # noqa: E402
from graph.recommendation import Savings  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from graph.stores.factory import embedded_backend  # noqa: E402
from loaders import load_catalog  # noqa: E402


@dataclass(frozen=True, slots=True)
class Outcome:
    """One outcome the article reports, and where the catalog computes the same figure."""

    what: str
    position: Position
    measure: str  # "materials", "visits", "steps", "days"
    reported: str


OUTCOMES = (
    Outcome(
        "项目审批一类事", Position("nev", "nev.construction", "sc.xmsp.qlc"), "materials", "−60%"
    ),
    Outcome("项目审批一类事", Position("nev", "nev.construction", "sc.xmsp.qlc"), "visits", "−60%"),
    Outcome("外贸一类事", Position("nev", "nev.circulation", "sc.wm.jck"), "visits", "−86%"),
    Outcome("外贸一类事", Position("nev", "nev.circulation", "sc.wm.jck"), "days", "−92%"),
    Outcome("外贸一类事", Position("nev", "nev.circulation", "sc.wm.jck"), "steps", "−81%"),
    Outcome("开工一件事", Position("nev", "nev.construction", "sc.xmsp.sgxk"), "days", "< 48 小时"),
)
LABELS = {"materials": "材料", "visits": "跑动", "steps": "环节", "days": "时间（工作日）"}


def figures(savings: Savings, measure: str) -> tuple[int, int]:
    return {
        "materials": (savings.materials_before, savings.materials_after),
        "visits": (savings.visits_before, savings.visits_after),
        "steps": (savings.steps_before, savings.steps_after),
        "days": (savings.days_before, savings.days_after),
    }[measure]


def change(before: int, after: int) -> str:
    return "—" if before == 0 else f"{(after - before) / before:+.0%}".replace("-", "−")


def comparison(store: GraphStore) -> str:
    """The table: each reported outcome beside the catalog's before, after and change."""
    lines = [
        "| 一件事/一类事 | position | measure | article | catalog before → after | change |",
        "|---|---|---|---|---|---|",
    ]
    for o in OUTCOMES:
        before, after = figures(recommend(store, o.position).savings, o.measure)
        where = f"`{o.position.industry} {o.position.stage} {o.position.scenario}`"
        lines.append(
            f"| {o.what} | {where} | {LABELS[o.measure]} | {o.reported} | {before} → {after} "
            f"| {change(before, after)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="catalog (default: shipped)")
    args = parser.parse_args()
    store = embedded_backend(load_catalog(args.data or shipped_catalog())).catalog
    print(comparison(store))


if __name__ == "__main__":
    main()
