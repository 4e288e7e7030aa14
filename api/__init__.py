"""The HTTP API (FastAPI) and the `chainkg` CLI: thin shells over graph/."""
