"""``AWS::Logs::LogGroup`` applies ``RetentionInDays`` on create and update.

Why a patch: LocalStack ships its own provider for this type, and a second plugin registered
under the same name in ``localstack.cloudformation.resource_providers`` does not reliably win
(plux keeps whichever entry point it reads last). So the narrowest fix is to wrap LocalStack's
``LogsLogGroupProvider.create`` and to give it the ``update`` it lacks, with LocalStack's own
``localstack.utils.patch.patch`` helper, applied once by an ``on_infra_start`` hook.
"""

from typing import Any

from localstack.runtime import hooks


def _apply_retention(logs: Any, name: str, days: object, previous: object = None) -> None:
    if days is not None and days != "":
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(str(days)))
    elif previous is not None:
        logs.delete_retention_policy(logGroupName=name)


@hooks.on_infra_start()
def patch_log_group_retention() -> None:
    """Wrap the LogGroup provider's ``create`` and replace its unimplemented ``update``."""
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent
    from localstack.services.logs.resource_providers.aws_logs_loggroup import LogsLogGroupProvider
    from localstack.utils.patch import patch

    if getattr(LogsLogGroupProvider, "_rez_retention_patched", False):
        return

    @patch(LogsLogGroupProvider.create)
    def create(fn: Any, self: Any, request: Any) -> Any:
        event = fn(self, request)
        model = request.desired_state
        if event.status == OperationStatus.SUCCESS:
            _apply_retention(
                request.aws_client_factory.logs, model["LogGroupName"], model.get("RetentionInDays")
            )
        return event

    @patch(LogsLogGroupProvider.update)
    def update(fn: Any, self: Any, request: Any) -> Any:
        model = request.desired_state
        previous = request.previous_state or {}
        model["LogGroupName"] = model.get("LogGroupName") or previous.get("LogGroupName")
        model["Arn"] = previous.get("Arn")
        _apply_retention(
            request.aws_client_factory.logs,
            model["LogGroupName"],
            model.get("RetentionInDays"),
            previous.get("RetentionInDays"),
        )
        return ProgressEvent(
            status=OperationStatus.SUCCESS,
            resource_model=model,
            custom_context=request.custom_context,
        )

    LogsLogGroupProvider._rez_retention_patched = True
