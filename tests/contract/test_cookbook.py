"""Every query of the Cypher cookbook (docs/cypher-cookbook.md) runs on a real Neo4j.

The structure of the page is checked always. The queries run against the shipped catalog through
the `neo4j_holder` fixture (skipped locally without Neo4j, a failure under CI): each must return
rows, and where the source article fixes an answer the test checks it.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from graph.errors import LoadInProgress
from graph.model import Catalog
from graph.store import GraphStore
from graph.stores.neo4j.catalog import Neo4jStore
from graph.stores.neo4j.cypher import SEARCH_LABELS
from graph.tables import catalog_edges, catalog_nodes

COOKBOOK = Path(__file__).parents[2] / "docs" / "cypher-cookbook.md"
MIN_QUERIES = 14
DRUG_OFFICE = "河南省药品监督管理局航空港行政审批服务办公室"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WRITE = re.compile(r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|LOAD\s+CSV)\b", re.I)
_PARAMETER = re.compile(r"\$\w")


@dataclass(frozen=True, slots=True)
class Recipe:
    """One `###` section of the cookbook: its question, its Cypher blocks and its prose."""

    heading: str
    queries: tuple[str, ...]
    prose: str  # the section's text outside code blocks

    @property
    def slug(self) -> str:
        """The English question (after ' / ') in lower-case ASCII words joined by '-'."""
        english = self.heading.split(" / ", 1)[-1]
        return re.sub(r"[^a-z0-9]+", "-", english.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Cookbook:
    recipes: tuple[Recipe, ...]
    orphans: tuple[str, ...]  # cypher blocks outside any `###` section


def parse_cookbook(text: str) -> Cookbook:
    """Split the page into `###` sections and collect the ```cypher blocks of each."""
    recipes: list[Recipe] = []
    orphans: list[str] = []
    heading: str | None = None
    queries: list[str] = []
    prose: list[str] = []
    block: list[str] | None = None  # lines of the open fence; None outside a fence
    cypher = False

    def close_section() -> None:
        if heading is not None:
            recipes.append(Recipe(heading, tuple(queries), "\n".join(prose)))

    for line in text.splitlines():
        stripped = line.strip()
        if block is not None:
            if stripped == "```":
                if cypher:
                    query = "\n".join(block).strip()
                    (queries if heading is not None else orphans).append(query)
                block = None
            else:
                block.append(line)
            continue
        if stripped.startswith("```"):
            block, cypher = [], stripped[3:].strip().lower() == "cypher"
            continue
        match = _HEADING.match(line)
        if match:
            close_section()
            heading, queries, prose = None, [], []
            if len(match.group(1)) == 3:
                heading = match.group(2)
            continue
        if heading is not None:
            prose.append(line)
    close_section()
    return Cookbook(tuple(recipes), tuple(orphans))


COOKBOOK_PAGE = parse_cookbook(COOKBOOK.read_text(encoding="utf-8")) if COOKBOOK.exists() else None
RECIPES = COOKBOOK_PAGE.recipes if COOKBOOK_PAGE else ()


# --- answers the source article fixes ---------------------------------------------------------
Rows = list[dict[str, Any]]


def _car_sales(rows: Rows) -> None:
    # "将8个事项整合为汽车销售'一件事'"
    assert len(rows) == 8
    assert "汽车销售企业信息备案" in {r["matter"] for r in rows}


def _sub_centre(rows: Rows) -> None:
    # "整合市场监管、税务等12个部门资源"
    names = {r["department"] for r in rows}
    assert len(rows) == len(names) == 12
    assert "郑州航空港经济综合实验区市场监督管理和营商环境局" in names
    assert any("税务局" in n for n in names)
    assert DRUG_OFFICE in names


def _provincial_in_zone(rows: Rows) -> None:
    # "药品注册等25项省级审批'区内办结'"
    assert len(rows) == len({r["code"] for r in rows}) == 25
    assert all(r["promised_days"] <= r["legal_days"] for r in rows)


def _nev_chain(rows: Rows) -> None:
    assert [r["stage"] for r in rows] == ["建设", "生产", "流通", "后市场"]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]


def _nev_stage_bundles(rows: Rows) -> None:
    # NEV special bundles: 生产 3 + 流通 1 + 后市场 6.
    special = Counter(r["stage"] for r in rows if r["kind"] == "chain_special")
    assert special == {"生产": 3, "流通": 1, "后市场": 6}
    assert all(r["lead_department"] for r in rows)


def _parallel_start(rows: Rows) -> None:
    # 开工一件事: 施工许可 and 防空地下室易地建设 in parallel, approved "不到48小时".
    (row,) = rows
    assert row["has_internal_prerequisite"] is False
    assert row["parallel_days"] < row["serial_days"]
    assert row["parallel_days"] <= 2


def _full_text(rows: Rows) -> None:
    assert {r["kind"] for r in rows} <= set(SEARCH_LABELS)
    assert "建筑工程施工许可证核发" in {r["name"] for r in rows}


