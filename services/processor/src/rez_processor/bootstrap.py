"""Wiring: the processor's dependencies, built from the environment once per cold start.

The services share one idiom (`rez_telemetry.config.Wiring`): `dependencies()` builds on first
use (boto3 clients included, never at import), `override(...)` puts tests' fakes in (an
in-memory or moto-backed repository, a fake `NotifierClient`, `MessageVisibility`,
`MessageDeferral`), `reset()` forgets. The SQS adapters share one cache of queue URLs, so it
lives as long as these dependencies.

Records of a batch run on several threads (`PROCESSOR_CONCURRENCY`): everything built here is
shared by them. boto3 clients are thread-safe (sessions and resources are not: none is kept), and
each client's connection pool holds at least one connection per thread.
"""

from __future__ import annotations

from rez_processor.context import ProcessingContext
from rez_processor.retry_delay import RetryDelays
from rez_processor.settings import ProcessorSettings
from rez_telemetry.config import Wiring

__all__ = ["build", "dependencies", "override", "reset"]


def build(settings: ProcessorSettings) -> ProcessingContext:
    """The processing context for `settings`; creates the boto3 clients (DynamoDB, Lambda, SQS)."""
    import boto3
    from botocore.config import Config

    from rez_messages.dynamodb import DynamoDBMessageRepository
    from rez_processor.deferral import SQSMessageDeferral
    from rez_processor.notifier import LambdaNotifierClient
    from rez_processor.queues import QueueUrls
    from rez_processor.visibility import SQSMessageVisibility

    # botocore keeps 10 connections per client by default: enough up to 10 threads.
    client_config = Config(max_pool_connections=max(10, settings.concurrency))
    sqs = boto3.client("sqs", config=client_config)
    queue_urls = QueueUrls(sqs)
    return ProcessingContext(
        repository=DynamoDBMessageRepository(
            settings.messages_table, boto3.client("dynamodb", config=client_config)
        ),
        notifier=LambdaNotifierClient(
            settings.notifier_function_name, boto3.client("lambda", config=client_config)
        ),
        max_receive_count=settings.max_receive_count,
        retry_delays=RetryDelays(
            base_seconds=settings.retry_base_seconds, max_seconds=settings.retry_max_seconds
        ),
        visibility=SQSMessageVisibility(sqs, queue_urls),
        deferral=SQSMessageDeferral(sqs, queue_urls),
        max_deferral_seconds=settings.max_deferral_seconds,
        concurrency=settings.concurrency,
    )


_wiring: Wiring[ProcessingContext] = Wiring(lambda: build(ProcessorSettings.from_env()))
dependencies = _wiring.dependencies
override = _wiring.override
reset = _wiring.reset
