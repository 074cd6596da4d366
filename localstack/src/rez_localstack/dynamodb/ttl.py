"""Time to Live: items past their expiry are deleted, by a sweep every few seconds.

DynamoDB deletes an item once the Number in the table's TTL attribute (epoch seconds) is in the
past, "typically within a few days"; an item whose value is more than five years in the past,
or not a Number, is never deleted by TTL.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html

Here a daemon thread sweeps every ``REZ_DYNAMODB_TTL_SWEEP_SECONDS`` (default 60; 0 turns the
thread off) under the provider's lock, and ``POST /_rez/dynamodb/ttl/sweep`` sweeps at once
(``{"now": <epoch seconds>}`` sweeps as if it were that time, to exercise a retention of days).
LocalStack's own ``DELETE /_aws/dynamodb/expired`` is answered the same way.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from rez_localstack.settings import DEFAULT_TTL_SWEEP_SECONDS, TTL_SWEEP_ENV, env_float

LOG = logging.getLogger(__name__)

SWEEP_PATH = "/_rez/dynamodb/ttl/sweep"
LOCALSTACK_PATH = "/_aws/dynamodb/expired"
#: DynamoDB ignores expiry times more than five years in the past.
FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600


def _tables() -> Iterator[Any]:
    from moto.dynamodb.models import dynamodb_backends

    for regions in list(dynamodb_backends.values()):
        for backend in list(regions.values()):
            yield from list(backend.tables.values())


def is_expired(value: Any, now: float) -> bool:
    """True for a Number TTL value in the past, but not more than five years in the past."""
    if value is None or getattr(value, "type", None) != "N":
        return False
    try:
        expires = float(value.value)
    except (TypeError, ValueError):
        return False
    return now - FIVE_YEARS_SECONDS <= expires < now


def sweep(now: float | None = None) -> int:
    """Delete every expired item of every table with TTL enabled; return how many."""
    from rez_localstack.dynamodb.provider import MOTO_LOCK

    now = time.time() if now is None else now
    deleted = 0
    with MOTO_LOCK:
        for table in _tables():
            if table.ttl.get("TimeToLiveStatus") != "ENABLED":
                continue
            attribute = table.ttl.get("AttributeName")
            for item in table.all_items():
                if is_expired(item.attrs.get(attribute), now):
                    table.delete_item(item.hash_key, item.range_key)
                    deleted += 1
    if deleted:
        LOG.debug("TTL sweep deleted %d expired items", deleted)
    return deleted


class TtlSweeper:
    """The sweeping thread and its endpoints."""

    def __init__(self, interval: float | None = None) -> None:
        self.interval = (
            env_float(TTL_SWEEP_ENV, DEFAULT_TTL_SWEEP_SECONDS) if interval is None else interval
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.interval > 0:
            self._thread = threading.Thread(target=self._run, name="rez-ddb-ttl", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                sweep()
            except Exception:  # a sweep that failed must not end the thread
                LOG.exception("TTL sweep failed")

    def sweep_endpoint(self, request: Any, **_: Any) -> Any:
        from rolo import Response

        try:
            body = json.loads(request.get_data() or b"{}")
            now = float(body["now"]) if body.get("now") is not None else None
        except (ValueError, TypeError, AttributeError) as error:
            return Response(json.dumps({"error": str(error)}), 400, mimetype="application/json")
        deleted = sweep(now)
        return Response(json.dumps({"deleted": deleted}), 200, mimetype="application/json")

    def localstack_endpoint(self, _request: Any, **_: Any) -> Any:
        from rolo import Response

        return Response(json.dumps({"ExpiredItems": sweep()}), 200, mimetype="application/json")
