"""The function's log level is Lambda's logging configuration, switched without a deploy.

Lambda's advanced logging controls: `LoggingConfig.ApplicationLogLevel` (the console's log-level
switch, or UpdateFunctionConfiguration) reaches the code as `AWS_LAMBDA_LOG_LEVEL`, and with the
JSON format Lambda drops lines below it; rez_telemetry logs at that level (Powertools' precedence).
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from e2e_support import ROOT, STAGE, wait_for

FUNCTION = f"rez-agent-web-api-{STAGE}"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
HEALTH_EVENT = ROOT / "services" / "web-api" / "tests" / "events" / "health.json"


def _set_level(lam: Any, level: str) -> None:
    lam.update_function_configuration(
        FunctionName=FUNCTION,
        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": level, "SystemLogLevel": "INFO"},
    )
    wait_for(
        lambda: (
            lam.get_function_configuration(FunctionName=FUNCTION)["LastUpdateStatus"]
            == "Successful"
        ),
        timeout=30,
    )


def _lines_of_one_request(aws: Callable[[str], Any]) -> list[dict[str, Any]]:
    """Send GET /api/health straight to the function; its JSON lines, once in CloudWatch."""
    correlation_id = str(uuid.uuid4())
    event = json.loads(HEALTH_EVENT.read_text())
    event["headers"]["X-Correlation-ID"] = correlation_id
    event["multiValueHeaders"]["X-Correlation-ID"] = [correlation_id]
    since_ms = int(time.time() * 1000) - 1000  # this request's lines only, not the suite's
    response = aws("lambda").invoke(
        FunctionName=FUNCTION, Payload=json.dumps(event).encode(), LogType="Tail"
    )
    assert json.loads(response["Payload"].read())["statusCode"] == 200
    tail = base64.b64decode(response["LogResult"]).decode()
    match = re.search(r"REPORT RequestId: (\S+)", tail)
    assert match, tail
    report = f"REPORT RequestId: {match.group(1)}"

    # the REPORT line is the invocation's last: once it is in CloudWatch, all of it is
    def shipped() -> list[dict[str, Any]] | None:
        found = _events_since(aws, since_ms)
        return found if any(report in e["message"] for e in found) else None

    events = wait_for(shipped, timeout=60)
    lines = []
    for event_ in events:
        text = event_["message"].strip()
        if text.startswith("{") and correlation_id in text:
            line = json.loads(text)
            if "level" in line:  # a log line (span lines carry the correlation ID too)
                lines.append(line)
    return lines


def _events_since(aws: Callable[[str], Any], since_ms: int) -> list[dict[str, Any]]:
    """The log group's events since `since_ms`, following every page: with many streams a page
    may be empty and still carry a token to the next."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"logGroupName": LOG_GROUP, "startTime": since_ms}
    for _ in range(500):
        page = aws("logs").filter_log_events(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return events


def test_changing_the_functions_log_level_changes_what_is_logged(aws, system):
    lam = aws("lambda")
    # GIVEN the web API deployed with the dev stage's logging configuration
    config = lam.get_function_configuration(FunctionName=FUNCTION)["LoggingConfig"]
    assert config["LogFormat"] == "JSON"
    assert config["ApplicationLogLevel"] == "DEBUG"
    try:
        # THEN its DEBUG lines are logged
        messages = {line["message"] for line in _lines_of_one_request(aws)}
        assert {"Invocation started", "API request received"} <= messages

        # WHEN its log level is switched to WARN through its logging configuration alone
        _set_level(lam, "WARN")
        lines = _lines_of_one_request(aws)

        # THEN nothing below WARNING is logged any more (a health check logs nothing above)
        assert [line["message"] for line in lines if line["level"] in ("DEBUG", "INFO")] == []
    finally:
        _set_level(lam, config["ApplicationLogLevel"])
