"""Write a Catalog back to the CSV folder format (the inverse of the loader)."""

from __future__ import annotations

import csv
from pathlib import Path

from graph.model import Catalog
from loaders.schema import TABLES

# Link tables: Catalog attribute -> the two id columns.
_LINK_COLUMNS = {
    "stage_scenarios": ("stage_id", "scenario_id"),
    "scenario_matters": ("scenario_id", "matter_id"),
    "scenario_bundles": ("scenario_id", "bundle_id"),
    "bundle_matters": ("bundle_id", "matter_id"),
    "matter_materials": ("matter_id", "material_id"),
    "prerequisites": ("matter_id", "requires_id"),
    "centre_departments": ("centre_id", "department_id"),
}


def _value(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return "|".join(str(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def catalog_rows(catalog: Catalog) -> dict[str, tuple[tuple[str, ...], list[list[str]]]]:
    """Every table as (columns, rows of strings), in the catalog format's column order."""
    out: dict[str, tuple[tuple[str, ...], list[list[str]]]] = {}
    for spec in TABLES:
        columns = spec.columns
        rows: list[list[str]] = []
        if spec.name in _LINK_COLUMNS:
            for link in getattr(catalog, spec.name):
                rows.append([link.a, link.b, link.source])
        elif spec.name == "condition_effects":
            for e in catalog.condition_effects:
                rows.append([_value(getattr(e, c)) for c in columns])
        else:
            for record in getattr(catalog, spec.name).values():
                rows.append([_value(getattr(record, c)) for c in columns])
        out[spec.name] = (columns, rows)
    return out


def write_catalog(catalog: Catalog, folder: Path) -> int:
    """Write one CSV per table (UTF-8) into `folder`; returns the number of rows written."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, (columns, rows) in catalog_rows(catalog).items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            writer.writerows(rows)
        total += len(rows)
    return total
