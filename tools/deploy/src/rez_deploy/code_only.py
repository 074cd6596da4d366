"""`--code-only`: push one function's code in seconds, without a stack update.

The zip is built and uploaded as for a stack deploy (content-addressed), then handed to Lambda's
UpdateFunctionCode and waited for with the `function_updated_v2` waiter (the function's
`LastUpdateStatus` is `Successful`). This is only safe when the stack already runs what this
checkout would deploy apart from the code: the deployed template (GetTemplate, `Original`) must
be this checkout's template and the stack's parameters (DescribeStacks) the ones this checkout
resolves for the stage, `CodeBucket`/`CodeKey` aside. Anything else is configuration drift and
needs a stack deploy, so the command refuses and says which.
https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from rez_deploy.artifacts import upload_code
from rez_deploy.catalog import check_stage, stack_spec
from rez_deploy.changesets import SUCCEEDED, describe_stack
from rez_deploy.deploy import DeployContext, all_templates, local_parameters_of, repo_root_of
from rez_deploy.packaging import Packager, make_packager, zip_path
from rez_deploy.parameters import as_parameter_value
from rez_deploy.target import Target
from rez_deploy.templates import template_dir, template_path

CODE_PARAMETERS: Final = frozenset({"CodeBucket", "CodeKey"})
FUNCTION_TYPE: Final = "AWS::Lambda::Function"
Printer = Callable[[str], None]


class DriftError(RuntimeError):
    """The deployed stack is not what this checkout would deploy (beyond the code)."""


@dataclass(frozen=True, slots=True)
class CodeResult:
    """What Lambda reports after the update."""

    function_name: str
    version: str
    code_sha256: str
    code_key: str
    last_modified: str


def code_sha256(path: Path) -> str:
    """Lambda's `CodeSha256`: the base64 of the zip's SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def _differences(deployed: Mapping[str, str], local: Mapping[str, str]) -> list[str]:
    names = (set(deployed) | set(local)) - CODE_PARAMETERS
    return [
        f"{name}: deployed {deployed.get(name)!r}, this checkout {local.get(name)!r}"
        for name in sorted(names)
        if deployed.get(name) != local.get(name)
    ]


def check_no_drift(
    cfn: Any, stack_name: str, template_body: str, parameters: Mapping[str, str]
) -> dict[str, Any]:
    """The stack's description when it runs `template_body` with `parameters` (code aside);
    DriftError saying what differs otherwise."""
    stack = describe_stack(cfn, stack_name)
    if stack is None:
        raise DriftError(f"{stack_name} is not deployed: deploy the stack first")
    if stack["StackStatus"] not in SUCCEEDED:
        raise DriftError(f"{stack_name} is {stack['StackStatus']}: deploy the stack first")
    deployed = cfn.get_template(StackName=stack_name, TemplateStage="Original")["TemplateBody"]
    problems = []
    if not isinstance(deployed, str) or deployed != template_body:
        problems.append("the deployed template differs from this checkout's")
    current = {
        str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
        for p in stack.get("Parameters") or []
    }
    problems += _differences(current, parameters)
    if problems:
        raise DriftError(
            f"{stack_name}'s configuration differs from this checkout ("
            + "; ".join(problems)
            + "): a code-only update would leave it behind, deploy the stack instead"
        )
    return stack


def function_of(cfn: Any, stack_name: str) -> str:
    """The physical name of the stack's one Lambda function."""
    resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    names = [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == FUNCTION_TYPE]
    if len(names) != 1:
        raise DriftError(f"{stack_name} has {len(names)} Lambda functions, expected one")
    return str(names[0])


def deploy_code(
    service: str,
    stage: str,
    endpoint: str | None = None,
    *,
    region: str | None = None,
    package: bool = True,
    build_dir: Path | None = None,
    templates_dir: Path | None = None,
    packager: Packager | None = None,
    out: Printer = print,
    parameters: Mapping[str, Mapping[str, str]] | None = None,
    confirm: Callable[[str], bool] | None = None,
    wait_delay: int | None = None,
) -> CodeResult:
    """Package `service`, check the stack has no drift, update its function's code and wait."""
    check_stage(stage)
    spec = stack_spec(service)
    if spec.service is None:
        raise DriftError(f"{service} has no function code: deploy the stack instead")
    directory = templates_dir or template_dir()
    target = Target.resolve(endpoint, region)
    ctx = DeployContext(
        stage=stage,
        target=target,
        templates_dir=directory,
        build_dir=build_dir or repo_root_of(directory) / "build",
        out=out,
        overrides=parameters or {},
    )
    out(f"code-only update of {service} ({stage}) in {ctx.where()}")
    cfn = ctx.client("cloudformation")
    stack_name = spec.stack_name(stage)
    templates = all_templates(directory)
    body = template_path(spec.name, directory).read_text(encoding="utf-8")
    # DescribeStacks lists every parameter, defaults included: compare like with like.
    defaults = {
        name: as_parameter_value(declared["Default"])
        for name, declared in (templates[spec.name].get("Parameters") or {}).items()
        if isinstance(declared, dict) and "Default" in declared
    }
    wanted = {**defaults, **local_parameters_of(ctx, spec, templates)}
    check_no_drift(cfn, stack_name, body, wanted)
    function = function_of(cfn, stack_name)
    if confirm is not None and not confirm(f"update the code of {function}?"):
        raise DriftError("declined: nothing was changed")
    if package:
        (packager or make_packager(repo_root_of(directory)))([spec.service])
    archive = zip_path(ctx.build_dir, spec.service)
    key = upload_code(ctx.client("s3"), ctx.bucket(), spec.service, archive)
    lambda_ = ctx.client("lambda")
    out(f"updating {function} from s3://{ctx.bucket()}/{key}")
    lambda_.update_function_code(FunctionName=function, S3Bucket=ctx.bucket(), S3Key=key)
    delay = wait_delay if wait_delay is not None else (1 if target.is_local else 2)
    lambda_.get_waiter("function_updated_v2").wait(
        FunctionName=function, WaiterConfig={"Delay": delay, "MaxAttempts": 300}
    )
    config = lambda_.get_function_configuration(FunctionName=function)
    result = CodeResult(
        function_name=function,
        version=str(config.get("Version", "$LATEST")),
        code_sha256=str(config["CodeSha256"]),
        code_key=key,
        last_modified=str(config.get("LastModified", "")),
    )
    if result.code_sha256 != code_sha256(archive):
        raise DriftError(f"{function} reports CodeSha256 {result.code_sha256}, not this zip's")
    out(f"{function}: version {result.version}, CodeSha256 {result.code_sha256}")
    out(
        f"  {stack_name} was not updated: its CodeKey still names the previous zip until the "
        f"next stack deploy (make deploy SERVICE={service})"
    )
    return result
