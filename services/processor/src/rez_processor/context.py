"""What processing one delivery needs (`ProcessingContext`) and what it decides (`Decision`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from rez_messages import MessageRepository
from rez_processor.deferral import MessageDeferral
from rez_processor.notifier import NotifierClient
from rez_processor.retry_delay import RetryDelays
from rez_processor.settings import DEFAULT_MAX_DEFERRAL_SECONDS
from rez_processor.visibility import MessageVisibility

__all__ = ["Decision", "Outcome", "ProcessingContext"]


class Outcome(StrEnum):
    """What became of one delivery; only RETRY and FAILED go back to SQS."""

    COMPLETED = "completed"
    DUPLICATE = "duplicate"
    #: Not attempted (open circuit): a delayed copy is on the queue, this record is done.
    DEFERRED = "deferred"
    RETRY = "retry"
    FAILED = "failed"

    @property
    def acknowledged(self) -> bool:
        """Whether SQS may delete the record (False: report it in `batchItemFailures`)."""
        return self in (Outcome.COMPLETED, Outcome.DUPLICATE, Outcome.DEFERRED)


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one delivery and whole seconds until the message is delivered again.

    `retry_in_seconds`: for a record going back to SQS, the visibility the batch gives it (after
    the last attempt: until SQS moves it to the DLQ); for a deferral, the copy's `DelaySeconds`.
    None: nothing comes back (done), or the queue's own visibility timeout applies.
    """

    outcome: Outcome
    retry_in_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class ProcessingContext:
    """The dependencies of `process_delivery` (and of the batch: `visibility`, `deferral`).

    `visibility` None: retry delays are computed and logged but not applied. `deferral` None: an
    unattempted delivery is not deferred (it fails like any other). `clock` (epoch seconds)
    measures how long a message has been deferred, against `max_deferral_seconds`.
    `concurrency`: how many records of one batch are processed at once (1: one after another;
    `bootstrap` reads `PROCESSOR_CONCURRENCY`), so every dependency must be thread-safe.
    """

    repository: MessageRepository
    notifier: NotifierClient
    max_receive_count: int
    monotonic: Callable[[], float] = time.monotonic
    retry_delays: RetryDelays = field(default_factory=RetryDelays)
    visibility: MessageVisibility | None = None
    deferral: MessageDeferral | None = None
    max_deferral_seconds: float = DEFAULT_MAX_DEFERRAL_SECONDS
    clock: Callable[[], float] = time.time
    concurrency: int = 1
