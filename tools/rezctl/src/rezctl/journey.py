"""A message's whole journey: its record and status history, every log line, the span tree.

`collect(identifier)` accepts a message id or a correlation id. It runs saved query 1 as
one Logs Insights query over the five log groups (falling back to FilterLogEvents when Insights
fails), separates span lines (TRACING_BACKEND=otel writes spans as log lines with a top-level
`span`) from log lines, fetches the child spans of the traces found, and says where the journey
failed and why. `render(journey)` is the plain-text report `rezctl trace` prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from rez_telemetry.tracing.tree import SpanNode, build_trees
from rez_telemetry.tracing.tree import render as render_tree
from rezctl import queries
from rezctl.errors import RemoteError
from rezctl.logs import LogLine, filter_events, line_from_row, run_query
from rezctl.records import get_record, parse_time
from rezctl.target import Target

DEFAULT_LOOKBACK: Final = dt.timedelta(days=7)
STATUS_LINE: Final = "Message status updated"
ERROR_LEVELS: Final = frozenset({"ERROR", "CRITICAL"})
Source = Literal["insights", "filter"]


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One step of the status machine, from the record or from a processor log line."""

    at: dt.datetime | None
    old: str | None
    new: str
    source: Literal["record", "log"]
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat() if self.at else None,
            "old": self.old,
            "new": self.new,
            "source": self.source,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Failure:
    """Where a journey failed (the service, and the span when one erred) and why."""

    service: str | None
    reason: str
    span: str | None = None
    at: dt.datetime | None = None

    def describe(self) -> str:
        where = self.service or "unknown service"
        if self.span:
            where += f" ({self.span})"
        return f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "span": self.span,
            "reason": self.reason,
            "at": self.at.isoformat() if self.at else None,
        }


@dataclass(slots=True)
class Journey:
    """Everything known about one message's way through the system."""

    identifier: str
    correlation_id: str | None
    message_id: str | None
    record: dict[str, Any] | None
    status_history: list[StatusChange]
    lines: list[LogLine]
    spans: list[dict[str, Any]]
    trees: list[SpanNode] = field(default_factory=list)
    source: Source = "insights"
    notes: list[str] = field(default_factory=list)
    span_source: str = "logs"
    """Where the spans came from: span lines in the logs, or X-Ray."""

    @property
    def status(self) -> str | None:
        """The record's current status (None when there is no record)."""
        return None if self.record is None else str(self.record.get("status"))

    @property
    def failed(self) -> bool:
        """True when the message failed, or (not completed) when a line or span of it erred."""
        return self.failure is not None

    @property
    def failure(self) -> Failure | None:
        """Where and why, from the record's error, the first ERROR line and the erroring span.

        A completed message has no failure even when an earlier attempt erred (a retry won).
        """
        if self.status == "completed":
            return None
        error_line = next((line for line in self.lines if line.level in ERROR_LEVELS), None)
        error_span = _first_error_span(self.trees)
        record_error = (self.record or {}).get("error")
        if self.status != "failed" and error_line is None and error_span is None:
            return None
        reason = (
            str(record_error)
            if record_error
            else _line_reason(error_line)
            if error_line
            else _span_reason(error_span)
            if error_span
            else "failed (no reason recorded)"
        )
        return Failure(
            service=error_line.service if error_line else _span_service(error_span),
            reason=reason,
            span=error_span.name if error_span else None,
            at=error_line.when if error_line else None,
        )

    def as_dict(self) -> dict[str, Any]:
        """The `--json` form."""
        failure = self.failure
        return {
            "identifier": self.identifier,
            "correlation_id": self.correlation_id,
            "message_id": self.message_id,
            "status": self.status,
            "record": self.record,
            "status_history": [change.as_dict() for change in self.status_history],
            "lines": [line.as_dict() for line in self.lines],
            "spans": self.spans,
            "span_source": self.span_source,
            "span_tree": render_tree(self.trees) if self.trees else "",
            "failure": failure.as_dict() if failure else None,
            "source": self.source,
            "notes": self.notes,
        }


def _first_error_span(trees: list[SpanNode]) -> SpanNode | None:
    # The deepest erroring span is where it broke; its parents only carry the error up.
    found: SpanNode | None = None
    for root in trees:
        for node in root.walk():
            if node.span.get("status") == "error":
                found = node
        if found is not None:
            return found
    return None


def _span_service(node: SpanNode | None) -> str | None:
    if node is None:
        return None
    service = node.span.get("service")
    return str(service) if service else None


def _span_reason(node: SpanNode | None) -> str:
    if node is None:
        return "failed"
    error = node.span.get("error") or {}
    text = f"{error.get('type') or 'error'}: {error.get('message') or ''}".strip(": ")
    return text or str(node.span.get("status_message") or "error")


def _line_reason(line: LogLine) -> str:
    detail = line.fields.get("error") or line.fields.get("reason") or line.fields.get("exception")
    if isinstance(detail, dict):
        detail = f"{detail.get('type', '')}: {detail.get('value') or detail.get('message', '')}"
    return f"{line.text}: {detail}" if detail else line.text


