"""AWS calls as OpenTelemetry client spans, through botocore's own event hooks.

Every client created after `install()` gets handlers on its event emitter:
`before-parameter-build` starts a span named like X-Ray's (`DynamoDB.PutItem`, `SNS.Publish`,
`Lambda.Invoke`) with `aws.service`, `aws.operation` and the resource (`aws.table_name`…), and
points any `trace_context` the caller is sending (SNS/SQS attribute, invoke payload) at that
span, so the consumer hangs under the publish (see docs/observability.md); `before-call` adds
`X-Amzn-Trace-Id`; `after-call` / `after-call-error` end the span. Only the OTel back end
records here (the X-Ray back end has the SDK's own botocore patch), and only inside a trace.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from rez_telemetry.tracing.base import ClientSpanSource, SpanHandle
from rez_telemetry.tracing.header import XRAY_HEADER
from rez_telemetry.tracing.post_import import when_imported

if TYPE_CHECKING:
    from types import ModuleType

_SPAN_KEY: Final = "rez_telemetry_span"
_MARKER: Final = "rez_telemetry_botocore_hooks"
TRACE_CONTEXT_KEY: Final = "trace_context"
_RESOURCE_PARAMETERS: Final = (
    ("TableName", "aws.table_name"),
    ("TopicArn", "aws.sns.topic_arn"),
    ("QueueUrl", "aws.queue_url"),
    ("FunctionName", "aws.lambda.function_name"),
    ("SecretId", "aws.secretsmanager.secret_id"),
    ("Namespace", "aws.cloudwatch.namespace"),
)

_installed = False


def install(tracer: ClientSpanSource) -> None:
    """Instrument every botocore client created from now on (once; botocore not imported)."""
    global _installed
    if _installed:
        return
    _installed = True
    when_imported("botocore.client", functools.partial(_patch_client_creator, tracer))


def _patch_client_creator(tracer: ClientSpanSource, module: ModuleType) -> None:
    creator = module.ClientCreator
    original = creator.create_client
    if getattr(original, _MARKER, False):
        return

    @functools.wraps(original)
    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        instrument_client(client, tracer)
        return client

    setattr(create_client, _MARKER, True)
    creator.create_client = create_client


def instrument_client(client: Any, tracer: ClientSpanSource) -> Any:
    """Register the span hooks on one client (idempotent); returns the client."""
    events = client.meta.events
    if getattr(client.meta, _MARKER, False):
        return client
    setattr(client.meta, _MARKER, True)
    events.register("before-parameter-build", functools.partial(_start, tracer))
    events.register("before-call", _inject_header)
    events.register("after-call", _finish)
    events.register("after-call-error", _fail)
    return client


def _start(
    tracer: ClientSpanSource, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
) -> None:
    backend = tracer.active_backend()
    if backend is None or backend.name != "otel" or not backend.in_trace():
        return
    service = str(model.service_model.service_id).replace(" ", "")
    attributes: dict[str, str | int | float | bool] = {
        "aws.service": service,
        "aws.operation": model.name,
        "rpc.system": "aws-api",
    }
    for parameter, attribute in _RESOURCE_PARAMETERS:
        value = params.get(parameter)
        if isinstance(value, str):
            attributes[attribute] = value
    span = tracer.start_client_span(f"{service}.{model.name}", attributes)
    context[_SPAN_KEY] = span
    header = span.trace_header()
    if header:
        _repoint_trace_context(params, header)


def _repoint_trace_context(params: dict[str, Any], header: str) -> None:
    """Make a `trace_context` the caller is sending name this client span as the parent."""
    _set_attribute(params.get("MessageAttributes"), header)
    for entry in params.get("PublishBatchRequestEntries") or params.get("Entries") or ():
        if isinstance(entry, dict):
            _set_attribute(entry.get("MessageAttributes"), header)
    payload = params.get("Payload")
    if isinstance(payload, bytes | str) and TRACE_CONTEXT_KEY.encode() in _as_bytes(payload):
        try:
            document = json.loads(payload)
        except ValueError:
            return
        if isinstance(document, dict) and TRACE_CONTEXT_KEY in document:
            document[TRACE_CONTEXT_KEY] = header
            encoded = json.dumps(document)
            params["Payload"] = encoded.encode() if isinstance(payload, bytes) else encoded


def _as_bytes(payload: bytes | str) -> bytes:
    return payload if isinstance(payload, bytes) else payload.encode()


def _set_attribute(attributes: Any, header: str) -> None:
    if isinstance(attributes, dict):
        attribute = attributes.get(TRACE_CONTEXT_KEY)
        if isinstance(attribute, dict) and "StringValue" in attribute:
            attribute["StringValue"] = header


def _inject_header(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    span: SpanHandle | None = context.get(_SPAN_KEY)
    if span is not None:
        header = span.trace_header()
        if header:
            params.setdefault("headers", {})[XRAY_HEADER] = header


def _finish(
    http_response: Any, parsed: Mapping[str, Any], context: dict[str, Any], **_: Any
) -> None:
    span: SpanHandle | None = context.pop(_SPAN_KEY, None)
    if span is None:
        return
    status = getattr(http_response, "status_code", None)
    if isinstance(status, int):
        span.set_annotation("http.status_code", status)
    request_id = (parsed.get("ResponseMetadata") or {}).get("RequestId")
    if request_id:
        span.set_annotation("aws.request_id", str(request_id))
    if isinstance(status, int) and status >= 300:
        error = parsed.get("Error") or {}
        span.set_annotation("aws.error_code", str(error.get("Code", status)))
        span.record_error(_AwsError(f"{error.get('Code', status)}: {error.get('Message', '')}"))
    span.end()


def _fail(exception: BaseException, context: dict[str, Any], **_: Any) -> None:
    span: SpanHandle | None = context.pop(_SPAN_KEY, None)
    if span is not None:
        span.record_error(exception)
        span.end()


class _AwsError(Exception):
    """Stands for an AWS error answer on the span (botocore raises the real one afterwards)."""
