"""The two handlers: keep the invocation on the request, then log it once answered."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from rez_localstack.apigw_access_logs.render import render

LOG = logging.getLogger(__name__)

INVOCATION_KEY: Final = "rez.apigw.invocation"
STARTED_KEY: Final = "rez.apigw.started"

type LineWriter = Callable[[str, str, str, str], None]
"""``(account_id, region, log_group_arn, line)``."""


class KeepInvocationHandler:
    """First in ``preprocess_request``: the invocation context, kept on the WSGI environ."""

    def __call__(self, chain: Any, context: Any, response: Any) -> None:
        environ = getattr(context.request, "environ", None)
        if isinstance(environ, dict):
            environ[INVOCATION_KEY] = context
            environ.setdefault(STARTED_KEY, time.monotonic())


def access_variables(invocation: Any, status: int, length: int, latency_ms: int) -> dict[str, Any]:
    """``$context`` as an access log sees it: the request's variables plus the outcome."""
    variables: dict[str, Any] = dict(invocation.context_variables or {})
    authorizer = dict(variables.get("authorizer") or {})
    variables.update(
        status=str(status),
        responseLength=str(length),
        responseLatency=str(latency_ms),
        xrayTraceId=_trace_root(invocation.trace_id),
        authorizer=authorizer,
    )
    request_time = str(variables.get("requestTime") or "")
    if request_time.endswith(" "):  # LocalStack's clock is naive; API Gateway writes UTC as +0000
        variables["requestTime"] = request_time + "+0000"
    if "integrationLatency" in authorizer:
        authorizer.setdefault("latency", authorizer["integrationLatency"])
        authorizer.setdefault("status", "200")
    return variables


def _trace_root(header: str | None) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "root":
            return value
    return None


def put_line(account_id: str, region: str, log_group_arn: str, line: str) -> None:
    """PutLogEvents into the destination group (its stream created on first use)."""
    from localstack.aws.connect import connect_to

    logs = connect_to(aws_access_key_id=account_id, region_name=region).logs
    group = log_group_arn.split(":log-group:", 1)[-1].removesuffix(":*")
    stream = "access"
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    event = {"timestamp": int(time.time() * 1000), "message": line}
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[event])


class AccessLogHandler:
    """A response handler of LocalStack's gateway: one line per answered execute-api request."""

    def __init__(self, write: LineWriter = put_line, background: bool = True) -> None:
        self._write = write
        self._pool = ThreadPoolExecutor(max_workers=1) if background else None

    def __call__(self, chain: Any, context: Any, response: Any) -> None:
        environ = getattr(getattr(context, "request", None), "environ", None)
        if not isinstance(environ, dict) or INVOCATION_KEY not in environ:
            return
        invocation = environ.pop(INVOCATION_KEY)
        settings: Mapping[str, Any] = (invocation.stage_configuration or {}).get(
            "accessLogSettings"
        ) or {}
        destination, template = settings.get("destinationArn"), settings.get("format")
        if not destination or not template:
            return
        latency_ms = int((time.monotonic() - environ.get(STARTED_KEY, time.monotonic())) * 1000)
        body = response.get_data() if response is not None else b""
        variables = access_variables(invocation, response.status_code, len(body), latency_ms)
        line = render(template, variables)
        job = (invocation.account_id, invocation.region, destination, line)
        if self._pool is None:
            self._safe_write(*job)
        else:
            self._pool.submit(self._safe_write, *job)

    def _safe_write(self, account_id: str, region: str, destination: str, line: str) -> None:
        try:
            self._write(account_id, region, destination, line)
        except Exception:  # the request was answered; a lost log line must not break the gateway
            LOG.exception("access log line for %s not written", destination)
