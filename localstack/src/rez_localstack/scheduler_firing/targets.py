"""Invoke a schedule's target the way EventBridge Scheduler does: Lambda (async), SQS, SNS."""

import logging

from rez_localstack.scheduler_firing.schedules import ScheduleView

LOG = logging.getLogger(__name__)

EMPTY_INPUT = "{}"
"""What a target without ``Input`` receives."""


def invoke_target(schedule: ScheduleView) -> None:
    """Deliver the schedule's ``Input`` to its target ARN through LocalStack's own clients."""
    from localstack.aws.connect import connect_to
    from localstack.utils.aws.arns import parse_arn

    target_arn: str = schedule.target["Arn"]
    payload: str = schedule.target.get("Input") or EMPTY_INPUT
    arn = parse_arn(target_arn)
    clients = connect_to(aws_access_key_id=arn["account"], region_name=arn["region"])
    match arn["service"]:
        case "lambda":
            clients.lambda_.request_metadata(
                service_principal="scheduler", source_arn=schedule.arn
            ).invoke(FunctionName=target_arn, InvocationType="Event", Payload=payload)
        case "sqs":
            queue_url = clients.sqs.get_queue_url(
                QueueName=arn["resource"], QueueOwnerAWSAccountId=arn["account"]
            )["QueueUrl"]
            clients.sqs.send_message(QueueUrl=queue_url, MessageBody=payload)
        case "sns":
            clients.sns.publish(TopicArn=target_arn, Message=payload)
        case service:
            LOG.warning("schedule %s: targets of %s are not fired locally", schedule.arn, service)


def delete_schedule(schedule: ScheduleView) -> None:
    """``ActionAfterCompletion: DELETE``: remove a schedule that has nothing left to fire."""
    from botocore.exceptions import ClientError
    from localstack.aws.connect import connect_to

    client = connect_to(aws_access_key_id=schedule.account_id, region_name=schedule.region)
    try:
        client.scheduler.delete_schedule(Name=schedule.name, GroupName=schedule.group)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
