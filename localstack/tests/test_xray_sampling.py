"""Sampling decisions from X-Ray rules and the API Gateway handler that makes them, on their own."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from rez_localstack.apigw_tracing.handler import (
    XRaySamplingHandler,
    sampling_request,
    stage_arn,
    trace_fields,
    tracing_enabled,
    with_sampled,
)
from rez_localstack.xray.sampling import (
    Reservoirs,
    Sampler,
    SamplingRequest,
    rule_matches,
    select_rule,
    wildcard_match,
)
from rez_localstack.xray.sampling_rules import SamplingRuleStore

ACCOUNT, REGION = "000000000000", "us-east-1"
ARN = "arn:aws:apigateway:us-east-1::/restapis/abc123/stages/dev"
ROOT = "Root=1-67891233-abcdef012345678912345678"

REQUEST = SamplingRequest(
    service_name="rez-agent-api/dev",
    service_type="AWS::ApiGateway::Stage",
    host="abc123.execute-api.us-east-1.amazonaws.com",
    http_method="POST",
    url_path="/dev/messages",
    resource_arn=ARN,
    attributes={"Content-Type": "application/json", "X-Tenant": "acme"},
)


def rule(**overrides: Any) -> dict[str, Any]:
    name = overrides.get("RuleName", "r")
    return {
        "RuleName": name,
        "RuleARN": f"arn:aws:xray:{REGION}:{ACCOUNT}:sampling-rule/{name}",
        "ResourceARN": "*",
        "Priority": 10,
        "FixedRate": 0.05,
        "ReservoirSize": 1,
        "ServiceName": "*",
        "ServiceType": "*",
        "Host": "*",
        "HTTPMethod": "*",
        "URLPath": "*",
        "Version": 1,
        "Attributes": {},
        **overrides,
    }


# ---------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("*", "", True),
        ("rez-agent-*", "rez-agent-api/dev", True),
        ("*/dev", "rez-agent-api/dev", True),
        ("*/prod", "rez-agent-api/dev", False),
        ("/dev/messages/?", "/dev/messages/1", True),
        ("/dev/messages/?", "/dev/messages/12", False),
        ("POST", "post", True),  # case-insensitive, as X-Ray's SDKs match
        ("a.b", "axb", False),  # only * and ? are special
        ("AWS::ApiGateway::*", "AWS::ApiGateway::Stage", True),
    ],
)
def test_wildcards(pattern: str, value: str, matches: bool) -> None:
    assert wildcard_match(pattern, value) is matches


@pytest.mark.parametrize(
    ("field", "pattern", "matches"),
    [
        ("ServiceName", "rez-agent-api/dev", True),
        ("ServiceName", "rez-agent-api/prod", False),
        ("ServiceType", "AWS::ApiGateway::Stage", True),
        ("ServiceType", "AWS::ApiGateway::*", True),
        ("ServiceType", "AWS::Lambda::Function", False),
        ("Host", "*.execute-api.us-east-1.amazonaws.com", True),
        ("Host", "api.example.com", False),
        ("HTTPMethod", "POST", True),
        ("HTTPMethod", "GET", False),
        ("URLPath", "/dev/messages", True),
        ("URLPath", "/dev/*", True),
        ("URLPath", "/messages", False),
        ("ResourceARN", ARN, True),
        ("ResourceARN", "arn:aws:apigateway:*::/restapis/abc123/stages/*", True),
        ("ResourceARN", "arn:aws:apigateway:us-east-1::/restapis/other/stages/dev", False),
    ],
)
def test_each_matcher_must_accept_the_request(field: str, pattern: str, matches: bool) -> None:
    assert rule_matches(rule(**{field: pattern}), REQUEST) is matches


def test_attributes_must_all_be_present_and_match_by_header_name_in_any_case() -> None:
    assert rule_matches(rule(Attributes={"content-type": "application/*"}), REQUEST)
    assert rule_matches(
        rule(Attributes={"Content-Type": "application/json", "x-tenant": "ac?e"}), REQUEST
    )
    assert not rule_matches(rule(Attributes={"X-Tenant": "other"}), REQUEST)
    assert not rule_matches(rule(Attributes={"X-Missing": "*"}), REQUEST)


def test_first_matching_rule_by_priority_wins_and_default_catches_the_rest() -> None:
    default = rule(RuleName="Default", Priority=10000, ServiceName="nothing-matches-this")
    lambda_only = rule(RuleName="lambda", Priority=1, ServiceType="AWS::Lambda::Function")
    late = rule(RuleName="late", Priority=50)
    early = rule(RuleName="early", Priority=20, HTTPMethod="POST")
    rules = [default, late, lambda_only, early]
    assert select_rule(rules, REQUEST)["RuleName"] == "early"
    get = SamplingRequest(**{**_fields(REQUEST), "http_method": "GET"})
    assert select_rule(rules, get)["RuleName"] == "late"
    # Default decides when nothing else matches, whatever its own matchers say
    assert select_rule([default, lambda_only], REQUEST)["RuleName"] == "Default"
    # same priority: by name
    assert select_rule([rule(RuleName="b"), rule(RuleName="a")], REQUEST)["RuleName"] == "a"
    # no Default in the list: X-Ray's own 1/s + 5 %
    builtin = select_rule([lambda_only], REQUEST)
    assert (builtin["RuleName"], builtin["ReservoirSize"], builtin["FixedRate"]) == (
        "Default",
        1,
        0.05,
    )


def test_rez_agent_dev_rule_samples_the_dev_api_stage_too() -> None:
    """infra/cloudformation/shared.yaml's DevSamplingRule, against the dev stage's request."""
    dev_rule = rule(
        RuleName="rez-agent-dev",
        Priority=100,
        ReservoirSize=1,
        FixedRate=1.0,
        ServiceName="rez-agent-*-dev*",
        ServiceType="*",
    )
    stage = SamplingRequest(**{**_fields(REQUEST), "service_name": "rez-agent-api-dev/dev"})
    default = rule(RuleName="Default", Priority=10000)
    assert select_rule([dev_rule, default], stage)["RuleName"] == "rez-agent-dev"
    # the narrower, functions-only form would have left the stage to Default (1/s + 5%)
    functions_only = {
        **dev_rule,
        "ServiceName": "rez-agent-*-dev",
        "ServiceType": "AWS::Lambda::Function",
    }
    assert select_rule([functions_only, default], stage)["RuleName"] == "Default"
    prod_stage = SamplingRequest(**{**_fields(REQUEST), "service_name": "rez-agent-api-prod/prod"})
    assert not rule_matches(dev_rule, prod_stage)


def _fields(request: SamplingRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in SamplingRequest.__slots__}


# ---------------------------------------------------------------- reservoir and rate


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_reservoir_gives_its_size_each_second() -> None:
    clock = Clock(1000.2)
    reservoirs = Reservoirs(clock)
    assert [reservoirs.take("r", 2) for _ in range(3)] == [True, True, False]
    assert reservoirs.take("other", 2)  # per rule
    clock.now = 1000.9
    assert not reservoirs.take("r", 2)  # same second
    clock.now = 1001.0
    assert [reservoirs.take("r", 2) for _ in range(3)] == [True, True, False]
    assert not reservoirs.take("r", 0)


def store_with(*rules: dict[str, Any]) -> SamplingRuleStore:
    store = SamplingRuleStore()
    for item in rules:
        store.create(ACCOUNT, REGION, item)
    return store


def test_reservoir_first_then_fixed_rate() -> None:
    draws = iter([0.3, 0.7, 0.3])
    sampler = Sampler(
        store_with(rule(RuleName="api", ReservoirSize=1, FixedRate=0.5)),
        clock=Clock(),
        rand=lambda: next(draws),
    )
    decisions = [sampler.decide(ACCOUNT, REGION, REQUEST) for _ in range(4)]
    assert [(d.sampled, d.from_reservoir, d.rule_name) for d in decisions] == [
        (True, True, "api"),
        (True, False, "api"),  # 0.3 < 0.5
        (False, False, "api"),  # 0.7
        (True, False, "api"),  # 0.3
    ]


def test_full_rate_samples_everything_and_zero_rate_without_reservoir_nothing() -> None:
    everything = Sampler(store_with(rule(RuleName="all", ReservoirSize=0, FixedRate=1.0)))
    assert all(everything.decide(ACCOUNT, REGION, REQUEST).sampled for _ in range(200))
    nothing = Sampler(store_with(rule(RuleName="none", ReservoirSize=0, FixedRate=0.0)))
    assert not any(nothing.decide(ACCOUNT, REGION, REQUEST).sampled for _ in range(200))


def test_default_rule_is_one_per_second_plus_five_percent() -> None:
    draws = iter([0.04, 0.06, 0.5])
    sampler = Sampler(
        store_with(rule(RuleName="lambda", ServiceType="AWS::Lambda::Function", FixedRate=1.0)),
        clock=Clock(),
        rand=lambda: next(draws),
    )
    decisions = [sampler.decide(ACCOUNT, REGION, REQUEST) for _ in range(4)]
    assert [d.rule_name for d in decisions] == ["Default"] * 4
    assert [d.sampled for d in decisions] == [True, True, False, False]
    assert decisions[0].from_reservoir


def test_rules_are_per_account_and_region_and_updates_apply_at_once() -> None:
    store = store_with(rule(RuleName="none", ReservoirSize=0, FixedRate=0.0, Priority=1))
    sampler = Sampler(store, clock=Clock(), rand=lambda: 0.5)
    assert not sampler.decide(ACCOUNT, REGION, REQUEST).sampled
    assert sampler.decide(ACCOUNT, "eu-west-1", REQUEST).rule_name == "Default"
    store.update(ACCOUNT, REGION, {"RuleName": "none", "FixedRate": 1.0})
    assert sampler.decide(ACCOUNT, REGION, REQUEST).sampled


# ---------------------------------------------------------------- the chain handler


def test_trace_header_helpers() -> None:
    assert trace_fields("Root=1-abc;parent=0f;Sampled=?;junk") == {
        "root": "1-abc",
        "parent": "0f",
        "sampled": "?",
    }
    assert trace_fields(None) == {}
    assert with_sampled("Root=1-abc;Parent=0f;Sampled=0", True) == "Root=1-abc;Parent=0f;Sampled=1"
    assert with_sampled("Root=1-abc;Parent=0f;Sampled=?", False) == "Root=1-abc;Parent=0f;Sampled=0"
    assert with_sampled("Root=1-abc;Parent=0f", True) == "Root=1-abc;Parent=0f;Sampled=1"
    assert tracing_enabled({"tracingEnabled": True})
    assert tracing_enabled({"tracingEnabled": "true"})
    assert not tracing_enabled({"tracingEnabled": False})
    assert not tracing_enabled({})
    assert not tracing_enabled(None)
    assert stage_arn("aws", "us-east-1", "abc123", "dev") == ARN


def invocation_context(
    *, tracing: bool = True, headers: dict[str, str] | None = None, trace_id: str | None = None
) -> SimpleNamespace:
    all_headers = {"Host": "abc123.execute-api.us-east-1.amazonaws.com", **(headers or {})}
    return SimpleNamespace(
        stage_configuration={"stageName": "dev", "tracingEnabled": tracing},
        request=SimpleNamespace(method="POST", headers=Headers(all_headers)),
        deployment=SimpleNamespace(rest_api=SimpleNamespace(rest_api={"name": "rez-agent-api"})),
        account_id=ACCOUNT,
        region=REGION,
        api_id="abc123",
        stage="dev",
        invocation_request={"path": "/messages"},
        trace_id=trace_id or f"{ROOT};Parent=53995c3f42cd8ad8;Sampled=0",
    )


def test_request_seen_by_the_rules_is_the_stage_and_its_aws_url() -> None:
    assert sampling_request(invocation_context(headers={"Content-Type": "application/json"})) == (
        SamplingRequest(
            service_name="rez-agent-api/dev",
            service_type="AWS::ApiGateway::Stage",
            host="abc123.execute-api.us-east-1.amazonaws.com",
            http_method="POST",
            url_path="/dev/messages",
            resource_arn=ARN,
            attributes={
                "Host": "abc123.execute-api.us-east-1.amazonaws.com",
                "Content-Type": "application/json",
            },
        )
    )


def everything() -> XRaySamplingHandler:
    return XRaySamplingHandler(
        Sampler(store_with(rule(RuleName="all", ReservoirSize=0, FixedRate=1.0, Priority=1)))
    )


def test_traced_stage_decides_and_keeps_root_and_parent() -> None:
    context = invocation_context()
    everything()(None, context, None)
    assert context.trace_id == (
        "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"
    )
    nothing = XRaySamplingHandler(
        Sampler(store_with(rule(RuleName="none", ReservoirSize=0, FixedRate=0.0, Priority=1)))
    )
    undecided = invocation_context(
        headers={"X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678;Sampled=?"},
        trace_id="Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=?",
    )
    nothing(None, undecided, None)
    assert undecided.trace_id.endswith(";Sampled=0")


@pytest.mark.parametrize("flag", ["0", "1"])
def test_an_incoming_decision_is_kept(flag: str) -> None:
    header = f"Root=1-67891233-abcdef012345678912345678;Parent=1111111111111111;Sampled={flag}"
    context = invocation_context(headers={"x-amzn-trace-id": header}, trace_id=header)
    handler = everything() if flag == "0" else XRaySamplingHandler(Sampler(store_with()))
    handler(None, context, None)
    assert context.trace_id == header


def test_stage_without_tracing_is_left_to_localstack() -> None:
    context = invocation_context(tracing=False)
    before = context.trace_id
    everything()(None, context, None)
    assert context.trace_id == before
