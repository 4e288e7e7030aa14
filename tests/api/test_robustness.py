"""Bad input never produces a 500, and an unexpected error still answers problem+json."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph.stores.factory import Backend
from graph.stores.memory import MemoryStore

WEIRD_STRINGS = [
    "",
    " ",
    "😀",
    "../../etc/passwd",
    "'; MATCH (n) DETACH DELETE n; //",
    "x" * 5000,
    "\x00",
    "nev.construction\n",
    "施工" * 200,
]
WEIRD_BODIES: list[Any] = [
    None,
    [],
    "nev",
    42,
    {"industry": None, "stage": None},
    {"industry": ["nev"], "stage": {"id": "nev.construction"}},
    {"industry": "nev", "stage": "nev.construction", "answers": ["special_project"]},
    {"industry": "nev", "stage": "nev.construction", "answers": {"special_project": None}},
    {"industry": "nev", "stage": "nev.construction", "scenario": 7},
]


@pytest.mark.parametrize("body", WEIRD_BODIES)
def test_weird_recommendation_bodies_are_4xx(client: TestClient, body: Any) -> None:
    response = client.post("/v1/recommendations", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("text", WEIRD_STRINGS)
def test_weird_strings_anywhere_are_not_500(client: TestClient, text: str) -> None:
    responses = [
        client.post(
            "/v1/recommendations", json={"industry": text, "stage": text, "scenario": text}
        ),
        client.post(
            "/v1/recommendations",
            json={"industry": "nev", "stage": "nev.construction", "answers": {text: text}},
        ),
        client.get("/v1/search", params={"q": text}),
        client.get("/v1/scenarios", params={"industry": text, "stage": text}),
        client.get("/v1/bundles", params={"industry": text, "kind": text}),
        client.get("/v1/matters/" + quote(text, safe="")),
    ]
    for response in responses:
        assert response.status_code < 500, (response.request.url, response.text)


class _Broken(MemoryStore):
    def list_industries(self):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")


def test_an_unexpected_error_is_a_problem_500_without_internals() -> None:
    app = create_app(Settings(), backend=Backend("memory", _Broken(), shared=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/industries")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "a bug" not in response.text
