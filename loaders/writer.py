"""Write a Catalog back to the CSV folder format (the inverse of the loader)."""

from __future__ import annotations

import csv
from pathlib import Path

from graph.model import Catalog
from graph.tables import TABLES, field_value, rows_of, to_cell


def catalog_rows(catalog: Catalog) -> dict[str, tuple[tuple[str, ...], list[list[str]]]]:
    """Every table as (columns, rows of strings), in the catalog format's column order."""
    return {
        table.name: (
            table.column_names,
            [
                [to_cell(field_value(record, table, column)) for column in table.columns]
                for record in rows_of(catalog, table)
            ],
        )
        for table in TABLES
    }


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
