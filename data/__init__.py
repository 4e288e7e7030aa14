"""The shipped catalog (CSV files), installed as the `chainkg_data` package."""
