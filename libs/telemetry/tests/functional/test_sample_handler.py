"""A sample handler run end to end: stdout is JSON lines with the schema, per-record IDs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
EVENTS = HERE.parent / "events"
SCHEMA = {
    "timestamp",
    "level",
    "message",
    "service",
    "stage",
    "correlation_id",
    "function_request_id",
    "cold_start",
    "source",
}


@pytest.fixture(scope="module")
def run_output() -> list[dict]:
    """Run the sample handler in a fresh interpreter, as Lambda would, and parse its stdout."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"LOG_LEVEL", "SERVICE_NAME"}},
        "STAGE": "prod",
        "_X_AMZN_TRACE_ID": (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        ),
    }
    result = subprocess.run(
        [sys.executable, str(HERE / "sample_handler.py"), str(EVENTS / "sqsEventRawDelivery.json")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stderr == ""
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_every_line_parses_as_json_and_carries_the_schema(run_output):
    assert run_output, "the handler printed nothing"
    for line in run_output:
        assert set(line) >= SCHEMA, SCHEMA - set(line)
        assert line["service"] == "processor"
        assert line["stage"] == "prod"
        assert line["function_request_id"] == "8f2d4c1e-3b5a-4e6f-9a7b-1c2d3e4f5a6b"
        assert line["cold_start"] is True
        assert line["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"


def test_each_record_carries_its_own_correlation_id_on_every_line(run_output):
    # GIVEN a batch of 3 records with 3 correlation IDs
    expected = {
        "3f1c2b7a-0d2e-4c55-9b1a-0a1b2c3d4e01": "corr-aaaa-0001",
        "3f1c2b7a-0d2e-4c55-9b1a-0a1b2c3d4e02": "corr-bbbb-0002",
        "3f1c2b7a-0d2e-4c55-9b1a-0a1b2c3d4e03": "corr-cccc-0003",
    }
    record_lines = [line for line in run_output if "message_id" in line]
    # THEN every line logged while processing a record has that record's IDs, nothing else
    assert len(record_lines) >= 9
    for line in record_lines:
        assert line["correlation_id"] == expected[line["message_id"]], line
    # AND every record produced its lines (the stdlib one included)
    by_message = {}
    for line in record_lines:
        by_message.setdefault(line["message_id"], []).append(line["message"])
    for messages in by_message.values():
        assert messages[:2] == ["SQS message received", "Status created -> processing"]
    # AND the notifier payload carried the same correlation onward
    for line in record_lines:
        if line["message"] == "Invoking notifier":
            assert line["payload"]["correlation_id"] == line["correlation_id"]


def test_invocation_lines_are_outside_any_record(run_output):
    completed = [line for line in run_output if line["message"] == "Invocation completed"]
    assert len(completed) == 1
    assert "message_id" not in completed[0]
    assert completed[0]["correlation_id"] not in {
        "corr-aaaa-0001",
        "corr-bbbb-0002",
        "corr-cccc-0003",
    }
    assert completed[0]["level"] == "INFO"


def test_braces_and_exceptions_survive(run_output):
    review = next(line for line in run_output if line["message"].startswith("Manual message"))
    assert review["message"] == "Manual message {type} needs review"
    assert review["detail"] == "{not a field}"
    failed = next(line for line in run_output if line["message"] == "Message processing failed")
    assert failed["exception"]["type"] == "TimeoutError"
    assert failed["correlation_id"] == "corr-cccc-0003"


def test_debug_is_off_in_prod(run_output):
    assert all(line["level"] != "DEBUG" for line in run_output)
