"""The execute-api chain handler that runs a method's Lambda authorizer before its integration."""

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from rez_localstack.apigw_authorizer.cache import DEFAULT_TTL_SECONDS, AuthorizerResult, ResultCache
from rez_localstack.apigw_authorizer.events import (
    AuthorizerOutputError,
    parse_output,
    request_event,
    token_event,
)
from rez_localstack.apigw_authorizer.identity import (
    MissingIdentityError,
    RequestView,
    request_identity,
    token_identity,
)
from rez_localstack.apigw_authorizer.invoke import (
    InvocationResult,
    function_arn_from_uri,
    invoke_authorizer,
    is_unauthorized,
)
from rez_localstack.apigw_authorizer.policy import (
    Decision,
    PolicyError,
    evaluate_policy,
    method_arn,
)

LOG = logging.getLogger(__name__)

EXPLICIT_DENY_MESSAGE = "User is not authorized to access this resource with an explicit deny"
IMPLICIT_DENY_MESSAGE = "User is not authorized to access this resource"

type Invoker = Callable[[str, bytes, str], InvocationResult]


class LambdaAuthorizerHandler:
    """A ``RestApiGatewayHandler``: ``handler(chain, context, response)``.

    Methods whose ``authorizationType`` is ``CUSTOM`` get their authorizer run; the others pass
    untouched. Failures are raised as LocalStack's own gateway exceptions, so the chain's
    exception handler renders AWS's gateway responses.
    """

    def __init__(
        self, cache: ResultCache | None = None, invoke: Invoker = invoke_authorizer
    ) -> None:
        self.cache = cache or ResultCache()
        self._invoke = invoke

    def __call__(self, chain: Any, context: Any, response: Any) -> None:
        method = context.resource_method or {}
        if method.get("authorizationType") != "CUSTOM":
            return
        from localstack.services.apigateway.next_gen.execute_api import gateway_response as gw

        authorizer = context.deployment.rest_api.authorizers.get(method.get("authorizerId") or "")
        if authorizer is None or authorizer.get("type") not in ("TOKEN", "REQUEST"):
            LOG.warning("method has no usable Lambda authorizer: %s", method.get("authorizerId"))
            raise gw.AuthorizerConfigurationError()
        arn = self._method_arn(context)
        try:
            identity, event = self._identity_and_event(authorizer, context, arn)
        except MissingIdentityError as missing:
            LOG.info("authorizer %s: no identity (%s)", authorizer.get("id"), missing)
            raise gw.UnauthorizedError("Unauthorized") from None
        result, latency_ms = self._authorize(authorizer, context, identity, event)
        try:
            decision = evaluate_policy(result.policy, arn)
        except PolicyError as error:
            LOG.warning("authorizer %s returned a bad policy: %s", authorizer.get("id"), error)
            raise gw.AuthorizerConfigurationError() from None
        if decision is Decision.EXPLICIT_DENY:
            raise gw.AccessDeniedError(EXPLICIT_DENY_MESSAGE)
        if decision is Decision.IMPLICIT_DENY:
            raise gw.AccessDeniedError(IMPLICIT_DENY_MESSAGE)
        context.context_variables["authorizer"] = {
            **result.context,
            "principalId": result.principal_id,
            "integrationLatency": latency_ms,
        }

    @staticmethod
    def _method_arn(context: Any) -> str:
        from localstack.utils.aws.arns import get_partition

        return method_arn(
            partition=get_partition(context.region),
            region=context.region,
            account_id=context.account_id,
            api_id=context.api_id,
            stage=context.stage,
            http_method=context.request.method,
            path=context.invocation_request["path"],
        )

    @staticmethod
    def _identity_and_event(
        authorizer: dict[str, Any], context: Any, arn: str
    ) -> tuple[tuple[str, ...], dict[str, Any]]:
        invocation = context.invocation_request
        view = RequestView(
            headers=invocation["headers"],
            query=invocation.get("query_string_parameters") or {},
            stage_variables=context.stage_variables or {},
            context=context.context_variables or {},
        )
        if authorizer["type"] == "TOKEN":
            token = token_identity(
                authorizer.get("identitySource"),
                authorizer.get("identityValidationExpression"),
                view,
            )
            return (token,), token_event(token, arn)
        identity = request_identity(authorizer.get("identitySource"), view)
        event = request_event(
            method_arn=arn,
            resource=context.resource["path"],
            path=invocation["path"],
            http_method=context.request.method,
            headers=list(invocation["headers"].items()),
            query=invocation.get("multi_value_query_string_parameters") or {},
            path_parameters=invocation.get("path_parameters") or {},
            stage_variables=context.stage_variables or {},
            request_context={
                k: v for k, v in (context.context_variables or {}).items() if k != "authorizer"
            },
        )
        return identity, event

    def _authorize(
        self,
        authorizer: dict[str, Any],
        context: Any,
        identity: tuple[str, ...],
        event: dict[str, Any],
    ) -> tuple[AuthorizerResult, int]:
        """The authorizer's answer (from the cache when fresh) and the call's latency in ms."""
        from localstack.services.apigateway.next_gen.execute_api import gateway_response as gw

        ttl = _ttl(authorizer)
        if authorizer["type"] == "REQUEST" and not identity:
            ttl = 0  # no identity source: AWS cannot cache, it calls the authorizer every time
        key = (context.api_id, context.stage, authorizer.get("id"), identity)
        cached = self.cache.get(key) if ttl > 0 else None
        if cached is not None:
            return cached, 0
        function_arn = function_arn_from_uri(authorizer.get("authorizerUri") or "")
        source_arn = (
            f"arn:aws:execute-api:{context.region}:{context.account_id}:"
            f"{context.api_id}/authorizers/{authorizer.get('id')}"
        )
        started = time.monotonic()
        try:
            outcome = self._invoke(function_arn, json.dumps(event).encode(), source_arn)
        except Exception:
            LOG.exception("authorizer %s could not be invoked", authorizer.get("id"))
            raise gw.AuthorizerConfigurationError() from None
        latency_ms = int((time.monotonic() - started) * 1000)
        if outcome.function_error:
            if is_unauthorized(outcome):
                raise gw.UnauthorizedError("Unauthorized")
            LOG.warning("authorizer %s failed: %s", authorizer.get("id"), outcome.payload[:500])
            raise gw.AuthorizerConfigurationError()
        try:
            result = parse_output(outcome.payload)
        except AuthorizerOutputError as error:
            LOG.warning("authorizer %s answered badly: %s", authorizer.get("id"), error)
            raise gw.AuthorizerConfigurationError() from None
        self.cache.put(key, result, ttl)
        return result, latency_ms


def _ttl(authorizer: dict[str, Any]) -> int:
    value = authorizer.get("authorizerResultTtlInSeconds")
    return DEFAULT_TTL_SECONDS if value is None else int(value)
