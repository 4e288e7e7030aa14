"""Smoke check for the local Neo4j started by scripts/neo4j.sh.

Checks login, a uniqueness constraint, a full-text index with the cjk analyzer, and read and
write transactions over both bolt:// and neo4j:// (routing) URIs. Uses its own label
(ChainkgSmoke) and index names so it never touches project data; --cleanup removes them.
A counter node records how many runs saw the data, which shows that data survives restarts.

    python3 scripts/neo4j_smoke.py [--cleanup]
Env: CHAINKG_NEO4J_PORT (7687), CHAINKG_NEO4J_PASSWORD (chainkg-dev-pw).
"""

from __future__ import annotations

import argparse
import os
import sys

import neo4j
from neo4j.exceptions import ConstraintError

LABEL = "ChainkgSmoke"
CONSTRAINT = "chainkg_smoke_id"
FULLTEXT = "chainkg_smoke_ft"
NAME = "建筑工程施工许可证核发"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cleanup", action="store_true", help="drop the smoke data and exit")
    args = parser.parse_args()

    port = os.environ.get("CHAINKG_NEO4J_PORT", "7687")
    auth = ("neo4j", os.environ.get("CHAINKG_NEO4J_PASSWORD", "chainkg-dev-pw"))

    with neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=auth) as driver:
        driver.verify_connectivity()
        if args.cleanup:
            driver.execute_query(f"MATCH (n:{LABEL}) DETACH DELETE n")
            driver.execute_query(f"DROP INDEX {FULLTEXT} IF EXISTS")
            driver.execute_query(f"DROP CONSTRAINT {CONSTRAINT} IF EXISTS")
            print("cleanup: done")
            return 0

        assert driver.execute_query("RETURN 1 AS x").records[0]["x"] == 1
        version = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name + ' ' + versions[0] + ' ' + edition AS v"
        ).records[0]["v"]
        print(f"bolt: RETURN 1 ok ({version})")

        driver.execute_query(
            f"CREATE CONSTRAINT {CONSTRAINT} IF NOT EXISTS FOR (n:{LABEL}) REQUIRE n.id IS UNIQUE"
        )
        driver.execute_query(
            f"CREATE FULLTEXT INDEX {FULLTEXT} IF NOT EXISTS FOR (n:{LABEL}) ON EACH [n.name] "
            "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}"
        )
        driver.execute_query("CALL db.awaitIndexes(60)")
        driver.execute_query(f"MERGE (n:{LABEL} {{id: 'matter-1'}}) SET n.name = $name", name=NAME)
        try:
            driver.execute_query(f"CREATE (:{LABEL} {{id: 'matter-1'}})")
        except ConstraintError:
            print("constraint: duplicate id rejected")
        else:
            raise AssertionError("uniqueness constraint did not reject a duplicate id")

        analyzer = driver.execute_query(
            "SHOW FULLTEXT INDEXES YIELD name, options WHERE name = $n "
            "RETURN options.indexConfig.`fulltext.analyzer` AS a",
            n=FULLTEXT,
        ).records[0]["a"]
        hits = driver.execute_query(
            "CALL db.index.fulltext.queryNodes($index, '施工') YIELD node, score "
            "RETURN node.name AS name, score",
            index=FULLTEXT,
        ).records
        assert analyzer == "cjk", analyzer
        assert [r["name"] for r in hits] == [NAME], hits
        top = hits[0]
        print(f"fulltext: analyzer {analyzer}, '施工' -> {top['name']} (score {top['score']:.3f})")

    # neo4j:// makes the driver fetch a routing table and route reads and writes by role.
    with neo4j.GraphDatabase.driver(f"neo4j://127.0.0.1:{port}", auth=auth) as driver:
        driver.verify_connectivity()
        with driver.session() as session:
            runs = session.execute_write(
                lambda tx: tx.run(
                    f"MERGE (c:{LABEL} {{id: 'counter'}}) "
                    "SET c.runs = coalesce(c.runs, 0) + 1 RETURN c.runs AS runs"
                ).single(strict=True)["runs"]
            )
            found = session.execute_read(
                lambda tx: tx.run(
                    f"MATCH (n:{LABEL} {{id: 'matter-1'}}) RETURN n.name AS name"
                ).single(strict=True)["name"]
            )
        assert found == NAME, found
        print(f"routing: neo4j:// write and read transactions ok (smoke runs so far: {runs})")
    print("neo4j smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
