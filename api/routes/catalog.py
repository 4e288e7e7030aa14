"""Browsing the catalog: industries, scenarios, matters, departments, bundles, centres."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Protocol

from fastapi import APIRouter, Query

from api.deps import StoreDep
from api.limits import IdStr
from api.problems import NOT_FOUND
from api.schemas import (
    BundleDetailOut,
    BundleMatterOut,
    BundleOut,
    CentreOut,
    DepartmentDetailOut,
    DepartmentOut,
    GuideOut,
    IndustryDetailOut,
    IndustryOut,
    MaterialOut,
    MatterDetailOut,
    MatterOut,
    Ref,
    ScenarioOut,
    StageDetailOut,
    StageOut,
)
from graph.model import BundleKind, CentreDetail

router = APIRouter(tags=["catalog"])


class _Named(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


def refs(records: Iterable[_Named]) -> list[Ref]:
    return [Ref(id=r.id, name=r.name) for r in records]


@router.get("/industries", response_model=list[IndustryOut])
def industries(store: StoreDep) -> list[IndustryOut]:
    """Every industry with its stages in chain order."""
    return [
        IndustryOut(id=i.id, name=i.name, stages=[StageOut.model_validate(s) for s in stages])
        for i, stages in store.list_industries()
    ]


@router.get("/industries/{industry_id}", response_model=IndustryDetailOut, responses=NOT_FOUND)
def industry(industry_id: IdStr, store: StoreDep) -> IndustryDetailOut:
    """An industry's stages with their scenarios and the bundles serving them."""
    d = store.industry_detail(industry_id)
    return IndustryDetailOut(
        id=d.industry.id,
        name=d.industry.name,
        description=d.industry.description,
        source=d.industry.source,
        stages=[
            StageDetailOut(
                **StageOut.model_validate(s.stage).model_dump(),
                scenarios=[ScenarioOut.model_validate(x) for x in s.scenarios],
                bundles=[BundleOut.model_validate(x) for x in s.bundles],
            )
            for s in d.stages
        ],
    )


@router.get("/scenarios", response_model=list[ScenarioOut], responses=NOT_FOUND)
def scenarios(
    store: StoreDep,
    industry: Annotated[IdStr | None, Query(description="Industry id, e.g. nev")] = None,
    stage: Annotated[IdStr | None, Query(description="Stage id, e.g. nev.production")] = None,
) -> list[ScenarioOut]:
    """Scenarios, optionally only those under an industry and/or a stage."""
    return [ScenarioOut.model_validate(s) for s in store.list_scenarios(industry, stage)]


@router.get("/matters/{matter_id}", response_model=MatterDetailOut, responses=NOT_FOUND)
def matter(matter_id: IdStr, store: StoreDep) -> MatterDetailOut:
    """A matter with its department, materials, prerequisites and source."""
    d = store.matter_detail(matter_id)
    return MatterDetailOut(
        **MatterOut.model_validate(d.matter).model_dump(),
        department=DepartmentOut.model_validate(d.department),
        materials=[MaterialOut.model_validate(m) for m in d.materials],
        prerequisites=refs(d.requires),
        required_by=refs(d.required_by),
        scenarios=refs(d.scenarios),
        bundles=refs(d.bundles),
        guides=[GuideOut.model_validate(g) for g in d.guides],
    )


@router.get("/departments/{department_id}", response_model=DepartmentDetailOut, responses=NOT_FOUND)
def department(department_id: IdStr, store: StoreDep) -> DepartmentDetailOut:
    """A department with the matters it handles, the bundles it leads, the centres hosting it."""
    d = store.department_detail(department_id)
    return DepartmentDetailOut(
        **DepartmentOut.model_validate(d.department).model_dump(),
        matters=[MatterOut.model_validate(m) for m in d.matters],
        leads=refs(d.leads),
        centres=refs(d.centres),
    )


@router.get("/bundles", response_model=list[BundleOut], responses=NOT_FOUND)
def bundles(
    store: StoreDep,
    industry: Annotated[IdStr | None, Query(description="Industry id")] = None,
    stage: Annotated[IdStr | None, Query(description="Stage id")] = None,
    kind: Annotated[
        BundleKind | None, Query(description="chain_special, one_thing or one_category")
    ] = None,
) -> list[BundleOut]:
    """Bundles (一件事 and 一类事), by the industry/stage whose scenarios they serve and kind."""
    found = store.list_bundles(industry, stage, kind.value if kind else None)
    return [BundleOut.model_validate(b) for b in found]


@router.get("/bundles/{bundle_id}", response_model=BundleDetailOut, responses=NOT_FOUND)
def bundle(bundle_id: IdStr, store: StoreDep) -> BundleDetailOut:
    """A bundle with its lead department, family, matters (and their departments), scenarios."""
    d = store.bundle_detail(bundle_id)
    return BundleDetailOut(
        **BundleOut.model_validate(d.bundle).model_dump(),
        lead_department=Ref(id=d.lead_department.id, name=d.lead_department.name),
        family=Ref(id=d.family.id, name=d.family.name) if d.family else None,
        members=refs(d.members),
        matters=[
            BundleMatterOut(
                id=m.id,
                name=m.name,
                code=m.code,
                type=m.type,
                level=m.level,
                department=Ref(id=m.department_id, name=d.departments[m.department_id].name),
                promised_days=m.promised_days,
                source=m.source,
            )
            for m in d.matters
        ],
        departments=refs(sorted(d.departments.values(), key=lambda x: x.id)),
        scenarios=refs(d.scenarios),
        guides=[GuideOut.model_validate(g) for g in d.guides],
    )


def _centre(c: CentreDetail) -> CentreOut:
    return CentreOut(
        id=c.centre.id,
        name=c.centre.name,
        description=c.centre.description,
        source=c.centre.source,
        departments=refs(c.departments),
    )


@router.get("/service-centres", response_model=list[CentreOut])
def centres(store: StoreDep) -> list[CentreOut]:
    """Service centres (政务服务中心, 分中心, 专区) with the departments they host."""
    return [_centre(c) for c in store.list_centres()]


@router.get("/service-centres/{centre_id}", response_model=CentreOut, responses=NOT_FOUND)
def centre(centre_id: IdStr, store: StoreDep) -> CentreOut:
    """One service centre with the departments it hosts."""
    return _centre(store.centre_detail(centre_id))
