"""2. POST /api/messages with a valid JWT -> 202 -> ntfy -> GET shows completed."""

from __future__ import annotations

import json
import uuid

from e2e_support import wait_for


def test_a_posted_message_is_delivered_with_its_title_priority_and_tags(api, tokens, ntfy):
    # GIVEN a caller with a valid token
    token = tokens.mint(email="ada@example.com")

    # WHEN it posts a message
    response = api.post(
        "/messages",
        json={"message": "e2e hello", "title": "From the API", "priority": 4, "tags": ["e2e"]},
        headers={"Authorization": f"Bearer {token}"},
    )

    # THEN the API accepted it
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "created"
    message_id = accepted["message_id"]
    assert response.headers["Location"].endswith(f"/api/messages/{message_id}")
    assert response.headers["X-Correlation-ID"] == accepted["correlation_id"]

    # AND ntfy received it with its title, priority and tags
    def delivered():
        return [m for m in ntfy.messages() if m.get("message", "").startswith("e2e hello")]

    [received] = wait_for(delivered, timeout=90)
    assert received["title"] == "From the API"
    assert received["priority"] == 4
    assert "e2e" in received["tags"]

    # AND the record reads back completed, created by the token's email
    def completed():
        got = api.get(f"/messages/{message_id}", headers={"Authorization": f"Bearer {token}"})
        return got.status_code == 200 and got.json()["status"] == "completed" and got.json()

    record = wait_for(completed, timeout=60)
    assert record["created_by"] == "ada@example.com"
    assert record["notification_id"] == received["id"]


def test_health_needs_no_token(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.headers["X-Correlation-ID"]


def test_health_answers_other_methods_with_405_as_documented(api):
    # services/web-api/openapi.yaml documents 405 (with Allow) for a method a path does not take
    response = api.post("/health", json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_every_request_leaves_an_access_log_line_with_its_caller(api, tokens, aws):
    # GIVEN a caller with a known subject
    subject = f"user-access-{uuid.uuid4().hex[:8]}"
    token = tokens.mint(sub=subject)

    # WHEN it reads a message that does not exist
    response = api.get(f"/messages/{uuid.uuid4()}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404

    # THEN the stage's access log (JSON, one line a request) names the caller, status and path
    def logged():
        events = aws("logs").filter_log_events(
            logGroupName="/aws/apigateway/rez-agent-api-dev/access", filterPattern=f'"{subject}"'
        )["events"]
        lines = [json.loads(event["message"]) for event in events]
        return [line for line in lines if line["caller"] == subject]

    [line] = wait_for(logged, timeout=30)
    assert line["caller"] == subject
    assert line["status"] == "404"
    assert line["method"] == "GET"
    assert line["resourcePath"] == "/api/messages/{id}"
