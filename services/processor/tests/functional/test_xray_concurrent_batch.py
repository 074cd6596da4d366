"""A concurrent batch under the X-Ray SDK back end: records' subsegments stay under the invocation.

The SDK keeps its current segment per thread (not in `contextvars`), so a record processed on a
worker thread starts with no entity of its own. The batch hands each worker the invocation's.
The handler runs in a fresh process set up as Lambda with active tracing sets one up
(`LAMBDA_TASK_ROOT`, `_X_AMZN_TRACE_ID`, `AWS_XRAY_DAEMON_ADDRESS`); a UDP socket on
127.0.0.1 stands in for the X-Ray daemon, which receives each subsegment as it closes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rez_telemetry.testing import FakeXRayDaemon

LAMBDA_ROOT = "1-5759e988-bd862e3fe1be46a994272793"
LAMBDA_SEGMENT = "53995c3f42cd8ad8"
FUNCTION = "rez-agent-message-processor-dev"
RECORDS = 4

HANDLER = textwrap.dedent(
    """
    import json, sys, threading
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from rez_messages import InMemoryMessageRepository
    from rez_messages.model import MessageType, Payload, new_message
    from rez_processor import bootstrap
    from rez_processor.context import ProcessingContext
    from rez_processor.handler import handler
    from rez_messages.notification import NotificationAnswer
    from rez_processor.retry_delay import RetryDelays

    spec = json.loads(sys.argv[1])
    repository = InMemoryMessageRepository()
    for message_id, correlation_id in spec["messages"]:
        repository.add(
            new_message(
                message_type=MessageType.SCHEDULED_HELLO,
                payload=Payload.create("hello"),
                created_by="scheduler",
                stage="dev",
                correlation_id=correlation_id,
                now=datetime(2026, 1, 1, tzinfo=UTC),
                retention=timedelta(days=1),
                message_id=message_id,
            )
        )
    in_flight = threading.Barrier(len(spec["messages"]), timeout=10)
    threads = set()

    class Notifier:
        def notify(self, request):
            threads.add(threading.current_thread().name)
            in_flight.wait()  # every record is being processed at once
            return NotificationAnswer.sent("ntfy-" + request.message_id[:8])

    bootstrap.override(
        ProcessingContext(
            repository=repository,
            notifier=Notifier(),
            max_receive_count=3,
            retry_delays=RetryDelays(),
            concurrency=len(spec["messages"]),
        )
    )
    context = SimpleNamespace(function_name=sys.argv[2], aws_request_id="req-xray-batch")
    answer = handler(spec["event"], context)
    print(json.dumps({"answer": answer, "threads": sorted(threads)}))
    """
)


@pytest.fixture
def daemon() -> Iterator[FakeXRayDaemon]:
    """Where the X-Ray daemon would listen."""
    listener = FakeXRayDaemon()
    yield listener
    listener.close()


def _run(daemon: FakeXRayDaemon, tmp_path: Path, spec: dict[str, Any]) -> dict[str, Any]:
    env = daemon.lambda_environment(
        os.environ,
        str(tmp_path),
        FUNCTION,
        f"Root={LAMBDA_ROOT};Parent={LAMBDA_SEGMENT};Sampled=1",
        TRACING_BACKEND="xray",
    )
    result = subprocess.run(
        [sys.executable, "-c", HANDLER, json.dumps(spec), FUNCTION],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_records_on_worker_threads_trace_under_the_invocation(
    daemon, tmp_path, stored, sqs_record, make_batch
):
    # GIVEN a batch of messages from different journeys
    messages = [stored(f"m{n}", correlation_id=f"journey-{n}") for n in range(RECORDS)]
    spec = {
        "event": make_batch(*[sqs_record(message) for message in messages]),
        "messages": [[m.message_id, m.correlation_id] for m in messages],
    }
    # WHEN the processor handles it with one thread per record, traced by the X-Ray SDK
    outcome = _run(daemon, tmp_path, spec)
    assert outcome["answer"] == {"batchItemFailures": []}
    assert len(outcome["threads"]) == RECORDS
    documents = daemon.documents()
    # THEN the invocation's subsegment hangs under Lambda's segment
    [invocation] = [d for d in documents if d["name"] == FUNCTION]
    assert invocation["parent_id"] == LAMBDA_SEGMENT
    # AND every record's subsegment hangs under the invocation, in the same trace
    records = [d for d in documents if d["name"] == "process_message"]
    assert len(records) == RECORDS
    for record in records:
        assert record["trace_id"] == LAMBDA_ROOT
        assert record["parent_id"] == invocation["id"], record
    # AND each carries its own message's correlation (no bleeding between threads)
    journeys = {m.message_id: m.correlation_id for m in messages}
    assert {r["annotations"]["message_id"] for r in records} == set(journeys)
    for record in records:
        annotations = record["annotations"]
        assert annotations["correlation_id"] == journeys[annotations["message_id"]]
