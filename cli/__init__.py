"""The `chainkg` command line (typer): thin over the same functions as the HTTP API."""
