"""The X-Ray back end end to end: a UDP listener on 127.0.0.1 stands in for the X-Ray daemon.

The handler runs in a fresh process set up as Lambda with active tracing sets one up
(`LAMBDA_TASK_ROOT`, `_X_AMZN_TRACE_ID`, `AWS_XRAY_DAEMON_ADDRESS`): the SDK then works under
Lambda's facade segment and streams each subsegment to the daemon as it closes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rez_telemetry.testing import FakeXRayDaemon

LAMBDA_ROOT = "1-5759e988-bd862e3fe1be46a994272793"
LAMBDA_SEGMENT = "53995c3f42cd8ad8"
FUNCTION = "rez-agent-message-processor-dev"

HANDLER = textwrap.dedent(
    """
    import json, sys
    from types import SimpleNamespace
    from rez_telemetry import lambda_handler, tracer

    @lambda_handler(service="processor")
    def handler(event, context):
        with tracer.span("process message"):
            tracer.annotate(status="completed")
            tracer.metadata(attempt=1)
        if event.get("fail"):
            raise RuntimeError("ntfy unreachable")
        return "ok"

    context = SimpleNamespace(function_name=sys.argv[2], aws_request_id="req-xray-1")
    try:
        handler(json.loads(sys.argv[1]), context)
    except RuntimeError:
        pass
    print(json.dumps({"backend": tracer.backend_name}))
    """
)


@pytest.fixture
def daemon() -> Iterator[FakeXRayDaemon]:
    """Where the X-Ray daemon would listen."""
    listener = FakeXRayDaemon()
    yield listener
    listener.close()


@pytest.fixture
def invoke(
    daemon: FakeXRayDaemon, tmp_path: Path
) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    """Run one invocation in a Lambda-like process; returns what the daemon received."""

    def run(event: dict[str, Any]) -> list[dict[str, Any]]:
        env = daemon.lambda_environment(
            os.environ,
            str(tmp_path),
            FUNCTION,
            f"Root={LAMBDA_ROOT};Parent={LAMBDA_SEGMENT};Sampled=1",
            AWS_DEFAULT_REGION="us-east-1",
        )
        result = subprocess.run(
            [sys.executable, "-c", HANDLER, json.dumps(event), FUNCTION],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        # the back end was chosen from the Lambda environment alone
        assert json.loads(result.stdout.strip().splitlines()[-1]) == {"backend": "xray"}
        return daemon.documents()

    return run


def _sqs_record_event(load_event: Callable[[str], Any], **extra: Any) -> dict[str, Any]:
    """One record of the processor's real SQS event (raw delivery, with message attributes)."""
    event = load_event("sqsEventRawDelivery.json")
    return {"Records": event["Records"][:1], **extra}


def _by_name(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {document["name"]: document for document in documents}


def test_an_invocation_emits_annotated_subsegments_under_lambdas_segment(invoke, load_event):
    # GIVEN the processor's SQS event for one message (correlation, type in its attributes)
    event = _sqs_record_event(load_event)
    # WHEN the handler runs with the X-Ray back end
    subsegments = _by_name(invoke(event))
    # THEN the daemon received the invocation subsegment and the handler's own
    assert set(subsegments) == {FUNCTION, "process message"}
    invocation, work = subsegments[FUNCTION], subsegments["process message"]
    for document in (invocation, work):
        assert document["type"] == "subsegment"
        assert document["trace_id"] == LAMBDA_ROOT
        assert document["end_time"] >= document["start_time"]
    # AND the invocation hangs under Lambda's segment, the handler's span under the invocation
    assert invocation["parent_id"] == LAMBDA_SEGMENT
    assert work["parent_id"] == invocation["id"]
    # AND the invocation carries the searchable annotations
    assert invocation["annotations"] == {
        "correlation_id": "corr-aaaa-0001",
        "message_id": "3f1c2b7a-0d2e-4c55-9b1a-0a1b2c3d4e01",
        "message_type": "scheduled_hello",
    }
    # AND nested spans carry the correlation too, besides their own annotations and metadata
    assert work["annotations"] == {
        "correlation_id": "corr-aaaa-0001",
        "message_id": "3f1c2b7a-0d2e-4c55-9b1a-0a1b2c3d4e01",
        "status": "completed",
    }
    assert work["metadata"]["default"] == {"attempt": 1}
    # AND dotted attributes (X-Ray annotation keys cannot have dots) went to metadata
    assert invocation["metadata"]["attributes"]["faas.invocation_id"] == "req-xray-1"


def test_a_failed_invocation_marks_its_subsegment(invoke, load_event):
    # GIVEN a handler that raises
    event = _sqs_record_event(load_event, fail=True)
    # WHEN invoked
    invocation = _by_name(invoke(event))[FUNCTION]
    # THEN the subsegment records the fault with the exception
    assert invocation["fault"] is True
    [exception] = invocation["cause"]["exceptions"]
    assert (exception["type"], exception["message"]) == ("RuntimeError", "ntfy unreachable")
