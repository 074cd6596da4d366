"""The execute-api chain handler that makes a traced stage's sampling decision."""

import logging
from collections.abc import Mapping
from typing import Any

from rez_localstack.xray.sampling import Sampler, SamplingRequest

LOG = logging.getLogger(__name__)

TRACE_HEADER = "X-Amzn-Trace-Id"
SERVICE_TYPE = "AWS::ApiGateway::Stage"
DECIDED = ("0", "1")
"""``Sampled`` values that are a decision (``?`` asks the receiver to decide)."""


def trace_fields(header: str | None) -> dict[str, str]:
    """``Root=…;Parent=…;Sampled=…`` as a dict with lower-case keys (unusable parts skipped)."""
    fields: dict[str, str] = {}
    for part in (header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key:
            fields[key.lower()] = value.strip()
    return fields


def with_sampled(header: str, sampled: bool) -> str:
    """``header`` with its ``Sampled`` part set (appended when absent); the rest kept as is."""
    flag = f"Sampled={1 if sampled else 0}"
    parts = [part for part in header.split(";") if part]
    for index, part in enumerate(parts):
        if part.strip().partition("=")[0].lower() == "sampled":
            parts[index] = flag
            return ";".join(parts)
    return ";".join([*parts, flag])


def tracing_enabled(stage: Mapping[str, Any] | None) -> bool:
    """The stage's ``tracingEnabled`` (a bool, or the string LocalStack sometimes keeps)."""
    value = (stage or {}).get("tracingEnabled")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def stage_arn(partition: str, region: str, api_id: str, stage: str) -> str:
    """``arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>`` (the rule's ResourceARN)."""
    return f"arn:{partition}:apigateway:{region}::/restapis/{api_id}/stages/{stage}"


def sampling_request(context: Any) -> SamplingRequest:
    """What API Gateway matches the rules against for this request.

    ``ServiceName`` is ``<api name>/<stage>``; ``URLPath`` is ``/<stage><path>``, the path a
    client requests at the stage's default endpoint (LocalStack's own URL shapes such as
    ``/_aws/execute-api/<id>/<stage>/…`` are not what AWS sees); ``Host`` is the Host header;
    the request's headers are its attributes.
    """
    from localstack.utils.aws.arns import get_partition

    request = context.request
    api_name = (context.deployment.rest_api.rest_api or {}).get("name") or context.api_id
    path = context.invocation_request["path"] or "/"
    return SamplingRequest(
        service_name=f"{api_name}/{context.stage}",
        service_type=SERVICE_TYPE,
        host=request.headers.get("Host", ""),
        http_method=request.method,
        url_path=f"/{context.stage}{path}",
        resource_arn=stage_arn(
            get_partition(context.region), context.region, context.api_id, context.stage
        ),
        attributes=dict(request.headers.items()),
    )


class XRaySamplingHandler:
    """A ``RestApiGatewayHandler``: ``handler(chain, context, response)``.

    On a stage with ``tracingEnabled``, a request whose ``X-Amzn-Trace-Id`` carries no
    ``Sampled=0|1`` (absent, or ``Sampled=?``) gets the decision of the X-Ray sampling rules in
    ``context.trace_id`` (``Root`` and ``Parent`` as LocalStack set them), which the integration
    request passes on in ``X-Amzn-Trace-Id`` and the response returns. The decision is made once,
    here, for the whole request. Stages without tracing are left as LocalStack treats them.
    """

    def __init__(self, sampler: Sampler | None = None) -> None:
        self.sampler = sampler or Sampler()

    def __call__(self, chain: Any, context: Any, response: Any) -> None:
        if not context.trace_id or not tracing_enabled(context.stage_configuration):
            return
        incoming = trace_fields(context.request.headers.get(TRACE_HEADER))
        if incoming.get("sampled") in DECIDED:
            return  # the caller decided; LocalStack kept its decision
        request = sampling_request(context)
        decision = self.sampler.decide(context.account_id, context.region, request)
        context.trace_id = with_sampled(context.trace_id, decision.sampled)
        LOG.debug(
            "X-Ray sampling for %s %s %s: rule %s%s -> %s",
            request.service_name,
            request.http_method,
            request.url_path,
            decision.rule_name,
            " (reservoir)" if decision.from_reservoir else "",
            context.trace_id,
        )
