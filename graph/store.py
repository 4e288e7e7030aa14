"""The GraphStore protocol: what every backend stores and fetches (and nothing more).

Domain logic (planning, ranking, matrices) lives in graph/ modules that call these methods,
so every backend gives the same answers. Lists come back sorted by id unless said otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from graph.model import (
    Bundle,
    BundleDetail,
    Catalog,
    CentreDetail,
    DepartmentDetail,
    Industry,
    IndustryDetail,
    MatterDetail,
    Position,
    PositionSubgraph,
    Scenario,
    SearchHit,
    Stage,
)


@dataclass(frozen=True, slots=True)
class LoadReport:
    """How a catalog load went: rows written, seconds until the new catalog served, and the
    seconds spent removing the old one after that (zero for an embedded store)."""

    rows: int
    to_serving_s: float
    cleanup_s: float


@runtime_checkable
class GraphStore(Protocol):
    """A backend holding one catalog at a time."""

    def replace_catalog(
        self, catalog: Catalog, progress: Callable[[int, int], None] | None = None
    ) -> LoadReport:
        """Swap in a validated catalog atomically: readers see the old or the new, never a mix.

        `progress(rows_done, rows_total)` is called as the load advances.
        """
        ...

    def pinned(self) -> GraphStore:
        """A view whose every call reads the catalog served now, even across a replace: code
        that makes several calls for one answer (pages, matrices) reads through one. A view of
        a view is the same view. (On Neo4j it holds for the switch's grace period.)"""
        ...

    def catalog_version(self) -> str:
        """The served catalog's version (graph.tables.catalog_fingerprint; "" when none is
        loaded): on a pinned view, the version of the catalog the view reads."""
        ...

    def close(self) -> None:
        """Release connections (a no-op for embedded stores and pinned views)."""
        ...

    def ping(self) -> None:
        """Return when the backend answers; raise BackendUnavailable otherwise."""
        ...

    def stats(self) -> dict[str, int]:
        """Node counts per label and relationship counts per type."""
        ...

    def list_industries(self) -> list[tuple[Industry, list[Stage]]]:
        """Every industry with its stages in chain order."""
        ...

    def industry_detail(self, industry_id: str) -> IndustryDetail:
        """An industry's stages with their scenarios and bundles; NotFound if unknown."""
        ...

    def list_scenarios(self, industry_id: str | None, stage_id: str | None) -> list[Scenario]:
        """Scenarios, optionally only those under an industry and/or one stage."""
        ...

    def list_bundles(
        self, industry_id: str | None, stage_id: str | None, kind: str | None
    ) -> list[Bundle]:
        """Bundles, filtered by the industry/stage whose scenarios they serve and by kind."""
        ...

    def matter_detail(self, matter_id: str) -> MatterDetail:
        """A matter with its department, materials, prerequisites and where it is used."""
        ...

    def department_detail(self, department_id: str) -> DepartmentDetail:
        """A department with its matters, the bundles it leads and the centres hosting it."""
        ...

    def bundle_detail(self, bundle_id: str) -> BundleDetail:
        """A bundle with its lead department, family, matters and scenarios."""
        ...

    def centre_detail(self, centre_id: str) -> CentreDetail:
        """A service centre with the departments it hosts."""
        ...

    def list_centres(self) -> list[CentreDetail]:
        """Every service centre with its departments."""
        ...

    def position_subgraph(self, position: Position) -> PositionSubgraph:
        """The raw neighbourhood of a position (see PositionSubgraph), in one backend call.

        Fetches only: unknown ids come back as None or empty, and the planner decides."""
        ...

    def search_candidates(self, terms: list[str]) -> list[SearchHit]:
        """Every record whose name or text contains any of the terms (CJK bigrams); unranked."""
        ...
