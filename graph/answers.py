"""Answers to situational questions given as `CONDITION_ID=OPTION` (query strings, CLI)."""

from __future__ import annotations

from graph.errors import InvalidRequest


def parse_answers(items: list[str]) -> dict[str, str]:
    """`CONDITION_ID=OPTION` strings as a dict; InvalidRequest for a malformed one."""
    answers: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidRequest("answer", f"'{item}': expected CONDITION_ID=OPTION")
        answers[key.strip()] = value.strip()
    return answers
