"""The success shape of every v1 endpoint, pinned two ways (in the spirit of datasette's tests).

Each JSON endpoint is called once on the mini catalog and its 200 body is checked

(a) against the response schema the app's own OpenAPI document declares for that operation, with
    a small validator for the subset pydantic emits (objects are treated as closed: a served field
    the schema does not declare is an error too), and
(b) against a hand-written contract: the documented fields with their Python types, so removing a
    field from both the schema and the response still fails. Every contract list must be
    non-empty somewhere in the body (so item shapes are really checked) unless it is marked
    `may_be_empty` with the reason the mini catalog cannot fill it.

The HTML/CSV/XLSX pages under /v1/viz are checked for status and content type. A last test fails
when the app gains a GET/POST route under /v1 that no case here covers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.docs import DOCS_URL

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --------------------------------------------------------------------------------------------
# (a) A validator for the JSON Schema subset in the OpenAPI document
# --------------------------------------------------------------------------------------------

Schema: TypeAlias = dict[str, Any]

# Keywords that only describe; everything else must be understood, or the validator says so.
ANNOTATIONS = frozenset(
    {"title", "description", "examples", "example", "default", "format", "deprecated"}
)
UNDERSTOOD = frozenset(
    {
        "$ref",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "oneOf",
        "allOf",
        "enum",
        "const",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
    }
)


def _is_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise AssertionError(f"unknown JSON Schema type {name!r}")


def _resolve(ref: str, spec: Schema) -> Schema:
    if not ref.startswith("#/"):
        raise AssertionError(f"only local $ref are supported, not {ref!r}")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    assert isinstance(node, dict), ref
    return node


def schema_errors(value: Any, schema: Schema, spec: Schema, path: str = "$") -> list[str]:
    """Why `value` does not match `schema` ($ref resolved in `spec`); empty when it matches."""
    unknown = set(schema) - UNDERSTOOD - ANNOTATIONS
    if unknown:
        return [f"{path}: unsupported schema keyword(s) {sorted(unknown)}; extend the validator"]
    if "$ref" in schema:
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        target = _resolve(schema["$ref"], spec)
        return schema_errors(value, target, spec, path) + schema_errors(value, rest, spec, path)
    errors: list[str] = []
    for sub in schema.get("allOf", []):
        errors += schema_errors(value, sub, spec, path)
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            matching = [s for s in schema[keyword] if not schema_errors(value, s, spec, path)]
            wanted = len(matching) == 1 if keyword == "oneOf" else bool(matching)
            if not wanted:
                reasons = [schema_errors(value, s, spec, path) for s in schema[keyword]]
                errors.append(f"{path}: {len(matching)} of the {keyword} branches match {reasons}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, t) for t in types):
            return [*errors, f"{path}: expected {'|'.join(types)}, got {value!r:.80}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} is not {schema['const']!r}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match {schema['pattern']!r}")
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: above {schema['maximum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                errors += schema_errors(item, schema["items"], spec, f"{path}[{i}]")
    if isinstance(value, dict):
        errors += _object_errors(value, schema, spec, path)
    return errors


def _object_errors(value: dict[str, Any], schema: Schema, spec: Schema, path: str) -> list[str]:
    errors = [
        f"{path}: missing required {name!r}"
        for name in schema.get("required", [])
        if name not in value
    ]
    properties: dict[str, Schema] = schema.get("properties", {})
    extra_schema = schema.get("additionalProperties")
    for name, item in value.items():
        if name in properties:
            errors += schema_errors(item, properties[name], spec, f"{path}.{name}")
        elif isinstance(extra_schema, dict):
            errors += schema_errors(item, extra_schema, spec, f"{path}.{name}")
        elif extra_schema is False or (properties and extra_schema is None):
            # Closed on purpose: a served field the document does not declare is a mismatch.
            errors.append(f"{path}: field {name!r} is not declared in the schema")
    return errors


# --------------------------------------------------------------------------------------------
# (b) The hand-written contract
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListOf:
    item: Shape
    may_be_empty: str = ""  # the reason, when the mini catalog leaves it empty for the case


@dataclass(frozen=True)
class MapOf:
    value: Shape  # a JSON object with free string keys


@dataclass(frozen=True)
class Nullable:
    inner: Shape
    expect_value: bool = False  # the case must show a non-null value somewhere


Shape: TypeAlias = "type[Any] | dict[str, Shape] | ListOf | MapOf | Nullable"


@dataclass
class _Seen:
    collections: dict[str, ListOf | MapOf] = field(default_factory=dict)
    items: Counter[str] = field(default_factory=Counter)  # list/map path -> items seen
    nullables: dict[str, Nullable] = field(default_factory=dict)
    values: Counter[str] = field(default_factory=Counter)  # nullable path -> non-null seen


def _scalar_ok(value: Any, kind: type[Any]) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:  # JSON has one number type: an integral float may come back as an int
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def _walk(value: Any, shape: Shape, path: str, seen: _Seen) -> list[str]:
    if isinstance(shape, ListOf | MapOf):
        seen.collections.setdefault(path, shape)
    if isinstance(shape, Nullable):
        seen.nullables.setdefault(path, shape)
        if value is None:
            return []
        seen.values[path] += 1
        return _walk(value, shape.inner, path, seen)
    if isinstance(shape, ListOf):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r:.80}"]
        seen.items[path] += len(value)
        return [e for item in value for e in _walk(item, shape.item, f"{path}[]", seen)]
    if isinstance(shape, MapOf):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r:.80}"]
        seen.items[path] += len(value)
        return [e for k, v in value.items() for e in _walk(v, shape.value, f"{path}.<{k}>", seen)]
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r:.80}"]
        errors = [f"{path}: missing field {name!r}" for name in shape if name not in value]
        for name, sub in shape.items():
            if name in value:
                errors += _walk(value[name], sub, f"{path}.{name}", seen)
        return errors
    if not _scalar_ok(value, shape):
        return [f"{path}: expected {shape.__name__}, got {value!r:.80}"]
    return []


def contract_errors(value: Any, shape: Shape) -> list[str]:
    """Why `value` breaks the contract `shape`; empty when it holds."""
    seen = _Seen()
    errors = _walk(value, shape, "$", seen)
    for path, collection in seen.collections.items():
        excused = isinstance(collection, ListOf) and bool(collection.may_be_empty)
        if not seen.items[path] and not excused:
            errors.append(f"{path}: empty everywhere, its item shape is never checked")
    for path, nullable in seen.nullables.items():
        if nullable.expect_value and not seen.values[path]:
            errors.append(f"{path}: null everywhere, its shape is never checked")
    return errors


REF: dict[str, Shape] = {"id": str, "name": str}
STAGE: dict[str, Shape] = {"id": str, "name": str, "order": int, "kind": str}
SCENARIO: dict[str, Shape] = {
    "id": str,
    "name": str,
    "description": str,
    "life_event": str,
    "source": str,
}
BUNDLE: dict[str, Shape] = {
    "id": str,
    "name": str,
    "kind": str,
    "lead_department_id": str,
    "family_id": Nullable(str),
    "industry_id": Nullable(str),
    "description": str,
    "mode": str,
    "promised_days": Nullable(int),
    "source": str,
}
DEPARTMENT: dict[str, Shape] = {"id": str, "name": str, "level": str, "source": str}
MATTER: dict[str, Shape] = {
    "id": str,
    "code": str,
    "name": str,
    "type": str,
    "level": str,
    "department_id": str,
    "legal_days": int,
    "promised_days": int,
    "visits": int,
    "online": bool,
    "fee": float,
    "approval_stage": str,
    "party": str,
    "excluded_days": int,
    "excluded_kind": str,
    "calendar_days": int,
    "baseline_visits": Nullable(int),
    "commitment": bool,
    "deferrable": bool,
    "source": str,
}
MATERIAL: dict[str, Shape] = {
    "id": str,
    "name": str,
    "shared": bool,
    "commitment": bool,
    "deferrable": bool,
    "basis": str,
    "source": str,
}
GUIDE: dict[str, Shape] = {
    "id": str,
    "title": str,
    "body": str,
    "about_kind": str,
    "about_id": str,
    "source": str,
}
CENTRE: dict[str, Shape] = {
    "id": str,
    "name": str,
    "description": str,
    "source": str,
    "departments": ListOf(REF),
}
RECOMMENDATION: dict[str, Shape] = {
    "position": {
        "industry": REF,
        "stage": REF,
        "stage_kind": str,
        "scenario": Nullable(REF, expect_value=True),
        "scenarios": ListOf(REF),
    },
    "bundles": ListOf(REF),
    "matters": ListOf(
        {
            "id": str,
            "code": str,
            "name": str,
            "type": str,
            "level": str,
            "department": REF,
            "time_limit_days": int,
            "legal_days": int,
            "visits": int,
            "online": bool,
            "fee": float,
            "phase": int,
            "requires": ListOf(str),
            "reasons": ListOf(str),
            "critical": bool,
            "source": str,
            "approval_stage": str,
            "step": str,
            "excluded_days": int,
            "excluded_kind": str,
            "calendar_days": int,
            "elapsed_days": int,
            "commitment": bool,
            "deferrable": bool,
        }
    ),
    "materials": ListOf(
        {
            "id": str,
            "name": str,
            "used_by": ListOf(str),
            "added_by": ListOf(str),
            "shared": bool,
            "commitment": bool,
            "deferrable": bool,
        }
    ),
    "department_path": ListOf(
        {
            "phase": int,
            "departments": ListOf(REF),
            "matters": ListOf(str),
            "days": int,
            "steps": ListOf(
                {
                    "id": str,
                    "kind": str,
                    "name": str,
                    "mode": str,
                    "lead": REF,
                    "departments": ListOf(REF),
                    "matters": ListOf(str),
                    "days": int,
                    "elapsed_days": int,
                }
            ),
        }
    ),
    "estimate": {
        "serial_days": int,
        "parallel_days": int,
        "critical_path": ListOf(str),
        "elapsed_days": int,
        "with_commitment_days": int,
        "excluded": ListOf(
            {"matter": str, "kind": str, "days": int, "calendar_days": int},
            may_be_empty="no matter of the mini catalog has excluded or calendar days",
        ),
    },
    "savings": {
        "materials_before": int,
        "materials_after": int,
        "visits_before": int,
        "visits_after": int,
        "steps_before": int,
        "steps_after": int,
        "materials_shared": int,
        "materials_by_commitment": int,
        "days_before": int,
        "days_after": int,
    },
    "pending_questions": ListOf(
        {
            "id": str,
            "question": str,
            "scenario": REF,
            "options": ListOf(
                {"value": str, "adds": ListOf({"kind": str, "id": str, "name": str})}
            ),
            "default": Nullable(str),  # the mini catalog's conditions have no default
        }
    ),
    "answers": MapOf(str),
    "prerequisites_held": ListOf(
        {
            "id": str,
            "name": str,
            "required_by": ListOf(str),
            "places": ListOf({"stage": REF, "scenario": REF}),
        },
        may_be_empty="every prerequisite of kaigong's matters is inside the position",
    ),
    "assumptions": ListOf(
        {"id": str, "question": str, "option": str, "change": str},
        may_be_empty="no condition of the mini catalog has a default",
    ),
    "by_others": ListOf(
        {"id": str, "name": str, "party": str, "department": REF},
        may_be_empty="no matter of the mini catalog is filed by another party",
    ),
    "other_scenarios": ListOf(
        {"id": str, "name": str, "life_event": str},
        may_be_empty="a scenario position, and the mini catalog has no life-event scenario",
    ),
}
SERVICE_MATRIX: dict[str, Shape] = {
    "industries": ListOf(REF),
    "rows": ListOf(
        {
            "key": str,
            "kind": str,
            "id": str,
            "name": str,
            "industry": REF,
            "stage": REF,
            "bundle_kind": Nullable(str, expect_value=True),
            "lead_departments": ListOf(str),
            "total": int,
        }
    ),
    "columns": ListOf({"id": str, "name": str, "total": int}),
    "cells": ListOf(
        {"row": str, "column": str, "count": int, "lead": bool, "matters": ListOf(REF)}
    ),
    "total": int,
}

SAVINGS: dict[str, Shape] = {
    "materials_before": int,
    "materials_after": int,
    "visits_before": int,
    "visits_after": int,
    "steps_before": int,
    "steps_after": int,
    "materials_shared": int,
    "materials_by_commitment": int,
    "days_before": int,
    "days_after": int,
}
FIGURES: dict[str, Shape] = {
    "matters": int,
    "materials": int,
    "visits": int,
    "steps": int,
    "days": int,
    "elapsed_days": int,
    "departments": int,
}
PLAN_FIGURES: dict[str, Shape] = {
    "matters": int,
    "materials": int,
    "visits": int,
    "steps": int,
    "days": int,
    "elapsed_days": int,
}
CANDIDATES: dict[str, Shape] = {
    "catalog_version": str,
    "leave_out": ListOf(str, may_be_empty="no bundle is left out in the case"),
    "candidates": ListOf(
        {
            "rank": int,
            "matters": ListOf(REF),
            "scenarios": ListOf(REF),
            "industries": ListOf(REF),
            "positions": int,
            "departments": ListOf(REF),
            "lead": REF,
            "lead_days": int,
            "support": float,
            "savings": SAVINGS,
            "before": FIGURES,
            "after": FIGURES,
            "closest_bundle": Nullable(
                {"bundle": REF, "jaccard": float, "shared": int}, expect_value=True
            ),
        }
    ),
}
WHAT_IF: dict[str, Shape] = {
    "catalog_version": str,
    "base": Nullable(REF, expect_value=True),
    "matters": ListOf(REF),
    "added": ListOf(REF),
    "removed": ListOf(REF, may_be_empty="the case only adds a matter"),
    "lead": REF,
    "mode": str,
    "departments_before": ListOf(REF),
    "departments_after": ListOf(REF),
    "before": FIGURES,
    "after": FIGURES,
    "savings": SAVINGS,
    "serves": ListOf(REF),
    "positions": ListOf(
        {
            "industry": str,
            "stage": str,
            "scenario": Nullable(str),
            "matters_added": ListOf(REF),
            "matters_removed": ListOf(REF, may_be_empty="adding a matter removes none"),
            "materials_added": ListOf(REF),
            "materials_removed": ListOf(REF, may_be_empty="adding a matter removes none"),
            "bundles_added": ListOf(REF, may_be_empty="the case changes an existing bundle"),
            "bundles_removed": ListOf(REF, may_be_empty="the case changes an existing bundle"),
            "before": PLAN_FIGURES,
            "after": PLAN_FIGURES,
        }
    ),
}
BOTTLENECKS: dict[str, Shape] = {
    "catalog_version": str,
    "plans": int,
    "departments": ListOf({"department": REF, "paths": int, "days": int, "matters": ListOf(str)}),
    "matters": ListOf({"matter": REF, "department": REF, "paths": int, "days": int}),
    "materials": ListOf(
        {"material": REF, "plans": int, "matters": int, "shared": bool, "commitment": bool}
    ),
    "offline": ListOf({"matter": REF, "department": REF, "plans": int, "visits": int}),
}
POSITION_DIFF: dict[str, Shape] = {
    "catalog_version": str,
    "industry": REF,
    "from_stage": REF,
    "to_stage": REF,
    "new_matters": ListOf(REF),
    "continued_matters": ListOf(REF, may_be_empty="the mini stages share no matter"),
    "done_matters": ListOf(REF),
    "materials_held": ListOf(REF),
    "new_materials": ListOf(REF),
    "departments_again": ListOf(REF, may_be_empty="the mini stages share no department"),
    "new_departments": ListOf(REF),
    "prerequisites_met": ListOf(REF, may_be_empty="the mini circulation stage holds none"),
    "before": PLAN_FIGURES,
    "after": PLAN_FIGURES,
}

# --------------------------------------------------------------------------------------------
# The cases: one per endpoint
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonCase:
    route: str  # the path template, as the app and the OpenAPI document name it
    contract: Shape
    path_params: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None  # given: the case is a POST

    @property
    def method(self) -> str:
        return "POST" if self.body is not None else "GET"

    @property
    def url(self) -> str:
        return self.route.format(**self.path_params)


@dataclass(frozen=True)
class FileCase:
    route: str
    params: dict[str, str]
    media_type: str
    magic: bytes  # how the body starts
    method: str = "GET"


JSON_CASES: dict[str, JsonCase] = {
    "health": JsonCase("/v1/health", {"status": str}),
    "ready": JsonCase("/v1/ready", {"status": str, "backend": str, "counts": MapOf(int)}),
    "industries": JsonCase(
        "/v1/industries", ListOf({"id": str, "name": str, "stages": ListOf(STAGE)})
    ),
    "industry": JsonCase(
        "/v1/industries/{industry_id}",
        {
            "id": str,
            "name": str,
            "description": str,
            "source": str,
            "stages": ListOf({**STAGE, "scenarios": ListOf(SCENARIO), "bundles": ListOf(BUNDLE)}),
        },
        path_params={"industry_id": "nev"},
    ),
    "scenarios": JsonCase("/v1/scenarios", ListOf(SCENARIO), params={"industry": "nev"}),
    "matter": JsonCase(
        "/v1/matters/{matter_id}",
        {
            **MATTER,
            "department": DEPARTMENT,
            "materials": ListOf(MATERIAL),
            "prerequisites": ListOf(REF),
            "required_by": ListOf(REF),
            "scenarios": ListOf(
                REF, may_be_empty="sgxk is reached through bundles, not a scenario"
            ),
            "bundles": ListOf(REF),
            "guides": ListOf(GUIDE, may_be_empty="the mini catalog's only guide is a bundle's"),
        },
        path_params={"matter_id": "sgxk"},
    ),
    "department": JsonCase(
        "/v1/departments/{department_id}",
        {
            **DEPARTMENT,
            "matters": ListOf(MATTER),
            "leads": ListOf(REF),
            "centres": ListOf(REF),
        },
        path_params={"department_id": "zj"},
    ),
    "bundles": JsonCase("/v1/bundles", ListOf(BUNDLE)),
    "bundle": JsonCase(
        "/v1/bundles/{bundle_id}",
        {
            **BUNDLE,
            "lead_department": REF,
            "family": Nullable(REF, expect_value=True),
            "members": ListOf(REF, may_be_empty="only a 一类事 (approval) has members"),
            "matters": ListOf(
                {
                    "id": str,
                    "name": str,
                    "code": str,
                    "type": str,
                    "level": str,
                    "department": REF,
                    "promised_days": int,
                    "source": str,
                }
            ),
            "departments": ListOf(REF),
            "scenarios": ListOf(REF),
            "guides": ListOf(GUIDE),
        },
        path_params={"bundle_id": "kaigong_bundle"},
    ),
    "service-centres": JsonCase("/v1/service-centres", ListOf(CENTRE)),
    "service-centre": JsonCase(
        "/v1/service-centres/{centre_id}", CENTRE, path_params={"centre_id": "hall"}
    ),
    "recommendations": JsonCase(
        "/v1/recommendations",
        RECOMMENDATION,
        body={
            "industry": "nev",
            "stage": "nev.construction",
            "scenario": "kaigong",
            "answers": {"big_area": "是"},  # adds a material; special_project stays pending
        },
    ),
    "search": JsonCase(
        "/v1/search",
        ListOf({"kind": str, "id": str, "name": str, "score": float, "snippet": str}),
        params={"q": "施工"},
    ),
    "service-matrix": JsonCase("/v1/service-matrix", SERVICE_MATRIX, params={"industry": "nev"}),
    "analytics-candidates": JsonCase("/v1/analytics/candidates", CANDIDATES),
    "analytics-what-if": JsonCase(
        "/v1/analytics/what-if", WHAT_IF, body={"bundle": "car_sales", "add": ["sgxk"]}
    ),
    "analytics-bottlenecks": JsonCase("/v1/analytics/bottlenecks", BOTTLENECKS),
    "analytics-position-diff": JsonCase(
        "/v1/analytics/position-diff",
        POSITION_DIFF,
        params={
            "industry": "nev",
            "from_stage": "nev.construction",
            "to_stage": "nev.circulation",
        },
    ),
}

FILE_CASES: dict[str, FileCase] = {
    "viz-service-matrix-html": FileCase(
        "/v1/viz/service-matrix", {"industry": "nev"}, "text/html", b"<!doctype html"
    ),
    "viz-service-matrix-csv": FileCase(
        "/v1/viz/service-matrix",
        {"industry": "nev", "format": "csv"},
        "text/csv",
        b"\xef\xbb\xbf",  # UTF-8 with BOM, so spreadsheet programs read the Chinese right
    ),
    "viz-service-matrix-xlsx": FileCase(
        "/v1/viz/service-matrix", {"industry": "nev", "format": "xlsx"}, XLSX, b"PK\x03\x04"
    ),
    "viz-chain-map": FileCase(
        "/v1/viz/chain-map", {"industry": "nev"}, "text/html", b"<!doctype html"
    ),
    "viz-flowchart": FileCase(
        "/v1/viz/flowchart",
        {"industry": "nev", "stage": "nev.construction", "scenario": "kaigong"},
        "text/html",
        b"<!doctype html",
    ),
    "analytics-report-html": FileCase("/v1/analytics/report", {}, "text/html", b"<!doctype html"),
    "analytics-report-xlsx": FileCase(
        "/v1/analytics/report", {"format": "xlsx"}, XLSX, b"PK\x03\x04"
    ),
}


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _openapi(client: TestClient) -> Schema:
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200, response.text
    spec: Schema = response.json()
    return spec


def _ok_content(spec: Schema, method: str, route: str) -> dict[str, Any]:
    operation = spec["paths"].get(route, {}).get(method.lower())
    assert operation is not None, f"the OpenAPI document has no {method} {route}"
    assert "200" in operation["responses"], f"{method} {route} documents no 200 response"
    content: dict[str, Any] = operation["responses"]["200"].get("content", {})
    return content


@pytest.mark.parametrize("case", list(JSON_CASES.values()), ids=list(JSON_CASES))
def test_json_success_shape(client: TestClient, case: JsonCase) -> None:
    if case.body is not None:
        response = client.post(case.url, params=case.params, json=case.body)
    else:
        response = client.get(case.url, params=case.params)
    assert response.status_code == 200, response.text
    assert _media_type(response.headers["content-type"]) == JSON
    body = response.json()

    spec = _openapi(client)
    content = _ok_content(spec, case.method, case.route)
    assert JSON in content, f"{case.route}: 200 is not documented as {JSON}: {list(content)}"
    schema: Schema = content[JSON]["schema"]
    assert schema, f"{case.route}: the documented 200 schema is empty"
    assert schema_errors(body, schema, spec) == []

    assert contract_errors(body, case.contract) == []


@pytest.mark.parametrize("case", list(FILE_CASES.values()), ids=list(FILE_CASES))
def test_file_success_type(client: TestClient, case: FileCase) -> None:
    response = client.get(case.route, params=case.params)
    assert response.status_code == 200, response.text
    media_type = _media_type(response.headers["content-type"])
    assert media_type == case.media_type
    assert media_type in _ok_content(_openapi(client), case.method, case.route)
    assert response.content[: len(case.magic)].lower() == case.magic.lower()


def _v1_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every GET/POST route under /v1, docs and schema excluded."""
    # FastAPI >= 0.16x keeps included routers nested; iter_route_contexts flattens them.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(flatten(app.routes)) if flatten else list(app.routes)
    docs = {app.openapi_url, DOCS_URL}  # api/docs.py serves the docs page itself
    found: set[tuple[str, str]] = set()
    for route in routes:
        path = getattr(route, "path", None)
        if not isinstance(path, str) or not path.startswith("/v1") or path in docs:
            continue
        for method in getattr(route, "methods", None) or ():
            if method in {"GET", "POST"}:
                found.add((method, path))
    return found


