"""SQS event source mappings long-poll, as AWS's pollers do, instead of sleeping after a miss.

Why a patch: with no batching window LocalStack's SQS poller short-polls (``WaitTimeSeconds=0``);
an empty answer raises ``EmptyPollResultsException`` and the worker then sleeps an exponential
back-off that starts at one second. A message sent to an idle queue therefore waits up to a
second (half of one on average) before its function sees it: on AWS, whose pollers hold a 20 s
long poll open, it is delivered at once. Here the poll of a mapping without a batching window
waits up to ``LONG_POLL_SECONDS`` for the first message (SQS's own long-polling semantics: it
answers as soon as one is visible, with what is visible then), and an empty long poll is not a
"miss" to back off from — the wait already happened. Mappings with a batching window keep
LocalStack's batching behaviour. The poll stays short so that disabling or deleting a mapping
takes effect within about a second.
"""

from __future__ import annotations

import threading
from typing import Any, Final

from localstack.runtime import hooks

LONG_POLL_SECONDS: Final = 1
"""How long one poll waits for a first message (AWS's pollers use 20 s)."""

_polling = threading.local()


def set_wait_time(params: dict[str, Any], **_: Any) -> None:
    """botocore `provide-client-params` handler: long-poll a ReceiveMessage made by a poller."""
    if getattr(_polling, "long", False) and not params.get("WaitTimeSeconds"):
        params["WaitTimeSeconds"] = LONG_POLL_SECONDS


@hooks.on_infra_start()
def patch_sqs_long_polling() -> None:
    """Wrap `SqsPoller` once: hook its client, long-poll when there is no batching window."""
    from localstack.services.lambda_.event_source_mapping.pollers.poller import (
        EmptyPollResultsException,
    )
    from localstack.services.lambda_.event_source_mapping.pollers.sqs_poller import SqsPoller
    from localstack.utils.patch import patch

    if getattr(SqsPoller, "_rez_long_polling", False):
        return

    @patch(SqsPoller._register_client_hooks)
    def register_client_hooks(fn: Any, self: Any) -> None:
        fn(self)
        self.source_client.meta.events.register(
            "provide-client-params.sqs.ReceiveMessage",
            set_wait_time,
            unique_id="rez-sqs-long-polling",
        )

    @patch(SqsPoller.poll_events)
    def poll_events(fn: Any, self: Any) -> None:
        if self.maximum_batching_window:
            fn(self)
            return
        _polling.long = True
        try:
            fn(self)
        except EmptyPollResultsException:
            return  # the poll waited already: poll again, no back-off
        finally:
            _polling.long = False

    SqsPoller._rez_long_polling = True
