"""The IAM policy API Gateway expects back from a Lambda authorizer.

API Gateway caches the answer per token for the authorizer's TTL and applies it to *every*
method the caller then invokes, so the policy always covers the whole stage (`.../{stage}/*/*`),
never just the `methodArn` that triggered it. A caller without the write scope gets that same
stage-wide Allow plus an explicit Deny on the write verbs (explicit Deny wins in IAM), and one
without the read scope a Deny on the read verbs: what the scopes cover passes, the rest answers
403, and the cached policy stays right whichever method comes next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from rez_authorizer.tokens import Identity

POLICY_VERSION: Final = "2012-10-17"
INVOKE_ACTION: Final = "execute-api:Invoke"
WRITE_METHODS: Final = ("POST", "PUT", "PATCH", "DELETE")
READ_METHODS: Final = ("GET", "HEAD")


class InvalidMethodArnError(ValueError):
    """The event's `methodArn` is not an execute-api method ARN."""


@dataclass(frozen=True, slots=True)
class MethodArn:
    """`arn:{partition}:execute-api:{region}:{account}:{api_id}/{stage}/{verb}/{resource}`."""

    partition: str
    region: str
    account: str
    api_id: str
    stage: str

    @classmethod
    def parse(cls, value: object) -> MethodArn:
        """Split a method ARN (the verb and resource are not kept: policies cover the stage)."""
        if not isinstance(value, str):
            raise InvalidMethodArnError("methodArn is missing")
        parts = value.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "execute-api":
            raise InvalidMethodArnError(f"not an execute-api ARN: {value[:200]!r}")
        _, partition, _, region, account, path = parts
        api_id, _, rest = path.partition("/")
        stage = rest.partition("/")[0]
        if not (partition and region and account and api_id and stage):
            raise InvalidMethodArnError(f"incomplete execute-api ARN: {value[:200]!r}")
        return cls(partition, region, account, api_id, stage)

    def stage_resource(self, verb: str = "*", resource: str = "*") -> str:
        """The ARN of `verb` on `resource` in this stage (wildcards by default)."""
        base = f"arn:{self.partition}:execute-api:{self.region}:{self.account}:{self.api_id}"
        return f"{base}/{self.stage}/{verb}/{resource}"


def build_policy(
    method_arn: MethodArn, identity: Identity, *, denied_methods: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The authorizer answer: principal, stage-wide policy, and the context the API reads.

    `denied_methods` (those the token's scopes do not cover) get an explicit Deny over the
    stage-wide Allow. Context values must be strings, numbers or booleans, so `scopes` is
    space-separated and a missing email is the empty string.
    """
    statements: list[dict[str, Any]] = [
        {"Action": INVOKE_ACTION, "Effect": "Allow", "Resource": [method_arn.stage_resource()]}
    ]
    if denied_methods:
        statements.append(
            {
                "Action": INVOKE_ACTION,
                "Effect": "Deny",
                "Resource": [method_arn.stage_resource(verb) for verb in denied_methods],
            }
        )
    return {
        "principalId": identity.user_id,
        "policyDocument": {"Version": POLICY_VERSION, "Statement": statements},
        "context": {
            "user_id": identity.user_id,
            "email": identity.email or "",
            "scopes": " ".join(identity.scopes),
        },
    }
