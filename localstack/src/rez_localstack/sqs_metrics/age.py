"""``AWS/SQS`` ``ApproximateAgeOfOldestMessage`` per queue, beside LocalStack's own queue metrics.

AWS publishes "the approximate age of the oldest non-deleted message in the queue" (seconds)
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
LocalStack's ``CloudwatchPublishWorker`` publishes the three ``ApproximateNumberOfMessages*``
metrics on its interval and leaves this one out (a TODO in its code). Why a patch: the worker has
no extension point, so its publishing method is wrapped with LocalStack's
``localstack.utils.patch.patch`` to publish the age of each standard queue's oldest visible,
in-flight or delayed message (0 for an empty queue) in the same round.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)


def oldest_age(queue: Any, now: float) -> float:
    """Seconds since the oldest non-deleted message of a queue was sent (0 when empty)."""
    visible = getattr(getattr(queue, "visible", None), "queue", None)
    messages = [
        *(visible if isinstance(visible, list) else []),
        *list(getattr(queue, "inflight", {}) or {}),
        *list(getattr(queue, "delayed", set()) or set()),
    ]
    created = [m.created for m in messages if not getattr(m, "deleted", False)]
    return max(0.0, now - min(created)) if created else 0.0


def publish_ages() -> None:
    """One ``PutMetricData`` per account/region with every queue's age."""
    from localstack.services.sqs.models import sqs_stores
    from localstack.utils.cloudwatch.cloudwatch_util import publish_sqs_metric_batch

    now = time.time()
    for account_id, region, store in sqs_stores.iter_stores():
        queues = list(store.queues.values())
        for start in range(0, len(queues), 1000):
            batch = [
                {
                    "QueueName": queue.name,
                    "MetricName": "ApproximateAgeOfOldestMessage",
                    "Value": int(oldest_age(queue, now)),
                    "Unit": "Seconds",
                }
                for queue in queues[start : start + 1000]
            ]
            publish_sqs_metric_batch(
                account_id=account_id, region=region, sqs_metric_batch_data=batch
            )


@hooks.on_infra_start()
def patch_sqs_age_of_oldest_message() -> None:
    """Wrap LocalStack's queue-metrics round once."""
    from localstack.services.sqs.provider import CloudwatchPublishWorker
    from localstack.utils.patch import patch

    if getattr(CloudwatchPublishWorker, "_rez_age_of_oldest", False):
        return

    @patch(CloudwatchPublishWorker.publish_approximate_cloudwatch_metrics)
    def publish(fn: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        result = fn(self, *args, **kwargs)
        try:
            publish_ages()
        except Exception:
            LOG.exception("ApproximateAgeOfOldestMessage could not be published")
        return result

    CloudwatchPublishWorker._rez_age_of_oldest = True
