"""Plugin stub: ``localstack.aws.provider`` entry point ``cloudwatch:rez``."""

from localstack.services.plugins import Service, aws_provider

CLOUDWATCH_PROVIDER_NAME = "rez"


@aws_provider(api="cloudwatch", name=CLOUDWATCH_PROVIDER_NAME)
def cloudwatch_rez() -> Service:
    """LocalStack's CloudWatch v2 plus percentiles, metric math, every alarm kind evaluated."""
    from rez_localstack.cloudwatch.provider import RezCloudwatchProvider

    return Service.for_provider(RezCloudwatchProvider())
