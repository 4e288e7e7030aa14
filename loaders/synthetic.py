"""Deterministic synthetic catalogs N times a base catalog, with the same shape.

Copy k (1..N-1) of every record gets the id suffix `.sK` and a name suffix, and links are
copied within the copy, so fan-out per level, material sharing and prerequisite depth are
exactly the base catalog's. Copy 0 is the base itself, so every base fact still holds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graph.model import Catalog, Link


def synth(base: Catalog, scale: int) -> Catalog:
    """A catalog `scale` times `base` (scale >= 1)."""
    if scale < 1:
        raise ValueError("scale must be >= 1")
    out = Catalog()
    for k in range(scale):
        _add_copy(out, base, k)
    return out


def _add_copy(out: Catalog, base: Catalog, k: int) -> None:
    def rid(value: str | None) -> str | None:
        return value if value is None or k == 0 else f"{value}.s{k}"

    def name(value: str) -> str:
        return value if k == 0 else f"{value}（合成{k}）"

    def copy(record: Any, **ids: str | None) -> Any:
        changes: dict[str, Any] = {"id": rid(record.id)}
        changes.update({field: rid(value) for field, value in ids.items()})
        for text_field in ("name", "title", "question"):
            if hasattr(record, text_field):
                changes[text_field] = name(getattr(record, text_field))
        return replace(record, **changes)

    out.industries.update({rid(i.id) or "": copy(i) for i in base.industries.values()})
    out.stages.update(
        {rid(s.id) or "": copy(s, industry_id=s.industry_id) for s in base.stages.values()}
    )
    out.scenarios.update({rid(s.id) or "": copy(s) for s in base.scenarios.values()})
    out.departments.update({rid(d.id) or "": copy(d) for d in base.departments.values()})
    out.matters.update(
        {rid(m.id) or "": copy(m, department_id=m.department_id) for m in base.matters.values()}
    )
    out.materials.update({rid(m.id) or "": copy(m) for m in base.materials.values()})
    out.bundles.update(
        {
            rid(b.id) or "": copy(
                b,
                lead_department_id=b.lead_department_id,
                family_id=b.family_id,
                industry_id=b.industry_id,
            )
            for b in base.bundles.values()
        }
    )
    out.conditions.update(
        {rid(c.id) or "": copy(c, scenario_id=c.scenario_id) for c in base.conditions.values()}
    )
    out.guides.update({rid(g.id) or "": copy(g, about_id=g.about_id) for g in base.guides.values()})
    out.service_centres.update({rid(c.id) or "": copy(c) for c in base.service_centres.values()})
    for table in (
        "stage_scenarios",
        "scenario_matters",
        "scenario_bundles",
        "bundle_matters",
        "matter_materials",
        "prerequisites",
        "centre_departments",
    ):
        links: list[Link] = getattr(out, table)
        links += [Link(rid(x.a) or "", rid(x.b) or "", x.source) for x in getattr(base, table)]
    out.condition_effects += [
        replace(
            e,
            condition_id=rid(e.condition_id) or "",
            target_id=rid(e.target_id) or "",
            matter_id=rid(e.matter_id),
        )
        for e in base.condition_effects
    ]
