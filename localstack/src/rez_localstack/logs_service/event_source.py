"""Read stored log events out of moto's Logs backend as Logs Insights records."""

from collections.abc import Iterator
from typing import Any

from rez_localstack.logs_insights.records import LogRecord


class LogGroupNotFoundError(LookupError):
    """A query named a log group that does not exist."""


def log_group_name(identifier: str) -> str:
    """A group name from a name or an ARN (``arn:aws:logs:r:a:log-group:NAME[:*]``)."""
    if not identifier.startswith("arn:"):
        return identifier
    resource = identifier.split(":log-group:", 1)[-1]
    return resource.removesuffix(":*")


def records_in(
    backend: Any, account_id: str, groups: list[str], start_ms: int, end_ms: int
) -> Iterator[LogRecord]:
    """Every event of ``groups`` with ``start_ms <= timestamp <= end_ms``."""
    for name in groups:
        group = backend.groups.get(name)
        if group is None:
            raise LogGroupNotFoundError(name)
        for stream_name, stream in list(group.streams.items()):
            for event in list(stream.events):
                if start_ms <= event.timestamp <= end_ms:
                    yield LogRecord.from_event(
                        account_id=account_id,
                        log_group=name,
                        log_stream=stream_name,
                        timestamp=event.timestamp,
                        ingestion_time=event.ingestion_time,
                        message=event.message,
                        event_id=str(event.event_id),
                    )
