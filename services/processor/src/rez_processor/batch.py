"""The SQS batch: each record in its own correlation scope and span; failures reported per record.

A record that fails in any way (poison body, unknown message, notifier error, a bug) is listed in
`batchItemFailures` and never affects its neighbours; SQS retries it and, after
`maxReceiveCount`, moves it to the DLQ. Nothing is acknowledged unless it was processed, is a
duplicate of a message already handled, or was deferred (a delayed copy is on the queue).

Every record that goes back first gets its visibility set to its retry delay, so SQS hands it out
again (or, after its last receive, moves it to the DLQ) then rather than after the queue's long
visibility timeout. If that call fails the record is still reported: it only comes back later.

The records of a batch are processed concurrently, up to `ctx.concurrency` at once (I/O bound:
DynamoDB writes and the notifier's synchronous invoke). Each runs in its own copy of the
caller's `contextvars` context, so its correlation scope, log fields and spans stay its own; the
result lists records in the batch's order whatever order they finish in. The X-Ray SDK keeps its
current segment per thread, not in that context: under its back end each worker is handed the
invocation's entity, so a record's subsegments hang under the invocation as they do sequentially.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rez_messages import InvalidDeliveryError, parse_delivery
from rez_processor.context import Decision, Outcome, ProcessingContext
from rez_processor.deferral import DeferredCopy, Requeue
from rez_processor.service import UnknownMessageError, process_delivery
from rez_telemetry import correlation, logger, tracer

__all__ = ["BatchResult", "MalformedBatchError", "process_batch"]


class MalformedBatchError(ValueError):
    """The event is not an SQS batch whose records can be reported one by one."""


@dataclass
class BatchResult:
    """Per-record outcomes, by SQS messageId, and the answer Lambda expects."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    #: Seconds until the next delivery of each record that was paced (visibility set, applied or
    #: not) or deferred (the copy's delay).
    retry_delays: dict[str, int] = field(default_factory=dict)

    def as_response(self) -> dict[str, list[dict[str, str]]]:
        """`{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}`."""
        return {"batchItemFailures": [{"itemIdentifier": item} for item in self.failures]}


def _records(event: Any) -> list[correlation.SqsRecord]:
    """The batch's records, each read once for the invocation (shared with the telemetry)."""
    if not isinstance(event, Mapping) or not isinstance(event.get("Records"), list):
        raise MalformedBatchError("event has no Records list")
    for index, record in enumerate(event["Records"]):
        if not isinstance(record, Mapping) or not isinstance(record.get("messageId"), str):
            # Without a messageId no partial failure can be reported: fail the whole batch
            # so SQS redelivers everything (duplicates are detected) rather than lose one.
            raise MalformedBatchError(f"record {index} has no messageId")
    return list(correlation.sqs_records(event))


def _reject_poison(record: correlation.SqsRecord, reason: str, ctx: ProcessingContext) -> Decision:
    delay = ctx.retry_delays.backoff(record.receive_count)
    logger.error(
        "Message processing failed",
        sqs_message_id=record.sqs_message_id,
        error=f"invalid message: {reason}",
        reason=reason,
        body_size=record.body_size,
        retry_count=record.receive_count - 1,
        retry_delay_seconds=delay,
        poison=True,
    )
    tracer.metadata(error=reason, poison=True)
    return Decision(Outcome.FAILED, delay)


def _requeue_for(record: correlation.SqsRecord, ctx: ProcessingContext) -> Requeue | None:
    """Sends a delayed copy of this record (a deferral), or None without an SQS client."""
    deferral = ctx.deferral
    if deferral is None:
        return None

    def requeue(copy: DeferredCopy) -> str:
        return deferral.defer(record.raw, copy)

    return requeue


def process_record(record: correlation.SqsRecord, ctx: ProcessingContext) -> Decision:
    """One record, already inside its correlation scope and span."""
    try:
        delivery = parse_delivery(record)
    except InvalidDeliveryError as error:
        return _reject_poison(record, error.reason, ctx)
    try:
        return process_delivery(delivery, ctx, _requeue_for(record, ctx))
    except UnknownMessageError as error:
        return _reject_poison(record, str(error), ctx)


