"""Records of one batch processed concurrently: each in its own context, results in batch order."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

from rez_messages.notification import NotificationAnswer, NotificationRequest
from rez_processor.batch import process_batch
from rez_telemetry import correlation
from rez_telemetry.tracing import tracer

BATCH_SIZE = 6


class RendezvousNotifier:
    """Holds every call until `parties` calls are in flight at once (so they must be concurrent);
    earlier messages then answer later, so records finish in reverse order."""

    def __init__(self, inner: Any, order: list[str], parties: int) -> None:
        self._inner = inner
        self._order = order
        self._barrier = threading.Barrier(parties, timeout=10)
        self.threads: set[str] = set()
        self.finished: list[str] = []

    def notify(self, request: NotificationRequest) -> NotificationAnswer:
        self.threads.add(threading.current_thread().name)
        self._barrier.wait()
        time.sleep(0.02 * (len(self._order) - self._order.index(request.message_id)))
        result = self._inner.notify(request)
        self.finished.append(request.message_id)
        return result


def test_records_run_concurrently_each_in_its_own_context(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a batch of messages from different journeys, one of them rejected by the notifier
    messages = [stored(f"m{n}", correlation_id=f"journey-{n}") for n in range(BATCH_SIZE)]
    notifier.fail(messages[2].message_id, "NtfyError", "400 bad request")
    ids = [message.message_id for message in messages]
    slow = RendezvousNotifier(notifier, ids, parties=BATCH_SIZE)
    concurrent = dataclasses.replace(ctx, notifier=slow, concurrency=BATCH_SIZE)
    records = [sqs_record(message) for message in messages]
    # WHEN processed with as many threads as records, under the invocation's own correlation
    with correlation.correlation_scope(correlation_id="the-batch"):
        result = process_batch(make_batch(*records), concurrent)
        # THEN the caller's correlation is untouched
        assert correlation.get_correlation_id() == "the-batch"
    # AND all the notifier calls were in flight at once, on worker threads, finishing in reverse
    assert len(slow.threads) == BATCH_SIZE
    assert threading.current_thread().name not in slow.threads
    assert slow.finished == [i for i in reversed(ids) if i != messages[2].message_id]
    # AND the result keeps the batch's order; only the rejected record comes back
    assert list(result.outcomes) == [record["messageId"] for record in records]
    assert result.as_response() == {
        "batchItemFailures": [{"itemIdentifier": records[2]["messageId"]}]
    }
    assert [repository.get(i).status for i in ids] == [
        "completed",
        "completed",
        "processing",
        "completed",
        "completed",
        "completed",
    ]
    # AND every log line about a message carries that message's correlation id (no bleeding)
    journey = {message.message_id: message.correlation_id for message in messages}
    about = [line for line in telemetry.logs if line.get("message_id") in journey]
    assert {line["message_id"] for line in about} == set(ids)
    for line in about:
        assert line["correlation_id"] == journey[line["message_id"]], line
    # AND every record's span carries its own message and correlation
    tracer.flush()
    spans = [span for span in telemetry.spans if span["name"] == "process_message"]
    assert len(spans) == BATCH_SIZE
    for span in spans:
        assert span["attributes"]["correlation_id"] == journey[span["attributes"]["message_id"]]
    assert {span["attributes"]["message_id"] for span in spans} == set(ids)


def test_metrics_of_concurrent_records_aggregate_exactly(
    ctx, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a batch processed on several threads
    from rez_telemetry import metrics

    messages = [stored(f"m{n}", correlation_id="one-journey") for n in range(BATCH_SIZE)]
    concurrent = dataclasses.replace(ctx, concurrency=3)
    process_batch(make_batch(*[sqs_record(message) for message in messages]), concurrent)
    # WHEN flushed / THEN every completion is counted once
    metrics.flush()
    values: list[float] = []
    for _, value in telemetry.metric_values("MessagesProcessed"):
        values.extend(value if isinstance(value, list) else [value])
    assert values == [1.0] * BATCH_SIZE


def test_concurrency_one_processes_on_the_callers_thread(
    ctx, notifier, stored, sqs_record, make_batch
):
    # GIVEN concurrency 1 (the sequential behaviour)
    seen: list[str] = []
    real_notify = notifier.notify

    def notify(request: NotificationRequest) -> NotificationAnswer:
        seen.append(threading.current_thread().name)
        return real_notify(request)

    notifier.notify = notify  # type: ignore[method-assign]
    messages = [stored("a"), stored("b")]
    # WHEN processed / THEN on the caller's thread, in order, and the scope does not leak out
    result = process_batch(make_batch(*[sqs_record(m) for m in messages]), ctx)
    assert seen == [threading.current_thread().name] * 2
    assert [c["message_id"] for c in notifier.calls] == [m.message_id for m in messages]
    assert result.failures == []
    assert correlation.get_correlation_id() is None
