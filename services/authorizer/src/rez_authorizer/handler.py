"""Lambda entry point `rez_authorizer.handler.handler` (API Gateway REST, TOKEN authorizer).

Only adapts: wiring from `bootstrap`, the decision from `service.authorize`. API Gateway turns an
error whose message is exactly "Unauthorized" into 401 and anything else into 500, so every
failure path ends in `Exception("Unauthorized")`.
"""

from __future__ import annotations

from typing import Any

from rez_authorizer import bootstrap
from rez_authorizer.service import UnauthorizedError, authorize, reject
from rez_authorizer.tokens import RejectionReason
from rez_telemetry import handled, lambda_handler
from rez_telemetry.config import ConfigurationError


@lambda_handler(service="authorizer")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer API Gateway with a policy, or raise the 401 it expects."""
    try:
        try:
            deps = bootstrap.dependencies()
        except ConfigurationError as error:
            reject(RejectionReason.MISCONFIGURED, str(error))
        except Exception as error:  # e.g. no AWS region for the SDK: still a 401, never a 500
            reject(RejectionReason.INTERNAL_ERROR, f"bootstrap: {type(error).__name__}")
        return authorize(
            event,
            deps.verifier,
            write_scope=deps.config.write_scope,
            read_scope=deps.config.read_scope,
        )
    except UnauthorizedError:
        # The decision is already logged (WARNING, with its reason): `handled` keeps the
        # decorator from logging every refused token again as an ERROR "Invocation failed".
        raise handled(Exception("Unauthorized")) from None
