"""Every v1 endpoint on the mini catalog, and the problem+json error envelope."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/v1/health").json() == {"status": "ok"}
    ready = client.get("/v1/ready").json()
    assert ready["status"] == "ready" and ready["counts"]["Matter"] == 7


def test_industries_list_stages_in_order(client: TestClient) -> None:
    [nev] = client.get("/v1/industries").json()
    assert nev["name"] == "新能源汽车"
    assert [(s["id"], s["order"]) for s in nev["stages"]] == [
        ("nev.construction", 1),
        ("nev.circulation", 3),
    ]


def test_industry_detail_has_scenarios_and_bundles(client: TestClient) -> None:
    body = client.get("/v1/industries/nev").json()
    construction = body["stages"][0]
    assert [s["name"] for s in construction["scenarios"]] == ["竣工验收", "新建厂房开工"]
    assert [b["name"] for b in construction["bundles"]] == ["开工一件事"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["jungong", "kaigong", "sales"]),
        ({"industry": "nev"}, ["jungong", "kaigong", "sales"]),
        ({"industry": "nev", "stage": "nev.circulation"}, ["sales"]),
    ],
)
def test_scenarios_filter(client: TestClient, params: dict[str, str], expected: list[str]) -> None:
    assert [s["id"] for s in client.get("/v1/scenarios", params=params).json()] == expected


def test_matter_detail(client: TestClient) -> None:
    body = client.get("/v1/matters/sgxk").json()
    assert body["name"] == "建筑工程施工许可证核发"
    assert body["department"]["name"] == "住房和城乡建设局"
    assert [p["id"] for p in body["prerequisites"]] == ["ghxk"]
    assert [m["id"] for m in body["materials"]] == ["drawings", "form", "license"]
    assert body["source"] == "住房和城乡建设部令第42号"


def test_department_detail(client: TestClient) -> None:
    body = client.get("/v1/departments/zj").json()
    assert [m["id"] for m in body["matters"]] == ["jgba", "sgxk", "xfsc"]
    assert {b["id"] for b in body["leads"]} == {"approval", "kaigong_bundle"}
    assert [c["id"] for c in body["centres"]] == ["hall"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["approval", "car_sales", "kaigong_bundle"]),
        ({"industry": "nev", "stage": "nev.construction"}, ["kaigong_bundle"]),
        ({"kind": "chain_special"}, ["car_sales"]),
    ],
)
def test_bundles_filter(client: TestClient, params: dict[str, str], expected: list[str]) -> None:
    assert [b["id"] for b in client.get("/v1/bundles", params=params).json()] == expected


def test_bundle_detail(client: TestClient) -> None:
    body = client.get("/v1/bundles/kaigong_bundle").json()
    assert body["lead_department"]["name"] == "住房和城乡建设局"
    assert body["family"]["name"] == "项目审批一类事"
    assert [m["name"] for m in body["matters"]] == [
        "新建民用建筑防空地下室易地建设审批",
        "建筑工程施工许可证核发",
    ]
    family = client.get("/v1/bundles/approval").json()
    assert [m["id"] for m in family["members"]] == ["kaigong_bundle"]


def test_service_centres(client: TestClient) -> None:
    [hall] = client.get("/v1/service-centres").json()
    assert [d["id"] for d in hall["departments"]] == ["rf", "zj"]
    assert client.get("/v1/service-centres/hall").json() == hall


def test_recommendation(client: TestClient) -> None:
    body = client.post(
        "/v1/recommendations",
        json={
            "industry": "nev",
            "stage": "nev.construction",
            "scenario": "kaigong",
            "answers": {"special_project": "是"},
        },
    ).json()
    assert body["position"]["scenario"]["name"] == "新建厂房开工"
    assert [p["matters"] for p in body["department_path"]] == [["ghxk"], ["rfsp", "sgxk", "xfsc"]]
    # Nothing excluded, no calendar window, no 告知承诺 in the mini catalog: elapsed = decision.
    assert body["estimate"] == {
        "serial_days": 13,
        "parallel_days": 10,
        "critical_path": ["ghxk", "xfsc"],
        "elapsed_days": 10,
        "with_commitment_days": 10,
        "excluded": [],
    }
    # Windows: kaigong_bundle (rfsp, sgxk), ghxk, xfsc.
    assert body["savings"]["steps_after"] == 3
    assert [q["id"] for q in body["pending_questions"]] == ["big_area"]
    matter = body["matters"][0]
    assert matter["department"] == {"id": "gh", "name": "自然资源和规划局"}
    assert matter["time_limit_days"] == 5


def test_search_finds_a_matter_by_any_two_characters(client: TestClient) -> None:
    for q in ("施工", "许可", "核发"):
        ids = [h["id"] for h in client.get("/v1/search", params={"q": q}).json()]
        assert "sgxk" in ids, q
    first = client.get("/v1/search", params={"q": "施工许可"}).json()[0]
    assert first["id"] == "sgxk"
    guides = client.get("/v1/search", params={"q": "48小时", "kind": "guide"}).json()
    assert [h["id"] for h in guides] == ["g_kaigong"]


@pytest.mark.parametrize(
    ("path", "kind", "record_id"),
    [
        ("/v1/matters/nope", "matter", "nope"),
        ("/v1/departments/nope", "department", "nope"),
        ("/v1/bundles/nope", "bundle", "nope"),
        ("/v1/industries/nope", "industry", "nope"),
        ("/v1/service-centres/nope", "service centre", "nope"),
        ("/v1/scenarios?industry=nope", "industry", "nope"),
    ],
)
def test_unknown_ids_are_404_naming_the_id(
    client: TestClient, path: str, kind: str, record_id: str
) -> None:
    body = _problem(client.get(path), 404)
    assert body["kind"] == kind and body["id"] == record_id and record_id in body["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": "nev.construction"}, "industry"),
        ({"industry": "nev", "stage": ""}, "stage"),
        ({"industry": "nev", "stage": "nev.construction", "answers": {"x": 1}}, "answers.x"),
        ({"industry": "nev", "stage": "nev.construction", "colour": "red"}, "colour"),
        ({"industry": "nev", "stage": "nev.construction", "scenario": "sales"}, "scenario"),
        (
            {
                "industry": "nev",
                "stage": "nev.construction",
                "answers": {"special_project": "也许"},
            },
            "answers.special_project",
        ),
    ],
)
def test_invalid_bodies_are_422_with_errors(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    problem = _problem(client.post("/v1/recommendations", json=body), 422)
    assert field in [e["field"] for e in problem["errors"]]


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    response = client.post(
        "/v1/recommendations", content=b"{not json", headers={"content-type": "application/json"}
    )
    _problem(response, 422)


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    _problem(client.get("/v1/nothing"), 404)
    _problem(client.delete("/v1/health"), 405)


def test_a_405_problem_keeps_the_allow_header(client: TestClient) -> None:
    response = client.delete("/v1/health")
    _problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD"  # HEAD is answered wherever GET is


def test_http_exception_headers_reach_the_problem_response() -> None:
    from fastapi import FastAPI, HTTPException

    from api import problems

    app = FastAPI()
    problems.install(app)

    @app.get("/limited")
    def limited() -> None:
        raise HTTPException(429, "slow down", headers={"Retry-After": "7"})

    response = TestClient(app).get("/limited")
    assert _problem(response, 429)["detail"] == "slow down"
    assert response.headers["retry-after"] == "7"


def test_bad_query_parameters_are_422(client: TestClient) -> None:
    _problem(client.get("/v1/bundles", params={"kind": "weird"}), 422)
    _problem(client.get("/v1/search", params={"q": ""}), 422)


def test_openapi_documents_every_route_with_examples(client: TestClient) -> None:
    spec = client.get("/v1/openapi.json").json()
    assert {"/v1/recommendations", "/v1/search", "/v1/bundles/{bundle_id}"} <= set(spec["paths"])
    request = spec["components"]["schemas"]["RecommendationRequest"]
    assert request["examples"]


def test_ready_is_503_while_the_backend_holds_no_catalog() -> None:
    from api.app import create_app
    from api.settings import Settings
    from graph.stores.factory import embedded_backend

    with TestClient(create_app(Settings(), backend=embedded_backend())) as empty:
        body = _problem(empty.get("/v1/ready"), 503)
        assert "no catalog" in body["detail"]
        assert empty.get("/v1/health").status_code == 200
