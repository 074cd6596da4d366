"""Lambda's side of X-Ray: the trace header each invocation gets, and the segments Lambda records.

What AWS does (Lambda developer guide, "Visualize Lambda function invocations using AWS X-Ray",
https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html, and X-Ray's "Tracing
event-driven applications", https://docs.aws.amazon.com/xray/latest/devguide/xray-tracelinking.html):

- every function gets ``AWS_XRAY_DAEMON_ADDRESS`` (here: the harness's X-Ray endpoint, for
  every function, since a ``PassThrough`` function still sends when its caller sampled);
- ``_X_AMZN_TRACE_ID`` continues the caller's trace header (an ``Invoke``'s
  ``X-Amzn-Trace-Id``, API Gateway's, which LocalStack's proxy integration leaves out of its
  ``Invoke`` and is read here from the proxy event's own header); without a decision, an
  ``Active`` function decides with the sampling rules (``ServiceType AWS::Lambda::Function``),
  a ``PassThrough`` one records nothing (``Sampled=0``);
- a sampled ``Active`` invocation records an ``AWS::Lambda`` segment (the service: parent the
  caller) and an ``AWS::Lambda::Function`` segment (the function, with its ``Invocation``
  subsegment); ``Parent`` in ``_X_AMZN_TRACE_ID`` is the function segment, so what the code
  records hangs under it;
- an SQS batch from an event source mapping starts a new trace whose ``AWS::Lambda`` segment
  links to each message's ``AWSTraceHeader`` trace (at most 20 links per segment).

Applied by patching LocalStack's ``ExecutionEnvironment`` (``invoke`` and
``get_environment_variables``) with ``localstack.utils.patch``: its invocation path has no
extension point for the trace header, and the executor plugin only sees the finished header.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Mapping
from typing import Any

from rez_localstack.xray.daemon import daemon_address
from rez_localstack.xray.sampling import Sampler, SamplingRequest
from rez_localstack.xray.traces import TraceStore, shared_store

LOG = logging.getLogger(__name__)

MAX_LINKS = 20
ACTIVE = "Active"
_SAMPLER: list[Sampler] = []


def new_id() -> str:
    """A 16-hex-digit segment id."""
    return secrets.token_hex(8)


def new_root(now: float | None = None) -> str:
    """``1-<epoch hex>-<24 random hex>``."""
    return f"1-{int(now or time.time()):08x}-{secrets.token_hex(12)}"


def parse_header(header: str | None) -> dict[str, str]:
    """``Root=…;Parent=…;Sampled=…`` by lower-case key."""
    fields: dict[str, str] = {}
    for part in (header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key:
            fields[key.lower()] = value.strip()
    return fields


def header_from_event(payload: bytes | str | None) -> tuple[str | None, list[str]]:
    """(API Gateway's header from a proxy event, the ``AWSTraceHeader`` of each SQS record)."""
    try:
        event = json.loads(payload or b"null")
    except ValueError:
        return None, []
    if not isinstance(event, Mapping):
        return None, []
    records = event.get("Records")
    if isinstance(records, list):
        headers = [
            str(record["attributes"]["AWSTraceHeader"])
            for record in records
            if isinstance(record, Mapping)
            and record.get("eventSource") == "aws:sqs"
            and isinstance(record.get("attributes"), Mapping)
            and record["attributes"].get("AWSTraceHeader")
        ]
        return None, headers
    if isinstance(event.get("requestContext"), Mapping) and isinstance(
        event.get("headers"), Mapping
    ):
        for name, value in event["headers"].items():
            if str(name).lower() == "x-amzn-trace-id" and value:
                return str(value), []
    return None, []


def decide(account: str, region: str, function_name: str, function_arn: str) -> bool:
    """An ``Active`` function's own decision, from the X-Ray sampling rules."""
    if not _SAMPLER:
        _SAMPLER.append(Sampler())
    request = SamplingRequest(
        service_name=function_name,
        service_type="AWS::Lambda::Function",
        host="",
        http_method="",
        url_path="",
        resource_arn=function_arn,
    )
    return _SAMPLER[0].decide(account, region, request).sampled


def lambda_segments(
    *,
    trace_id: str,
    caller_parent: str | None,
    service_id: str,
    function_id: str,
    function_name: str,
    function_arn: str,
    request_id: str,
    start: float,
    end: float,
    failed: bool,
    links: list[str],
) -> list[dict[str, Any]]:
    """The ``AWS::Lambda`` and ``AWS::Lambda::Function`` segments of one invocation."""
    service: dict[str, Any] = {
        "id": service_id,
        "trace_id": trace_id,
        "name": function_name,
        "origin": "AWS::Lambda",
        "start_time": start,
        "end_time": end,
        "http": {"response": {"status": 200}},
        "aws": {"request_id": request_id},
        "resource_arn": function_arn,
    }
    if caller_parent:
        service["parent_id"] = caller_parent
    linked = []
    for header in links[:MAX_LINKS]:
        fields = parse_header(header)
        if fields.get("root") and fields.get("parent"):
            linked.append(
                {
                    "trace_id": fields["root"],
                    "id": fields["parent"],
                    "attributes": {"aws.xray.reserved.type": "span"},
                }
            )
    if linked:
        service["links"] = linked
    function: dict[str, Any] = {
        "id": function_id,
        "trace_id": trace_id,
        "parent_id": service_id,
        "name": function_name,
        "origin": "AWS::Lambda::Function",
        "start_time": start,
        "end_time": end,
        "resource_arn": function_arn,
        "aws": {"function_arn": function_arn, "request_id": request_id},
        "subsegments": [
            {"id": new_id(), "name": "Invocation", "start_time": start, "end_time": end}
        ],
    }
    if failed:
        function["fault"] = True
        function["subsegments"][0]["fault"] = True
    return [service, function]


_HEADER_CLASS: list[type] = []


def decided_header(root: str, parent: str, sampled: str) -> Any:
    """A LocalStack ``TraceHeader`` that keeps its decision.

    LocalStack's ``ensure_sampled_exists()``, called on every invoke, sets ``Sampled=1`` whatever
    the header held (it tests its argument, not the field); this one only fills a missing value.
    """
    if not _HEADER_CLASS:
        from localstack.utils.xray.trace_header import TraceHeader

        class DecidedTraceHeader(TraceHeader):
            def ensure_sampled_exists(self, sampled: Any = None) -> Any:
                if self.sampled is None:
                    return super().ensure_sampled_exists(sampled)
                return self

        _HEADER_CLASS.append(DecidedTraceHeader)
    return _HEADER_CLASS[0](root, parent, sampled)


def traced_invoke(
    invoke: Any, environment: Any, invocation: Any, store: TraceStore | None = None
) -> Any:
    """``ExecutionEnvironment.invoke`` with Lambda's trace header and segments."""
    version = environment.function_version
    header = invocation.trace_context.get("aws_trace_header")
    event_header, links = header_from_event(invocation.payload)
    fields: dict[str, str] = {}
    if header is not None and getattr(header, "root", None):
        fields = parse_header(header.to_header_str())
    if event_header and "parent" not in fields:
        # LocalStack's gateway gave the proxy integration's Invoke a bare new root
        fields = parse_header(event_header)
    active = str(version.config.tracing_config_mode) == ACTIVE
    root = fields.get("root") or new_root()
    caller_parent = fields.get("parent")
    sampled = fields.get("sampled")
    if sampled not in ("0", "1"):
        sampled = "0"
        if active:
            arn = version.qualified_arn
            account, region = version.id.account, version.id.region
            sampled = "1" if decide(account, region, version.id.function_name, arn) else "0"
    if not (active and sampled == "1"):
        parent = caller_parent or new_id()
        invocation.trace_context["aws_trace_header"] = decided_header(root, parent, sampled)
        return invoke(environment, invocation)
    service_id, function_id = new_id(), new_id()
    invocation.trace_context["aws_trace_header"] = decided_header(root, function_id, "1")
    start = time.time()
    result = invoke(environment, invocation)
    end = time.time()
    (store or shared_store()).put(
        lambda_segments(
            trace_id=root,
            caller_parent=caller_parent,
            service_id=service_id,
            function_id=function_id,
            function_name=version.id.function_name,
            function_arn=version.qualified_arn,
            request_id=invocation.request_id,
            start=start,
            end=end,
            failed=bool(getattr(result, "is_error", False)),
            links=links,
        )
    )
    return result


def with_daemon_address(env: dict[str, Any]) -> dict[str, Any]:
    """The function's variables pointed at the harness's X-Ray endpoint."""
    address = daemon_address()
    if address:
        host, _, port = address.partition(":")
        env["AWS_XRAY_DAEMON_ADDRESS"] = address
        env["_AWS_XRAY_DAEMON_ADDRESS"] = host
        env["_AWS_XRAY_DAEMON_PORT"] = port
    return env


def patch_lambda_tracing() -> None:
    """Install both patches (once)."""
    from localstack.services.lambda_.invocation.execution_environment import (
        ExecutionEnvironment,
    )
    from localstack.utils.patch import patch

    if getattr(ExecutionEnvironment, "_rez_xray_patched", False):
        return

    @patch(ExecutionEnvironment.invoke)
    def invoke(fn: Any, self: Any, invocation: Any) -> Any:
        return traced_invoke(fn, self, invocation)

    @patch(ExecutionEnvironment.get_environment_variables)
    def get_environment_variables(fn: Any, self: Any) -> dict[str, Any]:
        return with_daemon_address(fn(self))

    ExecutionEnvironment._rez_xray_patched = True
