"""Reading and validating catalogs (CSV folders and .xlsx workbooks)."""

from loaders.catalog import CatalogRejected, CheckedCatalog, check_catalog, load_catalog
from loaders.tabular import Limits

__all__ = ["CatalogRejected", "CheckedCatalog", "Limits", "check_catalog", "load_catalog"]
