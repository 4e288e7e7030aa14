"""Loading a catalog into Neo4j as a new generation, switched in atomically.

1. Take the load lease on the state node (one load at a time; renewed on every batch).
2. Remove leftovers of an interrupted load, then write the catalog as generation `current + 1`
   in batched transactions (UNWIND; one statement per label and relationship type) while
   readers keep reading the current generation.
3. Switch: one small transaction sets the state node's `gen`. Every read statement reads that
   node first, so it sees the old catalog or the new, never a mix.
4. After a grace period for statements still reading the old generation, remove it.

Anything that fails before the switch removes what this load wrote and leaves the served
catalog untouched; after the switch the new catalog serves, and a failed cleanup is only logged
(the next load removes the leftovers).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from graph.errors import BackendUnavailable, ChainKGError, LoadInProgress
from graph.model import Catalog
from graph.search import matter_keywords
from graph.store import LoadReport
from graph.stores.neo4j import cypher
from graph.stores.neo4j.executor import DRIVER_ERRORS, Executor
from graph.tables import LABELS, catalog_edges, catalog_fingerprint, catalog_nodes, to_properties

log = logging.getLogger("chainkg.neo4j")
BATCH = 10_000
LEASE_MINUTES = 5  # renewed on every batch; a dead loader blocks others this long at most
ProgressFn = Callable[[int, int], None]  # (rows done, rows total)


def ensure_schema(x: Executor) -> None:
    """Uniqueness constraints on every label's (gen, id), indexes, and the CJK full-text index."""
    if x.schema_ready:
        return
    found = x.run_read(cypher.FULLTEXT_FIELDS, name=cypher.FULLTEXT_INDEX)
    if found and sorted(found[0]["properties"]) != sorted(cypher.SEARCH_FIELDS):
        # An index from an older chainkg searches other fields: rebuild it.
        x.write(cypher.DROP_FULLTEXT)
    for statement in [*cypher.constraints(), cypher.fulltext_index()]:
        x.write(statement)
    x.schema_ready = True


def load_generation(
    x: Executor, catalog: Catalog, progress: ProgressFn | None, grace_s: float, token: str
) -> LoadReport:
    """Load `catalog` into `store` as a new generation and switch to it (see module doc).

    `token` identifies the loading store: a lease under the same token (a load of this store
    that failed while the server was away, so could not release it) is taken over.

    Raises:
        LoadInProgress: another process holds the load lease.
        BackendUnavailable: Neo4j is unreachable or refused the load; nothing served changed.
    """
    ensure_schema(x)
    started = time.perf_counter()
    lease = x.write(cypher.ACQUIRE_LOAD, token=token, lease_minutes=LEASE_MINUTES)[0]
    if not lease["free"]:
        raise LoadInProgress(f"another catalog load is in progress (since {lease['since']})")
    current: int | None = lease["gen"]
    new = (current or 0) + 1
    try:
        delete_generations(x, keep=current)  # leftovers of an interrupted load
        rows = _write_generation(x, catalog, new, token, progress)
        if not x.write(
            cypher.SWITCH_GEN,
            gen=new,
            rows=rows,
            token=token,
            version=catalog_fingerprint(catalog),
        ):
            raise LoadInProgress("the load lease was lost before the switch")
    except BaseException as exc:
        _delete_quietly(x, keep=current)
        _release(x, token)
        if isinstance(exc, DRIVER_ERRORS):
            raise BackendUnavailable(f"Neo4j refused the load: {exc}") from exc
        raise
    serving = time.perf_counter()
    try:
        time.sleep(grace_s)  # statements that read the old generation a moment ago finish
        delete_generations(x, keep=new)
        x.run_read(cypher.AWAIT_INDEXES)
    except (ChainKGError, *DRIVER_ERRORS) as exc:
        log.warning("the new catalog serves; removing the old one failed (next load will): %s", exc)
    finally:
        _release(x, token)
    return LoadReport(rows, serving - started, time.perf_counter() - serving)


def _write_generation(
    x: Executor, catalog: Catalog, gen: int, token: str, progress: ProgressFn | None
) -> int:
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    keywords = matter_keywords(catalog)
    for label, record_id, record in catalog_nodes(catalog):
        props = to_properties(record)
        if label == "Matter" and keywords[record_id]:
            props["keywords"] = keywords[record_id]  # searched, like the memory backend
        nodes[label].append(props)
    edges: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in catalog_edges(catalog):
        edges[(e.type, e.source_label, e.target_label)].append(
            {"a": e.source_id, "b": e.target_id, "props": e.properties}
        )
    total = sum(map(len, nodes.values())) + sum(map(len, edges.values()))
    work = [(cypher.create_nodes(label), nodes[label]) for label in LABELS if label in nodes]
    work += [(cypher.create_edges(*key), rows) for key, rows in edges.items()]
    done = 0
    for statement, rows in work:
        for batch in _batches(rows):
            if not x.write(cypher.RENEW_LOAD, token=token):
                raise LoadInProgress("the load lease was lost during the load")
            x.write(statement, rows=batch, gen=gen)
            done += len(batch)
            if progress:
                progress(done, total)
    return total


def delete_generations(x: Executor, keep: int | None) -> None:
    """Remove every generation but `keep` (None: all), in batched auto-commit transactions."""
    for label in LABELS:
        x.auto_commit(cypher.delete_generations(label), keep=keep)


def _delete_quietly(x: Executor, keep: int | None) -> None:
    try:
        delete_generations(x, keep=keep)
    except (ChainKGError, *DRIVER_ERRORS):
        log.warning("could not remove a half-written catalog generation (the next load will)")


def _release(x: Executor, token: str) -> None:
    try:
        x.write(cypher.RELEASE_LOAD, token=token)
    except (ChainKGError, *DRIVER_ERRORS):
        log.warning("could not release the load lease; it expires by itself")


def _batches(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]
