"""The shared backend: the catalog graph in Neo4j 5 through the official driver.

executor.py (driver, database, error mapping, generation pinning), cypher.py (every Cypher
statement), catalog.py (the GraphStore reads), loads.py (catalog generations and the switch).
"""