def test_every_v1_route_has_a_success_shape_case(client: TestClient) -> None:
    from tests.api.test_tracking_shapes import ROUTES as TRACKING_ROUTES  # pinned there

    covered = {(c.method, c.route) for c in JSON_CASES.values()}
    covered |= {(c.method, c.route) for c in FILE_CASES.values()}
    covered |= TRACKING_ROUTES
    assert isinstance(client.app, FastAPI)
    served = _v1_routes(client.app)
    assert len(served) >= len(JSON_CASES) + 3, f"route discovery found too little: {served}"
    assert served - covered == set(), "routes without a success-shape case"
    assert covered - served == set(), "cases for routes the app does not serve"
    documented = {
        (method.upper(), path)
        for path, operations in _openapi(client)["paths"].items()
        for method in operations
    }
    assert documented - covered == set(), "documented operations without a case"


# --------------------------------------------------------------------------------------------
# The checkers themselves can fail
# --------------------------------------------------------------------------------------------

TOY_SPEC: Schema = {
    "components": {
        "schemas": {
            "Ref": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                "required": ["id", "name"],
            },
            "Thing": {
                "type": "object",
                "title": "Thing",
                "properties": {
                    "days": {"type": "integer"},
                    "fee": {"type": "number"},
                    "kind": {"type": "string", "enum": ["stage", "bundle"]},
                    "family": {"anyOf": [{"$ref": "#/components/schemas/Ref"}, {"type": "null"}]},
                    "refs": {"type": "array", "items": {"$ref": "#/components/schemas/Ref"}},
                    "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                },
                "required": ["days", "fee", "kind", "family", "refs", "counts"],
            },
        }
    }
}
TOY: Schema = {"$ref": "#/components/schemas/Thing"}
GOOD: dict[str, Any] = {
    "days": 3,
    "fee": 0.0,
    "kind": "stage",
    "family": None,
    "refs": [{"id": "a", "name": "A"}],
    "counts": {"Matter": 7},
}


