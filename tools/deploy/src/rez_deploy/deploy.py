"""Deploying the stacks of one stage: everything in dependency order, or one service alone.

Each stack is independent once the shared stack exists: a service deploy uploads that service's
zip (content-addressed) and updates that service's stack only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from rez_deploy import safety
from rez_deploy.artifacts import (
    artifacts_bucket_name,
    ensure_bucket,
    upload_code,
    upload_template,
)
from rez_deploy.catalog import DEPLOY_ORDER, STACKS, StackSpec, check_stage, stack_spec
from rez_deploy.changesets import (
    Confirm,
    DeployError,
    StackRequest,
    StackResult,
    Waiter,
    deploy_stack,
)
from rez_deploy.packaging import Packager, make_packager, zip_path
from rez_deploy.parameters import (
    load_stage_file,
    merge_sections,
    parameters_file,
    resolve_parameters,
)
from rez_deploy.safety import SafetyOverrides
from rez_deploy.target import Target
from rez_deploy.templates import parse_template, template_dir, template_path
from rez_packaging.platforms import host_runs_lambda_wheels

# CloudFormation's limit for an inline TemplateBody; larger ones go through S3.
MAX_TEMPLATE_BODY_BYTES: Final = 51_200
Printer = Callable[[str], None]


@dataclass(slots=True)
class DeployContext:
    """Clients, paths and settings shared by the stacks of one deploy run."""

    stage: str
    target: Target
    templates_dir: Path
    build_dir: Path
    waiter: Waiter = field(default_factory=Waiter)
    out: Printer = print
    overrides: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    dry_run: bool = False
    confirm: Confirm | None = None
    _clients: dict[str, Any] = field(default_factory=dict)
    _bucket: str | None = None
    _account: str | None = None

    def account(self) -> str:
        """The account id the credentials belong to (STS GetCallerIdentity)."""
        if self._account is None:
            self._account = str(self.client("sts").get_caller_identity()["Account"])
        return self._account

    def where(self) -> str:
        """`account 123456789012, region eu-west-1 (AWS)`: printed before anything changes."""
        place = f"harness {self.target.endpoint}" if self.target.endpoint else "AWS"
        return f"account {self.account()}, region {self.target.region} ({place})"

    def client(self, service: str) -> Any:
        """One boto3 client per service for the whole run."""
        if service not in self._clients:
            self._clients[service] = self.target.client(service)
        return self._clients[service]

    def bucket(self) -> str:
        """The artifacts bucket, created on first use."""
        if self._bucket is None:
            name = artifacts_bucket_name(self.account(), self.target.region)
            if ensure_bucket(self.client("s3"), name, self.target.region):
                self.out(f"created artifacts bucket {name}")
            self._bucket = name
        return self._bucket

    def template_url(self, key: str) -> str:
        """An S3 URL CloudFormation can read `key` of the artifacts bucket from."""
        bucket = self.bucket()
        if self.target.endpoint:
            return f"{self.target.endpoint}/{bucket}/{key}"
        return f"https://{bucket}.s3.{self.target.region}.amazonaws.com/{key}"


def repo_root_of(templates_dir: Path) -> Path:
    """The checkout that holds `infra/cloudformation`."""
    return templates_dir.parent.parent


def all_templates(templates_dir: Path) -> dict[str, dict[str, Any]]:
    return {
        name: parse_template(template_path(name, templates_dir).read_text(encoding="utf-8"))
        for name in STACKS
    }


def local_parameters_of(
    ctx: DeployContext,
    spec: StackSpec,
    templates: dict[str, dict[str, Any]],
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The parameters this checkout deploys `spec`'s stack with (stage file + overrides)."""
    stage_file = merge_sections(
        load_stage_file(parameters_file(ctx.templates_dir, ctx.stage)), ctx.overrides
    )
    return resolve_parameters(
        spec.name, ctx.stage, templates[spec.name], stage_file, templates, extra
    )


def _deploy_one(
    ctx: DeployContext, spec: StackSpec, templates: dict[str, dict[str, Any]]
) -> StackResult:
    body = template_path(spec.name, ctx.templates_dir).read_text(encoding="utf-8")
    extra: dict[str, str] = {}
    if spec.service is not None:
        archive = zip_path(ctx.build_dir, spec.service)
        extra = {
            "CodeBucket": ctx.bucket(),
            "CodeKey": upload_code(ctx.client("s3"), ctx.bucket(), spec.service, archive),
        }
    parameters = local_parameters_of(ctx, spec, templates, extra)
    tags = {"app": "rez-agent", "stage": ctx.stage, "stack": spec.name}
    if len(body.encode()) > MAX_TEMPLATE_BODY_BYTES:
        key = upload_template(ctx.client("s3"), ctx.bucket(), spec.name, body)
        request = StackRequest(
            spec.stack_name(ctx.stage), parameters, template_url=ctx.template_url(key), tags=tags
        )
    else:
        request = StackRequest(
            spec.stack_name(ctx.stage), parameters, template_body=body, tags=tags
        )
    result = deploy_stack(
        ctx.client("cloudformation"),
        request,
        ctx.waiter,
        out=ctx.out,
        dry_run=ctx.dry_run,
        confirm=ctx.confirm,
    )
    if ctx.target.is_local and "RestApiId" in result.outputs:
        stage_name = result.outputs.get("ApiStageName", ctx.stage)
        local_urls = ctx.target.local_api_urls(result.outputs["RestApiId"], stage_name)
        outputs = {**result.outputs, **local_urls}
        result = StackResult(result.stack_name, result.action, outputs)
    return result


