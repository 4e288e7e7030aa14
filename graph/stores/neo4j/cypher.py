"""Every Cypher statement chainkg runs. Always parameterised; labels and relationship types are
interpolated only from graph.schema's fixed tuples, never from input.

Catalog generations: every node carries `gen`, the number of the load that wrote it, and one
`(:ChainKGState {key: 'catalog'})` node names the generation being served. A load writes a new
generation in batched transactions, then flips `gen` on the state node in one small transaction
(the atomic switch), then deletes the old generation. Each read statement starts by reading the
state node once, so it sees one whole generation: the old catalog or the new, never a mix.
At rest only one generation exists, so planners may query the graph without `gen`.
"""

from __future__ import annotations

from graph.tables import LABELS, RELATIONSHIPS

STATE_LABEL = "ChainKGState"
FULLTEXT_INDEX = "chainkg_search"
SEARCH_LABELS = ("Matter", "Bundle", "Guide", "Scenario", "Department")
SEARCH_FIELDS = ("name", "code", "keywords", "description", "body")

# Prefix of every read: bind `g`, the generation being served (no row: no catalog yet).
# A pinned view passes `$gen`; otherwise `$gen` is null and the served generation is read.
_G = "MATCH (state:ChainKGState {key: 'catalog'}) WITH coalesce($gen, state.gen) AS g\n"


def constraints() -> list[str]:
    """Uniqueness of (gen, id) for every label (it backs the store's lookups), and indexes."""
    statements = [
        f"CREATE CONSTRAINT {label.lower()}_gen_id IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE (n.gen, n.id) IS UNIQUE"
        for label in LABELS
    ]
    # Plain id and name indexes: planners' ad-hoc queries look nodes up without `gen`.
    statements += [
        f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
        for label in LABELS
        for prop in ("id", "name")
    ]
    statements.append(
        f"CREATE CONSTRAINT chainkg_state_key IF NOT EXISTS "
        f"FOR (s:{STATE_LABEL}) REQUIRE s.key IS UNIQUE"
    )
    return statements


def fulltext_index() -> str:
    labels = "|".join(SEARCH_LABELS)
    fields = ", ".join(f"n.{f}" for f in SEARCH_FIELDS)
    return (
        f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:{labels}) "
        f"ON EACH [{fields}] OPTIONS {{indexConfig: {{`fulltext.analyzer`: 'cjk'}}}}"
    )


FULLTEXT_FIELDS = (
    "SHOW FULLTEXT INDEXES YIELD name, properties WHERE name = $name RETURN properties"
)
DROP_FULLTEXT = f"DROP INDEX {FULLTEXT_INDEX} IF EXISTS"
AWAIT_INDEXES = "CALL db.awaitIndexes(300)"
SERVED_GEN = "MATCH (s:ChainKGState {key: 'catalog'}) RETURN s.gen AS gen, s.version AS version"
# One load at a time: a lease on the state node, held under the loading store's token (so the
# same store may take over a lease its own failed load could not release). Writing `_lock`
# first takes the node's write lock, so the read of `loading` that follows cannot race another
# loader's.
ACQUIRE_LOAD = """
MERGE (s:ChainKGState {key: 'catalog'})
SET s._lock = true
WITH s, s.loading IS NULL OR s.loading = $token
        OR s.loading_since < datetime() - duration({minutes: $lease_minutes}) AS free
SET s.loading = CASE WHEN free THEN $token ELSE s.loading END,
    s.loading_since = CASE WHEN free THEN datetime() ELSE s.loading_since END
REMOVE s._lock
RETURN free, s.gen AS gen, toString(s.loading_since) AS since
"""
RENEW_LOAD = """
MATCH (s:ChainKGState {key: 'catalog'}) WHERE s.loading = $token
SET s.loading_since = datetime()
RETURN true AS held
"""
RELEASE_LOAD = """
MATCH (s:ChainKGState {key: 'catalog'}) WHERE s.loading = $token
REMOVE s.loading, s.loading_since
"""
SWITCH_GEN = """
MATCH (s:ChainKGState {key: 'catalog'}) WHERE s.loading = $token
SET s.gen = $gen, s.version = $version, s.loaded_at = datetime(), s.rows = $rows
RETURN s.gen AS gen
"""


