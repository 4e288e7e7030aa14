"""Deterministic synthetic catalogs N times a base catalog, with the same shape.

Copy k (1..N-1) of every record gets the id suffix `.sK` (on its own id and on every id column
that points at another record) and a name suffix, so links stay within the copy and fan-out per
level, material sharing and prerequisite depth are exactly the base catalog's. Copy 0 is the
base itself, so every base fact still holds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graph.model import Catalog, Link
from graph.tables import TABLES, Table, rows_of

_TEXT_FIELDS = ("name", "title", "question")


def synth(base: Catalog, scale: int) -> Catalog:
    """A catalog `scale` times `base` (scale >= 1)."""
    if scale < 1:
        raise ValueError("scale must be >= 1")
    out = Catalog()
    for k in range(scale):
        for table in TABLES:
            held = getattr(out, table.name)
            for record in rows_of(base, table):
                copy = _copy(record, table, k)
                if isinstance(held, dict):
                    held[copy.id] = copy
                else:
                    held.append(copy)
    return out


def _copy(record: Any, table: Table, k: int) -> Any:
    if k == 0:
        return record

    def rid(value: str | None) -> str | None:
        return None if value is None else f"{value}.s{k}"

    if isinstance(record, Link):
        return Link(rid(record.a) or "", rid(record.b) or "", record.source)
    changes: dict[str, Any] = {
        c.name: rid(getattr(record, c.name)) for c in table.columns if c.type == "id"
    }
    for text in _TEXT_FIELDS:
        if hasattr(record, text):
            changes[text] = f"{getattr(record, text)}（合成{k}）"
    return replace(record, **changes)
