"""The graph schema as data: which nodes and relationships a Catalog becomes.

Both backends build their graph from these two functions, so the networkx graph and the Neo4j
graph are the same graph (docs/graph-schema.md documents it for planners).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graph.model import Catalog, Link

# Every label chainkg writes; Cypher takes labels only from this tuple, never from input.
LABELS = (
    "Industry",
    "Stage",
    "Scenario",
    "Department",
    "Matter",
    "Material",
    "Bundle",
    "Condition",
    "Guide",
    "ServiceCentre",
)
# Every relationship type chainkg writes, with its (source label, target label) pairs.
RELATIONSHIPS: dict[str, tuple[tuple[str, str], ...]] = {
    "HAS_STAGE": (("Industry", "Stage"),),
    "HAS_SCENARIO": (("Stage", "Scenario"),),
    "NEEDS": (("Scenario", "Matter"),),
    "SERVED_BY": (("Scenario", "Bundle"),),
    "INCLUDES": (("Bundle", "Matter"),),
    "HANDLED_BY": (("Matter", "Department"),),
    "LED_BY": (("Bundle", "Department"),),
    "PART_OF": (("Bundle", "Bundle"),),
    "REQUIRES": (("Matter", "Matter"),),
    "ASKS_FOR": (("Matter", "Material"),),
    "ASKS": (("Scenario", "Condition"),),
    "ADDS": (("Condition", "Matter"), ("Condition", "Material")),
    "ABOUT": (("Guide", "Matter"), ("Guide", "Bundle")),
    "HOSTS": (("ServiceCentre", "Department"),),
}
_TABLE_OF_LABEL = {
    "Industry": "industries",
    "Stage": "stages",
    "Scenario": "scenarios",
    "Department": "departments",
    "Matter": "matters",
    "Material": "materials",
    "Bundle": "bundles",
    "Condition": "conditions",
    "Guide": "guides",
    "ServiceCentre": "service_centres",
}
_LINK_TABLES: dict[str, tuple[str, str, str]] = {
    "stage_scenarios": ("Stage", "HAS_SCENARIO", "Scenario"),
    "scenario_matters": ("Scenario", "NEEDS", "Matter"),
    "scenario_bundles": ("Scenario", "SERVED_BY", "Bundle"),
    "bundle_matters": ("Bundle", "INCLUDES", "Matter"),
    "matter_materials": ("Matter", "ASKS_FOR", "Material"),
    "prerequisites": ("Matter", "REQUIRES", "Matter"),
    "centre_departments": ("ServiceCentre", "HOSTS", "Department"),
}


@dataclass(frozen=True, slots=True)
class Edge:
    source_label: str
    source_id: str
    type: str
    target_label: str
    target_id: str
    properties: dict[str, Any]


def node_properties(record: Any) -> dict[str, Any]:
    """A record's fields as graph properties (enums as values, tuples as lists, no nulls)."""
    props: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        props[f.name] = value
    # Every node has a `name` (the schema contract): a guide's title, a condition's question.
    props.setdefault("name", props.get("title") or props.get("question") or props.get("id"))
    return props


def catalog_nodes(catalog: Catalog) -> Iterator[tuple[str, str, Any]]:
    """(label, id, record) for every record of the catalog."""
    for label in LABELS:
        records: dict[str, Any] = getattr(catalog, _TABLE_OF_LABEL[label])
        for record_id, record in records.items():
            yield label, record_id, record


def catalog_edges(catalog: Catalog) -> Iterator[Edge]:
    """Every relationship of the graph schema, with its properties (`source` on each)."""
    for stage in catalog.stages.values():
        yield Edge(
            "Industry", stage.industry_id, "HAS_STAGE", "Stage", stage.id, {"source": stage.source}
        )
    for matter in catalog.matters.values():
        yield Edge(
            "Matter",
            matter.id,
            "HANDLED_BY",
            "Department",
            matter.department_id,
            {"source": matter.source},
        )
    for bundle in catalog.bundles.values():
        yield Edge(
            "Bundle",
            bundle.id,
            "LED_BY",
            "Department",
            bundle.lead_department_id,
            {"source": bundle.source},
        )
        if bundle.family_id:
            yield Edge(
                "Bundle",
                bundle.id,
                "PART_OF",
                "Bundle",
                bundle.family_id,
                {"source": bundle.source},
            )
    for condition in catalog.conditions.values():
        yield Edge(
            "Scenario",
            condition.scenario_id,
            "ASKS",
            "Condition",
            condition.id,
            {"source": condition.source},
        )
    for table, (src, rel, dst) in _LINK_TABLES.items():
        links: list[Link] = getattr(catalog, table)
        for link in links:
            yield Edge(src, link.a, rel, dst, link.b, {"source": link.source})
    for e in catalog.condition_effects:
        target = "Matter" if e.target_kind == "matter" else "Material"
        props: dict[str, Any] = {"option": e.option, "source": e.source}
        if e.matter_id:
            props["matter_id"] = e.matter_id
        yield Edge("Condition", e.condition_id, "ADDS", target, e.target_id, props)
    for guide in catalog.guides.values():
        target = "Matter" if guide.about_kind == "matter" else "Bundle"
        yield Edge("Guide", guide.id, "ABOUT", target, guide.about_id, {"source": guide.source})
