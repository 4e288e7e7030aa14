"""Schemathesis over the app's own OpenAPI document: every operation, every check.

In process (schemathesis' ASGI transport, no server), over the mini catalog on the embedded
backend. Each operation runs schemathesis' phases — the document's examples, coverage
(boundary values, every parameter missing or of the wrong type, methods the document does
not declare, wrong content types) and fuzzing — with positive and negative data, and every
built-in check (`--checks all`): no 5xx, documented status codes, content types, headers and
body schemas, valid data accepted, invalid data rejected, 405 with `Allow` for undeclared
methods, and the rest. A fixed seed and MAX_EXAMPLES keep the run short and repeatable.

One expectation is widened, for four operations only (the status change: 428 without a
version, see VERSIONED; a consultation no guide answers and no matter matches: 422, asking
for the matter it is about): a request the schema calls valid may
still be refused with 422 by POST /v1/recommendations and GET /v1/viz/flowchart, whose ids and
answers must fit together in the catalog (a scenario not under the stage, an answer to a
question the position does not ask, an option the question does not offer). No schema can
say which ids the catalog holds; 422 for them is the documented contract (README, "How a
recommendation is planned"). Unknown ids are 404, which the check accepts anyway. The
analytics likewise (docs/analytics.md): GET /v1/analytics/candidates refuses a min_size above
max_size, GET /v1/analytics/position-diff a stage of another industry or the same stage twice,
POST /v1/analytics/what-if a proposal left with no matter, a removal the proposal does not
hold, a matter another party files or both matters and a bundle — each with 422.

Every operation runs twice: without a token, and with a window token (the 综合窗口, which
may create projects and consultations), so the tracking operations are fuzzed past their 401.
The catalog is only read: its store refuses to be replaced once the run starts, and the
answers after the run are the answers before it. (Tracking writes go to this run's own
tracking database.)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis import Case

from api.app import create_app
from api.settings import Settings
from graph.model import Catalog
from graph.stores.factory import Backend
from graph.stores.memory import MemoryStore
from loaders import load_catalog
from tests.conftest import MINI
from tracking.stores.sql import open_sql_store, sqlite_url
from tracking.tokens import issue
from tracking.workflow import Role

MAX_EXAMPLES = 100
SEED = 20261201
SEMANTIC_422 = (
    "POST /v1/recommendations",
    "GET /v1/viz/flowchart",
    "POST /v1/consultations",
    "GET /v1/analytics/candidates",
    "GET /v1/analytics/position-diff",
    "POST /v1/analytics/what-if",
)
# A status change names the version it was made from in If-Match or in the body; the schema
# makes both optional (either will do), so a request with neither is valid for it yet 428.
VERSIONED = "POST /v1/projects/{code}/matters/{matter_id}/status"
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # the check's default


class _ReadOnlyStore(MemoryStore):
    """The mini catalog's store; once armed, any attempt to replace its catalog is recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.writes: list[str] = []

    def replace_catalog(self, catalog: Catalog, *args: Any, **kwargs: Any) -> Any:
        if self.armed:
            self.writes.append("replace_catalog")
            raise AssertionError("a request tried to replace the catalog")
        return super().replace_catalog(catalog, *args, **kwargs)


STORE = _ReadOnlyStore()
STORE.replace_catalog(load_catalog(MINI))
STORE.armed = True
TRACKING = open_sql_store(sqlite_url(Path(tempfile.mkdtemp(prefix="chainkg-st-")) / "t.db"))
WINDOW_TOKEN = issue(TRACKING, Role.WINDOW, None, "schemathesis", "test", datetime.now(UTC))
APP = create_app(
    Settings(data=MINI), backend=Backend("memory", STORE, shared=False), tracking=TRACKING
)


def _config(auth: dict[str, Any]) -> schemathesis.Config:
    return schemathesis.Config.from_dict({**BASE_CONFIG, **auth})


BASE_CONFIG: dict[str, Any] = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES},
    "operations": [
        {
            "include-name": name,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        }
        for name in SEMANTIC_422
    ]
    + [
        {
            "include-name": VERSIONED,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "428"]}},
        }
    ],
}
schema = schemathesis.openapi.from_asgi("/v1/openapi.json", APP, config=_config({}))
schema.config.checks.update(included_check_names=["all"])  # `--checks all`
# The same with the window's token wherever the document asks for the bearer scheme.
with_token = schemathesis.openapi.from_asgi(
    "/v1/openapi.json",
    APP,
    config=_config({"auth": {"openapi": {"HTTPBearer": {"bearer": WINDOW_TOKEN.secret}}}}),
)
with_token.config.checks.update(included_check_names=["all"])


def _answers(client: TestClient) -> list[Any]:
    """What the catalog answers: it must be the same after every request schemathesis sent."""
    position = {"industry": "nev", "stage": "nev.construction", "scenario": "kaigong"}
    return [
        client.get("/v1/ready").json(),
        client.get("/v1/industries").json(),
        client.get("/v1/scenarios").json(),
        client.get("/v1/bundles").json(),
        client.get("/v1/service-matrix").json(),
        client.post("/v1/recommendations", json=position).json(),
    ]


@pytest.fixture(scope="module", autouse=True)
def nothing_written() -> Iterator[None]:
    with TestClient(APP) as client:
        before = _answers(client)
        yield
        assert STORE.writes == [], "a request wrote to the catalog"
        assert _answers(client) == before, "the catalog answers differently after the run"


def test_every_operation_is_under_test() -> None:
    documented = {
        f"{method.upper()} {path}"
        for path, operations in APP.openapi()["paths"].items()
        for method in operations
    }
    operations = [result.ok() for result in schema.get_all_operations()]
    tested = {f"{op.method.upper()} {op.path}" for op in operations}
    assert tested == documented
    assert set(SEMANTIC_422) <= documented


@schema.parametrize()
def test_api(case: Case) -> None:
    case.call_and_validate()


@with_token.parametrize()
def test_api_with_a_window_token(case: Case) -> None:
    case.call_and_validate()
