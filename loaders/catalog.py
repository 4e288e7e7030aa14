"""The one entry point for reading a catalog: read, validate, and return it or every problem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graph.errors import CatalogError, Problem
from graph.model import Catalog
from loaders.orphans import orphan_warnings
from loaders.tabular import Limits, read_tables
from loaders.validate import validate


class CatalogRejected(CatalogError):
    """A catalog that failed validation, with the warnings found on the way as well."""

    def __init__(self, problems: list[Problem], warnings: list[Problem]) -> None:
        super().__init__(problems)
        self.warnings = warnings


@dataclass(frozen=True, slots=True)
class CheckedCatalog:
    """A valid catalog and its warnings (missing optional tables, orphans, skipped files)."""

    catalog: Catalog
    warnings: list[Problem]


def check_catalog(path: str | Path, limits: Limits | None = None) -> CheckedCatalog:
    """Read and validate the catalog at `path` (a folder of CSV files or an .xlsx workbook).

    `limits` bounds file sizes, rows, columns and cells (default: the constants in
    loaders.tabular).

    Raises:
        CatalogRejected: a CatalogError with every problem found, each located by file, row
            and column, and the warnings.
    """
    read = read_tables(Path(path), limits)
    if not read.complete:
        raise CatalogRejected(read.problems, read.warnings)
    done = validate(read)
    problems = read.problems + done.problems
    warnings = read.warnings + done.warnings
    if problems:
        raise CatalogRejected(problems, warnings)
    warnings += orphan_warnings(done.catalog, done.defined_at, done.labels)
    return CheckedCatalog(done.catalog, warnings)


def load_catalog(path: str | Path, limits: Limits | None = None) -> Catalog:
    """The valid catalog at `path` (see `check_catalog`; its warnings are dropped).

    Raises:
        CatalogError: with every problem found, each located by file, row and column.
    """
    return check_catalog(path, limits).catalog
