"""The tables of a catalog and their columns: the single description the loader checks against."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    must_exist: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


TABLES: tuple[TableSpec, ...] = (
    TableSpec("industries", ("id", "name", "source"), ("description",), must_exist=True),
    TableSpec("stages", ("id", "industry_id", "kind", "name", "order", "source"), must_exist=True),
    TableSpec("scenarios", ("id", "name", "source"), ("description",), must_exist=True),
    TableSpec("departments", ("id", "name", "level", "source"), must_exist=True),
    TableSpec(
        "matters",
        (
            "id",
            "code",
            "name",
            "type",
            "level",
            "department_id",
            "legal_days",
            "promised_days",
            "visits",
            "online",
            "fee",
            "source",
        ),
        must_exist=True,
    ),
    TableSpec("materials", ("id", "name", "source")),
    TableSpec(
        "bundles",
        ("id", "name", "kind", "lead_department_id", "source"),
        ("family_id", "industry_id", "description"),
    ),
    TableSpec("conditions", ("id", "question", "scenario_id", "options", "source")),
    TableSpec("guides", ("id", "title", "body", "about_kind", "about_id", "source")),
    TableSpec("service_centres", ("id", "name", "source"), ("description",)),
    TableSpec("stage_scenarios", ("stage_id", "scenario_id", "source"), must_exist=True),
    TableSpec("scenario_matters", ("scenario_id", "matter_id", "source")),
    TableSpec("scenario_bundles", ("scenario_id", "bundle_id", "source")),
    TableSpec("bundle_matters", ("bundle_id", "matter_id", "source")),
    TableSpec("matter_materials", ("matter_id", "material_id", "source")),
    TableSpec("prerequisites", ("matter_id", "requires_id", "source")),
    TableSpec("centre_departments", ("centre_id", "department_id", "source")),
    TableSpec(
        "condition_effects",
        ("condition_id", "option", "target_kind", "target_id", "source"),
        ("matter_id",),
    ),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}
