"""Every Cypher statement chainkg runs. Always parameterised; labels and relationship types are
interpolated only from graph.schema's fixed tuples, never from input."""

from __future__ import annotations

from graph.schema import LABELS, RELATIONSHIPS

FULLTEXT_INDEX = "chainkg_search"
SEARCH_LABELS = ("Matter", "Bundle", "Guide", "Scenario", "Department")
SEARCH_FIELDS = ("name", "code", "description", "body")


def constraints() -> list[str]:
    """A uniqueness constraint on `id` for every label (this also creates the lookup index)."""
    return [
        f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in LABELS
    ]


def fulltext_index() -> str:
    labels = "|".join(SEARCH_LABELS)
    fields = ", ".join(f"n.{f}" for f in SEARCH_FIELDS)
    return (
        f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:{labels}) ON EACH [{fields}] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}"
    )


AWAIT_INDEXES = "CALL db.awaitIndexes(300)"

# One statement per label, so a batch is a single UNWIND; the catalog's nodes are all new.
DELETE_CATALOG = (
    "MATCH (n) WHERE " + " OR ".join(f"n:{label}" for label in LABELS) + " DETACH DELETE n"
)


def create_nodes(label: str) -> str:
    assert label in LABELS
    return f"UNWIND $rows AS row CREATE (n:{label}) SET n = row"


def create_edges(rel: str, source: str, target: str) -> str:
    assert rel in RELATIONSHIPS and (source, target) in RELATIONSHIPS[rel]
    return (
        f"UNWIND $rows AS row MATCH (a:{source} {{id: row.a}}) MATCH (b:{target} {{id: row.b}}) "
        f"CREATE (a)-[r:{rel}]->(b) SET r = row.props"
    )


PING = "RETURN 1 AS ok"
# Per-label and per-type counts come from Neo4j's count store: instant at any size.
NODE_COUNTS = " UNION ALL ".join(
    f"MATCH (n:{label}) RETURN '{label}' AS name, count(n) AS c" for label in LABELS
)
REL_COUNTS = " UNION ALL ".join(
    f"MATCH ()-[r:{rel}]->() RETURN '{rel}' AS name, count(r) AS c" for rel in RELATIONSHIPS
)

LIST_INDUSTRIES = """
MATCH (i:Industry)
RETURN i {.*} AS industry,
       [(i)-[:HAS_STAGE]->(s:Stage) | s {.*}] AS stages
ORDER BY i.id
"""

INDUSTRY_DETAIL = """
MATCH (i:Industry {id: $id})
RETURN i {.*} AS industry,
       [(i)-[:HAS_STAGE]->(s:Stage) | {
           stage: s {.*},
           scenarios: [(s)-[:HAS_SCENARIO]->(sc:Scenario) | sc {.*}],
           bundles: [(s)-[:HAS_SCENARIO]->(:Scenario)-[:SERVED_BY]->(b:Bundle) | b {.*}]
       }] AS stages
"""

EXISTS = "OPTIONAL MATCH (n {id: $id}) WHERE $label IN labels(n) RETURN n IS NOT NULL AS found"

SCENARIO_IDS_ALL = "MATCH (s:Scenario) RETURN s {.*} AS s ORDER BY s.id"
SCENARIOS_OF_INDUSTRY = """
MATCH (:Industry {id: $industry})-[:HAS_STAGE]->(:Stage)-[:HAS_SCENARIO]->(s:Scenario)
RETURN DISTINCT s {.*} AS s ORDER BY s.id
"""
SCENARIOS_OF_STAGE = """
MATCH (st:Stage {id: $stage})-[:HAS_SCENARIO]->(s:Scenario)
WHERE $industry IS NULL OR st.industry_id = $industry
RETURN s {.*} AS s ORDER BY s.id
"""

BUNDLES_ALL = (
    "MATCH (b:Bundle) WHERE $kind IS NULL OR b.kind = $kind RETURN b {.*} AS b ORDER BY b.id"
)
BUNDLES_OF_SCENARIOS = """
MATCH (s:Scenario)-[:SERVED_BY]->(b:Bundle)
WHERE s.id IN $scenarios AND ($kind IS NULL OR b.kind = $kind)
RETURN DISTINCT b {.*} AS b ORDER BY b.id
"""

MATTER_DETAIL = """
MATCH (m:Matter {id: $id})-[:HANDLED_BY]->(d:Department)
RETURN m {.*} AS matter, d {.*} AS department,
       [(m)-[:ASKS_FOR]->(x:Material) | x {.*}] AS materials,
       [(m)-[:REQUIRES]->(x:Matter) | x {.*}] AS requires,
       [(m)<-[:REQUIRES]-(x:Matter) | x {.*}] AS required_by,
       [(m)<-[:NEEDS]-(x:Scenario) | x {.*}] AS scenarios,
       [(m)<-[:INCLUDES]-(x:Bundle) | x {.*}] AS bundles,
       [(m)<-[:ABOUT]-(x:Guide) | x {.*}] AS guides
"""

DEPARTMENT_DETAIL = """
MATCH (d:Department {id: $id})
RETURN d {.*} AS department,
       [(d)<-[:HANDLED_BY]-(x:Matter) | x {.*}] AS matters,
       [(d)<-[:LED_BY]-(x:Bundle) | x {.*}] AS leads,
       [(d)<-[:HOSTS]-(x:ServiceCentre) | x {.*}] AS centres
"""

