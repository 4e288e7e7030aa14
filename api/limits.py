"""Request limits: the settings that bound what one request may carry, and the types enforcing them.

The body size is enforced by api/middleware.py (BodyLimit) as the bytes stream in; string lengths
and the number of answers by the types below, which request models and route parameters use.
The limits are settings of the app (create_app(settings)), so the types read them, when they
validate and when the OpenAPI document is written, from the app serving the request: the
middleware binds the app's Limits for the time of each request (`bound`), the OpenAPI writer
for the time it writes. Outside both (a model used in a unit test) the settings' defaults apply.
Over a limit is a 422 whose message names the limit and the setting that sets it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from api.settings import Settings

Measure = Literal["id_chars", "answer_chars", "answer_item_chars", "answers"]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may carry (from the CHAINKG_MAX_* settings)."""

    body_bytes: int
    id_chars: int
    answer_chars: int
    answers: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            body_bytes=settings.max_body_bytes,
            id_chars=settings.max_id_chars,
            answer_chars=settings.max_answer_chars,
            answers=settings.max_answers,
        )

    @classmethod
    def defaults(cls) -> Limits:
        fields = Settings.model_fields
        return cls(
            body_bytes=fields["max_body_bytes"].default,
            id_chars=fields["max_id_chars"].default,
            answer_chars=fields["max_answer_chars"].default,
            answers=fields["max_answers"].default,
        )

    def value(self, measure: Measure) -> int:
        if measure == "answer_item_chars":  # CONDITION_ID=OPTION in a query string
            return self.id_chars + 1 + self.answer_chars
        return int(getattr(self, measure))


SETTING: dict[Measure, str] = {
    "id_chars": "CHAINKG_MAX_ID_CHARS",
    "answer_chars": "CHAINKG_MAX_ANSWER_CHARS",
    "answer_item_chars": "CHAINKG_MAX_ID_CHARS + 1 + CHAINKG_MAX_ANSWER_CHARS",
    "answers": "CHAINKG_MAX_ANSWERS",
}
BODY_SETTING = "CHAINKG_MAX_BODY_BYTES"

DEFAULTS = Limits.defaults()  # frozen: a safe ContextVar default
_current: ContextVar[Limits] = ContextVar("chainkg_limits", default=DEFAULTS)


def current() -> Limits:
    """The limits of the app serving the request (or writing its OpenAPI document)."""
    return _current.get()


@contextmanager
def bound(limits: Limits) -> Iterator[None]:
    """Make `limits` the current ones for the duration of the block."""
    token = _current.set(limits)
    try:
        yield
    finally:
        _current.reset(token)


class Bounded:
    """Annotated marker: a string at most `measure` characters, or a map of at most `measure`
    entries, with the bound in the JSON schema (maxLength / maxProperties / maxItems).

    A map or list is measured before its items are validated, so an oversized one is one error,
    not one per item.
    """

    def __init__(self, measure: Measure) -> None:
        self.measure = measure

    def _refuse(self, limit: int, unit: str) -> PydanticCustomError:
        return PydanticCustomError(
            "chainkg_limit",
            "at most {limit} {unit} (the limit set by {setting})",
            {"limit": limit, "unit": unit, "setting": SETTING[self.measure]},
        )

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema = handler(source)
        measure = self.measure

        def check_length(value: Any) -> Any:
            limit = current().value(measure)
            if isinstance(value, str) and len(value) > limit:
                raise self._refuse(limit, "characters")
            return value

        def check_size(value: Any) -> Any:
            limit = current().value(measure)
            if isinstance(value, dict | list | tuple) and len(value) > limit:
                raise self._refuse(limit, "entries")
            return value

        if schema.get("type") in {"dict", "list"}:
            return core_schema.no_info_before_validator_function(check_size, schema)
        return core_schema.no_info_after_validator_function(check_length, schema)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        limit = current().value(self.measure)
        target = handler.resolve_ref_schema(json_schema)
        kind = target.get("type")
        key = {"object": "maxProperties", "array": "maxItems"}.get(str(kind), "maxLength")
        target[key] = limit
        return json_schema


IdStr = Annotated[str, Bounded("id_chars")]
"""An id (industry, stage, scenario, condition, matter ...), at most CHAINKG_MAX_ID_CHARS."""
AnswerStr = Annotated[str, Bounded("answer_chars")]
"""A chosen option, at most CHAINKG_MAX_ANSWER_CHARS."""
ANSWER_ITEM_PATTERN = r"^[^=]*[^=\s][^=]*="
"""A condition id with something besides spaces in it, then `=` (graph/answers.py reads it)."""
AnswerItemStr = Annotated[str, Field(pattern=ANSWER_ITEM_PATTERN), Bounded("answer_item_chars")]
"""`CONDITION_ID=OPTION` in a query string."""
AnswersMap = Annotated[dict[IdStr, AnswerStr], Bounded("answers")]
"""Condition id -> option, at most CHAINKG_MAX_ANSWERS entries."""
AnswerItems = Annotated[list[AnswerItemStr], Bounded("answers")]
"""Repeated `answer=CONDITION_ID=OPTION`, at most CHAINKG_MAX_ANSWERS of them."""
