"""Recommendations already computed, as the JSON bytes served, bounded by memory.

A recommendation is a pure function of the catalog and the request (graph/planner.py), so an
entry keyed by the catalog version (graph.tables.catalog_fingerprint, which changes with any
change of content) and the canonical request never goes stale: a load serves another version,
whose entries are computed afresh, and the old ones age out. Window staff and portals ask the
same positions with the same answers over and over; a stage-wide plan costs milliseconds to
compute and to serialise, a hit microseconds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class ResponseCache:
    """A least-recently-used map of keys to response bodies, at most `max_bytes` of bodies
    (0: nothing is kept). Safe to share between the threads of one process."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The body cached under `key`, else `compute()` (kept if it fits). An exception of
        `compute` propagates and nothing is kept: errors are never cached."""
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return body
            self.misses += 1
        body = compute()  # outside the lock: two threads may compute one key, both correct
        if len(body) <= self.max_bytes:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = body
                    self._bytes += len(body)
                while self._bytes > self.max_bytes:
                    _, evicted = self._entries.popitem(last=False)
                    self._bytes -= len(evicted)
        return body

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "hits": self.hits,
                "misses": self.misses,
            }
