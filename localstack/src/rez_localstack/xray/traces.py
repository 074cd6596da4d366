"""The trace store: segment documents as X-Ray keeps them, assembled into traces when read.

X-Ray's model (developer guide, "AWS X-Ray segment documents",
https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html): a trace is the
set of segments sharing a ``trace_id``; a subsegment sent on its own carries
``"type": "subsegment"`` and a ``parent_id``, and X-Ray shows it inside its parent. A document
sent again with the same ``id`` replaces the earlier one (an ``in_progress`` segment completed).

Functions' datagrams carry no account, so the store is one per LocalStack process, shared by
every account and region (the harness has one account).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: X-Ray keeps traces for 30 days; the harness keeps at most this many, oldest dropped first.
MAX_TRACES = 20000


class InvalidSegmentError(ValueError):
    """A segment document breaks X-Ray's required fields."""


def validate(document: Mapping[str, Any]) -> None:
    """The fields every segment and independent subsegment needs."""
    for key in ("name", "id", "trace_id", "start_time"):
        if key not in document:
            raise InvalidSegmentError(f"segment document without {key!r}")
    if "end_time" not in document and not document.get("in_progress"):
        raise InvalidSegmentError("segment document needs end_time or in_progress")
    if document.get("type") == "subsegment" and not document.get("parent_id"):
        raise InvalidSegmentError("an independent subsegment needs parent_id")
    if not isinstance(document["trace_id"], str) or not document["trace_id"].startswith("1-"):
        raise InvalidSegmentError(f"bad trace_id {document['trace_id']!r}")


def trace_epoch(trace_id: str) -> int:
    """The epoch seconds in ``1-<8 hex>-<24 hex>``."""
    try:
        return int(trace_id.split("-")[1], 16)
    except (IndexError, ValueError):
        return 0


@dataclass(slots=True)
class Trace:
    """Every document of one trace, by id, in arrival order."""

    trace_id: str
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def segments(self) -> list[dict[str, Any]]:
        """Segments with their subsegments nested (documents are copies)."""
        docs = {key: copy.deepcopy(doc) for key, doc in self.documents.items()}
        top = [doc for doc in docs.values() if doc.get("type") != "subsegment"]
        loose = [doc for doc in docs.values() if doc.get("type") == "subsegment"]
        index: dict[str, dict[str, Any]] = {}
        for doc in top:
            _index(doc, index)
        pending = loose
        while pending:  # attach subsegments whose parent is known; nested ones may come later
            left = []
            for doc in pending:
                parent = index.get(str(doc.get("parent_id")))
                if parent is None:
                    left.append(doc)
                    continue
                child = {k: v for k, v in doc.items() if k not in ("type", "trace_id", "parent_id")}
                parent.setdefault("subsegments", []).append(child)
                _index(child, index)
            if len(left) == len(pending):
                break  # orphans: their parent never arrived
            pending = left
        for doc in top:
            _sort_subsegments(doc)
        return sorted(top, key=lambda doc: float(doc.get("start_time", 0)))

    def start(self) -> float:
        return min(float(doc.get("start_time", 0)) for doc in self.documents.values())

    def end(self) -> float:
        return max(
            float(doc.get("end_time", doc.get("start_time", 0))) for doc in self.documents.values()
        )


def _index(doc: dict[str, Any], index: dict[str, dict[str, Any]]) -> None:
    index[str(doc.get("id"))] = doc
    for child in doc.get("subsegments", ()) or ():
        _index(child, index)


def _sort_subsegments(doc: dict[str, Any]) -> None:
    children = doc.get("subsegments")
    if children:
        children.sort(key=lambda child: float(child.get("start_time", 0)))
        for child in children:
            _sort_subsegments(child)


class TraceStore:
    """Thread-safe documents by trace; readers get assembled copies."""

    def __init__(self, max_traces: int = MAX_TRACES) -> None:
        self._traces: dict[str, Trace] = {}
        self._lock = threading.Lock()
        self._max = max_traces
        self.unsampled_spans = 0
        """OTLP spans received with the unsampled prefix (``T1U``): counted, never stored."""

    def put(self, documents: Iterable[Mapping[str, Any]]) -> list[str]:
        """Store valid documents; returns the ids that were refused (invalid)."""
        refused: list[str] = []
        with self._lock:
            for document in documents:
                try:
                    validate(document)
                except InvalidSegmentError:
                    refused.append(str(document.get("id", "")))
                    continue
                trace_id = str(document["trace_id"])
                trace = self._traces.get(trace_id)
                if trace is None:
                    trace = self._traces[trace_id] = Trace(trace_id)
                    if len(self._traces) > self._max:
                        del self._traces[next(iter(self._traces))]
                trace.documents[str(document["id"])] = dict(document)
        return refused

    def get(self, trace_id: str) -> Trace | None:
        with self._lock:
            trace = self._traces.get(trace_id)
            return Trace(trace.trace_id, dict(trace.documents)) if trace else None

    def all(self) -> list[Trace]:
        with self._lock:
            return [Trace(t.trace_id, dict(t.documents)) for t in self._traces.values()]

    def clear(self) -> None:
        with self._lock:
            self._traces.clear()
            self.unsampled_spans = 0

    def count_unsampled(self, spans: int) -> None:
        with self._lock:
            self.unsampled_spans += spans


_SHARED = TraceStore()


def shared_store() -> TraceStore:
    """The traces of this LocalStack process: the UDP endpoint, Lambda and API Gateway write
    them, the X-Ray API reads them."""
    return _SHARED