def _refuse_unsafe(
    specs: Iterable[StackSpec],
    ctx: DeployContext,
    templates: dict[str, dict[str, Any]],
    overrides: SafetyOverrides | None,
) -> None:
    """Check every stack's parameters before the first one is deployed (UnsafeParametersError)."""
    stage_file = merge_sections(
        load_stage_file(parameters_file(ctx.templates_dir, ctx.stage)), ctx.overrides
    )
    for spec in specs:
        values = resolve_parameters(
            spec.name, ctx.stage, templates[spec.name], stage_file, templates
        )
        safety.check(
            spec.name, ctx.stage, safety.with_defaults(templates[spec.name], values), overrides
        )


def print_result(result: StackResult, out: Printer) -> None:
    """`<stack>: <action>` and one indented `Key = Value` line per output."""
    out(f"{result.stack_name}: {result.action}")
    if result.action in ("previewed", "declined"):
        return
    for key, value in sorted(result.outputs.items()):
        out(f"  {key} = {value}")


def deploy_stacks(
    names: Iterable[str],
    stage: str,
    endpoint: str | None = None,
    *,
    region: str | None = None,
    package: bool = True,
    build_dir: Path | None = None,
    templates_dir: Path | None = None,
    packager: Packager | None = None,
    waiter: Waiter | None = None,
    out: Printer = print,
    parameters: Mapping[str, Mapping[str, str]] | None = None,
    safety_overrides: SafetyOverrides | None = None,
    dry_run: bool = False,
    confirm: Confirm | None = None,
) -> dict[str, StackResult]:
    """Deploy the named stacks (in the given order); stop at the first failure (DeployError).

    `parameters` has the stage file's shape (`common` and one section per stack) and wins over
    it: e.g. the local harness's mock ntfy URL. Unknown names fail as they do in the file.
    `dry_run` prints every stack's change set and applies nothing (a stack whose change set
    fails is reported and the others still previewed); `confirm` is asked before each
    change set is executed.
    """
    check_stage(stage)
    specs = [stack_spec(name) for name in names]
    directory = templates_dir or template_dir()
    root = repo_root_of(directory)
    ctx = DeployContext(
        stage=stage,
        target=Target.resolve(endpoint, region),
        templates_dir=directory,
        build_dir=build_dir or root / "build",
        waiter=waiter or Waiter(poll_seconds=1.0 if endpoint else 5.0),
        out=out,
        overrides=parameters or {},
        dry_run=dry_run,
        confirm=confirm,
    )
    templates = all_templates(directory)
    _refuse_unsafe(specs, ctx, templates, safety_overrides)
    out(f"deploying stage {stage} to {ctx.where()}" + (" (dry run)" if dry_run else ""))
    services = [spec.service for spec in specs if spec.service is not None]
    if package and services:
        local_host = ctx.target.endpoint is not None and not host_runs_lambda_wheels()
        (packager or make_packager(root, for_host=local_host))(services)
    where = ctx.target.endpoint or f"AWS {ctx.target.region}"
    results: dict[str, StackResult] = {}
    failures: list[DeployError] = []
    for spec in specs:
        verb = "previewing" if dry_run else "deploying"
        out(f"{verb} {spec.stack_name(stage)} to {where}")
        try:
            results[spec.name] = _deploy_one(ctx, spec, templates)
        except DeployError as error:
            if not dry_run:
                raise
            out(f"{error.stack_name}: cannot preview: {error.reason}")
            failures.append(error)
            continue
        print_result(results[spec.name], out)
    if failures:
        raise failures[0]
    return results


def deploy_all(stage: str, endpoint: str | None = None, **options: Any) -> dict[str, StackResult]:
    """Every stack of `stage` in dependency order (shared, monitoring, then the services)."""
    return deploy_stacks([spec.name for spec in DEPLOY_ORDER], stage, endpoint, **options)


def deploy_service(
    name: str, stage: str, endpoint: str | None = None, **options: Any
) -> StackResult:
    """One stack (`web-api`, `processor`, ..., or `shared`/`monitoring`); touches no other."""
    return deploy_stacks([name], stage, endpoint, **options)[name]


def service_names() -> Sequence[str]:
    """Names the CLI accepts for --service."""
    return list(STACKS)
