"""`rezctl invoke`: call one function with an event and show its answer and its log tail.

The sample events shipped in `rezctl/samples/` have the shapes AWS documents for each trigger,
and are the very events the services' own tests use (a unit test keeps them identical): an API
Gateway REST proxy request, a TOKEN authorizer request, SQS records with raw delivery and inside
an SNS envelope, and an EventBridge Scheduler event. The invocation is synchronous with
`LogType=Tail`, so Lambda returns the last 4 KB of the invocation's log, base64-encoded.
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from rezctl.errors import UsageError
from rezctl.live_logs import service_names
from rezctl.target import Target

PLACEHOLDER_MARK: Final = "<"
"""A TOKEN authorizer sample whose token starts like `Bearer <...>` gets a freshly minted one."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One shipped event and the function it is meant for."""

    name: str
    service: str
    description: str


SAMPLES: Final = {
    sample.name: sample
    for sample in (
        Sample("apigw-rest-proxy", "web-api", "API Gateway REST proxy event: GET /api/health"),
        Sample(
            "apigw-token-authorizer",
            "jwt-authorizer",
            "API Gateway TOKEN authorizer event (a dev/stage token is minted for it)",
        ),
        Sample("sqs-raw", "message-processor", "SQS batch, raw message delivery"),
        Sample("sqs-sns-envelope", "message-processor", "SQS batch, body in an SNS envelope"),
        Sample("eventbridge-scheduler", "scheduler", "EventBridge Scheduler event"),
    )
}


@dataclass(frozen=True, slots=True)
class Invocation:
    """What Lambda answered."""

    function: str
    status_code: int
    function_error: str | None
    payload: Any
    log_tail: str
    version: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "status_code": self.status_code,
            "function_error": self.function_error,
            "executed_version": self.version,
            "payload": self.payload,
            "log_tail": self.log_tail,
        }


def sample_event(name: str) -> dict[str, Any]:
    """A shipped sample by name."""
    if name not in SAMPLES:
        raise UsageError(f"no sample {name!r}; choose from {', '.join(SAMPLES)}")
    text = resources.files("rezctl.samples").joinpath(f"{name}.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def default_sample(service: str) -> str:
    """The first sample meant for `service`."""
    for sample in SAMPLES.values():
        if sample.service == service:
            return sample.name
    raise UsageError(f"no sample for {service}: pass --event FILE")


def event_from_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from error
    except ValueError as error:
        raise UsageError(f"{path} is not JSON: {error}") from error


def with_token(event: Any, target: Target) -> Any:
    """A TOKEN authorizer event whose token is a placeholder gets a real token (dev/stage)."""
    if not (isinstance(event, dict) and event.get("type") == "TOKEN"):
        return event
    token = str(event.get("authorizationToken", ""))
    if PLACEHOLDER_MARK not in token:
        return event
    from rezctl.tokens import mint_token

    minted = mint_token("rezctl@example.com", target=target)
    return {**event, "authorizationToken": f"Bearer {minted}"}


def invoke(target: Target, service: str, event: Any) -> Invocation:
    """Invoke `service`'s function synchronously with `event`."""
    (full,) = service_names([service])
    function = target.names.function(full)
    answer = target.client("lambda").invoke(
        FunctionName=function,
        InvocationType="RequestResponse",
        LogType="Tail",
        Payload=json.dumps(event).encode(),
    )
    raw = answer["Payload"].read()
    try:
        payload: Any = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors="replace")
    tail = answer.get("LogResult")
    return Invocation(
        function=function,
        status_code=int(answer.get("StatusCode", 0)),
        function_error=answer.get("FunctionError"),
        payload=payload,
        log_tail=base64.b64decode(tail).decode(errors="replace") if tail else "",
        version=answer.get("ExecutedVersion"),
    )
