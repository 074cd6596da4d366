"""The segment an API Gateway stage with tracing records for each sampled request.

What AWS records (API Gateway developer guide, "Tracing user requests to REST APIs using X-Ray",
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-xray.html): a segment
named ``<api name>/<stage>`` with origin ``AWS::ApiGateway::Stage``, the request's method, URL,
client address and user agent, the response status, and a subsegment for the integration call,
which is the parent the integration receives in ``X-Amzn-Trace-Id``.

``StageSegmentHandler`` runs in ``preprocess_request`` right after the sampling decision: it
names the segment and rewrites the trace header's ``Parent`` to the integration subsegment. The
segment is stored when the response is ready (LocalStack's ``InvocationResponseEnricher``, the
chain's response handler, wrapped with ``localstack.utils.patch``: response handlers have no
extension point).
"""

from __future__ import annotations

import time
from typing import Any

from rez_localstack.apigw_tracing.handler import TRACE_HEADER, trace_fields, tracing_enabled
from rez_localstack.xray.lambda_tracing import new_id
from rez_localstack.xray.traces import TraceStore, shared_store

PENDING = "rez_xray_stage_segment"


def with_parent(header: str, parent: str) -> str:
    """``header`` with its ``Parent`` set."""
    parts = [part for part in header.split(";") if part]
    kept = [part for part in parts if part.strip().partition("=")[0].lower() != "parent"]
    root = [part for part in kept if part.strip().partition("=")[0].lower() == "root"]
    rest = [part for part in kept if part not in root]
    return ";".join([*root, f"Parent={parent}", *rest])


class StageSegmentHandler:
    """A ``RestApiGatewayHandler`` opening the stage segment of a sampled, traced request."""

    def __call__(self, chain: Any, context: Any, response: Any) -> None:
        if not context.trace_id or not tracing_enabled(context.stage_configuration):
            return
        fields = trace_fields(context.trace_id)
        if fields.get("sampled") != "1" or not fields.get("root"):
            return
        caller = trace_fields(context.request.headers.get(TRACE_HEADER)).get("parent")
        segment_id, integration_id = new_id(), new_id()
        context.trace_id = with_parent(context.trace_id, integration_id)
        request = context.request
        api_name = (context.deployment.rest_api.rest_api or {}).get("name") or context.api_id
        setattr(
            context,
            PENDING,
            {
                "id": segment_id,
                "integration_id": integration_id,
                "trace_id": fields["root"],
                "parent_id": caller,
                "name": f"{api_name}/{context.stage}",
                "start_time": time.time(),
                "method": request.method,
                "url": request.url,
                "client_ip": request.remote_addr,
                "user_agent": request.headers.get("User-Agent"),
                "resource_arn": (
                    f"arn:aws:apigateway:{context.region}::/restapis/{context.api_id}"
                    f"/stages/{context.stage}"
                ),
                "api_id": context.api_id,
            },
        )


def stage_segment(pending: dict[str, Any], status: int, end: float) -> dict[str, Any]:
    """The finished segment (and its integration subsegment)."""
    segment: dict[str, Any] = {
        "id": pending["id"],
        "trace_id": pending["trace_id"],
        "name": pending["name"],
        "origin": "AWS::ApiGateway::Stage",
        "start_time": pending["start_time"],
        "end_time": end,
        "resource_arn": pending["resource_arn"],
        "http": {
            "request": {
                key: value
                for key, value in {
                    "method": pending["method"],
                    "url": pending["url"],
                    "client_ip": pending["client_ip"],
                    "user_agent": pending["user_agent"],
                }.items()
                if value
            },
            "response": {"status": status},
        },
        "aws": {"api_id": pending["api_id"]},
        "annotations": {},
        "subsegments": [
            {
                "id": pending["integration_id"],
                "name": "Lambda",
                "namespace": "aws",
                "start_time": pending["start_time"],
                "end_time": end,
            }
        ],
    }
    if not segment["annotations"]:
        del segment["annotations"]
    if pending.get("parent_id"):
        segment["parent_id"] = pending["parent_id"]
    if 400 <= status < 500:
        segment["error"] = True
        if status == 429:
            segment["throttle"] = True
    elif status >= 500:
        segment["fault"] = True
    return segment


def record(context: Any, response: Any, store: TraceStore | None = None) -> None:
    """Store the stage segment of a request that opened one."""
    pending = context.get(PENDING) if hasattr(context, "get") else None
    if not pending:
        return
    setattr(context, PENDING, None)
    status = int(getattr(response, "status_code", 0) or 0)
    (store or shared_store()).put([stage_segment(pending, status, time.time())])


def patch_response_recording() -> None:
    """Record stage segments when the response is ready (once)."""
    from localstack.services.apigateway.next_gen.execute_api.handlers.response_enricher import (
        InvocationResponseEnricher,
    )
    from localstack.utils.patch import patch

    if getattr(InvocationResponseEnricher, "_rez_xray_patched", False):
        return

    @patch(InvocationResponseEnricher.__call__)
    def call(fn: Any, self: Any, chain: Any, context: Any, response: Any) -> Any:
        result = fn(self, chain, context, response)
        record(context, response)
        return result

    InvocationResponseEnricher._rez_xray_patched = True
