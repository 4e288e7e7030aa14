"""The OpenAPI document documents every error an operation answers, as problem+json.

Regression: errors were documented as FastAPI's 422 HTTPValidationError (application/json, a
shape chainkg never sends) and 404/503 without content.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph.stores.factory import embedded_backend
from tests.api.test_success_shapes import schema_errors

PROBLEM = "application/problem+json"
NEEDS_NO_BACKEND = {"/v1/health", "/v1/desk"}  # the desk page only holds the page
LOOKS_IDS_UP = {
    "/v1/industries/{industry_id}",
    "/v1/scenarios",
    "/v1/matters/{matter_id}",
    "/v1/departments/{department_id}",
    "/v1/bundles",
    "/v1/bundles/{bundle_id}",
    "/v1/service-centres/{centre_id}",
    "/v1/recommendations",
    "/v1/service-matrix",
    "/v1/viz/service-matrix",
    "/v1/viz/chain-map",
    "/v1/viz/flowchart",
    "/v1/analytics/candidates",  # leave_out names bundles
    "/v1/analytics/what-if",
    "/v1/analytics/position-diff",
}
LOOKS_IDS_UP |= {
    "/v1/projects",  # POST: the position's ids
    "/v1/projects/{code}",
    "/v1/projects/{code}/plan",
    "/v1/projects/{code}/history",
    "/v1/projects/{code}/matters/{matter_id}",
    "/v1/projects/{code}/matters/{matter_id}/status",
    "/v1/projects/{code}/qr.svg",
    "/v1/projects/{code}/qr.png",
    "/v1/projects/{code}/page",
    "/v1/projects/{code}/flowchart",
    "/v1/departments/{department_id}/queue",
    "/v1/guides",
    "/v1/consultations",
    "/v1/consultations/{consultation_id}",
    "/v1/consultations/{consultation_id}/answer",
}
WITHOUT_PARAMETERS = {
    "/v1/health",
    "/v1/ready",
    "/v1/industries",
    "/v1/service-centres",
    "/v1/consultations/stats",
    "/v1/kpis",
    "/v1/kpis/page",
    "/v1/desk",
}
# Tracking: the operations that need a token (401, 403), those whose change can conflict
# with the state now (409), and the versioned change (428 without its version).
NEEDS_TOKEN = {
    ("post", "/v1/projects"),
    ("get", "/v1/projects"),
    ("post", "/v1/projects/{code}/matters/{matter_id}/status"),
    ("get", "/v1/departments/{department_id}/queue"),
    ("get", "/v1/audit"),
    ("post", "/v1/consultations"),
    ("get", "/v1/consultations"),
    ("get", "/v1/consultations/stats"),
    ("get", "/v1/consultations/{consultation_id}"),
    ("post", "/v1/consultations/{consultation_id}/answer"),
    ("get", "/v1/kpis"),
}
CONFLICTS = {
    "/v1/projects/{code}/matters/{matter_id}/status",
    "/v1/consultations/{consultation_id}/answer",
}
VERSIONED = {"/v1/projects/{code}/matters/{matter_id}/status"}


def _spec(client: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/v1/openapi.json").json()
    return spec


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def test_fastapi_validation_schemas_are_gone(client: TestClient) -> None:
    spec = _spec(client)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "ValidationError" not in spec["components"]["schemas"]
    assert "HTTPValidationError" not in str(spec)


def test_every_operation_documents_its_errors(client: TestClient) -> None:
    for method, path, operation in _operations(_spec(client)):
        statuses = {int(s) for s in operation["responses"] if s not in ("200", "201")}
        expected = {413, 500}
        if path not in NEEDS_NO_BACKEND:
            expected.add(503)
        if path in LOOKS_IDS_UP:
            expected.add(404)
        if path not in WITHOUT_PARAMETERS:
            expected.add(422)
        if method == "post":
            expected.add(400)
        if (method, path) in NEEDS_TOKEN:
            expected |= {401, 403}
        if path in CONFLICTS:
            expected.add(409)
        if path in VERSIONED:
            expected.add(428)
        if path == "/v1/projects" and method == "get":
            expected.discard(404)  # the list looks nothing up
        assert statuses == expected, (method, path)
        for status in statuses:
            answer = operation["responses"][str(status)]
            assert answer["description"], (method, path, status)
            assert list(answer["content"]) == [PROBLEM], (method, path, status)


def test_each_status_has_its_problem_schema(client: TestClient) -> None:
    spec = _spec(client)
    schemas = spec["components"]["schemas"]
    responses = spec["paths"]["/v1/recommendations"]["post"]["responses"]
    refs = {
        s: r["content"][PROBLEM]["schema"]["$ref"].rsplit("/", 1)[-1]
        for s, r in responses.items()
        if s != "200"
    }
    assert refs == {
        "400": "Problem",
        "404": "NotFoundProblem",
        "413": "TooLargeProblem",
        "422": "ValidationProblem",
        "500": "Problem",
        "503": "Problem",
    }
    assert schemas["Problem"]["required"] == ["type", "title", "status", "detail"]
    assert schemas["ValidationProblem"]["properties"]["errors"]["items"] == {
        "$ref": "#/components/schemas/ProblemError"
    }
    assert schemas["ProblemError"]["required"] == ["field", "message"]
    assert {"kind", "id"} <= set(schemas["NotFoundProblem"]["properties"])
    assert {"limit", "setting"} <= set(schemas["TooLargeProblem"]["required"])
    assert responses["503"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}


def _documented(spec: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    schema: dict[str, Any] = spec["paths"][path][method]["responses"][str(status)]["content"][
        PROBLEM
    ]["schema"]
    return schema


@pytest.mark.parametrize(
    ("method", "path", "url", "kwargs", "status"),
    [
        ("get", "/v1/matters/{matter_id}", "/v1/matters/nope", {}, 404),
        ("get", "/v1/matters/{matter_id}", "/v1/matters/" + "x" * 101, {}, 422),
        ("post", "/v1/recommendations", "/v1/recommendations", {"json": {"stage": "s"}}, 422),
        ("post", "/v1/recommendations", "/v1/recommendations", {"content": b"x" * 70_000}, 413),
        (
            "post",
            "/v1/recommendations",
            "/v1/recommendations",
            {"content": b'{"industry": "\xff"}', "headers": {"content-type": "application/json"}},
            400,
        ),
        ("get", "/v1/viz/chain-map", "/v1/viz/chain-map?industry=nope", {}, 404),
    ],
)
def test_the_problems_sent_match_the_documented_schemas(
    client: TestClient, method: str, path: str, url: str, kwargs: dict[str, Any], status: int
) -> None:
    spec = _spec(client)
    response = client.request(method.upper(), url, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert schema_errors(response.json(), _documented(spec, method, path, status), spec) == []


def test_a_503_matches_its_documented_schema_and_header() -> None:
    with TestClient(create_app(Settings(), backend=embedded_backend())) as empty:
        spec = _spec(empty)
        response = empty.get("/v1/ready")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert schema_errors(response.json(), _documented(spec, "get", "/v1/ready", 503), spec) == []