KEY_ANSWERS: dict[str, Callable[[Rows], None]] = {
    "which-matters-and-departments-make-up-the-car-sales-bundle": _car_sales,
    "which-departments-does-the-sub-centre-host": _sub_centre,
    "which-provincial-matters-does-the-drug-office-handle-inside-the-zone": _provincial_in_zone,
    "what-does-the-nev-chain-look-like-stage-by-stage": _nev_chain,
    "which-bundles-serve-each-nev-stage-and-who-leads-them": _nev_stage_bundles,
    "how-much-time-does-parallel-approval-save-in-the-construction-start-bundle": _parallel_start,
    "full-text-search-for-with-the-cjk-analyzer": _full_text,
}


# --- the page's structure (no Neo4j needed) ---------------------------------------------------
def test_cookbook_structure() -> None:
    assert COOKBOOK_PAGE is not None, f"{COOKBOOK} is missing"
    assert not COOKBOOK_PAGE.orphans, "a cypher block outside any ### question"
    assert len(RECIPES) >= MIN_QUERIES
    for recipe in RECIPES:
        where = recipe.heading
        assert len(recipe.queries) == 1, f"{where}: {len(recipe.queries)} cypher blocks, want 1"
        query = recipe.queries[0]
        assert query, f"{where}: empty query"
        assert " / " in recipe.heading and _CJK.search(recipe.heading.split(" / ")[0]), (
            f"{where}: heading must be 'Chinese question / English question'"
        )
        assert recipe.slug, f"{where}: no English words for a test id"
        assert not _PARAMETER.search(query), f"{where}: queries must be self-contained"
        assert not _WRITE.search(query), f"{where}: cookbook queries only read"
        assert "*Expected:*" in recipe.prose, f"{where}: no *Expected:* note"
    slugs = [r.slug for r in RECIPES]
    assert len(slugs) == len(set(slugs)), "two questions give the same test id"
    assert set(KEY_ANSWERS) <= set(slugs), "a checked question was renamed or removed"


def test_parser_sees_blocks_and_orphans() -> None:
    page = parse_cookbook(
        "```cypher\nRETURN 0\n```\n## Part\n### 问 / Ask one?\nText.\n"
        "```cypher\nRETURN 1\n```\n```text\n### not a heading\n```\n*Expected:* one.\n"
        "### 再问 / Ask two\n```cypher\nRETURN 2\n```\n```cypher\nRETURN 3\n```\n"
    )
    assert page.orphans == ("RETURN 0",)
    assert [(r.slug, r.queries) for r in page.recipes] == [
        ("ask-one", ("RETURN 1",)),
        ("ask-two", ("RETURN 2", "RETURN 3")),
    ]
    assert "*Expected:* one." in page.recipes[0].prose


# --- every query on Neo4j ---------------------------------------------------------------------
class _Holder(Protocol):
    store: Neo4jStore
    loaded: str | None

    def with_catalog(self, key: str, catalog: Catalog) -> GraphStore: ...


_SERVED = """
MATCH (s:ChainKGState {key: 'catalog'})
RETURN s.gen AS gen, s.rows AS rows,
       COUNT { MATCH (n) WHERE n.gen = s.gen AND NOT n:ChainKGState }
         + COUNT { MATCH (n {gen: s.gen})-[r]->() } AS written,
       COUNT { MATCH (n) WHERE n.gen <> s.gen } AS others
"""


def _read(store: Neo4jStore, query: str) -> Rows:
    # The store has no "run this Cypher" method, by design; the test uses its executor.
    return [record.data() for record in store.executor.run_read(query)]


def _served_gen(store: Neo4jStore, rows: int) -> int | None:
    """The generation served if it is a whole catalog of `rows` rows and alone, else None."""
    state = _read(store, _SERVED)
    if not state:
        return None
    s = state[0]
    whole = s["rows"] == s["written"] == rows and s["others"] == 0
    return int(s["gen"]) if whole else None


def _run_on_shipped(holder: _Holder, shipped: Catalog, query: str) -> Rows:
    """Run `query` while the shipped catalog, and only it, is served.

    A dev server may be shared with other test runs that load other catalogs: reload when the
    shipped catalog is not what is served, wait while another run holds the load lease, and run
    again if a load happened during the query. Under CI nothing else loads: one pass.
    """
    rows = sum(1 for _ in catalog_nodes(shipped)) + sum(1 for _ in catalog_edges(shipped))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            holder.with_catalog("shipped", shipped)
        except LoadInProgress:
            time.sleep(0.5)  # polls a lease another process holds; no timing is asserted
            continue
        store = holder.store
        gen = _served_gen(store, rows)
        if gen is None:
            holder.loaded = None  # someone else's catalog, or their load in progress
            continue
        result = _read(store, query)
        if _served_gen(store, rows) == gen:
            return result
    pytest.fail("the shipped catalog could not be served long enough to run the query")


@pytest.mark.neo4j
@pytest.mark.parametrize("recipe", [pytest.param(r, id=r.slug) for r in RECIPES])
def test_cookbook_query(neo4j_holder: _Holder, shipped: Catalog, recipe: Recipe) -> None:
    (query,) = recipe.queries
    rows = _run_on_shipped(neo4j_holder, shipped, query)
    assert rows, f"{recipe.heading}: no rows"
    check = KEY_ANSWERS.get(recipe.slug)
    if check is not None:
        check(rows)