def test_validator_accepts_a_matching_body() -> None:
    assert schema_errors(GOOD, TOY, TOY_SPEC) == []
    assert schema_errors({**GOOD, "family": {"id": "f", "name": "F"}}, TOY, TOY_SPEC) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({k: v for k, v in GOOD.items() if k != "fee"}, "$: missing required 'fee'"),
        ({**GOOD, "days": "3"}, "$.days: expected integer"),
        ({**GOOD, "days": True}, "$.days: expected integer"),
        ({**GOOD, "refs": [{"id": "a"}]}, "$.refs[0]: missing required 'name'"),
        ({**GOOD, "family": {"id": 1, "name": "F"}}, "$.family: 0 of the anyOf branches"),
        ({**GOOD, "kind": "matter"}, "$.kind: 'matter' not in"),
        ({**GOOD, "counts": {"Matter": "7"}}, "$.counts.Matter: expected integer"),
        ({**GOOD, "colour": "red"}, "$: field 'colour' is not declared"),
    ],
)
def test_validator_rejects_a_broken_body(body: dict[str, Any], expected: str) -> None:
    errors = schema_errors(body, TOY, TOY_SPEC)
    assert any(e.startswith(expected) for e in errors), errors


def test_validator_refuses_keywords_it_does_not_know() -> None:
    errors = schema_errors("x", {"type": "string", "not": {}}, TOY_SPEC)
    assert errors and "unsupported" in errors[0]