BUNDLE_DETAIL = """
MATCH (b:Bundle {id: $id})-[:LED_BY]->(lead:Department)
OPTIONAL MATCH (b)-[:PART_OF]->(family:Bundle)
RETURN b {.*} AS bundle, lead {.*} AS lead, family {.*} AS family,
       [(b)<-[:PART_OF]-(x:Bundle) | x {.*}] AS members,
       [(b)-[:INCLUDES]->(x:Matter) | x {.*}] AS matters,
       [(b)-[:INCLUDES]->(:Matter)-[:HANDLED_BY]->(x:Department) | x {.*}] AS departments,
       [(b)<-[:SERVED_BY]-(x:Scenario) | x {.*}] AS scenarios,
       [(b)<-[:ABOUT]-(x:Guide) | x {.*}] AS guides
"""

CENTRES = """
MATCH (c:ServiceCentre) WHERE $id IS NULL OR c.id = $id
RETURN c {.*} AS centre, [(c)-[:HOSTS]->(d:Department) | d {.*}] AS departments
ORDER BY c.id
"""

# Everything the planner needs for one position, in one round trip. The position is resolved
# in Python (graph.scope) from `industry`, `stage`, `under` and `scenario_exists`.
POSITION_SUBGRAPH = """
OPTIONAL MATCH (i:Industry {id: $industry})
OPTIONAL MATCH (st:Stage {id: $stage})
WITH i, st,
     CASE WHEN st IS NULL THEN [] ELSE [(st)-[:HAS_SCENARIO]->(x:Scenario) | x.id] END AS under,
     $scenario IS NOT NULL AND EXISTS { MATCH (:Scenario {id: $scenario}) } AS scenario_exists
WITH i, st, under, scenario_exists,
     CASE WHEN $scenario IS NULL THEN under
          WHEN $scenario IN under THEN [$scenario] ELSE [] END AS chosen
OPTIONAL MATCH (s:Scenario) WHERE s.id IN chosen
WITH i, st, under, scenario_exists, collect(s) AS scenarios
WITH i, st, under, scenario_exists, scenarios,
     reduce(a = [], s IN scenarios | a + [(s)-[r:NEEDS]->(m:Matter) | [s.id, m.id]]) AS sm,
     reduce(a = [], s IN scenarios | a + [(s)-[:SERVED_BY]->(b:Bundle) | [s.id, b.id]]) AS sb,
     reduce(a = [], s IN scenarios | a + [(s)-[:ASKS]->(c:Condition) | c]) AS conditions
OPTIONAL MATCH (b:Bundle) WHERE b.id IN [x IN sb | x[1]]
WITH i, st, under, scenario_exists, scenarios, sm, sb, conditions, collect(b) AS bundles
WITH i, st, under, scenario_exists, scenarios, sm, sb, conditions, bundles,
     reduce(a = [], b IN bundles | a + [(b)-[:INCLUDES]->(m:Matter) | [b.id, m.id]]) AS bm,
     reduce(a = [], c IN conditions | a + [(c)-[r:ADDS]->(t) | {
         condition_id: c.id, option: r.option, target_kind: toLower(labels(t)[0]),
         target_id: t.id, matter_id: r.matter_id, source: r.source}]) AS effects
WITH i, st, under, scenario_exists, scenarios, sm, sb, conditions, bundles, bm, effects,
     [x IN sm | x[1]] + [x IN bm | x[1]]
       + [e IN effects WHERE e.target_kind = 'matter' | e.target_id] AS candidate_ids
OPTIONAL MATCH (m:Matter)-[:HANDLED_BY]->(d:Department) WHERE m.id IN candidate_ids
WITH i, st, under, scenario_exists, scenarios, sm, sb, conditions, bundles, bm, effects,
     collect(m) AS matters, collect(DISTINCT d) AS departments
RETURN i {.*} AS industry, st {.*} AS stage, under, scenario_exists,
       [s IN scenarios | s {.*}] AS scenarios,
       sm, sb, bm, effects,
       [c IN conditions | c {.*}] AS conditions,
       [b IN bundles | b {.*}] AS bundles,
       [m IN matters | m {.*}] AS matters,
       [d IN departments | d {.*}] AS departments,
       reduce(a = [], m IN matters | a + [(m)-[:ASKS_FOR]->(x:Material) | [m.id, x.id]]) AS mm,
       reduce(a = [], m IN matters | a + [(m)-[:ASKS_FOR]->(x:Material) | x {.*}])
         + [(c:Condition)-[:ADDS]->(x:Material) WHERE c IN conditions | x {.*}] AS materials,
       reduce(a = [], m IN matters | a + [(m)-[:REQUIRES]->(x:Matter) | [m.id, x.id, x.name]])
         AS prerequisites
"""

SEARCH_FULLTEXT = f"""
CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $query, {{limit: $limit}})
YIELD node
RETURN toLower(labels(node)[0]) AS kind, node {{.*}} AS n
"""

SEARCH_CONTAINS = (
    "MATCH (n) WHERE ("
    + " OR ".join(f"n:{label}" for label in SEARCH_LABELS)
    + ") AND any(t IN $terms WHERE "
    + " OR ".join(f"toLower(coalesce(n.{f}, '')) CONTAINS t" for f in SEARCH_FIELDS)
    + ") RETURN toLower(labels(n)[0]) AS kind, n {.*} AS n LIMIT $limit"
)