def _pace(record: correlation.SqsRecord, decision: Decision, ctx: ProcessingContext) -> None:
    """Set the visibility of a record going back to SQS to its retry delay."""
    if not decision.outcome.acknowledged and decision.retry_in_seconds is not None:
        _postpone(record, decision.retry_in_seconds, ctx)


def _postpone(record: correlation.SqsRecord, seconds: int, ctx: ProcessingContext) -> None:
    """Make the record visible again in `seconds`; a failure is logged, never raised."""
    fields = {
        "sqs_message_id": record.sqs_message_id,
        "retry_delay_seconds": seconds,
        "attempt": record.receive_count,
    }
    if ctx.visibility is None:
        logger.debug("Retry delay not applied: no SQS client", **fields)
        return
    try:
        ctx.visibility.postpone(record.raw, seconds)
    except Exception as error:
        # The record is still reported as failed: it comes back after the queue's timeout.
        logger.warning(
            "Retry delay not applied", error=f"{type(error).__name__}: {error}", **fields
        )
        return
    logger.info("Message retry scheduled", **fields)


def _process_in_scope(record: correlation.SqsRecord, ctx: ProcessingContext) -> Decision:
    """One record in its correlation scope and span; an unexpected error becomes a RETRY."""
    with correlation.record_scope(record) as info:
        try:
            with tracer.consumer_span("process_message", [info.trace_context]):
                decision = process_record(record, ctx)
                _pace(record, decision, ctx)
        except Exception as error:
            decision = Decision(Outcome.RETRY, ctx.retry_delays.backoff(record.receive_count))
            logger.opt(exception=error).error(
                "Message processing failed",
                sqs_message_id=record.sqs_message_id,
                error=f"{type(error).__name__}: {error}",
                retry_count=record.receive_count - 1,
                retry_delay_seconds=decision.retry_in_seconds,
            )
            _pace(record, decision, ctx)
    return decision


def _xray_entity() -> Any:
    """The caller's current X-Ray segment or subsegment under the X-Ray SDK back end, else None."""
    if tracer.backend_name != "xray":
        return None
    from aws_xray_sdk.core import xray_recorder

    return xray_recorder.get_trace_entity()


def _process_in_worker(
    record: correlation.SqsRecord, ctx: ProcessingContext, entity: Any
) -> Decision:
    """`_process_in_scope` on a worker thread, under the caller's X-Ray `entity` if there is one."""
    if entity is None:
        return _process_in_scope(record, ctx)
    from aws_xray_sdk.core import xray_recorder

    xray_recorder.set_trace_entity(entity)
    try:
        return _process_in_scope(record, ctx)
    finally:
        xray_recorder.clear_trace_entities()


def _decide_all(records: list[correlation.SqsRecord], ctx: ProcessingContext) -> list[Decision]:
    """Every record's decision, in the batch's order; each in its own copy of the context."""
    workers = min(max(ctx.concurrency, 1), len(records))
    if workers <= 1:
        return [
            contextvars.copy_context().run(_process_in_scope, record, ctx) for record in records
        ]
    entity = _xray_entity()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="record") as pool:
        # Copied here, on the caller's thread: each record starts from the invocation's context.
        futures = [
            pool.submit(contextvars.copy_context().run, _process_in_worker, record, ctx, entity)
            for record in records
        ]
        return [future.result() for future in futures]


def process_batch(event: Any, ctx: ProcessingContext) -> BatchResult:
    """Process every record; a failure of one is reported for that record only."""
    records = _records(event)
    result = BatchResult()
    for record, decision in zip(records, _decide_all(records, ctx), strict=True):
        sqs_message_id = record.sqs_message_id
        assert sqs_message_id is not None  # `_records` refused a batch with a record without one
        result.outcomes[sqs_message_id] = decision.outcome
        if decision.retry_in_seconds is not None:
            result.retry_delays[sqs_message_id] = decision.retry_in_seconds
        if not decision.outcome.acknowledged:
            result.failures.append(sqs_message_id)
    return result
