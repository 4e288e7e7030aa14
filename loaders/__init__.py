"""Reading and validating catalogs (CSV folders and .xlsx workbooks)."""

from loaders.catalog import load_catalog

__all__ = ["load_catalog"]
