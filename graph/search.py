"""Chinese-text search: split a query into terms, rank the candidates a store returns.

Stores only find candidates containing any term (a full-text index on Neo4j, a scan in memory);
the ranking is here, once, so both backends order results the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.model import Catalog, SearchHit
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


def matter_keywords(catalog: Catalog) -> dict[str, str]:
    """What a matter is about beyond its name: the scenarios needing it (directly or through a
    bundle) and the guides about it. Searching 施工 should rank 建筑工程施工许可证核发, needed
    by the scenario 施工许可, above matters that only share the characters."""
    words: dict[str, set[str]] = {m: set() for m in catalog.matters}
    served: dict[str, set[str]] = {}
    for link in catalog.scenario_bundles:
        served.setdefault(link.b, set()).add(catalog.scenarios[link.a].name)
    for link in catalog.scenario_matters:
        words[link.b].add(catalog.scenarios[link.a].name)
    for link in catalog.bundle_matters:
        words[link.b] |= served.get(link.a, set())
    for guide in catalog.guides.values():
        if guide.about_kind == "matter":
            words[guide.about_id].add(guide.title)
    return {m: " ".join(sorted(w)) for m, w in words.items()}


def matter_search_text(code: str, keywords: str) -> str:
    """A matter's searchable text beyond its name, the same on every backend."""
    return f"{code}\n{keywords}" if keywords else code


def searchable_records(catalog: Catalog) -> list[SearchHit]:
    """Every searchable record with its name and text (the memory backend scans these)."""
    keywords = matter_keywords(catalog)
    out = [
        SearchHit("matter", m.id, m.name, matter_search_text(m.code, keywords[m.id]))
        for m in catalog.matters.values()
    ]
    out += [SearchHit("bundle", b.id, b.name, b.description) for b in catalog.bundles.values()]
    out += [SearchHit("guide", g.id, g.title, g.body) for g in catalog.guides.values()]
    out += [SearchHit("scenario", s.id, s.name, s.description) for s in catalog.scenarios.values()]
    out += [SearchHit("department", d.id, d.name, "") for d in catalog.departments.values()]
    return out


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
    candidates = store.search_candidates(terms)  # all of them: ranking decides, not a cap
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
