"""The X-Ray trace header (`Root=1-…;Parent=…;Sampled=…`) and W3C `traceparent`, without SDKs.

Trace context crosses SNS attributes, invoke payloads and HTTP headers as this string; both
back ends read and write it, so the format lives here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_ROOT_RE: Final = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
_SPAN_RE: Final = re.compile(r"^[0-9a-f]{16}$")
XRAY_HEADER: Final = "X-Amzn-Trace-Id"
TRACEPARENT_HEADER: Final = "traceparent"


@dataclass(frozen=True, slots=True)
class TraceHeader:
    """A parsed trace header; `sampled` is None when the sender left the decision to us."""

    root: str
    parent: str | None = None
    sampled: bool | None = None

    def __str__(self) -> str:
        return format_trace_header(self.root, self.parent, self.sampled)

    @property
    def trace_id_int(self) -> int:
        """The 128-bit trace id as OpenTelemetry holds it."""
        return xray_to_trace_id(self.root)

    @property
    def parent_int(self) -> int | None:
        """The parent span id as OpenTelemetry holds it."""
        return None if self.parent is None else int(self.parent, 16)


def parse_trace_header(value: str | None) -> TraceHeader | None:
    """Parse `Root=…;Parent=…;Sampled=…` (any order, unknown keys ignored); None if unusable."""
    if not value:
        return None
    fields: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, item = part.partition("=")
        if sep:
            fields[key.strip().lower()] = item.strip()
    root = fields.get("root", "").lower()
    if not _ROOT_RE.match(root):
        return None
    parent = fields.get("parent", "").lower() or None
    if parent is not None and (not _SPAN_RE.match(parent) or parent == "0" * 16):
        parent = None
    sampled = {"1": True, "0": False}.get(fields.get("sampled", ""))
    return TraceHeader(root, parent, sampled)


def parse_traceparent(value: str | None) -> TraceHeader | None:
    """Parse a W3C `traceparent` (`00-<32 hex>-<16 hex>-<flags>`) into the same shape."""
    if not value:
        return None
    parts = value.strip().lower().split("-")
    if len(parts) < 4 or len(parts[1]) != 32 or len(parts[2]) != 16 or len(parts[3]) != 2:
        return None
    try:
        trace_id, span_id, flags = int(parts[1], 16), int(parts[2], 16), int(parts[3], 16)
    except ValueError:
        return None
    if trace_id == 0 or span_id == 0:
        return None
    return TraceHeader(trace_id_to_xray(trace_id), parts[2], bool(flags & 1))


def parse_trace_context(value: str | None) -> TraceHeader | None:
    """Either form: an X-Ray header or a W3C `traceparent`."""
    if not value:
        return None
    if value.lstrip().lower().startswith("00-"):
        return parse_traceparent(value)
    return parse_trace_header(value)


def format_trace_header(root: str, parent: str | None, sampled: bool | None) -> str:
    """`Root=…;Parent=…;Sampled=1|0` (parts omitted when unknown)."""
    parts = [f"Root={root}"]
    if parent:
        parts.append(f"Parent={parent}")
    if sampled is not None:
        parts.append(f"Sampled={1 if sampled else 0}")
    return ";".join(parts)


def trace_id_to_xray(trace_id: int) -> str:
    """128-bit trace id -> `1-<8 hex epoch>-<24 hex>`."""
    hex_id = f"{trace_id:032x}"
    return f"1-{hex_id[:8]}-{hex_id[8:]}"


def xray_to_trace_id(root: str) -> int:
    """`1-<8 hex>-<24 hex>` -> 128-bit trace id."""
    return int(root[2:10] + root[11:], 16)


def span_id_to_hex(span_id: int) -> str:
    """64-bit span id -> 16 hex digits."""
    return f"{span_id:016x}"


def traceparent(trace_id: int, span_id: int, sampled: bool) -> str:
    """W3C `traceparent` for the same context."""
    return f"00-{trace_id:032x}-{span_id:016x}-{'01' if sampled else '00'}"
