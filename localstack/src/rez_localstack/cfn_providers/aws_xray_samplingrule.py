"""``AWS::XRay::SamplingRule``: a rule in the harness's X-Ray (``GetSamplingRules`` shows it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

import localstack.services.cloudformation.provider_utils as util
from localstack.services.cloudformation.resource_provider import (
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
    ResourceRequest,
)

_UPDATABLE = (
    "ResourceARN",
    "Priority",
    "FixedRate",
    "ReservoirSize",
    "Host",
    "ServiceName",
    "ServiceType",
    "HTTPMethod",
    "URLPath",
    "Attributes",
)


class XRaySamplingRuleProperties(TypedDict, total=False):
    SamplingRule: dict[str, Any]
    SamplingRuleRecord: dict[str, Any]
    SamplingRuleUpdate: dict[str, Any]
    RuleName: str
    RuleARN: str
    Tags: list[dict[str, str]]


class XRaySamplingRuleProvider(ResourceProvider[XRaySamplingRuleProperties]):
    TYPE = "AWS::XRay::SamplingRule"
    SCHEMA = util.get_schema_path(Path(__file__))

    def create(
        self, request: ResourceRequest[XRaySamplingRuleProperties]
    ) -> ProgressEvent[XRaySamplingRuleProperties]:
        """``CreateSamplingRule``; ``Ref`` is the rule ARN."""
        model = request.desired_state
        rule = dict(
            model.get("SamplingRule")
            or (model.get("SamplingRuleRecord") or {}).get("SamplingRule")
            or {}
        )
        if model.get("RuleName") and not rule.get("RuleName"):
            rule["RuleName"] = model["RuleName"]
        if not rule.get("RuleName"):
            rule["RuleName"] = util.generate_default_name(
                request.stack_name, request.logical_resource_id
            )[:32]
        rule.setdefault("Version", 1)
        params: dict[str, Any] = {"SamplingRule": rule}
        if model.get("Tags"):
            params["Tags"] = model["Tags"]
        record = request.aws_client_factory.xray.create_sampling_rule(**params)[
            "SamplingRuleRecord"
        ]
        model["RuleARN"] = record["SamplingRule"]["RuleARN"]
        model["RuleName"] = record["SamplingRule"]["RuleName"]
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def read(
        self, request: ResourceRequest[XRaySamplingRuleProperties]
    ) -> ProgressEvent[XRaySamplingRuleProperties]:
        """Not needed by the engine."""
        raise NotImplementedError

    def update(
        self, request: ResourceRequest[XRaySamplingRuleProperties]
    ) -> ProgressEvent[XRaySamplingRuleProperties]:
        """``UpdateSamplingRule`` with the new settings."""
        model = request.desired_state
        previous = request.previous_state or {}
        model["RuleARN"], model["RuleName"] = previous["RuleARN"], previous["RuleName"]
        source = model.get("SamplingRuleUpdate") or model.get("SamplingRule") or {}
        update = {key: source[key] for key in _UPDATABLE if key in source}
        update["RuleARN"] = model["RuleARN"]
        request.aws_client_factory.xray.update_sampling_rule(SamplingRuleUpdate=update)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(
        self, request: ResourceRequest[XRaySamplingRuleProperties]
    ) -> ProgressEvent[XRaySamplingRuleProperties]:
        """``DeleteSamplingRule``."""
        request.aws_client_factory.xray.delete_sampling_rule(
            RuleARN=request.desired_state["RuleARN"]
        )
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})
