"""Plugin stubs: the ``xray:rez`` provider and the hooks starting the X-Ray endpoint."""

from localstack.runtime import hooks
from localstack.services.plugins import Service, aws_provider

XRAY_PROVIDER_NAME = "rez"


@aws_provider(api="xray", name=XRAY_PROVIDER_NAME)
def xray_rez() -> Service:
    """X-Ray: sampling rules served here, traces by moto."""
    from localstack.services.moto import MotoFallbackDispatcher

    from rez_localstack.xray.provider import XRayProvider

    return Service.for_provider(XRayProvider(), dispatch_table_factory=MotoFallbackDispatcher)


@hooks.on_infra_start()
def start_xray_endpoint() -> None:
    """The X-Ray endpoint for functions, and Lambda's trace header and segments."""
    from rez_localstack.xray.daemon import start_daemon
    from rez_localstack.xray.lambda_tracing import patch_lambda_tracing

    start_daemon()
    patch_lambda_tracing()


@hooks.on_infra_shutdown()
def stop_xray_endpoint() -> None:
    """Close the endpoint's socket."""
    from rez_localstack.xray.daemon import stop_daemon

    stop_daemon()
