"""8. No loss under load: 500 messages posted concurrently are all completed, each notified once."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from boto3.dynamodb.types import TypeDeserializer

from e2e_support import wait_for

MESSAGES = 500
CONCURRENCY = 16
DESERIALIZE = TypeDeserializer().deserialize


def statuses(aws: Any, table: str, ids: list[str]) -> Counter[str]:
    counted: Counter[str] = Counter()
    for start in range(0, len(ids), 100):
        keys = [{"message_id": {"S": i}} for i in ids[start : start + 100]]
        request = {table: {"Keys": keys, "ProjectionExpression": "#s", "ConsistentRead": True}}
        while request:
            answer = aws("dynamodb").batch_get_item(
                RequestItems={
                    t: {**r, "ExpressionAttributeNames": {"#s": "status"}}
                    for t, r in request.items()
                }
            )
            for item in answer["Responses"].get(table, []):
                counted[DESERIALIZE(item["status"])] += 1
            request = answer.get("UnprocessedKeys") or {}
    return counted


def test_500_concurrent_posts_are_all_delivered_exactly_once(system, tokens, ntfy, aws):
    # GIVEN a valid token and 500 distinct messages
    run = uuid.uuid4().hex[:6]
    token = tokens.mint()
    bodies = [f"load-{run}-{i}" for i in range(MESSAGES)]

    # WHEN they are posted concurrently through API Gateway
    def post(body: str) -> httpx.Response:
        with httpx.Client(base_url=system.api_url, timeout=60) as client:
            return client.post(
                "/messages", json={"message": body}, headers={"Authorization": f"Bearer {token}"}
            )

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        responses = list(pool.map(post, bodies))

    # THEN every one was accepted
    assert Counter(r.status_code for r in responses) == {202: MESSAGES}
    ids = [r.json()["message_id"] for r in responses]
    assert len(set(ids)) == MESSAGES

    # AND every one is completed
    wait_for(
        lambda: statuses(aws, system.messages_table, ids)["completed"] == MESSAGES,
        timeout=420,
        every=3,
    )

    # AND ntfy received each exactly once
    received = Counter(
        m["message"].split("\n")[0]
        for m in ntfy.messages()
        if m["message"].startswith(f"load-{run}-")
    )
    assert set(received) == set(bodies)
    assert set(received.values()) == {1}

    # AND nothing went to the DLQ
    dlq = aws("sqs").get_queue_attributes(
        QueueUrl=system.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert dlq["ApproximateNumberOfMessages"] == "0"
