"""The table registry: one declaration that the catalog, the loader and the graph agree on."""

from __future__ import annotations

import dataclasses

from graph.model import Catalog
from graph.tables import (
    LABELS,
    RELATIONSHIPS,
    TABLES,
    catalog_edges,
    catalog_nodes,
    from_properties,
    rows_of,
    to_properties,
)


def test_the_registry_lists_the_catalogs_tables_in_order() -> None:
    assert [t.name for t in TABLES] == [f.name for f in dataclasses.fields(Catalog)]


def test_columns_are_the_record_fields() -> None:
    for table in TABLES:
        if table.record.__name__ != "Link":
            fields = {f.name for f in dataclasses.fields(table.record)}
            assert set(table.column_names) == fields, table.name


def test_every_reference_points_at_an_entity_table() -> None:
    entities = {t.name for t in TABLES if t.is_entity}
    for table in TABLES:
        for column in table.columns:
            targets = [column.ref] if column.ref else [t for _, t in column.refs]
            assert set(filter(None, targets)) <= entities, (table.name, column.name)


def test_the_graph_schema_derived_from_the_tables() -> None:
    assert LABELS == (
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
    assert RELATIONSHIPS == {
        "HAS_STAGE": (("Industry", "Stage"),),
        "HANDLED_BY": (("Matter", "Department"),),
        "LED_BY": (("Bundle", "Department"),),
        "PART_OF": (("Bundle", "Bundle"),),
        "ASKS": (("Scenario", "Condition"),),
        "ABOUT": (("Guide", "Matter"), ("Guide", "Bundle")),
        "HAS_SCENARIO": (("Stage", "Scenario"),),
        "NEEDS": (("Scenario", "Matter"),),
        "SERVED_BY": (("Scenario", "Bundle"),),
        "INCLUDES": (("Bundle", "Matter"),),
        "ASKS_FOR": (("Matter", "Material"),),
        "REQUIRES": (("Matter", "Matter"),),
        "HOSTS": (("ServiceCentre", "Department"),),
        "ADDS": (("Condition", "Matter"), ("Condition", "Material")),
    }


def test_every_record_becomes_a_node_and_every_reference_an_edge(mini_catalog: Catalog) -> None:
    nodes = list(catalog_nodes(mini_catalog))
    entity_rows = sum(len(rows_of(mini_catalog, t)) for t in TABLES if t.is_entity)
    assert len(nodes) == entity_rows
    edges = list(catalog_edges(mini_catalog))
    for edge in edges:
        assert (edge.source_label, edge.target_label) in RELATIONSHIPS[edge.type]
        assert "source" in edge.properties
    link_rows = sum(len(rows_of(mini_catalog, t)) for t in TABLES if not t.is_entity)
    references = sum(
        1
        for t in TABLES
        if t.is_entity
        for record in rows_of(mini_catalog, t)
        for c in t.columns
        if c.edge is not None and getattr(record, c.name)
    )
    assert len(edges) == link_rows + references
    adds = [e for e in edges if e.type == "ADDS"]
    assert adds and all("option" in e.properties for e in adds)


def test_properties_round_trip(mini_catalog: Catalog) -> None:
    for table in TABLES:
        if table.is_entity:
            for record in rows_of(mini_catalog, table):
                assert from_properties(table, to_properties(record)) == record
