"""Request limits: the body (413, counted as it streams), ids, answers and their number (422).

Regression: a 50 MB body was accepted, even by GET /v1/health, which never reads it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import Limits
from api.settings import Settings
from graph.stores.factory import Backend
from tests.api.conftest import serving
from tests.conftest import MINI

PROBLEM = "application/problem+json"
DEFAULTS = Limits.defaults()
POSITION = {"industry": "nev", "stage": "nev.construction"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


def _app(backend: Backend, **limits: int) -> FastAPI:
    return create_app(Settings(data=MINI, **limits), backend=backend)


def test_the_defaults() -> None:
    assert Limits(body_bytes=65536, id_chars=100, answer_chars=100, answers=100) == DEFAULTS


@pytest.mark.parametrize("name", ["max_body_bytes", "max_id_chars", "max_answers"])
def test_a_limit_must_be_positive(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings(**{name: 0})


# --- the body ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/health"), ("POST", "/v1/recommendations")]
)
def test_a_declared_body_over_the_limit_is_413(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, content=b" " * (DEFAULTS.body_bytes + 1))
    problem = _problem(response, 413)
    assert problem["limit"] == DEFAULTS.body_bytes
    assert problem["setting"] == "CHAINKG_MAX_BODY_BYTES"
    assert "65536 bytes" in problem["detail"] and "CHAINKG_MAX_BODY_BYTES" in problem["detail"]
    assert response.headers["connection"] == "close"


def test_a_body_at_the_limit_is_read(mini_embedded: Backend) -> None:
    body = json.dumps(POSITION).encode()
    with TestClient(_app(mini_embedded, max_body_bytes=len(body))) as client:
        headers = {"content-type": "application/json"}
        ok = client.post("/v1/recommendations", content=body, headers=headers)
        assert ok.status_code == 200, ok.text
        padded = body + b" "
        _problem(client.post("/v1/recommendations", content=padded, headers=headers), 413)


def _asgi(app: FastAPI, chunks: list[bytes], method: str = "POST") -> tuple[int, bytes]:
    """Call the app with a body in `chunks` and no Content-Length, as a chunked upload is."""
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(messages):
            read += 1
            return messages[read - 1]
        await asyncio.sleep(3600)  # nothing more comes: a client waiting for the answer
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/v1/recommendations" if method == "POST" else "/v1/health",
        "raw_path": b"",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 10))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_chunked_body_over_the_limit_is_413_and_not_read_on(mini_embedded: Backend) -> None:
    app = _app(mini_embedded, max_body_bytes=1000)
    chunks = [b"x" * 400] * 3 + [b"never read"]
    status, body = _asgi(app, chunks)
    assert status == 413
    assert json.loads(body)["setting"] == "CHAINKG_MAX_BODY_BYTES"
    status, _ = _asgi(app, chunks, method="GET")
    assert status == 413  # even where the route never reads a body


def test_a_chunked_body_under_the_limit_reaches_the_route(mini_embedded: Backend) -> None:
    app = _app(mini_embedded, max_body_bytes=1000)
    text = json.dumps(POSITION).encode()
    status, body = _asgi(app, [text[:10], text[10:20], text[20:]])
    assert status == 200, body
    assert json.loads(body)["position"]["stage"]["id"] == "nev.construction"


def _answer_head(raw: socket.socket) -> bytes:
    answer = b""
    while b"\r\n\r\n" not in answer:
        piece = raw.recv(4096)
        if not piece:
            break
        answer += piece
    return answer


def test_over_a_real_server_chunked(mini_embedded: Backend) -> None:
    with serving(_app(mini_embedded, max_body_bytes=1000)) as url:
        parts = urlsplit(url)
        chunks = b"".join(b"%x\r\n%s\r\n" % (300, b"x" * 300) for _ in range(5)) + b"0\r\n\r\n"
        for method in ("GET /v1/health", "POST /v1/recommendations"):
            with socket.create_connection((parts.hostname, parts.port), timeout=10) as raw:
                raw.sendall(
                    method.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n" + chunks
                )
                answer = _answer_head(raw)
            assert answer.startswith(b"HTTP/1.1 413 "), (method, answer)


def test_over_a_real_server_50_mb_declared_is_refused_at_once(live_server: str) -> None:
    """Refused before the client has sent more than a few bytes of the body it announced."""
    parts = urlsplit(live_server)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as raw:
        raw.sendall(
            b"GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\n\r\n" + b"x" * 10
        )
        answer = _answer_head(raw)
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert b"connection: close" in answer.lower()
    assert time.monotonic() - started < 5


# --- fields ------------------------------------------------------------------------------------


def _errors(response: Any) -> dict[str, str]:
    problem = _problem(response, 422)
    return {e["field"]: e["message"] for e in problem["errors"]}


def test_ids_over_the_limit_are_422_naming_the_setting(client: TestClient) -> None:
    long_id = "x" * (DEFAULTS.id_chars + 1)
    expected = "at most 100 characters (the limit set by CHAINKG_MAX_ID_CHARS)"
    assert _errors(client.post("/v1/recommendations", json={**POSITION, "stage": long_id})) == {
        "stage": expected
    }
    assert _errors(client.get("/v1/matters/" + long_id)) == {"matter_id": expected}
    assert _errors(client.get("/v1/scenarios", params={"industry": long_id})) == {
        "industry": expected
    }
    answers = {long_id: "是"}
    assert _errors(client.post("/v1/recommendations", json={**POSITION, "answers": answers})) == {
        f"answers.{long_id}.[key]": expected
    }


def test_an_answer_over_the_limit_is_422(client: TestClient) -> None:
    answers = {"special_project": "是" * (DEFAULTS.answer_chars + 1)}
    errors = _errors(client.post("/v1/recommendations", json={**POSITION, "answers": answers}))
    assert errors == {
        "answers.special_project": "at most 100 characters "
        "(the limit set by CHAINKG_MAX_ANSWER_CHARS)"
    }


def test_too_many_answers_are_one_422(mini_embedded: Backend) -> None:
    with TestClient(_app(mini_embedded, max_answers=2)) as client:
        answers = {f"c{i}": "是" for i in range(3)}
        errors = _errors(client.post("/v1/recommendations", json={**POSITION, "answers": answers}))
        assert errors == {"answers": "at most 2 entries (the limit set by CHAINKG_MAX_ANSWERS)"}
        params = {**POSITION, "answer": [f"c{i}=是" for i in range(3)]}
        errors = _errors(client.get("/v1/viz/flowchart", params=params))
        assert errors == {"answer": "at most 2 entries (the limit set by CHAINKG_MAX_ANSWERS)"}
        two = {"special_project": "是", "big_area": "否"}
        ok = client.post("/v1/recommendations", json={**POSITION, "answers": two})
        assert ok.status_code == 200, ok.text


def test_a_malformed_answer_item_is_422(client: TestClient) -> None:
    for item in ("no-equals-sign", "=是", "  =是"):
        errors = _errors(client.get("/v1/viz/flowchart", params={**POSITION, "answer": item}))
        assert list(errors) == ["answer.0"], item


def test_the_openapi_document_states_the_app_limits(mini_embedded: Backend) -> None:
    with TestClient(_app(mini_embedded, max_id_chars=7, max_answer_chars=9, max_answers=3)) as c:
        spec = c.get("/v1/openapi.json").json()
    request = spec["components"]["schemas"]["RecommendationRequest"]["properties"]
    assert request["industry"]["maxLength"] == 7
    assert request["answers"]["maxProperties"] == 3
    assert request["answers"]["propertyNames"]["maxLength"] == 7
    assert request["answers"]["additionalProperties"]["maxLength"] == 9
    [matter_id] = spec["paths"]["/v1/matters/{matter_id}"]["get"]["parameters"]
    assert matter_id["schema"]["maxLength"] == 7
    flowchart = spec["paths"]["/v1/viz/flowchart"]["get"]["parameters"]
    [answer] = [p["schema"] for p in flowchart if p["name"] == "answer"]
    [items] = [s for s in answer["anyOf"] if s.get("type") == "array"]
    assert items["maxItems"] == 3
    assert items["items"]["maxLength"] == 7 + 1 + 9
