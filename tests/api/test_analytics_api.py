"""The analytics routes on the hand-worked fixture catalog (tests/fixtures/analytics): the
figures are graph.analytics' (worked out in tests/graph/test_analytics.py), the errors
problem+json, the survey kept per catalog version and surveyed afresh after a load."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes import analytics as route
from graph.stores.factory import embedded_backend
from loaders import load_catalog

FIXTURE = Path(__file__).parents[1] / "fixtures" / "analytics"
PROBLEM = "application/problem+json"


@pytest.fixture
def client() -> Iterator[TestClient]:
    backend = embedded_backend(load_catalog(FIXTURE))
    with TestClient(create_app(backend=backend)) as c:
        yield c


def test_candidates_and_what_if(client: TestClient) -> None:
    body = client.get("/v1/analytics/candidates").json()
    first = body["candidates"][0]
    assert [m["id"] for m in first["matters"]] == ["m.a", "m.b", "m.c"]
    assert (first["savings"]["days_before"], first["savings"]["days_after"]) == (18, 8)
    assert first["lead"]["id"] == "d1"
    answer = client.post("/v1/analytics/what-if", json={"matters": ["m.a", "m.b"]}).json()
    assert (answer["before"]["steps"], answer["after"]["steps"]) == (2, 1)
    assert [p["scenario"] for p in answer["positions"]] == [None, "s1", "s2"]


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "field"),
    [
        ("post", "/v1/analytics/what-if", {"matters": ["m.nope"]}, 404, None),
        ("post", "/v1/analytics/what-if", {"bundle": "b.nope"}, 404, None),
        ("post", "/v1/analytics/what-if", {}, 422, "matters"),
        ("post", "/v1/analytics/what-if", {"bundle": "b.de", "remove": ["m.a"]}, 422, "remove"),
        ("post", "/v1/analytics/what-if", {"matters": ["x"] * 101}, 422, "matters"),
        ("get", "/v1/analytics/candidates?leave_out=b.nope", None, 404, None),
        ("get", "/v1/analytics/candidates?min_size=5&max_size=3", None, 422, "min_size"),
        ("get", "/v1/analytics/candidates?limit=51", None, 422, "limit"),
        (
            "get",
            "/v1/analytics/position-diff?industry=ind&from_stage=ind.make&to_stage=ind.make",
            None,
            422,
            "to_stage",
        ),
        (
            "get",
            "/v1/analytics/position-diff?industry=ind&from_stage=ind.make&to_stage=nope",
            None,
            404,
            None,
        ),
    ],
)
def test_errors_are_problems(
    client: TestClient,
    method: str,
    url: str,
    body: dict[str, object] | None,
    status: int,
    field: str | None,
) -> None:
    response = client.request(method, url, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    if field is not None:
        assert response.json()["errors"][0]["field"] == field


def test_the_survey_is_kept_per_catalog_version() -> None:
    catalog = load_catalog(FIXTURE)
    backend = embedded_backend(catalog)
    with TestClient(create_app(backend=backend)) as client:
        before = client.get("/v1/analytics/bottlenecks").json()
        version = before["catalog_version"]
        assert route._surveys[version] is route.current_survey(backend.catalog)
        assert [m["matter"]["id"] for m in before["offline"]] == ["m.d"]
        changed = load_catalog(FIXTURE)
        changed.matters["m.d"] = replace(changed.matters["m.d"], online=True)
        backend.catalog.replace_catalog(changed)
        after = client.get("/v1/analytics/bottlenecks").json()
        assert after["catalog_version"] != version
        assert after["offline"] == []
