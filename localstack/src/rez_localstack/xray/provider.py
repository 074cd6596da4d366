"""The X-Ray ASF provider: sampling-rule operations here, everything else to moto."""

from typing import Any

from localstack.aws.api import CommonServiceException, RequestContext, handler

from rez_localstack.xray.sampling_rules import (
    RuleExistsError,
    RuleInvalidError,
    RuleNotFoundError,
    SamplingRuleStore,
    shared_store,
)


class InvalidRequestException(CommonServiceException):
    """X-Ray's one client error code."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestException", message, status_code=400)


class XRayProvider:
    """Only the operations it serves carry ``@handler``; moto answers the rest."""

    service = "xray"

    def __init__(self, rules: SamplingRuleStore | None = None) -> None:
        self.rules = rules if rules is not None else shared_store()

    def accept_state_visitor(self, visitor: Any) -> None:
        """Let LocalStack's state tooling see moto's X-Ray backend (traces)."""
        from moto.xray.models import xray_backends

        visitor.visit(xray_backends)

    @handler("CreateSamplingRule", expand=False)
    def create_sampling_rule(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Add a rule."""
        try:
            record = self.rules.create(context.account_id, context.region, request["SamplingRule"])
        except (RuleExistsError, RuleInvalidError) as error:
            raise InvalidRequestException(str(error)) from None
        return {"SamplingRuleRecord": record}

    @handler("GetSamplingRules", expand=False)
    def get_sampling_rules(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """All rules in one page."""
        return {"SamplingRuleRecords": self.rules.list(context.account_id, context.region)}

    @handler("UpdateSamplingRule", expand=False)
    def update_sampling_rule(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Change a rule."""
        try:
            record = self.rules.update(
                context.account_id, context.region, request["SamplingRuleUpdate"]
            )
        except (RuleNotFoundError, RuleInvalidError) as error:
            raise InvalidRequestException(str(error)) from None
        return {"SamplingRuleRecord": record}

    @handler("DeleteSamplingRule", expand=False)
    def delete_sampling_rule(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Remove a rule."""
        try:
            record = self.rules.delete(
                context.account_id, context.region, request.get("RuleName"), request.get("RuleARN")
            )
        except (RuleNotFoundError, RuleInvalidError) as error:
            raise InvalidRequestException(str(error)) from None
        return {"SamplingRuleRecord": record}

    @handler("PutTraceSegments", expand=False)
    def put_trace_segments(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Served by moto."""
        raise NotImplementedError

    @handler("GetTraceSummaries", expand=False)
    def get_trace_summaries(
        self, context: RequestContext, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Served by moto."""
        raise NotImplementedError

    @handler("BatchGetTraces", expand=False)
    def batch_get_traces(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        """Served by moto."""
        raise NotImplementedError
