"""The OpenAPI document, told true once for every operation: the errors it can answer.

FastAPI documents a 422 with its own HTTPValidationError schema and nothing else. Here every
operation gets each error status it can return, as application/problem+json with the Problem
schema of that status (api/schemas.py), worked out from the route itself:

- 413 and 500: every operation (the body limit and the error guard sit in front of all routes);
- 422: an operation with parameters or a body (field limits, types, ids that do not fit);
- 400: an operation with a body (a body that is not JSON text at all, e.g. not UTF-8);
- 503: an operation that reads the backend (it depends on api/deps.get_backend);
- 404: an operation whose route declares `responses=problems.NOT_FOUND` (it looks ids up);
- 401 and 403: an operation that needs a token (it depends on api/auth.current_actor);
- 409: an operation whose route declares `responses=problems.CONFLICT`, and 428 too with
  `problems.VERSIONED` (a versioned change); 503 also for one that reads the tracking store
  (api/auth.get_tracking).

405 is not an operation's answer (it answers a method no operation has) and HEAD, answered
wherever GET is, is left implicit as HTTP defines it. The string and map bounds in the
document are the app's own limits (api/limits.py), bound while the document is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.auth import current_actor, get_tracking
from api.deps import get_backend
from api.limits import Limits, bound
from api.problems import PROBLEM_JSON
from api.schemas import NotFoundProblem, Problem, TooLargeProblem, ValidationProblem

ERRORS: dict[int, tuple[type[BaseModel], str]] = {
    400: (Problem, "The body is not JSON text (problem+json)."),
    401: (Problem, "No bearer token, or one unknown or revoked (`WWW-Authenticate: Bearer`)."),
    403: (Problem, "The token's role (or an officer's department) may not do this."),
    409: (
        Problem,
        "The change conflicts with the current state: a status move the workflow does not "
        "allow, or a version changed meanwhile (`current` holds the state now).",
    ),
    428: (Problem, "A change sent without the version it was made from (If-Match)."),
    404: (NotFoundProblem, "An id names nothing in the catalog; `kind` and `id` say which."),
    413: (TooLargeProblem, "The body is larger than CHAINKG_MAX_BODY_BYTES."),
    422: (
        ValidationProblem,
        "Invalid request: every invalid field in `errors` (types, CHAINKG_MAX_* limits, ids that "
        "do not fit together, answers that are not options).",
    ),
    500: (Problem, "An unexpected error; what went wrong is in the server log only."),
    503: (
        Problem,
        "The graph backend is unreachable or holds no catalog yet; retry after `Retry-After`.",
    ),
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    }
}
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def api_routes(routes: Sequence[Any]) -> Iterator[Any]:
    """The API routes among `routes`, as FastAPI's OpenAPI writer sees them.

    Since FastAPI 0.16x an included router is one entry of `app.routes`, and its routes are
    reached through route contexts (which answer what an APIRoute does); before, `app.routes`
    held the APIRoutes themselves.
    """
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    for route in contexts(routes) if contexts is not None else routes:
        if isinstance(getattr(route, "original_route", route), APIRoute):
            yield route


def error_statuses(route: Any) -> list[int]:
    """The error statuses an operation of `route` can answer."""
    found = {413, 500}
    if route.body_field is not None:
        found |= {400, 422}
    if get_flat_params(route.dependant):
        found.add(422)
    if _depends_on(route.dependant, get_backend) or _depends_on(route.dependant, get_tracking):
        found.add(503)
    if _depends_on(route.dependant, current_actor):
        found |= {401, 403}
    for status in (409, 428):
        if status in route.responses or str(status) in route.responses:
            found.add(status)
    if 404 in route.responses or "404" in route.responses:
        found.add(404)
    return sorted(found)


def _components(schema: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_VALIDATION:
        schemas.pop(name, None)
    for model in dict.fromkeys(model for model, _ in ERRORS.values()):
        found = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(found.pop("$defs", {}))
        schemas[model.__name__] = found
    return schemas


def document_errors(schema: dict[str, Any], routes: Sequence[Any]) -> None:
    """Write every operation's error responses into `schema` (an OpenAPI document)."""
    _components(schema)
    for route in api_routes(routes):
        if not route.include_in_schema:
            continue
        for method in route.methods:
            operation = schema["paths"][route.path_format][method.lower()]
            responses = operation.setdefault("responses", {})
            for status in error_statuses(route):
                model, description = ERRORS[status]
                ref = {"$ref": f"#/components/schemas/{model.__name__}"}
                answer: dict[str, Any] = {
                    "description": description,
                    "content": {PROBLEM_JSON: {"schema": ref}},
                }
                if status == 503:
                    answer["headers"] = RETRY_AFTER
                responses[str(status)] = answer
            operation["responses"] = dict(sorted(responses.items()))


def install(app: FastAPI, limits: Limits) -> None:
    """Make `app.openapi()` write the document under `limits`, with every error documented."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with bound(limits):
                schema = generate()
            document_errors(schema, app.routes)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
