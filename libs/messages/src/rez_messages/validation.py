"""The payload rules, in one place: every problem of a payload found at once. Pure.

`payload_problems` checks raw input (from JSON, an event, the environment) and returns one
`FieldProblem` per invalid field; `Payload.create` raises them together as `InvalidPayloadError`
and the web API answers them together as a 400. The rules are those of the API's
`openapi.yaml` (its agreement test checks both ways): a body of 1-4096 UTF-8 bytes; a title of at
most 250 characters or none; a priority 1-5 or one of ntfy's names; at most 10 tags, each with a
non-space character and no comma (ntfy separates tags with commas). Lone surrogates are refused
everywhere: they cannot be stored or sent as UTF-8.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEFAULT_PRIORITY",
    "MAX_BODY_BYTES",
    "MAX_TAGS",
    "MAX_TITLE_CHARS",
    "PRIORITY_NAMES",
    "FieldProblem",
    "json_type",
    "payload_problems",
    "priority_problem",
]

MAX_BODY_BYTES: Final = 4096
MAX_TITLE_CHARS: Final = 250
MAX_TAGS: Final = 10
DEFAULT_PRIORITY: Final = 3
#: ntfy's priority names (https://docs.ntfy.sh/publish/#message-priority); `urgent` is `max`.
PRIORITY_NAMES: Final[dict[str, int]] = {
    "min": 1,
    "low": 2,
    "default": 3,
    "high": 4,
    "max": 5,
    "urgent": 5,
}


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid field: its name in the model (`body`, `title`, `priority`, `tags`) and why."""

    field: str
    detail: str


def json_type(value: object) -> str:
    """The value's kind in JSON's words, for an error a client can act on."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    return "an object"


def _valid_unicode(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _body_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {json_type(value)}"
    if not _valid_unicode(value):
        return "contains an invalid character (a lone surrogate)"
    size = len(value.encode("utf-8"))
    if size == 0:
        return "must not be empty"
    if size > MAX_BODY_BYTES:
        return f"must be at most {MAX_BODY_BYTES} bytes of UTF-8, got {size}"
    return None


def _title_problem(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return f"must be a string or null, not {json_type(value)}"
    if not _valid_unicode(value):
        return "contains an invalid character (a lone surrogate)"
    if len(value) > MAX_TITLE_CHARS:
        return f"must be at most {MAX_TITLE_CHARS} characters, got {len(value)}"
    return None


def priority_problem(value: object) -> str | None:
    """Why `value` is not a priority (an integer 1-5 or one of `PRIORITY_NAMES`), or None."""
    names = "/".join(PRIORITY_NAMES)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        return f"must be an integer 1-5 or one of {names}, not {json_type(value)}"
    if isinstance(value, int) and not 1 <= value <= 5:
        return f"must be between 1 and 5, got {value}"
    if isinstance(value, str) and value not in PRIORITY_NAMES:
        return f"unknown priority {value[:40]!r}; use 1-5 or one of {names}"
    return None


def _tag_problem(index: int, tag: object) -> str | None:
    if not isinstance(tag, str):
        return f"tag {index} must be a string, not {json_type(tag)}"
    if not _valid_unicode(tag):
        return f"tag {index} contains an invalid character (a lone surrogate)"
    if not tag.strip() or "," in tag:
        return f"tag {index} must contain a non-space character and no comma"
    return None


def _tags_problem(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        return f"must be an array of strings, not {json_type(value)}"
    if len(value) > MAX_TAGS:
        return f"must hold at most {MAX_TAGS} tags, got {len(value)}"
    return next(
        (problem for index, tag in enumerate(value) if (problem := _tag_problem(index, tag))),
        None,
    )


_CHECKS: Final[dict[str, Callable[[object], str | None]]] = {
    "body": _body_problem,
    "title": _title_problem,
    "priority": priority_problem,
    "tags": _tags_problem,
}


def payload_problems(
    body: object, title: object = None, priority: object = None, tags: object = None
) -> list[FieldProblem]:
    """Every problem of a payload, in field order (empty: valid). None means "not given"."""
    values = {"body": body, "title": title, "priority": priority, "tags": tags}
    return [
        FieldProblem(name, detail)
        for name, check in _CHECKS.items()
        if (detail := check(values[name])) is not None
    ]
