"""The sampling-rule store behind the harness's X-Ray, on its own."""

from __future__ import annotations

from typing import Any

import pytest

from rez_localstack.xray.sampling_rules import (
    RuleExistsError,
    RuleInvalidError,
    RuleNotFoundError,
    SamplingRuleStore,
)

ACCOUNT, REGION = "000000000000", "us-east-1"


def rule(**overrides: Any) -> dict[str, Any]:
    return {
        "RuleName": "r",
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
        **overrides,
    }


def test_default_rule_is_always_there_and_last_by_priority() -> None:
    store = SamplingRuleStore()
    store.create(ACCOUNT, REGION, rule(RuleName="b", Priority=20))
    store.create(ACCOUNT, REGION, rule(RuleName="a", Priority=20))
    store.create(ACCOUNT, REGION, rule(RuleName="first", Priority=1))
    assert [r["SamplingRule"]["RuleName"] for r in store.list(ACCOUNT, REGION)] == [
        "first",
        "a",
        "b",
        "Default",
    ]
    assert (
        store.list(ACCOUNT, "eu-west-1")[0]["SamplingRule"]["RuleARN"]
        == "arn:aws:xray:eu-west-1:000000000000:sampling-rule/Default"
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"FixedRate": 1.5},
        {"FixedRate": -0.1},
        {"ReservoirSize": -1},
        {"Priority": 0},
        {"Priority": 10000},
        {"RuleName": ""},
    ],
)
def test_rules_outside_xray_constraints_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(RuleInvalidError):
        SamplingRuleStore().create(ACCOUNT, REGION, rule(**bad))


def test_duplicates_unknown_names_and_the_default_rule_are_protected() -> None:
    store = SamplingRuleStore()
    store.create(ACCOUNT, REGION, rule())
    with pytest.raises(RuleExistsError):
        store.create(ACCOUNT, REGION, rule())
    with pytest.raises(RuleNotFoundError):
        store.update(ACCOUNT, REGION, {"RuleName": "nope", "FixedRate": 0.2})
    with pytest.raises(RuleInvalidError):
        store.delete(ACCOUNT, REGION, "Default", None)
    updated = store.update(ACCOUNT, REGION, {"RuleName": "Default", "FixedRate": 1.0})
    assert updated["SamplingRule"]["FixedRate"] == 1.0
