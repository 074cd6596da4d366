"""Every route and every error, through the Lambda handler with real proxy events (moto)."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest

from rez_messages import InMemoryMessageRepository, InMemoryPublisher
from rez_web_api import bootstrap

CORRELATION = "660e9500-f39c-52e5-b827-557766551111"


def problem_of(answer, status):
    """Assert a problem+json answer with its members, and return its body."""
    assert answer.status == status
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.body["status"] == status
    assert answer.body["correlation_id"] == answer.headers["X-Correlation-ID"]
    assert answer.body["type"].startswith("urn:rez-agent:problem:")
    return answer.body


def test_health_answers_without_any_configuration(event, call, monkeypatch):
    # GIVEN no table, topic or stage configured at all
    for name in ("MESSAGES_TABLE", "TOPIC_ARN", "STAGE"):
        monkeypatch.delenv(name, raising=False)
    # WHEN a monitor calls /api/health
    answer = call(event("health.json"))
    # THEN 200 JSON with a correlation ID
    assert answer.status == 200
    assert answer.body == {"status": "ok", "service": "web-api"}
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["X-Correlation-ID"]


def test_create_stores_publishes_and_answers_202(aws, event, call, captured):
    # GIVEN a real POST event from an authorized caller with a correlation ID
    # WHEN handled
    answer = call(event("createMessage.json"))
    # THEN 202 with the id, the caller's correlation ID and status created
    assert answer.status == 202
    message_id = answer.body["message_id"]
    assert answer.body == {
        "message_id": message_id,
        "correlation_id": CORRELATION,
        "status": "created",
    }
    assert answer.headers["Location"] == f"/api/messages/{message_id}"
    assert answer.headers["X-Correlation-ID"] == CORRELATION
    # AND the record holds the payload and the caller's email
    item = aws.dynamodb.get_item(
        TableName="rez-agent-messages-dev", Key={"message_id": {"S": message_id}}
    )["Item"]
    assert item["created_by"]["S"] == "ada@example.com"
    assert item["message_type"]["S"] == "manual"
    assert item["status"]["S"] == "created"
    # AND the publication reached the queue with the correlation attributes
    [published] = aws.published()
    assert json.loads(published["Body"]) == {"message_id": message_id}
    assert published["MessageAttributes"]["correlation_id"]["StringValue"] == CORRELATION
    assert published["MessageAttributes"]["message_type"]["StringValue"] == "manual"


def test_create_logs_the_documented_events_and_records_the_metrics(aws, event, call, captured):
    answer = call(event("createMessage.json"))
    message_id = answer.body["message_id"]
    [received] = captured.lines("API request received")
    assert (received["method"], received["path"], received["user_id"]) == (
        "POST",
        "/api/messages",
        "user-123",
    )
    assert received["correlation_id"] == CORRELATION
    [created] = captured.lines("Manual message created")
    assert created["message_id"] == message_id
    assert created["created_by"] == "ada@example.com"
    assert created["correlation_id"] == CORRELATION
    [sent] = captured.lines("API response sent")
    assert (sent["status_code"], sent["path"], sent["method"]) == (202, "/api/messages", "POST")
    assert sent["duration_ms"] >= 0
    # AND no line carries the bearer token of the request
    assert "c2lnbmF0dXJl" not in "\n".join(captured.raw_logs)
    [count] = [m for m in captured.metrics("APIRequestCount") if "Endpoint" in m]
    assert (count["Endpoint"], count["StatusCode"], count["Stage"]) == (
        "POST /api/messages",
        "202",
        "dev",
    )
    # AND the same request counted by status class, the series the API-5xx alarm reads
    [by_class] = [m for m in captured.metrics("APIRequestCount") if "StatusClass" in m]
    assert (by_class["StatusClass"], by_class["Stage"]) == ("2xx", "dev")
    [timing] = captured.metrics("APIResponseTime")
    assert timing["Endpoint"] == "POST /api/messages"
    [made] = captured.metrics("MessagesCreated")
    assert (made["MessageType"], made["CreatedBy"]) == ("manual", "web-api")


def test_created_by_falls_back_to_the_user_id(aws, event, call):
    proxy = event("createMessage.json")
    proxy["requestContext"]["authorizer"]["email"] = ""
    answer = call(proxy)
    assert answer.status == 202
    got = call(event("getMessage.json", path=f"/api/messages/{answer.body['message_id']}"))
    assert got.body["created_by"] == "user-123"


def test_post_without_an_authorizer_context_is_401(aws, event, call):
    proxy = event("createMessage.json")
    del proxy["requestContext"]["authorizer"]
    problem = problem_of(call(proxy), 401)
    assert "authorizer" in problem["detail"]
    assert aws.item_count() == 0


def test_idempotency_key_returns_the_same_message(aws, event, call):
    # GIVEN a POST with an Idempotency-Key, sent twice (the second with a new correlation ID)
    first = call(event("createMessage.json", headers={"Idempotency-Key": "order-42"}))
    retry = call(
        event(
            "createMessage.json",
            headers={"Idempotency-Key": "order-42", "X-Correlation-ID": "retry-1"},
        )
    )
    # THEN the same message comes back, marked as a replay, and only one message is stored
    assert first.status == retry.status == 202
    assert retry.body == first.body
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    listing = call(
        event("listMessages.json", queryStringParameters=None, multiValueQueryStringParameters=None)
    )
    assert [item["message_id"] for item in listing.body["items"]] == [first.body["message_id"]]


def test_idempotency_key_reused_with_another_body_is_422(aws, event, call):
    call(event("createMessage.json", headers={"Idempotency-Key": "k-1"}))
    answer = call(
        event("createMessage.json", headers={"Idempotency-Key": "k-1"}, body='{"message": "other"}')
    )
    problem = problem_of(answer, 422)
    assert "Idempotency-Key was already used" in problem["detail"]


def test_get_returns_the_record(aws, event, call):
    created = call(event("createMessage.json")).body
    answer = call(event("getMessage.json", path=f"/api/messages/{created['message_id']}"))
    assert answer.status == 200
    body = answer.body
    assert body["message_id"] == created["message_id"]
    assert (body["message"], body["title"], body["priority"], body["tags"]) == (
        "Deploy finished",
        "CI",
        4,
        ["rocket", "ci"],
    )
    assert (body["status"], body["message_type"], body["stage"], body["attempts"]) == (
        "created",
        "manual",
        "dev",
        0,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", body["created_at"])


def test_get_unknown_and_malformed_ids_are_404(aws, event, call):
    unknown = uuid.uuid4()
    problem = problem_of(call(event("getMessage.json", path=f"/api/messages/{unknown}")), 404)
    assert problem["detail"] == f"no message with id '{unknown}'"
    problem_of(call(event("getMessage.json", path="/api/messages/not-a-uuid")), 404)


def test_list_pages_newest_first(aws, event, call):
    # GIVEN three messages created one after the other
    ids = [
        call(event("createMessage.json", body=json.dumps({"message": f"m{i}"}))).body["message_id"]
        for i in range(3)
    ]
    # WHEN listed two at a time
    first = call(event("listMessages.json"))
    assert first.status == 200
    assert [item["message_id"] for item in first.body["items"]] == ids[::-1][:2]
    cursor = first.body["next_cursor"]
    assert cursor
    second = call(
        event(
            "listMessages.json",
            queryStringParameters={"status": "created", "limit": "2", "cursor": cursor},
            multiValueQueryStringParameters={
                "status": ["created"],
                "limit": ["2"],
                "cursor": [cursor],
            },
        )
    )
    # THEN the second page holds the oldest, and is the last
    assert [item["message_id"] for item in second.body["items"]] == [ids[0]]
    assert second.body["next_cursor"] is None


def test_list_without_status_merges_all(aws, event, call):
    call(event("createMessage.json"))
    answer = call(
        event(
            "listMessages.json",
            queryStringParameters={"limit": "5"},
            multiValueQueryStringParameters=None,
        )
    )
    assert answer.status == 200
    assert len(answer.body["items"]) == 1


def test_list_with_a_forged_cursor_is_400(aws, event, call):
    answer = call(
        event(
            "listMessages.json",
            queryStringParameters={"status": "created", "cursor": "bm90LWEtY3Vyc29y"},
            multiValueQueryStringParameters=None,
        )
    )
    problem = problem_of(answer, 400)
    assert problem["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ("{not json", 400, "not valid JSON"),
        ('{"message": 42}', 400, "message: must be a string, not a number"),
        ('{"message": "x", "urgent": true}', 400, "urgent: unknown field"),
        ('{"message": "x", "priority": 9}', 400, "priority: must be between 1 and 5, got 9"),
        ("[]", 400, "must be a JSON object, not an array"),
        (None, 400, "the request body is empty"),
        (json.dumps({"message": "x" * 20_000}), 413, "at most 16384"),
    ],
)
def test_bad_bodies_get_precise_problems(aws, event, call, body, status, fragment):
    problem = problem_of(call(event("createMessage.json", body=body)), status)
    assert fragment in problem["detail"]
    assert aws.item_count() == 0
    assert aws.published() == []


def test_base64_bodies_are_decoded_and_bad_base64_refused(aws, event, call):
    encoded = base64.b64encode(b'{"message": "from base64"}').decode()
    assert call(event("createMessage.json", body=encoded, isBase64Encoded=True)).status == 202
    problem = problem_of(call(event("createMessage.json", body="%%%", isBase64Encoded=True)), 400)
    assert "base64" in problem["detail"]


def test_non_json_content_type_is_415(aws, event, call):
    problem = problem_of(
        call(event("createMessage.json", headers={"Content-Type": "text/plain"})), 415
    )
    assert "text/plain" in problem["detail"]


def test_unknown_route_is_404_and_wrong_method_405(aws, event, call, captured):
    problem = problem_of(call(event("health.json", path="/api/nothing")), 404)
    assert problem["detail"] == "no route for /api/nothing"
    answer = call(event("health.json", httpMethod="DELETE", path="/api/messages"))
    problem = problem_of(answer, 405)
    assert answer.headers["Allow"] == "GET, POST"
    assert "DELETE is not allowed on /api/messages" in problem["detail"]
    counts = captured.metrics("APIRequestCount")
    assert [m["Endpoint"] for m in counts if "Endpoint" in m] == ["unmatched", "unmatched"]
    assert [m["StatusClass"] for m in counts if "StatusClass" in m] == ["4xx", "4xx"]


def test_an_invalid_correlation_id_is_replaced(aws, event, call):
    answer = call(event("health.json", headers={"X-Correlation-ID": "bad id with spaces"}))
    assert answer.status == 200
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", answer.headers["X-Correlation-ID"])
    assert answer.headers["X-Correlation-ID"] != "bad id with spaces"


def test_a_failed_publication_is_a_500_that_leaks_nothing(event, call, captured):
    # GIVEN a publisher that fails with a message full of internals
    repository = InMemoryMessageRepository()
    publisher = InMemoryPublisher(failures=[RuntimeError("arn:aws:sns:secret-internal-topic down")])
    bootstrap.override(
        bootstrap.Dependencies(
            repository, publisher, "dev", __import__("datetime").timedelta(days=1)
        )
    )
    # WHEN a message is created
    answer = call(event("createMessage.json"))
    # THEN 500 problem naming only the correlation ID
    problem = problem_of(answer, 500)
    assert CORRELATION in problem["detail"]
    assert "arn:aws" not in answer.raw["body"]
    assert "RuntimeError" not in answer.raw["body"]
    # AND the stored message is marked failed with the reason, and the error is logged
    [stored] = repository.list_all().items
    assert stored.status == "failed"
    assert "publish to SNS failed" in (stored.error or "")
    [failure] = captured.lines("API request failed")
    assert failure["level"] == "ERROR"
    [count] = [m for m in captured.metrics("APIRequestCount") if "Endpoint" in m]
    assert count["StatusCode"] == "500"
    [by_class] = [m for m in captured.metrics("APIRequestCount") if "StatusClass" in m]
    assert by_class["StatusClass"] == "5xx"


def test_a_broken_configuration_is_a_500_not_a_crash(event, call, monkeypatch):
    monkeypatch.setenv("STAGE", "dev")
    monkeypatch.delenv("MESSAGES_TABLE", raising=False)
    problem = problem_of(call(event("getMessage.json")), 500)
    assert "MESSAGES_TABLE" not in problem["detail"]


def test_successful_gets_are_high_volume_lines(aws, event, call, captured):
    # GIVEN sampling that keeps no high-volume line
    from rez_telemetry.logging import configure_logging

    configure_logging(sample_rate=0.0)
    # WHEN a GET succeeds and a POST fails validation
    call(event("health.json"))
    call(event("createMessage.json", body="{"))
    # THEN only the POST's request/response lines were written
    paths = [
        (line["message"], line.get("method"))
        for line in captured.logs
        if line["message"].startswith("API ")
    ]
    assert paths == [("API request received", "POST"), ("API response sent", "POST")]
