"""A review report of a valid catalog: counts, bundle sizes, source kinds and orphans."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from graph.model import Catalog
from graph.planner import candidate_matters, every_position
from graph.stores.factory import embedded_backend
from graph.tables import TABLES, rows_of
from loaders.orphans import orphans


def source_kind(source: str) -> str:
    """'article', 'illustrative', or 'regulation' for anything naming a document."""
    return source if source in ("article", "illustrative") else "regulation"


def _all_sources(catalog: Catalog) -> list[str]:
    return [r.source for table in TABLES for r in rows_of(catalog, table)]


KINDS = ("regulation", "article", "illustrative")


def sources_by_table(catalog: Catalog) -> dict[str, dict[str, int]]:
    """Rows per source kind, table by table."""
    return {
        t.name: {
            k: n
            for k in KINDS
            if (n := sum(1 for r in rows_of(catalog, t) if source_kind(r.source) == k))
        }
        for t in TABLES
    }


def illustrative_matters(catalog: Catalog) -> list[dict[str, Any]]:
    """The matters whose record is still `illustrative`, those in most positions first."""
    store = embedded_backend(catalog).catalog
    used = Counter(m.id for p in every_position(store) for m in candidate_matters(store, p))
    return [
        {"id": m.id, "name": m.name, "positions": used[m.id]}
        for m in sorted(catalog.matters.values(), key=lambda m: (-used[m.id], m.id))
        if source_kind(m.source) == "illustrative"
    ]


def catalog_report(catalog: Catalog) -> dict[str, Any]:
    """Everything `chainkg check --report` prints, as plain data."""
    per_bundle = Counter(link.a for link in catalog.bundle_matters)
    kinds = Counter(source_kind(s) for s in _all_sources(catalog))
    total = sum(kinds.values()) or 1
    found = orphans(catalog)
    no_default = sorted(c.id for c in catalog.conditions.values() if not c.default)
    return {
        "counts": catalog.counts(),
        "bundles": [
            {"id": b.id, "name": b.name, "kind": str(b.kind), "matters": per_bundle[b.id]}
            for b in sorted(catalog.bundles.values(), key=lambda b: (str(b.kind), b.id))
        ],
        "sources": {k: {"rows": n, "share": round(n / total, 3)} for k, n in sorted(kinds.items())},
        "sources_by_table": sources_by_table(catalog),
        "illustrative_matters": illustrative_matters(catalog),
        "orphans": found,
        "conditions_without_default": no_default,
        "warnings": [f"{what}: {', '.join(ids)}" for what, ids in found.items() if ids],
    }


def render_report(summary: dict[str, Any], console: Console) -> None:
    """The report as tables for people."""
    counts = Table(title="rows per table")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for name, n in summary["counts"].items():
        counts.add_row(name, str(n))
    console.print(counts)
    bundles = Table(title="bundles")
    for column in ("kind", "id", "名称", "matters"):
        bundles.add_column(column)
    for b in summary["bundles"]:
        bundles.add_row(b["kind"], b["id"], b["name"], str(b["matters"]))
    console.print(bundles)
    sources = Table(title="records per source kind")
    for column in ("source", "rows", "share"):
        sources.add_column(column)
    for kind, v in summary["sources"].items():
        sources.add_row(kind, str(v["rows"]), f"{v['share']:.1%}")
    console.print(sources)
    per_table = Table(title="source kinds per table")
    for column in ("table", *KINDS, "illustrative share"):
        per_table.add_column(column, justify="right")
    for name, kinds in summary["sources_by_table"].items():
        rows = sum(kinds.values())
        share = f"{kinds.get('illustrative', 0) / rows:.1%}" if rows else "—"
        per_table.add_row(name, *(str(kinds.get(k, 0)) for k in KINDS), share)
    console.print(per_table)
    still = summary["illustrative_matters"]
    if still:
        matters = Table(title=f"matters still illustrative ({len(still)}), most used first")
        for column in ("id", "名称", "positions"):
            matters.add_column(column)
        for m in still:
            matters.add_row(m["id"], m["name"], str(m["positions"]))
        console.print(matters)
    for what, ids in summary["orphans"].items():
        console.print(f"{what}: {len(ids)}" + (f" ({', '.join(ids)})" if ids else ""))
    no_default = summary["conditions_without_default"]
    console.print(
        f"conditions without a default: {len(no_default)}"
        + (f" ({', '.join(no_default)})" if no_default else "")
    )
