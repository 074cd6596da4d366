"""LocalStack plugin factories: tiny stubs that import their implementation lazily.

They follow LocalStack's own style (``localstack/services/providers.py`` and
``localstack/services/lambda_/invocation/plugins.py``): the module is imported when LocalStack
scans its entry points, so it must stay cheap; the real code loads only when the plugin is chosen.
Entry points are declared in ``pyproject.toml``.
"""

from localstack.runtime import hooks
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.plugins import Service, aws_provider

from rez_localstack.settings import DYNAMODB_PROVIDER_NAME, LAMBDA_EXECUTOR_NAME


@aws_provider(api="dynamodb", name=DYNAMODB_PROVIDER_NAME)
def dynamodb_rez_moto() -> Service:
    """DynamoDB from moto: LocalStack's default provider needs a jar it cannot download here."""
    from rez_localstack.dynamodb.provider import MotoDynamoDBProvider, atomic_moto_dispatcher

    return Service.for_provider(
        MotoDynamoDBProvider(), dispatch_table_factory=atomic_moto_dispatcher
    )


class HostProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    """Runs Lambda functions as child processes on 127.0.0.1 instead of Docker containers."""

    name = LAMBDA_EXECUTOR_NAME

    def load(self, *args: object, **kwargs: object) -> type:
        from rez_localstack.lambda_runtime.executor import HostProcessRuntimeExecutor

        return HostProcessRuntimeExecutor


@hooks.on_infra_start()
def rez_offline() -> None:
    """No DNS query for LocalStack's internal S3 host name: loopback only."""
    from rez_localstack.offline import skip_s3_hostname_lookup

    skip_s3_hostname_lookup()


_ttl: dict[str, object] = {}


@hooks.on_infra_start()
def start_dynamodb_ttl_sweeper() -> None:
    """Delete DynamoDB items past their TTL, as DynamoDB does (``dynamodb/ttl.py``)."""
    from localstack.services.edge import ROUTER

    from rez_localstack.dynamodb.ttl import LOCALSTACK_PATH, SWEEP_PATH, TtlSweeper

    sweeper = TtlSweeper()
    ROUTER.add(SWEEP_PATH, endpoint=sweeper.sweep_endpoint, methods=["POST"])
    ROUTER.add(LOCALSTACK_PATH, endpoint=sweeper.localstack_endpoint, methods=["DELETE"])
    sweeper.start()
    _ttl["sweeper"] = sweeper


@hooks.on_infra_shutdown()
def stop_dynamodb_ttl_sweeper() -> None:
    sweeper = _ttl.pop("sweeper", None)
    if sweeper is not None:
        sweeper.stop()  # type: ignore[attr-defined]
