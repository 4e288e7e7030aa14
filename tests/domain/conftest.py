"""The acceptance suite runs on the shipped catalog, on every backend (tests/contract's
fixtures: `shipped_backend`, `shipped`, `neo4j_holder`)."""

from tests.contract.conftest import (  # noqa: F401  (fixtures)
    neo4j_holder,
    shipped,
    shipped_backend,
)
