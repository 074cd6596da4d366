"""The authorization use case: token in, policy or rejection out, decision logged and counted.

Takes its collaborators as arguments (the verifier, the write scope) so tests drive it without
AWS; `bootstrap` builds them from the environment and `handler` only adapts to Lambda.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final, NoReturn

from rez_authorizer.policy import (
    READ_METHODS,
    WRITE_METHODS,
    InvalidMethodArnError,
    MethodArn,
    build_policy,
)
from rez_authorizer.tokens import (
    SERVER_SIDE_REASONS,
    RejectionReason,
    TokenRejectedError,
    TokenVerifier,
    bearer_token,
)
from rez_telemetry import AUTHORIZER_DECISIONS, logger, metrics
from rez_telemetry.metrics import TOKENS_REFUSED

DECISION_LOG_EVENT: Final = "Authorizer decision"
MAX_DETAIL_CHARS: Final = 200


class Decision(StrEnum):
    """The `Decision` dimension of `AuthorizerDecisions` and the `decision` log field."""

    ALLOWED = "allowed"  # every method of the stage
    DENIED = "denied"  # the methods its scopes do not cover explicitly denied (403)
    UNAUTHORIZED = "unauthorized"  # no identity: API Gateway answers 401


class UnauthorizedError(Exception):
    """The request carries no acceptable identity; the handler turns it into API Gateway's 401."""

    def __init__(self, reason: RejectionReason) -> None:
        super().__init__("Unauthorized")
        self.reason = reason


def authorize(
    event: Mapping[str, Any],
    verifier: TokenVerifier,
    *,
    write_scope: str | None,
    read_scope: str | None = None,
) -> dict[str, Any]:
    """The policy for a TOKEN authorizer event, or `UnauthorizedError` (never anything else)."""
    try:
        method_arn = MethodArn.parse(event.get("methodArn"))
        identity = verifier.verify(bearer_token(event.get("authorizationToken")))
    except TokenRejectedError as rejected:
        reject(rejected.reason, rejected.detail)
    except InvalidMethodArnError as error:
        reject(RejectionReason.MISCONFIGURED, str(error))
    except Exception as error:  # a bug or an SDK surprise must still be a 401, not a 500
        logger.opt(exception=True).error("Authorizer failed unexpectedly")
        reject(RejectionReason.INTERNAL_ERROR, type(error).__name__)

    denied: list[str] = []
    missing: list[str] = []
    for scope, methods in ((read_scope, READ_METHODS), (write_scope, WRITE_METHODS)):
        if scope is not None and scope not in identity.scopes:
            denied.extend(methods)
            missing.append(scope)
    decision = Decision.DENIED if denied else Decision.ALLOWED
    logger.info(
        DECISION_LOG_EVENT,
        decision=str(decision),
        user_id=identity.user_id,
        scopes=" ".join(identity.scopes),
        denied_methods=denied,
        reason=f"missing scope {' and '.join(missing)}" if missing else None,
    )
    metrics.record_count(AUTHORIZER_DECISIONS, 1, {"Decision": str(decision)})
    return build_policy(method_arn, identity, denied_methods=tuple(denied))


def reject(reason: RejectionReason, detail: str) -> NoReturn:
    """Log and count a rejection (the detail cut short: it may echo caller input), then raise."""
    log = logger.error if reason in SERVER_SIDE_REASONS else logger.warning
    log(
        DECISION_LOG_EVENT,
        decision=str(Decision.UNAUTHORIZED),
        reason=str(reason),
        detail=detail[:MAX_DETAIL_CHARS],
    )
    metrics.record_count(AUTHORIZER_DECISIONS, 1, {"Decision": str(Decision.UNAUTHORIZED)})
    if reason not in SERVER_SIDE_REASONS:
        # The caller's token, not our failure: the error alarm subtracts these from Lambda's
        # Errors (each refusal raises, and Lambda counts it), so bad tokens never page anyone.
        metrics.record_count(TOKENS_REFUSED, 1)
    raise UnauthorizedError(reason)
