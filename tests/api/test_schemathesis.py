"""Schemathesis over the app's own OpenAPI document: every operation, every check.

In process (schemathesis' ASGI transport, no server), over the mini catalog on the embedded
backend. Each operation runs schemathesis' phases — the document's examples, coverage
(boundary values, every parameter missing or of the wrong type, methods the document does
not declare, wrong content types) and fuzzing — with positive and negative data, and every
built-in check (`--checks all`): no 5xx, documented status codes, content types, headers and
body schemas, valid data accepted, invalid data rejected, 405 with `Allow` for undeclared
methods, and the rest. A fixed seed and MAX_EXAMPLES keep the run short and repeatable.

One expectation is widened, for two operations only: a request the schema calls valid may
still be refused with 422 by POST /v1/recommendations and GET /v1/viz/flowchart, whose ids and
answers must fit together in the catalog (a scenario not under the stage, an answer to a
question the position does not ask, an option the question does not offer). No schema can
say which ids the catalog holds; 422 for them is the documented contract (README, "How a
recommendation is planned"). Unknown ids are 404, which the check accepts anyway.

The API only reads: the catalog store refuses to be replaced once the run starts, and the
answers after the run are the answers before it.
"""

from __future__ import annotations

from collections.abc import Iterator
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

MAX_EXAMPLES = 100
SEED = 20261201
SEMANTIC_422 = ("POST /v1/recommendations", "GET /v1/viz/flowchart")
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
APP = create_app(Settings(data=MINI), backend=Backend("memory", STORE, shared=False))

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES},
        "operations": [
            {
                "include-name": name,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            }
            for name in SEMANTIC_422
        ],
    }
)
schema = schemathesis.openapi.from_asgi("/v1/openapi.json", APP, config=CONFIG)
schema.config.checks.update(included_check_names=["all"])  # `--checks all`


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
