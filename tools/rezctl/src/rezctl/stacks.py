"""Stack outputs: where the deployed API lives, read from CloudFormation, never guessed."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from rezctl.errors import NotFoundError
from rezctl.target import Target


def stack_outputs(target: Target, template: str) -> dict[str, str]:
    """`{OutputKey: OutputValue}` of the stage's stack for `template` (e.g. `web-api`)."""
    name = target.names.stack(template)
    try:
        stacks: list[dict[str, Any]] = target.client("cloudformation").describe_stacks(
            StackName=name
        )["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            raise NotFoundError(f"stack {name} is not deployed") from error
        raise
    outputs = stacks[0].get("Outputs") or []
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in outputs}


def api_base_url(target: Target) -> str:
    """The API's `/api` base without a trailing slash.

    On the harness the path form `{endpoint}/restapis/{id}/{stage}/_user_request_/api` (no DNS
    needed); on AWS the stack's `ApiUrl` output.
    """
    outputs = stack_outputs(target, "web-api")
    if target.endpoint:
        rest_api_id = outputs.get("RestApiId")
        if not rest_api_id:
            raise NotFoundError("the web-api stack has no RestApiId output")
        stage_name = outputs.get("ApiStageName") or target.stage
        return f"{target.endpoint}/restapis/{rest_api_id}/{stage_name}/_user_request_/api"
    url = outputs.get("ApiUrl")
    if not url:
        raise NotFoundError("the web-api stack has no ApiUrl output")
    return url.rstrip("/")
