"""The one way chainkg talks to Neo4j: a driver, a database, error mapping, generation pinning.

Every statement runs through `Executor`: reads in read transactions (so a `neo4j://` routing
URI spreads them over a cluster), `database=` always passed, and every driver or server error
mapped to BackendUnavailable, so callers above see chainkg's error tree only. A pinned executor
passes one catalog generation (`$gen`) to every catalog read.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError

from graph.errors import BackendUnavailable
from graph.stores.neo4j import cypher

# What the driver raises when Neo4j cannot serve: unreachable, refused, misconfigured (unknown
# database, bad credentials), or a statement it rejects.
DRIVER_ERRORS = (Neo4jError, DriverError, OSError)


class Executor:
    """Runs Cypher on one database of one Neo4j server or cluster."""

    def __init__(self, uri: str, user: str, password: str, *, database: str = "neo4j") -> None:
        self.uri = uri
        self.database = database
        # Short timeouts: an API request must fail fast with 503 when Neo4j is down, not hang.
        try:
            self._driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=3.0,
                connection_acquisition_timeout=5.0,
                max_transaction_retry_time=1.0,
                liveness_check_timeout=30.0,
            )
        except (DriverError, ValueError, ImportError) as exc:  # a bad URI scheme or option
            raise BackendUnavailable(f"cannot use Neo4j URI '{uri}': {exc}") from exc
        self.gen: int | None = None  # the generation every catalog read sees (pinned views)
        self.version = ""  # that generation's catalog version (pinned views)
        self.schema_ready = False
        self._owns_driver = True

    def close(self) -> None:
        if self._owns_driver:
            self._driver.close()

    def pinned(self) -> Executor:
        """An executor whose catalog reads all see the generation served now (itself if pinned)."""
        if self.gen is not None:
            return self
        rows = self.run_read(cypher.SERVED_GEN)
        view = copy.copy(self)
        view.gen = rows[0]["gen"] if rows else None
        view.version = (rows[0]["version"] or "") if rows else ""
        view._owns_driver = False
        return view

    def served_version(self) -> str:
        """The catalog version of the pinned generation, or of the one served now."""
        if self.gen is not None:
            return self.version
        rows = self.run_read(cypher.SERVED_GEN)
        return (rows[0]["version"] or "") if rows else ""

    def read(self, statement: str, /, **params: Any) -> list[neo4j.Record]:
        """A catalog read: `$gen` is the pinned generation, or null for the one served now."""
        return self._execute(statement, {**params, "gen": self.gen}, RoutingControl.READ)

    def run_read(self, statement: str, /, **params: Any) -> list[neo4j.Record]:
        return self._execute(statement, params, RoutingControl.READ)

    def write(self, statement: str, /, **params: Any) -> list[neo4j.Record]:
        return self._execute(statement, params, RoutingControl.WRITE)

    def auto_commit(self, statement: str, /, **params: Any) -> None:
        """For `CALL ... IN TRANSACTIONS`, which needs an auto-commit transaction."""
        try:
            with self._driver.session(database=self.database) as session:
                session.run(statement, params).consume()
        except DRIVER_ERRORS as exc:
            raise BackendUnavailable(f"Neo4j at {self.uri}: {exc}") from exc

    def ping(self) -> None:
        self.run_read(cypher.PING)

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        """Block until Neo4j answers (scripts and tests); raise BackendUnavailable on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ping()
                return
            except BackendUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _execute(
        self, statement: str, params: dict[str, Any], routing: RoutingControl
    ) -> list[neo4j.Record]:
        try:
            records, _, _ = self._driver.execute_query(
                statement, params, database_=self.database, routing_=routing
            )
        except DRIVER_ERRORS as exc:
            # The backend cannot serve; the API answers 503 with this detail.
            raise BackendUnavailable(f"Neo4j at {self.uri}: {exc}") from exc
        return list(records)