def test_the_served_schema_rejects_a_recommendation_missing_a_field_or_mistyped(
    client: TestClient,
) -> None:
    case = JSON_CASES["recommendations"]
    body = client.post(case.url, json=case.body).json()
    spec = _openapi(client)
    schema = _ok_content(spec, "POST", case.route)[JSON]["schema"]
    del body["savings"]["steps_after"]
    body["estimate"]["serial_days"] = "13"
    errors = schema_errors(body, schema, spec)
    assert "$.savings: missing required 'steps_after'" in errors
    assert any(e.startswith("$.estimate.serial_days: expected integer") for e in errors), errors


GOOD_CONTRACT_BODY: dict[str, Any] = {
    "id": "a",
    "name": "A",
    "tags": ["t"],
    "days": None,
    "parent": {"id": "p", "name": "P"},
}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"id": "a", "tags": ["t"]}, "$: missing field 'name'"),
        ({"id": "a", "name": 7, "tags": ["t"]}, "$.name: expected str"),
        ({"id": "a", "name": "A", "tags": []}, "$.tags: empty everywhere"),
        ({"id": "a", "name": "A", "tags": [1]}, "$.tags[]: expected str"),
        ({"id": "a", "name": "A", "tags": ["t"], "days": True}, "$.days: expected int"),
        ({"id": "a", "name": "A", "tags": ["t"], "parent": None}, "$.parent: null everywhere"),
    ],
)
def test_contract_rejects_a_broken_body(body: dict[str, Any], expected: str) -> None:
    shape: Shape = {
        **REF,
        "tags": ListOf(str),
        "days": Nullable(int),
        "parent": Nullable(REF, expect_value=True),
    }
    assert contract_errors(GOOD_CONTRACT_BODY, shape) == []
    errors = contract_errors({"days": 1, "parent": GOOD_CONTRACT_BODY["parent"], **body}, shape)
    assert any(e.startswith(expected) for e in errors), errors
