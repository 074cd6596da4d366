"""5. ntfy goes down: the notifier retries, the circuit opens, SQS holds the messages, ntfy
heals, one probe closes the circuit, and every message is delivered exactly once."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import Any

from e2e_support import CIRCUIT_KEY, STAGE, dead_letters, wait_for

MESSAGES = 6
OUTAGE_SECONDS = 20
BREAKER_ALARM = f"rez-agent-{STAGE}-circuit-breaker-open"


def breaker_state(aws: Any, table: str) -> str | None:
    """The circuit's state, None before its item exists. An item without `state` is closed, as
    the breaker's store reads it (DynamoDBStateStore: a missing state is `closed`)."""
    item = (
        aws("dynamodb")
        .get_item(TableName=table, Key={"pk": {"S": CIRCUIT_KEY}}, ConsistentRead=True)
        .get("Item")
    )
    if item is None:
        return None
    return str(item.get("state", {"S": "closed"})["S"])


def alarm_state(aws: Any, name: str) -> str:
    [alarm] = aws("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return str(alarm["StateValue"])


def test_an_outage_opens_the_circuit_and_loses_nothing(
    harness, system, tokens, ntfy, aws, api, get_message
):
    # GIVEN a closed circuit and an ntfy that is down for a while
    assert breaker_state(aws, system.breaker_table) in (None, "closed")
    ntfy.fault(down_for_s=OUTAGE_SECONDS)
    outage_began = time.time()
    run = uuid.uuid4().hex[:6]
    token = tokens.mint()

    # WHEN messages arrive during the outage
    ids = []
    for i in range(MESSAGES):
        response = api.post(
            "/messages",
            json={"message": f"outage-{run}-{i}"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 202, response.text
        ids.append(response.json()["message_id"])

    # THEN the notifier's failures open the shared circuit
    wait_for(lambda: breaker_state(aws, system.breaker_table) == "open", timeout=90)
    opened_at = time.time()
    # AND the breaker's metric reaches the alarm, which fires
    wait_for(lambda: alarm_state(aws, BREAKER_ALARM) == "ALARM", timeout=150, every=2)

    # AND while it is open ntfy is not hammered: nothing reaches it until the probe
    def requests_between(start: float, end: float) -> list[dict[str, Any]]:
        return [r for r in ntfy.requests() if start <= r["received_at"] < end]

    # AND once ntfy heals, one probe closes the circuit and every message is delivered once
    wait_for(lambda: breaker_state(aws, system.breaker_table) == "closed", timeout=180, every=1)
    wait_for(
        lambda: all((get_message(i) or {}).get("status") == "completed" for i in ids),
        timeout=240,
        every=2,
    )
    delivered = Counter(
        m["message"].split("\n")[0]
        for m in ntfy.messages()
        if m["message"].startswith(f"outage-{run}-")
    )
    assert delivered == Counter({f"outage-{run}-{i}": 1 for i in range(MESSAGES)})
    # the requests ntfy saw while the circuit was open (after the opening failure) are probes:
    # at most one per open period, never a retry storm
    during_open = requests_between(opened_at + 1, outage_began + OUTAGE_SECONDS)
    assert len(during_open) <= 2, during_open
    # AND none of them went to the DLQ
    assert not [d for d in dead_letters(harness.endpoint) if d.message_id in ids]
