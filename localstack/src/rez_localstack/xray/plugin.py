"""Plugin stub: ``localstack.aws.provider`` entry point ``xray:rez``."""

from localstack.services.plugins import Service, aws_provider

XRAY_PROVIDER_NAME = "rez"


@aws_provider(api="xray", name=XRAY_PROVIDER_NAME)
def xray_rez() -> Service:
    """X-Ray: sampling rules served here, traces by moto."""
    from localstack.services.moto import MotoFallbackDispatcher

    from rez_localstack.xray.provider import XRayProvider

    return Service.for_provider(XRayProvider(), dispatch_table_factory=MotoFallbackDispatcher)
