"""Records nothing reaches (orphans): each is a warning, located where it is defined."""

from __future__ import annotations

from collections.abc import Mapping

from graph.errors import Problem
from graph.model import Catalog

# Each kind of orphan: the table it is in, and how one is described.
KINDS: dict[str, tuple[str, str]] = {
    "matters reached by no scenario or bundle": (
        "matters",
        "matter '{}' is reached by no scenario or bundle",
    ),
    "departments with no matter or bundle": (
        "departments",
        "department '{}' handles no matter and leads no bundle",
    ),
    "materials no matter asks for": ("materials", "material '{}' is asked for by no matter"),
    "scenarios under no stage": ("scenarios", "scenario '{}' is under no stage"),
    "scenarios with no matter": (
        "scenarios",
        "scenario '{}' has no matter, of its own or through a bundle",
    ),
    "bundles serving no scenario": ("bundles", "bundle '{}' serves no scenario"),
    "bundles with no matter": ("bundles", "bundle '{}' includes no matter"),
}


def orphans(catalog: Catalog) -> dict[str, list[str]]:
    """Records nothing reaches: each list should be empty in a shipped catalog."""
    staged = {link.b for link in catalog.stage_scenarios}
    reached = (
        {link.b for link in catalog.scenario_matters}
        | {link.b for link in catalog.bundle_matters}
        | {e.target_id for e in catalog.condition_effects if e.target_kind == "matter"}
    )
    served_bundles = {link.b for link in catalog.scenario_bundles} | {
        b.family_id for b in catalog.bundles.values() if b.family_id
    }
    bundle_with_matters = {link.a for link in catalog.bundle_matters}
    scenario_with_matters = {link.a for link in catalog.scenario_matters} | {
        link.a for link in catalog.scenario_bundles if link.b in bundle_with_matters
    }
    handling = {m.department_id for m in catalog.matters.values()} | {
        b.lead_department_id for b in catalog.bundles.values()
    }
    used_materials = {link.b for link in catalog.matter_materials} | {
        e.target_id for e in catalog.condition_effects if e.target_kind == "material"
    }
    return {
        "matters reached by no scenario or bundle": sorted(set(catalog.matters) - reached),
        "departments with no matter or bundle": sorted(set(catalog.departments) - handling),
        "materials no matter asks for": sorted(set(catalog.materials) - used_materials),
        "scenarios under no stage": sorted(set(catalog.scenarios) - staged),
        "scenarios with no matter": sorted(set(catalog.scenarios) - scenario_with_matters),
        "bundles serving no scenario": sorted(set(catalog.bundles) - served_bundles),
        "bundles with no matter": sorted(
            b
            for b in set(catalog.bundles) - bundle_with_matters
            if not any(x.family_id == b for x in catalog.bundles.values())
        ),
    }


def orphan_warnings(
    catalog: Catalog,
    defined_at: Mapping[tuple[str, str], int],
    labels: Mapping[str, str],
) -> list[Problem]:
    """One warning per orphan, at the row that defines it (`defined_at`: (table, id) -> row)."""
    found: list[Problem] = []
    for kind, ids in orphans(catalog).items():
        table, message = KINDS[kind]
        for record_id in ids:
            row = defined_at.get((table, record_id))
            label = labels.get(table, f"{table}.csv")
            found.append(Problem(label, row, "id", message.format(record_id)))
    return found
