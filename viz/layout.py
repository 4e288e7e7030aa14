"""Layered positions for the chain map: one column per level, left to right, computed once.

Computed positions (not physics) make the page open at once and look the same every time.
Within a column, a node sits at the mean position of its parents (the barycentre heuristic of
layered graph drawing), which keeps a stage's scenarios, bundles and matters close together;
ties keep the input order, so stages stay in chain order.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.chain import ChainEdge, ChainNode


def layered_positions(
    nodes: Sequence[ChainNode],
    edges: Sequence[ChainEdge],
    *,
    x_gap: int = 320,
    y_gap: int = 56,
    aspect: float = 1.6,
) -> dict[str, tuple[int, int]]:
    """Pixel (x, y) per node id; every column spreads over the height of the tallest one.

    Columns move apart (beyond `x_gap`) until the whole map is about `aspect` times as wide as
    tall, so that fitting it to a screen shows a landscape picture, not a thin strip.
    """
    level_of = {n.id: n.level for n in nodes}
    order = {n.id: i for i, n in enumerate(nodes)}
    parents: dict[str, list[str]] = {}
    for e in edges:
        if level_of.get(e.source, 99) < level_of.get(e.target, -1):
            parents.setdefault(e.target, []).append(e.source)
    columns: dict[int, list[ChainNode]] = {}
    for n in nodes:
        columns.setdefault(n.level, []).append(n)
    tallest = max((len(c) for c in columns.values()), default=0)
    span = tallest * y_gap
    x_gap = max(x_gap, round(span * aspect / max(len(columns) - 1, 1)))

    share: dict[str, float] = {}  # position in its column, 0..1
    out: dict[str, tuple[int, int]] = {}
    for x_index, level in enumerate(sorted(columns)):

        def key(n: ChainNode) -> tuple[float, int]:
            placed = [share[p] for p in parents.get(n.id, []) if p in share]
            return (sum(placed) / len(placed) if placed else 2.0, order[n.id])

        column = sorted(columns[level], key=key)
        for i, n in enumerate(column):
            share[n.id] = (i + 0.5) / len(column)
            out[n.id] = (x_index * x_gap, round(share[n.id] * span - span / 2))
    return out
