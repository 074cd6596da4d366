"""Narrowing the duplicate window: an earlier attempt's post is looked up before posting again.

Without it, a notifier that dies after ntfy accepted a post but before the id is recorded
(killed, timed out) posts again when the message is redelivered: two notifications.

- The intent is already on the record: the processor's take-over of a message is a
  conditional write that counts `attempts` (and `redrives`) before it invokes the notifier. A
  message reaching the notifier with `attempts > 1` (or redriven) and no notification id is a
  retry whose earlier attempt may have posted.
- Every post carries ntfy's sequence id `X-Sequence-ID: <message_id>` (ntfy 2.16+: a post with
  the same sequence id updates the notification in place on clients instead of adding one).
- On such a retry, ntfy's message cache is asked for a message with that sequence id since the
  message was created (`GET /<topic>/json?poll=1&since=<t>`); if one is there, its id is the
  notification id and nothing is posted again. A first attempt costs nothing more.

What is left (docs/chaos.md measures it): the lookup cannot see a post when ntfy's cache is
off or the message expired from it (ntfy.sh keeps 12 h), nor a post still in flight in another
invocation for the same message (the processor's take-over prevents two live attempts except
when a hand-back overlaps one); and a post whose answer was lost (timeout) that tenacity
retries within one invocation. Then a second post is possible, and with the sequence id it
updates the same notification on ntfy 2.16+ clients. The lookup runs inside the circuit
breaker: an open circuit sends ntfy nothing; ntfy down or limiting fails the lookup as it would
fail the post (the breaker counts it); any other lookup failure never blocks delivery: at least
once wins over at most once.
"""

from __future__ import annotations

import json

from rez_messages import Message
from rez_notifier.errors import NtfyRateLimitedError, NtfyUnavailableError
from rez_telemetry import logger

__all__ = ["earlier_post", "parse_poll"]

#: Clock skew allowed between the record's timestamps and ntfy's.
SKEW_SECONDS = 60


def parse_poll(text: str, sequence_id: str) -> str | None:
    """The id of the first `message` event with `sequence_id` in ntfy's JSON-lines answer."""
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if (
            isinstance(event, dict)
            and event.get("event") == "message"
            and event.get("sequence_id") == sequence_id
            and isinstance(event.get("id"), str)
        ):
            return str(event["id"])
    return None


def earlier_post(finder: object, message: Message) -> str | None:
    """On a retry, ntfy's id of a post an earlier attempt made for `message`, else None."""
    if message.attempts <= 1 and message.redrives == 0:
        return None
    find = getattr(finder, "find", None)
    if find is None:
        return None
    since = message.created_at.timestamp() - SKEW_SECONDS
    try:
        found: str | None = find(message.message_id, since=since)
    except (NtfyUnavailableError, NtfyRateLimitedError):
        raise  # ntfy is down or limiting: a post would fail too; the breaker counts it
    except Exception as error:  # otherwise an optimisation: never block the delivery
        logger.warning("Earlier post lookup failed", error=str(error))
        return None
    if found:
        logger.warning(
            "Earlier attempt's post found: not posting again",
            notification_id=found,
            attempts=message.attempts,
        )
    return found
