"""Invoke answered as AWS does: payload quotas (413), and ResourceNotFound during a delete.

Lambda quotas: "Invocation payload (request and response): 6 MB each for request and response
(synchronous), 1 MB (asynchronous)"; a request over it is ``RequestTooLargeException`` (HTTP 413)
"<n> byte payload is too large for the <type> invocation type (limit <limit> bytes)".
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors

LocalStack checks neither. Why a patch: ``LambdaService.invoke`` is the one place every Invoke
passes through (the API, API Gateway, the event-source pollers), before the function is looked
up. The response limit is enforced where AWS enforces it, in the runtime (``bootstrap.py``).

An invoke that arrives while ``DeleteFunction`` runs may find the function's code already
removed, and used to fail with an internal error (a ``FileNotFoundError`` starting the runtime).
On AWS the invoke either runs or answers ``ResourceNotFoundException`` ("Function not found"):
when the invocation fails and the function is gone by then, that is the answer here too.
https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html
"""

from __future__ import annotations

from typing import Any, Final

from localstack.aws.api import ServiceException
from localstack.runtime import hooks

SYNC_REQUEST_LIMIT: Final = 6 * 1024 * 1024
ASYNC_REQUEST_LIMIT: Final = 1024 * 1024


def request_limit(invocation_type: str | None) -> int:
    return ASYNC_REQUEST_LIMIT if invocation_type == "Event" else SYNC_REQUEST_LIMIT


def check_request_size(payload: bytes | None, invocation_type: str | None) -> None:
    """Raise Lambda's ``RequestTooLargeException`` for a payload over the quota."""
    from localstack.aws.api.lambda_ import RequestTooLargeException

    limit = request_limit(invocation_type)
    size = len(payload or b"")
    if size > limit:
        raise RequestTooLargeException(
            f"{size} byte payload is too large for the {invocation_type or 'RequestResponse'} "
            f"invocation type (limit {limit} bytes)",
            Type="User",
        )


def _answerable(error: Exception) -> bool:
    """An internal error or a conflict: not a validation of the request itself."""
    return not isinstance(error, ServiceException) or error.code == "ResourceConflictException"


def _deleted(service: Any, request: dict[str, Any]) -> bool:
    """True once DeleteFunction has begun: its version stopped, or the function gone."""
    from localstack.services.lambda_.api_utils import qualified_lambda_arn
    from localstack.services.lambda_.invocation.models import lambda_stores

    name, account, region = request["function_name"], request["account_id"], request["region"]
    try:
        function = lambda_stores[account][region].functions.get(name)
    except KeyError:
        return False
    if function is None:
        return True
    qualifier = request.get("qualifier") or "$LATEST"
    if qualifier in function.aliases:
        return False
    # DeleteFunction stops the version (taking it out of the running ones) before it
    # removes the function from the store; an invoke failing in between is one on a
    # function being deleted.
    arn = qualified_lambda_arn(name, qualifier, account, region)
    return arn not in service.lambda_running_versions and arn not in (
        service.lambda_starting_versions
    )


def _not_found(request: dict[str, Any]) -> Exception:
    from localstack.aws.api.lambda_ import ResourceNotFoundException
    from localstack.services.lambda_.api_utils import qualified_lambda_arn

    qualifier = request.get("qualifier") or "$LATEST"
    arn = qualified_lambda_arn(
        request["function_name"], qualifier, request["account_id"], request["region"]
    )
    # LocalStack's (and AWS's) wording for an invoke of a missing function.
    found: Exception = ResourceNotFoundException(f"Function not found: {arn}", Type="User")
    return found


@hooks.on_infra_start()
def patch_lambda_payload_limits() -> None:
    from localstack.services.lambda_.invocation.lambda_service import LambdaService
    from localstack.utils.patch import patch

    if getattr(LambdaService, "_rez_payload_limits", False):
        return

    @patch(LambdaService.invoke)
    def invoke(fn: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        check_request_size(kwargs.get("payload"), kwargs.get("invocation_type"))
        try:
            return fn(self, *args, **kwargs)
        except Exception as error:
            # LocalStack answers such an invoke with an internal error, or with
            # ResourceConflictException ("... currently in the following state: Active") once
            # the version is stopped but the function not yet removed.
            if _answerable(error) and _deleted(self, kwargs):
                raise _not_found(kwargs) from error
            raise

    LambdaService._rez_payload_limits = True