def status_history(record: dict[str, Any] | None, lines: list[LogLine]) -> list[StatusChange]:
    """`created` from the record, each "Message status updated" line, then the record's
    current status when no line reported it (a status set by a function that did not log)."""
    changes: list[StatusChange] = []
    if record is not None:
        changes.append(
            StatusChange(parse_time(record.get("created_at")), None, "created", "record")
        )
    for line in lines:
        if line.fields.get("message") != STATUS_LINE:
            continue
        new = line.fields.get("new_status")
        if not isinstance(new, str):
            continue
        old = line.fields.get("old_status")
        detail = line.fields.get("error") or line.fields.get("notification_id")
        changes.append(
            StatusChange(
                line.when,
                str(old) if old is not None else None,
                new,
                "log",
                str(detail) if detail else None,
            )
        )
    if record is not None:
        current = str(record.get("status"))
        if changes[-1].new != current:
            changes.append(
                StatusChange(
                    parse_time(record.get("updated_at")),
                    changes[-1].new,
                    current,
                    "record",
                    str(record.get("error")) if record.get("error") else None,
                )
            )
    return changes


def _resolve(target: Target, identifier: str) -> tuple[dict[str, Any] | None, str, str | None]:
    """(record, correlation id, message id) for a message id or a correlation id."""
    queries.checked_identifier(identifier)
    record = get_record(target, identifier)
    if record is not None:
        return record, str(record.get("correlation_id") or identifier), identifier
    return None, identifier, None


def _split(lines: list[LogLine]) -> tuple[list[LogLine], list[dict[str, Any]]]:
    """Log lines apart from span lines and EMF metric documents."""
    logs: list[LogLine] = []
    spans: list[dict[str, Any]] = []
    for line in lines:
        span = line.fields.get("span")
        if isinstance(span, dict) and "span_id" in span and "trace_id" in span:
            spans.append(span)
        elif "_aws" not in line.fields:
            logs.append(line)
    return logs, spans


def _unique(lines: list[LogLine]) -> list[LogLine]:
    seen: set[tuple[str, str, str]] = set()
    kept: list[LogLine] = []
    for line in sorted(lines, key=lambda item: item.when):
        key = (line.log_group, line.timestamp.isoformat(), line.message)
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


def _lines_by_insights(
    target: Target,
    correlation_id: str,
    message_id: str | None,
    start: dt.datetime,
    end: dt.datetime,
    sleep: Callable[[float], None] | None,
) -> list[LogLine]:
    rows = run_query(
        target,
        queries.correlation_lines(correlation_id, message_id),
        start=start,
        end=end,
        sleep=sleep,
    )
    lines = [line_from_row(row) for row in rows]
    trace_ids = sorted(
        {
            str(line.fields["span"]["trace_id"])
            for line in lines
            if isinstance(line.fields.get("span"), dict) and line.fields["span"].get("trace_id")
        }
    )
    if trace_ids:
        rows = run_query(target, queries.trace_spans(trace_ids), start=start, end=end, sleep=sleep)
        lines.extend(line_from_row(row) for row in rows)
    return _unique(lines)


def _lines_by_filter(
    target: Target,
    correlation_id: str,
    message_id: str | None,
    start: dt.datetime,
    end: dt.datetime,
) -> list[LogLine]:
    pattern = queries.correlation_filter_pattern(correlation_id, message_id)
    lines = filter_events(target, pattern, start=start, end=end)
    trace_ids = {
        str(line.fields["span"]["trace_id"])
        for line in lines
        if isinstance(line.fields.get("span"), dict) and line.fields["span"].get("trace_id")
    }
    for trace_id in sorted(trace_ids):
        lines.extend(
            filter_events(target, queries.trace_filter_pattern(trace_id), start=start, end=end)
        )
    return _unique(lines)