def delete_generations(label: str) -> str:
    """Delete a label's nodes of every generation but `$keep` (null: all), in batches."""
    assert label in LABELS
    return (
        f"MATCH (n:{label}) WHERE $keep IS NULL OR n.gen <> $keep "
        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
    )


def create_nodes(label: str) -> str:
    assert label in LABELS
    return f"UNWIND $rows AS row CREATE (n:{label}) SET n = row, n.gen = $gen"


def create_edges(rel: str, source: str, target: str) -> str:
    assert rel in RELATIONSHIPS and (source, target) in RELATIONSHIPS[rel]
    return (
        f"UNWIND $rows AS row "
        f"MATCH (a:{source} {{gen: $gen, id: row.a}}) MATCH (b:{target} {{gen: $gen, id: row.b}}) "
        f"CREATE (a)-[r:{rel}]->(b) SET r = row.props"
    )


PING = "RETURN 1 AS ok"
NODE_COUNTS = (
    _G
    + "\n".join(
        f"CALL (g) {{ MATCH (n:{label} {{gen: g}}) RETURN count(n) AS c{i} }}"
        for i, label in enumerate(LABELS)
    )
    + "\nRETURN ["
    + ", ".join(f"c{i}" for i in range(len(LABELS)))
    + "] AS counts"
)
REL_COUNTS = (
    _G
    + """
MATCH (n {gen: g})-[r]->()
WHERE type(r) IN $types
RETURN type(r) AS name, count(r) AS c
"""
)

LIST_INDUSTRIES = (
    _G
    + """
MATCH (i:Industry {gen: g})
RETURN i {.*} AS industry,
       [(i)-[:HAS_STAGE]->(s:Stage) | s {.*}] AS stages
ORDER BY i.id
"""
)

INDUSTRY_DETAIL = (
    _G
    + """
MATCH (i:Industry {gen: g, id: $id})
RETURN i {.*} AS industry,
       [(i)-[:HAS_STAGE]->(s:Stage) | {
           stage: s {.*},
           scenarios: [(s)-[:HAS_SCENARIO]->(sc:Scenario) | sc {.*}],
           bundles: [(s)-[:HAS_SCENARIO]->(:Scenario)-[:SERVED_BY]->(b:Bundle) | b {.*}]
       }] AS stages
"""
)


def exists(label: str) -> str:
    assert label in LABELS
    return _G + f"RETURN EXISTS {{ MATCH (:{label} {{gen: g, id: $id}}) }} AS found"


SCENARIOS_ALL = _G + "MATCH (s:Scenario {gen: g}) RETURN s {.*} AS s ORDER BY s.id"
SCENARIOS_OF_INDUSTRY = (
    _G
    + """
MATCH (:Industry {gen: g, id: $industry})-[:HAS_STAGE]->(:Stage)-[:HAS_SCENARIO]->(s:Scenario)
RETURN DISTINCT s {.*} AS s ORDER BY s.id
"""
)
SCENARIOS_OF_STAGE = (
    _G
    + """
MATCH (st:Stage {gen: g, id: $stage})-[:HAS_SCENARIO]->(s:Scenario)
WHERE $industry IS NULL OR st.industry_id = $industry
RETURN s {.*} AS s ORDER BY s.id
"""
)

BUNDLES_ALL = (
    _G
    + """
MATCH (b:Bundle {gen: g}) WHERE $kind IS NULL OR b.kind = $kind
RETURN b {.*} AS b ORDER BY b.id
"""
)
BUNDLES_OF_SCENARIOS = (
    _G
    + """
MATCH (s:Scenario {gen: g})-[:SERVED_BY]->(b:Bundle)
WHERE s.id IN $scenarios AND ($kind IS NULL OR b.kind = $kind)
RETURN DISTINCT b {.*} AS b ORDER BY b.id
"""
)

