"""The catalog version: a digest of the catalog's content, the same on every backend."""

from __future__ import annotations

import dataclasses

from graph.model import Catalog
from graph.store import GraphStore
from graph.tables import catalog_fingerprint
from loaders.synthetic import synth


def test_the_served_version_is_the_digest_of_the_loaded_catalog(
    mini_backend: GraphStore, mini: Catalog
) -> None:
    version = mini_backend.catalog_version()
    assert version == catalog_fingerprint(mini)
    assert len(version) == 16 and int(version, 16) >= 0
    assert mini_backend.pinned().catalog_version() == version


def test_the_digest_follows_content_not_row_order(mini: Catalog) -> None:
    reordered = dataclasses.replace(mini, scenario_matters=list(reversed(mini.scenario_matters)))
    assert catalog_fingerprint(reordered) == catalog_fingerprint(mini)
    assert catalog_fingerprint(synth(mini, 2)) != catalog_fingerprint(mini)
