"""Log events as Logs Insights sees them: system fields plus the fields discovered in JSON."""

import base64
import json
from dataclasses import dataclass, field

from rez_localstack.logs_insights.values import Timestamp, Value

MAX_DISCOVERED_FIELDS = 1000


@dataclass(slots=True)
class LogRecord:
    """One log event's fields, ``@``-prefixed system fields included."""

    fields: dict[str, Value] = field(default_factory=dict)

    @classmethod
    def from_event(
        cls,
        *,
        account_id: str,
        log_group: str,
        log_stream: str,
        timestamp: int,
        ingestion_time: int,
        message: str,
        event_id: str,
    ) -> "LogRecord":
        """Build the record AWS would query for one stored event."""
        fields: dict[str, Value] = {}
        discovered = discover_json_fields(message)
        fields.update(discovered)
        fields.update(
            {
                "@timestamp": Timestamp(timestamp),
                "@ingestionTime": Timestamp(ingestion_time),
                "@message": message,
                "@logStream": log_stream,
                "@log": f"{account_id}:{log_group}",
                "@ptr": pointer(log_group, log_stream, event_id),
            }
        )
        return cls(fields)

    @property
    def size(self) -> int:
        """Bytes of the message, counted in ``bytesScanned``."""
        message = self.fields.get("@message")
        return len(message.encode()) if isinstance(message, str) else 0


def pointer(log_group: str, log_stream: str, event_id: str) -> str:
    """An opaque ``@ptr`` that names the event (``GetLogRecord`` is not served)."""
    raw = json.dumps([log_group, log_stream, event_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def discover_json_fields(message: str) -> dict[str, Value]:
    """Flatten the JSON object in a message into dotted field names.

    The whole message may be JSON, or, as in Lambda's text format, the JSON may follow a
    tab-separated prefix (``<time>\\t<request id>\\t<level>\\t{...}``).
    """
    document = _json_object(message.strip())
    if document is None and "\t" in message:
        document = _json_object(message.rsplit("\t", 1)[1].strip())
    if document is None:
        return {}
    flat: dict[str, Value] = {}
    _flatten(document, "", flat)
    return flat


def _json_object(text: str) -> dict[str, object] | None:
    if not text.startswith("{"):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _flatten(node: object, prefix: str, out: dict[str, Value]) -> None:
    if len(out) >= MAX_DISCOVERED_FIELDS:
        return
    if isinstance(node, dict):
        for key, child in node.items():
            _flatten(child, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            _flatten(child, f"{prefix}.{index}" if prefix else str(index), out)
    elif isinstance(node, str | int | float | bool) and prefix:
        out[prefix] = node
