"""Chinese-text search: split a query into terms, rank the candidates a store returns.

Stores only find candidates containing any term (a full-text index on Neo4j, a scan in memory);
the ranking is here, once, so both backends order results the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.model import SearchHit
from graph.store import GraphStore

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
KIND_ORDER = {"matter": 0, "bundle": 1, "guide": 2, "scenario": 3, "department": 4}


@dataclass(frozen=True, slots=True)
class RankedHit:
    kind: str
    id: str
    name: str
    score: float
    snippet: str


def query_terms(query: str) -> list[str]:
    """Terms of a query: CJK runs become overlapping bigrams (as Lucene's cjk analyzer does)."""
    terms: list[str] = []
    for token in query.lower().split():
        pos = 0
        for match in _CJK.finditer(token):
            terms.extend(_latin(token[pos : match.start()]))
            run = match.group()
            terms.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
            pos = match.end()
        terms.extend(_latin(token[pos:]))
    return list(dict.fromkeys(t for t in terms if t))


def _latin(text: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", text) if t]


def search(
    store: GraphStore, query: str, limit: int = 20, kind: str | None = None
) -> list[RankedHit]:
    """Ranked matters, bundles, guides, scenarios and departments for a free-text query."""
    terms = query_terms(query)
    if not terms:
        return []
    candidates = store.search_candidates(terms, limit=5000)
    needle = query.strip().lower()
    ranked = []
    for hit in candidates:
        if kind is not None and hit.kind != kind:
            continue
        name, text = hit.name.lower(), hit.text.lower()
        score = sum(2.0 for t in terms if t in name) + sum(1.0 for t in terms if t in text)
        if needle and needle in name:
            score += 5.0
        if needle == name:
            score += 10.0
        score += len(needle) / max(len(name), 1)  # denser matches first among equals
        if score == 0:
            continue
        ranked.append(RankedHit(hit.kind, hit.id, hit.name, score, _snippet(hit, terms)))
    ranked.sort(key=lambda h: (-h.score, KIND_ORDER.get(h.kind, 9), h.id))
    return ranked[:limit]


def _snippet(hit: SearchHit, terms: list[str], width: int = 40) -> str:
    text = hit.text
    positions = [text.lower().find(t) for t in terms if t in text.lower()]
    if not positions:
        return text[:width]
    start = max(0, min(positions) - width // 4)
    return ("…" if start else "") + text[start : start + width]
