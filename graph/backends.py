"""Open the configured GraphStore: the only place that knows every backend."""

from __future__ import annotations

from typing import Literal

from graph.memory import MemoryStore
from graph.store import GraphStore


def open_store(
    backend: Literal["memory", "neo4j"] | str,
    *,
    neo4j_uri: str = "",
    neo4j_user: str = "",
    neo4j_password: str = "",
    neo4j_database: str = "neo4j",
) -> GraphStore:
    """A store for `backend`; Neo4j connects lazily, so a server that is down is no error here."""
    if backend == "memory":
        return MemoryStore()
    if backend == "neo4j":
        from graph.neo4j_store import Neo4jStore  # the driver is imported only when used

        store: GraphStore = Neo4jStore(
            neo4j_uri, neo4j_user, neo4j_password, database=neo4j_database
        )
        return store
    raise ValueError(f"unknown backend '{backend}' (expected memory or neo4j)")
