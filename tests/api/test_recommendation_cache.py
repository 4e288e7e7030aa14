"""Recommendations served from the cache are the ones the planner computes, for the catalog
served now: a load never leaves a stale plan behind, and errors are never cached."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cache import ResponseCache
from api.settings import Settings
from graph.model import Catalog
from graph.stores.factory import Backend, embedded_backend

KAIGONG = {"industry": "nev", "stage": "nev.construction", "scenario": "kaigong"}


def _renamed(catalog: Catalog, matter_id: str, name: str) -> Catalog:
    matters = dict(catalog.matters)
    matters[matter_id] = dataclasses.replace(matters[matter_id], name=name)
    return dataclasses.replace(catalog, matters=matters)


@pytest.fixture(params=[64, 0], ids=["cache", "no-cache"])
def served(request: pytest.FixtureRequest, mini_catalog: Catalog) -> tuple[TestClient, Backend]:
    backend = embedded_backend(mini_catalog)
    app = create_app(Settings(recommendation_cache_mb=request.param), backend=backend)
    return TestClient(app), backend


def test_a_load_changes_what_is_served_at_once(
    served: tuple[TestClient, Backend], mini_catalog: Catalog
) -> None:
    client, backend = served
    first = client.post("/v1/recommendations", json=KAIGONG).json()
    assert client.post("/v1/recommendations", json=KAIGONG).json() == first
    matter = first["matters"][0]["id"]
    backend.load(_renamed(mini_catalog, matter, "改名后的事项"))
    after = client.post("/v1/recommendations", json=KAIGONG).json()
    assert next(m for m in after["matters"] if m["id"] == matter)["name"] == "改名后的事项"
    backend.load(mini_catalog)  # back to the first catalog: its plan again
    assert client.post("/v1/recommendations", json=KAIGONG).json() == first


def test_answers_are_part_of_the_key(served: tuple[TestClient, Backend]) -> None:
    client, _ = served
    default = client.post("/v1/recommendations", json=KAIGONG).json()
    question = default["pending_questions"][0]
    other = next(o["value"] for o in question["options"] if o["value"] != question["default"])
    answered = client.post(
        "/v1/recommendations", json={**KAIGONG, "answers": {question["id"]: other}}
    ).json()
    assert answered["answers"] == {question["id"]: other} != default["answers"]


def test_an_error_is_not_cached(served: tuple[TestClient, Backend]) -> None:
    client, _ = served
    body = {**KAIGONG, "answers": {"no-such-question": "x"}}
    assert client.post("/v1/recommendations", json=body).status_code == 422
    assert client.post("/v1/recommendations", json=body).status_code == 422


def test_the_cache_keeps_at_most_its_bytes_least_recently_used_out_first() -> None:
    cache = ResponseCache(max_bytes=10)
    assert cache.get_or_compute("a", lambda: b"aaaa") == b"aaaa"
    cache.get_or_compute("b", lambda: b"bbbb")
    cache.get_or_compute("a", lambda: b"never")  # a hit, and a is now the most recent
    cache.get_or_compute("c", lambda: b"cccc")  # 12 bytes: b goes
    assert cache.get_or_compute("a", lambda: b"new") == b"aaaa"
    assert cache.get_or_compute("b", lambda: b"BBBB") == b"BBBB"
    assert cache.stats()["bytes"] <= 10
    assert cache.get_or_compute("big", lambda: b"x" * 11) == b"x" * 11  # served, not kept
    assert "big" not in cache._entries