MATTER_DETAIL = (
    _G
    + """
MATCH (m:Matter {gen: g, id: $id})-[:HANDLED_BY]->(d:Department)
RETURN m {.*} AS matter, d {.*} AS department,
       [(m)-[:ASKS_FOR]->(x:Material) | x {.*}] AS materials,
       [(m)-[:REQUIRES]->(x:Matter) | x {.*}] AS requires,
       [(m)<-[:REQUIRES]-(x:Matter) | x {.*}] AS required_by,
       [(m)<-[:NEEDS]-(x:Scenario) | x {.*}] AS scenarios,
       [(m)<-[:INCLUDES]-(x:Bundle) | x {.*}] AS bundles,
       [(m)<-[:ABOUT]-(x:Guide) | x {.*}] AS guides
"""
)

DEPARTMENT_DETAIL = (
    _G
    + """
MATCH (d:Department {gen: g, id: $id})
RETURN d {.*} AS department,
       [(d)<-[:HANDLED_BY]-(x:Matter) | x {.*}] AS matters,
       [(d)<-[:LED_BY]-(x:Bundle) | x {.*}] AS leads,
       [(d)<-[:HOSTS]-(x:ServiceCentre) | x {.*}] AS centres
"""
)

BUNDLE_DETAIL = (
    _G
    + """
MATCH (b:Bundle {gen: g, id: $id})-[:LED_BY]->(lead:Department)
OPTIONAL MATCH (b)-[:PART_OF]->(family:Bundle)
RETURN b {.*} AS bundle, lead {.*} AS lead, family {.*} AS family,
       [(b)<-[:PART_OF]-(x:Bundle) | x {.*}] AS members,
       [(b)-[:INCLUDES]->(x:Matter) | x {.*}] AS matters,
       [(b)-[:INCLUDES]->(:Matter)-[:HANDLED_BY]->(x:Department) | x {.*}] AS departments,
       [(b)<-[:SERVED_BY]-(x:Scenario) | x {.*}] AS scenarios,
       [(b)<-[:ABOUT]-(x:Guide) | x {.*}] AS guides
"""
)

CENTRES = (
    _G
    + """
MATCH (c:ServiceCentre {gen: g}) WHERE $id IS NULL OR c.id = $id
RETURN c {.*} AS centre, [(c)-[:HOSTS]->(d:Department) | d {.*}] AS departments
ORDER BY c.id
"""
)

