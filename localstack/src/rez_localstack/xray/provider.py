"""The X-Ray ASF provider: sampling rules and traces here, everything else to moto.

Traces are our own store (``traces.py``), not moto's X-Ray backend: moto's ``GetTraceSummaries``
fails on any filter expression ("Not implemented yet"), it has no ``GetServiceGraph``, and it
keeps segments as sent (no OTLP, no nesting of independent subsegments), so building on it would
have meant replacing all of it anyway.
"""

import json
from datetime import UTC, datetime
from typing import Any

from localstack.aws.api import CommonServiceException, RequestContext, handler

from rez_localstack.xray import filters, graph
from rez_localstack.xray.sampling_rules import (
    RuleExistsError,
    RuleInvalidError,
    RuleNotFoundError,
    SamplingRuleStore,
    shared_store,
)
from rez_localstack.xray.summaries import TraceFacts
from rez_localstack.xray.traces import TraceStore
from rez_localstack.xray.traces import shared_store as shared_traces


class InvalidRequestException(CommonServiceException):
    """X-Ray's one client error code."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestException", message, status_code=400)


class NotImplementedLocallyException(CommonServiceException):
    """Valid X-Ray input the local X-Ray does not serve: a loud error, never a wrong answer."""

    def __init__(self, message: str) -> None:
        super().__init__("NotImplementedLocally", message, status_code=501)


class XRayProvider:
    """Only the operations it serves carry ``@handler``; moto answers the rest."""

    service = "xray"

    def __init__(
        self, rules: SamplingRuleStore | None = None, traces: TraceStore | None = None
    ) -> None:
        self.rules = rules if rules is not None else shared_store()
        self.traces = traces if traces is not None else shared_traces()

    def accept_state_visitor(self, visitor: Any) -> None:
        """Let LocalStack's state tooling see moto's X-Ray backend (traces)."""
        from moto.xray.models import xray_backends

        visitor.visit(xray_backends)

    @handler("CreateSamplingRule", expand=False)
    def create_sampling_rule(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Add a rule."""
        try:
            record = self.rules.create(context.account_id, context.region, request["SamplingRule"])
        except (RuleExistsError, RuleInvalidError) as error:
            raise InvalidRequestException(str(error)) from None
        return {"SamplingRuleRecord": record}

    @handler("GetSamplingRules", expand=False)
    def get_sampling_rules(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """All rules in one page."""
        return {"SamplingRuleRecords": self.rules.list(context.account_id, context.region)}

    @handler("UpdateSamplingRule", expand=False)
    def update_sampling_rule(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Change a rule."""
        try:
            record = self.rules.update(
                context.account_id, context.region, request["SamplingRuleUpdate"]
            )
        except (RuleNotFoundError, RuleInvalidError) as error:
            raise InvalidRequestException(str(error)) from None
        return {"SamplingRuleRecord": record}

    @handler("DeleteSamplingRule", expand=False)
    def delete_sampling_rule(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Remove a rule."""
        try:
            record = self.rules.delete(
                context.account_id, context.region, request.get("RuleName"), request.get("RuleARN")
            )
        except (RuleNotFoundError, RuleInvalidError) as error:
            raise InvalidRequestException(str(error)) from None
        return {"SamplingRuleRecord": record}

    @handler("PutTraceSegments", expand=False)
    def put_trace_segments(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Store segment documents (JSON strings); invalid ones come back unprocessed."""
        documents: list[dict[str, Any]] = []
        unprocessed: list[dict[str, Any]] = []
        for text in request.get("TraceSegmentDocuments") or []:
            try:
                document = json.loads(text)
            except ValueError:
                unprocessed.append({"ErrorCode": "InvalidJson", "Message": "not JSON"})
                continue
            if not isinstance(document, dict):
                unprocessed.append({"ErrorCode": "InvalidJson", "Message": "not an object"})
                continue
            documents.append(document)
        for segment_id in self.traces.put(documents):
            unprocessed.append(
                {"Id": segment_id, "ErrorCode": "InvalidSegment", "Message": "missing fields"}
            )
        return {"UnprocessedTraceSegments": unprocessed}

    @handler("GetTraceSummaries", expand=False)
    def get_trace_summaries(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Summaries of the traces in the time range that match the filter expression."""
        start, end = _time_range(request)
        by = request.get("TimeRangeType") or "TraceId"
        if by not in ("TraceId", "Event"):
            raise InvalidRequestException(f"TimeRangeType {by} is not served locally")
        try:
            predicate = filters.parse(request.get("FilterExpression") or "")
        except filters.FilterSyntaxError as error:
            raise InvalidRequestException(f"Invalid filter expression: {error}") from None
        except filters.UnsupportedFilterError as error:
            raise NotImplementedLocallyException(str(error)) from None
        matched = []
        processed = 0
        for trace in self.traces.all():
            facts = TraceFacts.of(trace)
            if not facts.segments or not facts.in_range(start, end, by):
                continue
            processed += 1
            if predicate(facts):
                matched.append(facts.summary())
        matched.sort(key=lambda summary: summary["StartTime"], reverse=True)
        return {
            "TraceSummaries": matched,
            "ApproximateTime": end,
            "TracesProcessedCount": processed,
        }

    @handler("BatchGetTraces", expand=False)
    def batch_get_traces(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        """Whole traces: each segment's document with its subsegments nested, as a string."""
        traces, unprocessed = [], []
        for trace_id in request.get("TraceIds") or []:
            trace = self.traces.get(trace_id)
            if trace is None:
                unprocessed.append(trace_id)
                continue
            segments = trace.segments()
            traces.append(
                {
                    "Id": trace_id,
                    "Duration": round(trace.end() - trace.start(), 6),
                    "LimitExceeded": False,
                    "Segments": [
                        {"Id": str(segment["id"]), "Document": json.dumps(segment)}
                        for segment in segments
                    ],
                }
            )
        return {"Traces": traces, "UnprocessedTraceIds": unprocessed}

    @handler("GetServiceGraph", expand=False)
    def get_service_graph(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        """Nodes and edges of the traces with a segment in the time range."""
        start, end = _time_range(request)
        if request.get("GroupName") not in (None, "Default") or request.get("GroupARN"):
            raise NotImplementedLocallyException("groups are not served by the local X-Ray")
        every = {trace.trace_id: TraceFacts.of(trace) for trace in self.traces.all()}
        chosen = [
            facts
            for facts in every.values()
            if facts.segments and facts.in_range(start, end, "Event")
        ]
        built = graph.build(chosen, every)
        return {
            "StartTime": start,
            "EndTime": end,
            "Services": graph.to_api(built, start, end),
            "ContainsOldGroupVersions": False,
        }


def _time_range(request: dict[str, Any]) -> tuple[datetime, datetime]:
    start, end = request.get("StartTime"), request.get("EndTime")
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise InvalidRequestException("StartTime and EndTime are required")
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    if end < start:
        raise InvalidRequestException("EndTime must not be before StartTime")
    return start, end
