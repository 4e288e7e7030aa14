"""Browsing the catalog: industries, scenarios, matters, departments, bundles, centres."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import get_store
from api.schemas import (
    BundleDetailOut,
    BundleOut,
    CentreOut,
    DepartmentDetailOut,
    IndustryDetailOut,
    IndustryOut,
    MatterDetailOut,
    ScenarioOut,
)
from graph.model import BundleKind, CentreDetail
from graph.store import GraphStore

router = APIRouter(tags=["catalog"])
Store = Annotated[GraphStore, Depends(get_store)]
NOT_FOUND = {404: {"description": "Unknown id (problem+json)"}}


@router.get("/industries", response_model=list[IndustryOut])
def industries(store: Store) -> list[IndustryOut]:
    """Every industry with its stages in chain order."""
    return [
        IndustryOut(
            id=i.id,
            name=i.name,
            stages=[{"id": s.id, "name": s.name, "order": s.order, "kind": s.kind} for s in st],  # type: ignore[misc]
        )
        for i, st in store.list_industries()
    ]


@router.get("/industries/{industry_id}", response_model=IndustryDetailOut, responses=NOT_FOUND)
def industry(industry_id: str, store: Store) -> IndustryDetailOut:
    """An industry's stages with their scenarios and the bundles serving them."""
    d = store.industry_detail(industry_id)
    return IndustryDetailOut(
        id=d.industry.id,
        name=d.industry.name,
        description=d.industry.description,
        source=d.industry.source,
        stages=[
            {  # type: ignore[misc]
                "id": s.stage.id, "name": s.stage.name, "order": s.stage.order,
                "kind": s.stage.kind, "scenarios": s.scenarios, "bundles": s.bundles,
            }
            for s in d.stages
        ],
    )


@router.get("/scenarios", response_model=list[ScenarioOut], responses=NOT_FOUND)
def scenarios(
    store: Store,
    industry: Annotated[str | None, Query(description="Industry id, e.g. nev")] = None,
    stage: Annotated[str | None, Query(description="Stage id, e.g. nev.production")] = None,
) -> list[ScenarioOut]:
    """Scenarios, optionally only those under an industry and/or a stage."""
    return [ScenarioOut.model_validate(s) for s in store.list_scenarios(industry, stage)]


@router.get("/matters/{matter_id}", response_model=MatterDetailOut, responses=NOT_FOUND)
def matter(matter_id: str, store: Store) -> MatterDetailOut:
    """A matter with its department, materials, prerequisites and source."""
    d = store.matter_detail(matter_id)
    m = d.matter
    return MatterDetailOut(
        **{f: getattr(m, f) for f in MatterDetailOut.model_fields if hasattr(m, f)},
        department=d.department,  # type: ignore[arg-type]
        materials=d.materials,  # type: ignore[arg-type]
        prerequisites=[{"id": r.id, "name": r.name} for r in d.requires],  # type: ignore[misc]
        required_by=[{"id": r.id, "name": r.name} for r in d.required_by],  # type: ignore[misc]
        scenarios=[{"id": r.id, "name": r.name} for r in d.scenarios],  # type: ignore[misc]
        bundles=[{"id": r.id, "name": r.name} for r in d.bundles],  # type: ignore[misc]
        guides=d.guides,  # type: ignore[arg-type]
    )


@router.get("/departments/{department_id}", response_model=DepartmentDetailOut,
            responses=NOT_FOUND)
def department(department_id: str, store: Store) -> DepartmentDetailOut:
    """A department with the matters it handles, the bundles it leads, the centres hosting it."""
    d = store.department_detail(department_id)
    return DepartmentDetailOut(
        id=d.department.id, name=d.department.name, level=d.department.level,
        source=d.department.source,
        matters=d.matters,  # type: ignore[arg-type]
        leads=[{"id": b.id, "name": b.name} for b in d.leads],  # type: ignore[misc]
        centres=[{"id": c.id, "name": c.name} for c in d.centres],  # type: ignore[misc]
    )


@router.get("/bundles", response_model=list[BundleOut], responses=NOT_FOUND)
def bundles(
    store: Store,
    industry: Annotated[str | None, Query(description="Industry id")] = None,
    stage: Annotated[str | None, Query(description="Stage id")] = None,
    kind: Annotated[BundleKind | None, Query(description="chain_special, one_thing, one_category")] = None,
) -> list[BundleOut]:
    """Bundles (一件事 and 一类事), by the industry/stage whose scenarios they serve and kind."""
    found = store.list_bundles(industry, stage, kind.value if kind else None)
    return [BundleOut.model_validate(b) for b in found]


@router.get("/bundles/{bundle_id}", response_model=BundleDetailOut, responses=NOT_FOUND)
def bundle(bundle_id: str, store: Store) -> BundleDetailOut:
    """A bundle with its lead department, family, matters (and their departments), scenarios."""
    d = store.bundle_detail(bundle_id)
    b = d.bundle
    return BundleDetailOut(
        **BundleOut.model_validate(b).model_dump(),
        lead_department={"id": d.lead_department.id, "name": d.lead_department.name},  # type: ignore[arg-type]
        family={"id": d.family.id, "name": d.family.name} if d.family else None,  # type: ignore[arg-type]
        members=[{"id": x.id, "name": x.name} for x in d.members],  # type: ignore[misc]
        matters=[
            {  # type: ignore[misc]
                "id": m.id, "name": m.name, "code": m.code, "type": m.type, "level": m.level,
                "department": {"id": m.department_id, "name": d.departments[m.department_id].name},
                "promised_days": m.promised_days, "source": m.source,
            }
            for m in d.matters
        ],
        departments=[{"id": x.id, "name": x.name} for x in sorted(d.departments.values(), key=lambda x: x.id)],  # type: ignore[misc]
        scenarios=[{"id": x.id, "name": x.name} for x in d.scenarios],  # type: ignore[misc]
        guides=d.guides,  # type: ignore[arg-type]
    )


def _centre(c: CentreDetail) -> CentreOut:
    return CentreOut(
        id=c.centre.id, name=c.centre.name, description=c.centre.description,
        source=c.centre.source,
        departments=[{"id": d.id, "name": d.name} for d in c.departments],  # type: ignore[misc]
    )


@router.get("/service-centres", response_model=list[CentreOut])
def centres(store: Store) -> list[CentreOut]:
    """Service centres (政务服务中心, 分中心, 专区) with the departments they host."""
    return [_centre(c) for c in store.list_centres()]


@router.get("/service-centres/{centre_id}", response_model=CentreOut, responses=NOT_FOUND)
def centre(centre_id: str, store: Store) -> CentreOut:
    """One service centre with the departments it hosts."""
    return _centre(store.centre_detail(centre_id))