# The raw neighbourhood of one position (graph.model.PositionSubgraph), in one round trip: the
# scenario the position names, or every scenario under its stage when it names none. It
# decides nothing: the planner (graph.planner.resolve) checks the position and picks.
POSITION_SUBGRAPH = (
    _G
    + """
OPTIONAL MATCH (i:Industry {gen: g, id: $industry})
OPTIONAL MATCH (st:Stage {gen: g, id: $stage})
WITH g, i, st,
     CASE WHEN st IS NULL THEN [] ELSE [(st)-[:HAS_SCENARIO]->(x:Scenario) | x.id] END AS under,
     $scenario IS NOT NULL AND EXISTS { MATCH (:Scenario {gen: g, id: $scenario}) }
       AS scenario_exists
WITH g, i, st, under, scenario_exists,
     CASE WHEN $scenario IS NULL THEN under ELSE [$scenario] END AS fetched
OPTIONAL MATCH (s:Scenario {gen: g}) WHERE s.id IN fetched
WITH g, i, st, under, scenario_exists, collect(s) AS scenarios
WITH g, i, st, under, scenario_exists, scenarios,
     reduce(a = [], s IN scenarios | a + [(s)-[r:NEEDS]->(m:Matter) | [s.id, m.id]]) AS sm,
     reduce(a = [], s IN scenarios | a + [(s)-[:SERVED_BY]->(b:Bundle) | [s.id, b.id]]) AS sb,
     reduce(a = [], s IN scenarios | a + [(s)-[:ASKS]->(c:Condition) | c]) AS conditions
OPTIONAL MATCH (b:Bundle {gen: g}) WHERE b.id IN [x IN sb | x[1]]
WITH g, i, st, under, scenario_exists, scenarios, sm, sb, conditions, collect(b) AS bundles
WITH g, i, st, under, scenario_exists, scenarios, sm, sb, conditions, bundles,
     reduce(a = [], b IN bundles | a + [(b)-[:INCLUDES]->(m:Matter) | [b.id, m.id]]) AS bm
// The questions that decide a listed matter, wherever they are asked.
OPTIONAL MATCH (lm:Matter {gen: g})<-[:ADDS]-(dc:Condition)
  WHERE lm.id IN [x IN sm | x[1]] + [x IN bm | x[1]]
WITH g, i, st, under, scenario_exists, scenarios, sm, sb, bundles, bm, conditions,
     collect(DISTINCT dc) AS deciding
WITH g, i, st, under, scenario_exists, scenarios, sm, sb, bundles, bm,
     conditions + deciding AS conditions
WITH g, i, st, under, scenario_exists, scenarios, sm, sb, conditions, bundles, bm,
     reduce(a = [], c IN conditions | a + [(c)-[r:ADDS]->(t) | {
         condition_id: c.id, option: r.option, target_kind: toLower(labels(t)[0]),
         target_id: t.id, matter_id: r.matter_id, source: r.source}]) AS effects
WITH g, i, st, under, scenario_exists, scenarios, sm, sb, conditions, bundles, bm, effects,
     [x IN sm | x[1]] + [x IN bm | x[1]]
       + [e IN effects WHERE e.target_kind = 'matter' | e.target_id] AS candidate_ids
OPTIONAL MATCH (m:Matter {gen: g})-[:HANDLED_BY]->(d:Department) WHERE m.id IN candidate_ids
WITH i, st, under, scenario_exists, scenarios, sm, sb, conditions, bundles, bm, effects,
     collect(DISTINCT m) AS matters, collect(DISTINCT d) AS departments
RETURN i {.*} AS industry, st {.*} AS stage, under, scenario_exists,
       [s IN scenarios | s {.*}]
         + reduce(a = [], c IN conditions | a + [(c)<-[:ASKS]-(x:Scenario) | x {.*}])
         AS scenarios,
       sm, sb, bm, effects,
       [c IN conditions | c {.*}] AS conditions,
       [b IN bundles | b {.*}] AS bundles,
       [m IN matters | m {.*}] AS matters,
       [d IN departments | d {.*}] AS departments,
       reduce(a = [], m IN matters | a + [(m)-[:ASKS_FOR]->(x:Material) | [m.id, x.id]]) AS mm,
       reduce(a = [], m IN matters | a + [(m)-[:ASKS_FOR]->(x:Material) | x {.*}])
         + reduce(a = [], c IN conditions | a + [(c)-[:ADDS]->(x:Material) | x {.*}])
         AS materials,
       reduce(a = [], m IN matters | a + [(m)-[:REQUIRES]->(x:Matter) | [m.id, x.id, x.name]])
         AS prerequisites,
       // Where the catalog puts each required matter (the planner keeps those outside).
       reduce(a = [], m IN matters | a + [(m)-[:REQUIRES]->(x:Matter) | {id: x.id, places:
           [(x)<-[:NEEDS]-(s:Scenario)<-[:HAS_SCENARIO]-(t:Stage) | [t {.*}, s {.*}]]
           + [(x)<-[:INCLUDES]-(:Bundle)<-[:SERVED_BY]-(s:Scenario)<-[:HAS_SCENARIO]-(t:Stage)
              | [t {.*}, s {.*}]]}]) AS places
"""
)

SEARCH_FULLTEXT = (
    _G
    + f"""
CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $query)
YIELD node
WHERE node.gen = g
RETURN toLower(labels(node)[0]) AS kind, node {{.*}} AS n
"""
)

SEARCH_CONTAINS = (
    _G
    + "MATCH (n {gen: g}) WHERE ("
    + " OR ".join(f"n:{label}" for label in SEARCH_LABELS)
    + ") AND any(t IN $terms WHERE "
    + " OR ".join(f"toLower(coalesce(n.{f}, '')) CONTAINS t" for f in SEARCH_FIELDS)
    + ") RETURN toLower(labels(n)[0]) AS kind, n {.*} AS n"
)
