"""The span tree of a journey from X-Ray: where traces go in production.

`annotation.correlation_id = "<id>"` (GetTraceSummaries) finds the traces, BatchGetTraces their
segments, which become span documents the tree renders. Against AWS each trace's console link is
given; against the harness the same API answers from its own X-Ray.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rez_telemetry.tracing.xray_read import console_url, trace_spans
from rezctl.target import Target


def collect_spans(
    target: Target, correlation_id: str, start: dt.datetime, end: dt.datetime
) -> tuple[list[dict[str, Any]], list[str]]:
    """(span documents of every trace annotated with the correlation id, notes)."""
    try:
        spans = trace_spans(target.client("xray"), correlation_id, start, end)
    except (BotoCoreError, ClientError) as error:
        return [], [f"X-Ray could not be read ({error})"]
    notes: list[str] = []
    if spans and not target.endpoint:
        for trace_id in sorted({str(span["trace_id"]) for span in spans}):
            notes.append(f"X-Ray console: {console_url(target.region, trace_id)}")
    return spans, notes
