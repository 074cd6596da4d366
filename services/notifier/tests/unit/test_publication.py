"""Mapping a message to ntfy's publish API, within its 4,096-byte message limit."""

from __future__ import annotations

import base64

import pytest

from rez_notifier.errors import InvalidMessageError
from rez_notifier.publication import (
    NTFY_MESSAGE_LIMIT_BYTES,
    TRUNCATION_MARKER,
    build_publication,
    encode_header_value,
)

MESSAGE_ID = "550e8400-e29b-41d4-a716-446655440000"
CORRELATION_ID = "660e9500-f39c-52e5-b827-557766551111"


def _build(**overrides):
    fields = {
        "message_id": MESSAGE_ID,
        "correlation_id": CORRELATION_ID,
        "title": "Hello",
        "body": "Hello from rez_agent",
        "priority": 4,
        "tags": ("wave", "rez"),
    }
    fields.update(overrides)
    return build_publication(**fields)


def test_message_fields_become_ntfy_headers_and_the_body_carries_a_footer() -> None:
    # GIVEN a complete message
    # WHEN it is mapped
    publication = _build()
    # THEN title, priority, tags and correlation id are ntfy headers
    assert publication.headers["X-Title"] == "Hello"
    assert publication.headers["X-Priority"] == "4"
    assert publication.headers["X-Tags"] == "wave,rez"
    assert publication.headers["X-Correlation-ID"] == CORRELATION_ID
    # AND the body ends with a line a human can search the logs with
    assert publication.body == f"Hello from rez_agent\n\ncorrelation_id: {CORRELATION_ID}"
    assert publication.truncated is False


def test_optional_fields_are_left_out() -> None:
    # GIVEN a message with only a body
    publication = _build(title=None, priority=None, tags=())
    # THEN no empty ntfy header is sent
    assert {"X-Title", "X-Priority", "X-Tags"}.isdisjoint(publication.headers)


@pytest.mark.parametrize(("priority", "expected"), [(1, "1"), ("high", "4"), ("urgent", "5")])
def test_priorities_map_to_ntfy_numbers(priority: object, expected: str) -> None:
    assert _build(priority=priority).headers["X-Priority"] == expected


@pytest.mark.parametrize("priority", [0, 6, "2", "loud", True])
def test_an_unknown_priority_is_a_precise_error(priority: object) -> None:
    with pytest.raises(InvalidMessageError, match=f"message {MESSAGE_ID} cannot be sent"):
        _build(priority=priority)


def test_non_ascii_titles_travel_as_rfc2047_encoded_words() -> None:
    # GIVEN a title with non-ASCII characters and a line break
    value = encode_header_value("Grüße\n😀")
    # THEN it is an encoded word that decodes to the title with the break as a space
    assert value.startswith("=?UTF-8?B?")
    assert value.endswith("?=")
    assert base64.b64decode(value[len("=?UTF-8?B?") : -2]).decode() == "Grüße 😀"


def test_ascii_header_values_with_control_characters_are_flattened() -> None:
    assert encode_header_value("a\r\nb\tc") == "a b c"


def test_a_body_over_the_limit_is_cut_on_a_character_with_a_marker() -> None:
    # GIVEN a body of 3-byte characters far larger than ntfy's limit
    body = "€" * 3000
    # WHEN it is mapped
    publication = _build(body=body)
    # THEN the whole message fits the limit exactly or just under, never over
    assert publication.truncated is True
    assert publication.body_bytes <= NTFY_MESSAGE_LIMIT_BYTES
    assert publication.body_bytes > NTFY_MESSAGE_LIMIT_BYTES - 3
    # AND it keeps a prefix of the body, the marker, then the footer
    footer = f"\n\ncorrelation_id: {CORRELATION_ID}"
    assert publication.body.endswith(TRUNCATION_MARKER + footer)
    kept = publication.body.removesuffix(TRUNCATION_MARKER + footer)
    assert body.startswith(kept)
    assert publication.original_body_bytes == 9000


def test_a_body_that_fits_with_its_footer_is_not_cut() -> None:
    # GIVEN a body that exactly fills the room the footer leaves
    footer_bytes = len(f"\n\ncorrelation_id: {CORRELATION_ID}".encode())
    body = "x" * (NTFY_MESSAGE_LIMIT_BYTES - footer_bytes)
    # WHEN it is mapped
    publication = _build(body=body)
    # THEN it is sent whole, at exactly the limit
    assert publication.truncated is False
    assert publication.body_bytes == NTFY_MESSAGE_LIMIT_BYTES
