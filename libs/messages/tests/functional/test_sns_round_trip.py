"""Publish through SNS (moto) into SQS, with and without raw delivery, then parse the record."""

from __future__ import annotations

import json

import boto3
import pytest

from rez_messages import InMemoryPublisher, SNSMessagePublisher, parse_delivery

TRACE = "Root=1-6756c000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"


def _as_lambda_record(sqs_message: dict) -> dict:
    """The shape Lambda's SQS event source gives a message that ReceiveMessage returned."""
    return {
        "messageId": sqs_message["MessageId"],
        "body": sqs_message["Body"],
        "attributes": sqs_message.get("Attributes", {}),
        "messageAttributes": {
            name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
            for name, value in sqs_message.get("MessageAttributes", {}).items()
        },
        "eventSource": "aws:sqs",
    }


@pytest.fixture
def topic_and_queue(aws):
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic_arn = sns.create_topic(Name="rez-agent-messages-test")["TopicArn"]
    return sns, sqs, topic_arn


@pytest.mark.parametrize("raw", [True, False])
def test_published_message_is_read_back_by_the_consumer(topic_and_queue, make_message, raw):
    # GIVEN a queue subscribed to the topic, with or without raw delivery
    sns, sqs, topic_arn = topic_and_queue
    queue_url = sqs.create_queue(QueueName=f"q-{raw}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true" if raw else "false"},
    )
    message = make_message()
    # WHEN the publisher announces the message with a trace context
    SNSMessagePublisher(topic_arn, sns, trace_context=lambda: TRACE).publish(message)
    received = sqs.receive_message(
        QueueUrl=queue_url,
        MessageAttributeNames=["All"],
        AttributeNames=["All"],
    )["Messages"][0]
    # THEN the consumer reads the id, correlation, type and trace context either way
    delivery = parse_delivery(_as_lambda_record(received))
    assert delivery.message_id == message.message_id
    assert delivery.correlation_id == message.correlation_id
    assert delivery.message_type == "manual"
    assert delivery.trace_context == TRACE
    assert delivery.enveloped is (not raw)


def test_body_carries_only_the_message_id(topic_and_queue, make_message):
    # GIVEN a raw subscription
    sns, sqs, topic_arn = topic_and_queue
    queue_url = sqs.create_queue(QueueName="q-body")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    message = make_message()
    # WHEN published without a trace context
    SNSMessagePublisher(topic_arn, sns, trace_context=lambda: None).publish(message)
    received = sqs.receive_message(QueueUrl=queue_url, MessageAttributeNames=["All"])["Messages"][0]
    # THEN the body is exactly the id and no trace attribute is sent
    assert json.loads(received["Body"]) == {"message_id": message.message_id}
    assert set(received["MessageAttributes"]) == {"correlation_id", "message_type"}


def test_in_memory_publisher_records_and_can_fail_first(make_message):
    # GIVEN a fake that fails once / WHEN published twice / THEN the second is recorded
    publisher = InMemoryPublisher(failures=[RuntimeError("down")])
    message = make_message()
    with pytest.raises(RuntimeError, match="down"):
        publisher.publish(message)
    assert publisher.publish(message) == "fake-1"
    assert publisher.published == [message]
