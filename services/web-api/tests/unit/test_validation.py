"""Request validation: every bad input gets a precise 4xx."""

from __future__ import annotations

import json

import pytest

from rez_messages import MessageStatus
from rez_web_api.problems import ProblemError
from rez_web_api.validation import (
    MAX_REQUEST_BYTES,
    check_content_type,
    parse_create_message,
    parse_list_query,
    parse_message_id,
)


def body(document) -> bytes:
    return json.dumps(document).encode()


def problem_of(call, *args) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        call(*args)
    return caught.value


def test_a_full_valid_body():
    # GIVEN every field WHEN parsed THEN the payload holds them, names normalised to numbers
    command = parse_create_message(
        body({"message": "hi", "title": "T", "priority": "high", "tags": ["a", "b"]}), "key-1"
    )
    assert command.payload.body == "hi"
    assert command.payload.title == "T"
    assert command.payload.priority == 4
    assert command.payload.tags == ("a", "b")
    assert command.idempotency_key == "key-1"


def test_minimal_body_gets_defaults():
    command = parse_create_message(body({"message": "x"}), None)
    assert (command.payload.priority, command.payload.tags, command.payload.title) == (3, (), None)


@pytest.mark.parametrize(
    ("document", "field", "detail"),
    [
        ({}, "message", "is required"),
        ({"message": ""}, "message", "must not be empty"),
        ({"message": 5}, "message", "must be a string, not a number"),
        ({"message": "é" * 2049}, "message", "must be at most 4096 bytes of UTF-8, got 4098"),
        ({"message": "x", "title": "t" * 251}, "title", "must be at most 250 characters, got 251"),
        ({"message": "x", "title": ["t"]}, "title", "must be a string or null, not an array"),
        ({"message": "x", "priority": 0}, "priority", "must be between 1 and 5, got 0"),
        ({"message": "x", "priority": True}, "priority", "not a boolean"),
        ({"message": "x", "priority": 2.5}, "priority", "not a number"),
        ({"message": "x", "priority": "loud"}, "priority", "unknown priority 'loud'"),
        ({"message": "x", "tags": "a,b"}, "tags", "must be an array of strings, not a string"),
        ({"message": "x", "tags": ["a"] * 11}, "tags", "at most 10 tags, got 11"),
        ({"message": "x", "tags": ["ok", 1]}, "tags", "tag 1 must be a string, not a number"),
        ({"message": "x", "tags": ["a,b"]}, "tags", "tag 0 must contain a non-space character"),
        ({"message": "x", "tags": ["  "]}, "tags", "tag 0 must contain a non-space character"),
        ({"message": "x", "colour": "red"}, "colour", "unknown field; allowed fields are"),
    ],
)
def test_invalid_fields_are_named_precisely(document, field, detail):
    # GIVEN a body with one bad field WHEN parsed THEN 400 naming that field and the rule
    problem = problem_of(parse_create_message, body(document), None)
    assert problem.status == 400
    assert problem.slug == "validation-error"
    [error] = problem.extensions["errors"]
    assert error["field"] == field
    assert detail in error["detail"]
    assert detail in problem.detail


def test_all_errors_are_reported_at_once():
    problem = problem_of(parse_create_message, body({"title": 1, "extra": 2}), None)
    fields = [error["field"] for error in problem.extensions["errors"]]
    assert sorted(fields) == ["extra", "message", "title"]


def test_lone_surrogates_are_refused():
    problem = problem_of(parse_create_message, b'{"message": "a\\ud800b"}', None)
    assert "lone surrogate" in problem.detail


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (None, "the request body is empty"),
        (b"   ", "the request body is empty"),
        (b"{", "not valid JSON: Expecting property name enclosed in double quotes at line 1"),
        (b'{"message": NaN}', "NaN is not valid JSON"),
        (b'{"message": "a", "message": "b"}', "duplicate field 'message'"),
        (b"[1, 2]", "must be a JSON object, not an array"),
        (b'"text"', "must be a JSON object, not a string"),
        (b"\xff\xfe{}", "not UTF-8 (byte 0)"),
        (b"[" * 100_00, None),
    ],
)
def test_malformed_bodies(raw, fragment):
    problem = problem_of(parse_create_message, raw, None)
    assert problem.status == 400
    assert problem.slug == "malformed-body"
    if fragment:
        assert fragment in problem.detail


def test_deeply_nested_json_is_a_400_not_a_crash():
    raw = b'{"message": "x", "tags": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    problem = problem_of(parse_create_message, raw, None)
    assert problem.status == 400


def test_oversized_body_is_413():
    raw = body({"message": "x" * MAX_REQUEST_BYTES})
    problem = problem_of(parse_create_message, raw, None)
    assert problem.status == 413
    assert f"at most {MAX_REQUEST_BYTES}" in problem.detail


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "é"])
def test_bad_idempotency_keys(key):
    problem = problem_of(parse_create_message, body({"message": "x"}), key)
    assert problem.status == 400
    assert "Idempotency-Key" in problem.detail


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json", "application/json; charset=utf-8", "application/merge-patch+json"],
)
def test_json_content_types_are_accepted(content_type):
    check_content_type(content_type)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_other_content_types_are_415(content_type):
    problem = problem_of(check_content_type, content_type)
    assert problem.status == 415
    assert "send application/json" in problem.detail


def test_list_query_defaults_and_values():
    assert parse_list_query({}, {}).limit == 20
    query = parse_list_query({"status": "failed", "limit": "5", "cursor": "abc"}, {})
    assert (query.status, query.limit, query.cursor) == (MessageStatus.FAILED, 5, "abc")


@pytest.mark.parametrize(
    ("query", "multi", "field"),
    [
        ({"status": "done"}, {}, "status"),
        ({"limit": "0"}, {}, "limit"),
        ({"limit": "101"}, {}, "limit"),
        ({"limit": "ten"}, {}, "limit"),
        ({"limit": "9" * 5000}, {}, "limit"),
        ({"limit": "٣"}, {}, "limit"),
        ({"cursor": ""}, {}, "cursor"),
        ({"page": "2"}, {}, "page"),
        ({"limit": "5"}, {"limit": ["5", "6"]}, "limit"),
    ],
)
def test_bad_list_queries(query, multi, field):
    problem = problem_of(parse_list_query, query, multi)
    assert problem.status == 400
    assert [error["field"] for error in problem.extensions["errors"]] == [field]


def test_message_ids_that_are_not_uuids_are_404():
    assert parse_message_id("6F9619FF-8B86-D011-B42D-00C04FC964FF") == (
        "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    )
    problem = problem_of(parse_message_id, "x" * 5000)
    assert problem.status == 404
    assert len(problem.detail) < 100
