"""Plugin stub: ``localstack.aws.provider`` entry point ``logs:rez``."""

from localstack.services.plugins import Service, aws_provider

LOGS_PROVIDER_NAME = "rez"


@aws_provider(api="logs", name=LOGS_PROVIDER_NAME)
def logs_rez() -> Service:
    """LocalStack's Logs provider plus Insights, query definitions and EMF."""
    from localstack.services.moto import MotoFallbackDispatcher

    from rez_localstack.logs_service.provider import RezLogsProvider

    return Service.for_provider(RezLogsProvider(), dispatch_table_factory=MotoFallbackDispatcher)
