"""Read a message's trace back from X-Ray as span documents `tree.build_trees` nests.

The on-call path: `GetTraceSummaries` with `annotation.correlation_id = "<id>"` gives the trace
ids, `BatchGetTraces` their segments; each segment and subsegment becomes one span document in the
shape the span lines have (`trace_id`, `span_id`, `parent_id`, `links`, `name`, `start`, `end`,
`duration_ms`, `status`, `attributes`), so `tree.render` draws it the same way. Works against
AWS and against the local harness alike (the client decides which).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

Span = dict[str, Any]
BATCH = 5
"""Trace ids per `BatchGetTraces` call (X-Ray's limit)."""


def trace_ids_for(xray: Any, correlation_id: str, start: datetime, end: datetime) -> list[str]:
    """Ids of the traces annotated with this correlation id, oldest first."""
    expression = f'annotation.correlation_id = "{correlation_id}"'
    ids: list[str] = []
    kwargs: dict[str, Any] = {"StartTime": start, "EndTime": end, "FilterExpression": expression}
    while True:
        page = xray.get_trace_summaries(**kwargs)
        ids += [s["Id"] for s in page.get("TraceSummaries", []) if s["Id"] not in ids]
        token = page.get("NextToken")
        if not token:
            break
        kwargs["NextToken"] = token
    return sorted(ids, key=lambda trace_id: trace_id.split("-")[1])


def segment_documents(xray: Any, trace_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Every segment document of these traces (`BatchGetTraces`, five ids a call)."""
    wanted = list(trace_ids)
    documents: list[dict[str, Any]] = []
    for index in range(0, len(wanted), BATCH):
        kwargs: dict[str, Any] = {"TraceIds": wanted[index : index + BATCH]}
        while True:
            page = xray.batch_get_traces(**kwargs)
            for trace in page.get("Traces", []):
                documents += [json.loads(s["Document"]) for s in trace.get("Segments", [])]
            token = page.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
    return documents


def spans_from_segments(documents: Iterable[Mapping[str, Any]]) -> list[Span]:
    """Flatten segments and their nested subsegments into span documents."""
    spans: list[Span] = []
    for segment in documents:
        _flatten(segment, str(segment.get("trace_id")), None, str(segment.get("name")), spans)
    return spans


def _flatten(
    document: Mapping[str, Any],
    trace_id: str,
    parent: str | None,
    service: str,
    out: list[Span],
) -> None:
    is_segment = parent is None
    metadata = (document.get("metadata") or {}).get("default") or {}
    annotations = dict(document.get("annotations") or {})
    attributes: dict[str, Any] = dict(annotations)
    for key, value in (document.get("aws") or {}).items():
        if isinstance(value, str | int | float | bool):
            attributes[f"aws.{key}"] = value
    for key, value in metadata.items():
        if isinstance(value, str | int | float | bool) and key != "span.name":
            attributes.setdefault(key, value)
    http = document.get("http") or {}
    status_code = (http.get("response") or {}).get("status")
    if status_code is not None:
        attributes["http.status_code"] = status_code
    if document.get("namespace") == "remote":
        attributes.setdefault("server.address", document.get("name"))
    if document.get("origin"):
        attributes["xray.origin"] = document["origin"]
    start = float(document.get("start_time") or 0.0)
    end = float(document.get("end_time") or start)
    failed = bool(document.get("fault") or document.get("error"))
    span: Span = {
        "trace_id": trace_id,
        "span_id": str(document.get("id")),
        "parent_id": document.get("parent_id") if is_segment else parent,
        "links": [
            {"trace_id": link.get("trace_id"), "span_id": link.get("id")}
            for link in document.get("links") or ()
        ],
        "name": str(metadata.get("span.name") or document.get("name")),
        "kind": "server" if is_segment else ("client" if document.get("namespace") else "internal"),
        "start": start,
        "end": end,
        "duration_ms": round((end - start) * 1000.0, 3),
        "status": "error" if failed else "unset",
        "attributes": attributes,
        "service": service,
        "correlation_id": annotations.get("correlation_id"),
    }
    out.append(span)
    for child in document.get("subsegments") or ():
        _flatten(child, trace_id, span["span_id"], service, out)


def trace_spans(xray: Any, correlation_id: str, start: datetime, end: datetime) -> list[Span]:
    """The span documents of every trace annotated with `correlation_id`."""
    return spans_from_segments(
        segment_documents(xray, trace_ids_for(xray, correlation_id, start, end))
    )


def console_url(region: str, trace_id: str) -> str:
    """The trace in the CloudWatch console (X-Ray traces live there now)."""
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#xray:traces/{trace_id}"
    )