def collect(
    correlation_or_message_id: str,
    *,
    target: Target | None = None,
    since: dt.timedelta = DEFAULT_LOOKBACK,
    now: dt.datetime | None = None,
    use_insights: bool = True,
    sleep: Callable[[float], None] | None = None,
) -> Journey:
    """The journey of a message, by its message id or its correlation id.

    The time range starts a minute before the record's `created_at` when the record is found,
    else `since` ago. Logs Insights first; on its failure (or `use_insights=False`)
    FilterLogEvents with the equivalent JSON pattern, and `journey.source` says which.
    """
    where = target or Target.resolve()
    end = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=1)
    record, correlation_id, message_id = _resolve(where, correlation_or_message_id)
    created = parse_time((record or {}).get("created_at"))
    start = created - dt.timedelta(minutes=1) if created else end - since
    notes: list[str] = []
    source: Source = "insights"
    lines: list[LogLine]
    if use_insights:
        try:
            lines = _lines_by_insights(where, correlation_id, message_id, start, end, sleep)
        except RemoteError as error:
            notes.append(f"Logs Insights failed ({error}); used FilterLogEvents instead")
            source = "filter"
            lines = _lines_by_filter(where, correlation_id, message_id, start, end)
    else:
        source = "filter"
        lines = _lines_by_filter(where, correlation_id, message_id, start, end)
    if record is None:
        found = next(
            (line.fields.get("message_id") for line in lines if line.fields.get("message_id")), None
        )
        if isinstance(found, str):
            message_id = found
            record = get_record(where, found)
    log_lines, spans = _split(lines)
    span_source = "logs"
    if not spans and correlation_id:  # traces go to X-Ray (the production default)
        from rezctl.xray_trace import collect_spans

        spans, xray_notes = collect_spans(where, correlation_id, start, end)
        notes += xray_notes
        span_source = "X-Ray"
    if not log_lines and record is None:
        notes.append(f"nothing found for {correlation_or_message_id} since {start.isoformat()}")
    return Journey(
        identifier=correlation_or_message_id,
        correlation_id=correlation_id,
        message_id=message_id,
        record=record,
        status_history=status_history(record, log_lines),
        lines=log_lines,
        spans=spans,
        trees=build_trees(spans),
        source=source,
        span_source=span_source,
        notes=notes,
    )


LineStyle = str | None
LEVEL_STYLES: Final = {"ERROR": "red", "CRITICAL": "bold red", "WARNING": "yellow", "DEBUG": "dim"}


def _clock(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if moment else "?"


_SKIPPED_FIELDS: Final = frozenset(
    {
        "timestamp", "level", "message", "service", "stage", "correlation_id", "source",
        "function_request_id", "cold_start", "function_name", "xray_trace_id", "high_volume",
        "function_arn", "function_memory_size", "sampling_rate", "logger",
    }
)  # fmt: skip


def _fields_text(line: LogLine) -> str:
    parts = []
    for key, value in line.fields.items():
        if key in _SKIPPED_FIELDS or value is None or isinstance(value, dict | list):
            continue
        parts.append(f"{key}={value}")
    return " ".join(parts)


def styled_lines(journey: Journey) -> list[tuple[str, LineStyle]]:
    """The report as (text, rich style) pairs: `render` joins the texts, the CLI colours them."""
    out: list[tuple[str, LineStyle]] = []
    title = f"Journey of {journey.identifier}"
    out.append((title, "bold"))
    out.append((f"  message id:     {journey.message_id or '-'}", None))
    out.append((f"  correlation id: {journey.correlation_id or '-'}", None))
    if journey.record is not None:
        record = journey.record
        status = str(record.get("status"))
        style: LineStyle = {"completed": "green", "failed": "bold red"}.get(status, "yellow")
        out.append((f"  status:         {status} (attempts {record.get('attempts', 0)})", style))
        out.append(
            (f"  type:           {record.get('message_type')}  by {record.get('created_by')}", None)
        )
        if record.get("notification_id"):
            out.append((f"  notification:   {record.get('notification_id')}", None))
    else:
        out.append(("  record:         not found", "yellow"))
    out.append(("", None))
    out.append(("Status history", "bold"))
    for change in journey.status_history:
        arrow = f"{change.old} -> {change.new}" if change.old else change.new
        detail = f"  ({change.detail})" if change.detail else ""
        change_style = {"failed": "red", "completed": "green"}.get(change.new)
        out.append((f"  {_clock(change.at)}  {arrow}  [{change.source}]{detail}", change_style))
    out.append(("", None))
    via = "Logs Insights" if journey.source == "insights" else "FilterLogEvents"
    out.append((f"Log lines ({len(journey.lines)}, via {via})", "bold"))
    for line in journey.lines:
        level = line.level or "-"
        level_style = LEVEL_STYLES.get(level)
        text = f"  {_clock(line.when)}  {line.service:<20} {level:<7} {line.text}"
        extra = _fields_text(line)
        out.append((f"{text}  {extra}" if extra else text, level_style))
    out.append(("", None))
    out.append((f"Span tree ({len(journey.spans)} spans, from {journey.span_source})", "bold"))
    if journey.trees:
        for text in render_tree(journey.trees).splitlines():
            out.append(("  " + text, "red" if text.endswith("ERROR") else None))
    else:
        out.append(("  no spans (tracing off, not sampled, or not in X-Ray yet)", "dim"))
    failure = journey.failure
    out.append(("", None))
    if failure is not None:
        out.append((f"FAILED at {failure.describe()}", "bold red"))
    elif journey.status == "completed":
        out.append(("Completed", "bold green"))
    else:
        out.append((f"In progress ({journey.status or 'unknown'})", "yellow"))
    out.extend((f"note: {note}", "dim") for note in journey.notes)
    return out


def render(journey: Journey) -> str:
    """The plain-text report of a journey (what `rezctl trace` prints without a terminal)."""
    return "\n".join(text for text, _style in styled_lines(journey))
