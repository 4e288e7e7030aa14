"""The backends, which only store and fetch: memory (networkx, embedded) and Neo4j (shared).

Open one with `graph.stores.factory.open_backend`; nothing above this package names a backend.
"""
