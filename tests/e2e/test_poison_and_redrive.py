"""6. A message that cannot succeed ends in the DLQ, failed with its reason; the DLQ alarm fires;
the runbook's redrive (`rezctl dlq redrive`) delivers it once the cause is fixed."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

from e2e_support import STAGE, dead_letters, wait_for

DLQ_ALARM = f"rez-agent-{STAGE}-dlq-has-messages"


def in_dlq(harness: Any, message_id: str) -> list[Any]:
    """This message's copies in the DLQ (other tests' messages may be there too)."""
    return [d for d in dead_letters(harness.endpoint) if d.message_id == message_id]


def alarm_state(aws: Any, name: str) -> str:
    [alarm] = aws("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return str(alarm["StateValue"])


def rezctl(harness: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """The on-call command, as the runbook runs it."""
    return subprocess.run(
        [sys.executable, "-m", "rezctl", "--endpoint", harness.endpoint, "--json", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_poison_message_is_parked_then_redriven_after_the_fix(
    harness, system, tokens, ntfy, aws, api, get_message
):
    # GIVEN ntfy rejects every publication (a 400: the message is refused, ntfy is not down)
    ntfy.fault(fail_next=1000, status=400)
    body = f"poison-{uuid.uuid4().hex[:8]}"

    # WHEN a message is posted
    response = api.post(
        "/messages", json={"message": body}, headers={"Authorization": f"Bearer {tokens.mint()}"}
    )
    assert response.status_code == 202, response.text
    message_id = response.json()["message_id"]

    # THEN after its allowed attempts it is failed, with the reason, and parked in the DLQ
    record = wait_for(
        lambda: (r := get_message(message_id)) and r["status"] == "failed" and r, timeout=120
    )
    assert "400" in record["error"] or "Rejected" in record["error"], record["error"]
    [parked] = wait_for(lambda: in_dlq(harness, message_id), timeout=90)
    assert parked.correlation_id == record["correlation_id"]
    assert not [m for m in ntfy.messages() if m["message"].startswith(body)]

    # AND the DLQ alarm fires
    wait_for(lambda: alarm_state(aws, DLQ_ALARM) == "ALARM", timeout=180, every=2)

    # AND `rezctl dlq list` shows it with its reason and correlation ID
    listed = rezctl(harness, "dlq", "list")
    assert listed.returncode in (0, 1), listed.stderr
    entries = json.loads(listed.stdout)
    entries = entries.get("messages", entries) if isinstance(entries, dict) else entries
    [entry] = [e for e in entries if e.get("message_id") == message_id]
    assert entry.get("correlation_id") == record["correlation_id"]

    # WHEN the cause is fixed and the runbook's redrive is run
    ntfy.heal()
    redriven = rezctl(harness, "dlq", "redrive", "--message-id", message_id)
    assert redriven.returncode == 0, redriven.stdout + redriven.stderr

    # THEN the message is delivered once and completed, and it left the DLQ
    done = wait_for(
        lambda: (r := get_message(message_id)) and r["status"] == "completed" and r, timeout=120
    )
    assert done["notification_id"]
    assert len([m for m in ntfy.messages() if m["message"].startswith(body)]) == 1
    assert in_dlq(harness, message_id) == []
