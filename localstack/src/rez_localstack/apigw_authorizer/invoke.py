"""Invoke the authorizer's Lambda through LocalStack's own Lambda service."""

from dataclasses import dataclass

FUNCTION_ERROR_UNAUTHORIZED = "Unauthorized"
"""An authorizer raising ``Exception("Unauthorized")`` asks API Gateway for a 401."""


@dataclass(frozen=True, slots=True)
class InvocationResult:
    """The raw payload and whether the function failed."""

    payload: bytes
    function_error: bool


def function_arn_from_uri(authorizer_uri: str) -> str:
    """The function ARN inside an ``arn:aws:apigateway:...:lambda:path/.../invocations`` URI."""
    marker = "/functions/"
    if marker not in authorizer_uri:
        return authorizer_uri
    return authorizer_uri.split(marker, 1)[1].removesuffix("/invocations")


def invoke_authorizer(function_arn: str, event: bytes, source_arn: str) -> InvocationResult:
    """Call the function synchronously as the ``apigateway`` service principal."""
    from localstack.aws.connect import connect_to
    from localstack.utils.aws.arns import parse_arn

    arn = parse_arn(function_arn)
    client = connect_to(aws_access_key_id=arn["account"], region_name=arn["region"]).lambda_
    answer = client.request_metadata(service_principal="apigateway", source_arn=source_arn).invoke(
        FunctionName=function_arn, Payload=event, InvocationType="RequestResponse"
    )
    payload = answer["Payload"].read() if answer.get("Payload") else b""
    return InvocationResult(payload, bool(answer.get("FunctionError")))


def is_unauthorized(result: InvocationResult) -> bool:
    """Whether a failed invocation is the authorizer's way of saying 401."""
    import json

    try:
        error = json.loads(result.payload or b"{}")
    except ValueError:
        return False
    return isinstance(error, dict) and error.get("errorMessage") == FUNCTION_ERROR_UNAUTHORIZED
