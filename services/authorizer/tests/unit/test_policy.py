"""The policy document and context API Gateway receives."""

from __future__ import annotations

import pytest

from rez_authorizer.policy import WRITE_METHODS, InvalidMethodArnError, MethodArn, build_policy
from rez_authorizer.tokens import Identity

ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/api/messages/42"
STAGE = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test"


def test_method_arn_is_widened_to_the_whole_stage():
    # GIVEN the ARN of one method WHEN parsed THEN the wildcard covers every verb and path
    arn = MethodArn.parse(ARN)
    assert arn.stage_resource() == f"{STAGE}/*/*"
    assert arn.stage_resource("POST") == f"{STAGE}/POST/*"


def test_other_partitions_are_kept():
    arn = MethodArn.parse("arn:aws-cn:execute-api:cn-north-1:1:api/prod/GET/")
    assert arn.stage_resource() == "arn:aws-cn:execute-api:cn-north-1:1:api/prod/*/*"


@pytest.mark.parametrize(
    "value", [None, "", "arn:aws:lambda:us-east-1:1:function:x", "arn:aws:execute-api:r:a:api"]
)
def test_malformed_method_arns_are_refused(value):
    with pytest.raises(InvalidMethodArnError):
        MethodArn.parse(value)


def test_a_writer_gets_one_stage_wide_allow():
    # GIVEN an identity with the write scope
    identity = Identity("user-1", "ada@example.com", ("messages:read", "messages:write"))
    # WHEN the policy is built
    answer = build_policy(MethodArn.parse(ARN), identity)
    # THEN exactly what API Gateway expects, cacheable for every method
    assert answer == {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": [f"{STAGE}/*/*"]}
            ],
        },
        "context": {
            "user_id": "user-1",
            "email": "ada@example.com",
            "scopes": "messages:read messages:write",
        },
    }


def test_a_reader_gets_reads_allowed_and_writes_denied():
    # GIVEN an identity without the write scope and no email
    identity = Identity("user-2", None, ())
    # WHEN the policy is built
    answer = build_policy(MethodArn.parse(ARN), identity, denied_methods=WRITE_METHODS)
    # THEN the stage is allowed, every write verb explicitly denied; context stays scalar
    allow, deny = answer["policyDocument"]["Statement"]
    assert allow == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": [f"{STAGE}/*/*"],
    }
    assert deny["Effect"] == "Deny"
    assert deny["Resource"] == [f"{STAGE}/{verb}/*" for verb in ("POST", "PUT", "PATCH", "DELETE")]
    assert answer["context"] == {"user_id": "user-2", "email": "", "scopes": ""}
    assert all(isinstance(value, str | int | bool) for value in answer["context"].values())
