"""IAM policy evaluation for ``execute-api:Invoke`` on one method ARN, as API Gateway does it."""

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

INVOKE_ACTION = "execute-api:Invoke"


class Decision(StrEnum):
    """The outcome for one request."""

    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


class PolicyError(ValueError):
    """The authorizer returned something that is not an IAM policy document."""


def evaluate_policy(document: Mapping[str, Any], method_arn: str) -> Decision:
    """Allow only when an Allow statement matches and no Deny statement does."""
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        raise PolicyError("policyDocument.Statement must be a statement or a list of them")
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise PolicyError("each statement must be an object")
        if not _applies(statement, method_arn):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return Decision.EXPLICIT_DENY
        if effect == "Allow":
            allowed = True
        else:
            raise PolicyError(f"Effect must be Allow or Deny, got {effect!r}")
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _applies(statement: Mapping[str, Any], method_arn: str) -> bool:
    actions = _strings(statement.get("Action"), "Action")
    resources = _strings(statement.get("Resource"), "Resource")
    return any(
        wildcard_match(action, INVOKE_ACTION, ignore_case=True) for action in actions
    ) and any(wildcard_match(resource, method_arn) for resource in resources)


def _strings(value: object, name: str) -> Iterable[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise PolicyError(f"{name} must be a string or a list of strings")


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcards: ``*`` any run of characters (``/`` included), ``?`` exactly one."""
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=512)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def method_arn(
    *,
    partition: str,
    region: str,
    account_id: str,
    api_id: str,
    stage: str,
    http_method: str,
    path: str,
) -> str:
    """``arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>``."""
    return (
        f"arn:{partition}:execute-api:{region}:{account_id}:{api_id}/{stage}/"
        f"{http_method.upper()}/{path.lstrip('/')}"
    )
