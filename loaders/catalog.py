"""The one entry point for reading a catalog: read, validate, and return it or every problem."""

from __future__ import annotations

from pathlib import Path

from graph.errors import CatalogError
from graph.model import Catalog
from loaders.tabular import read_tables
from loaders.validate import build_catalog


def load_catalog(path: str | Path) -> Catalog:
    """Read and validate the catalog at `path` (a folder of CSV files or an .xlsx workbook).

    Raises:
        CatalogError: with every problem found, each located by file, row and column.
    """
    tables, problems = read_tables(Path(path))
    catalog, more = build_catalog(tables) if not problems or tables else (Catalog(), [])
    problems = problems + more
    if problems:
        raise CatalogError(problems)
    return catalog
