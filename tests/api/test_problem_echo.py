"""Whatever a request carries, its problem response can be encoded and stays small.

Regression: a JSON body may spell a lone surrogate as an escape (`"\\udfff"`); Python decodes it
to a string UTF-8 cannot encode, and a problem echoing it (the 404 naming the id) failed to
render: a 500, and uvicorn dropped the keep-alive connection. Echoed input is also cut.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.problems import ECHO_CHARS, MAX_ERRORS, echo
from api.settings import Settings
from graph.stores.factory import Backend
from tests.conftest import MINI

PROBLEM = "application/problem+json"
BODIES = {
    "scenario": '{"industry":"nev","stage":"nev.circulation","scenario":"\\udfff"}',
    "industry": '{"industry":"\\ud800x","stage":"nev.circulation"}',
    "answers key": '{"industry":"nev","stage":"nev.construction","answers":{"\\udfff":"是"}}',
    "answers value": (
        '{"industry":"nev","stage":"nev.construction","answers":{"special_project":"\\udfff"}}'
    ),
    "extra member": '{"industry":"nev","stage":"nev.construction","\\udfff":1}',
}


def _problem(response: Any) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    response.content.decode("utf-8")  # strict: it is UTF-8 through and through
    body: dict[str, Any] = json.loads(response.content)
    return body


@pytest.mark.parametrize("body", list(BODIES.values()), ids=list(BODIES))
def test_a_lone_surrogate_anywhere_in_the_body_is_a_4xx_problem(
    client: TestClient, body: str
) -> None:
    response = client.post(
        "/v1/recommendations", content=body.encode(), headers={"content-type": "application/json"}
    )
    _problem(response)  # pydantic refuses some as strings; the rest are echoed, replaced


def test_the_404_names_the_id_with_the_surrogate_replaced(client: TestClient) -> None:
    response = client.post(
        "/v1/recommendations",
        content=BODIES["scenario"].encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 404
    problem = _problem(response)
    assert problem["kind"] == "scenario"
    assert problem["id"] == "\ufffd"
    assert "'\ufffd'" in problem["detail"]


def test_echoed_values_are_cut_saying_so(mini_embedded: Backend) -> None:
    # Ids up to 10,000 characters pass the field limit here, so the 404 has to echo one.
    app = create_app(Settings(data=MINI, max_id_chars=10_000), backend=mini_embedded)
    long_id = "x" * 5000
    with TestClient(app) as client:
        for response in (
            client.get("/v1/matters/" + long_id),
            client.post("/v1/recommendations", json={"industry": long_id, "stage": "s"}),
        ):
            problem = _problem(response)
            assert response.status_code == 404
            assert problem["id"] == "x" * ECHO_CHARS + "… (cut: 5000 characters in all)"
            assert long_id not in response.text
            assert len(response.content) < 2 * ECHO_CHARS + 400


def test_field_names_from_the_input_are_cut_too(client: TestClient) -> None:
    key = "k" * 3000
    response = client.post(
        "/v1/recommendations", json={"industry": "nev", "stage": "nev.construction", key: 1}
    )
    problem = _problem(response)
    assert response.status_code == 422
    [error] = problem["errors"]
    assert error["field"].startswith("k" * ECHO_CHARS + "… (cut: 3000 characters")
    assert key not in response.text


def test_a_problem_lists_at_most_max_errors(client: TestClient) -> None:
    body: dict[str, Any] = {"industry": "nev", "stage": "nev.construction"}
    body.update({f"extra{i}": i for i in range(500)})
    problem = _problem(client.post("/v1/recommendations", json=body))
    assert len(problem["errors"]) == MAX_ERRORS
    assert "(and 497 more)" in problem["detail"]
    assert f"lists the first {MAX_ERRORS} of 500" in problem["detail"]


def test_echo() -> None:
    assert echo("a\udfffb") == "a\ufffdb"
    assert echo("施工" * 150) == "施工" * 100 + "… (cut: 300 characters in all)"
    assert echo("short") == "short"


def test_the_connection_stays_usable_after_a_surrogate(live_server: str) -> None:
    """Over a real uvicorn: the bad request is answered, and the same connection serves on."""
    parts = urlsplit(live_server)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        for body in BODIES.values():
            connection.request(
                "POST",
                "/v1/recommendations",
                body=body.encode(),
                headers={"content-type": "application/json"},
            )
            response = connection.getresponse()
            payload = response.read()
            assert 400 <= response.status < 500, payload
            assert response.getheader("connection") != "close"
            json.loads(payload.decode("utf-8"))
        connection.request("GET", "/v1/matters/" + quote("\ufffd"))
        response = connection.getresponse()
        response.read()
        assert response.status == 404
        connection.request("GET", "/v1/health")
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (200, {"status": "ok"})
    finally:
        connection.close()
