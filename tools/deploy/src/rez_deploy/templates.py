"""Reading the CloudFormation templates in `infra/cloudformation/` as plain data.

CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt`, ...) are not standard YAML, so a
safe loader learns to turn each into its long form (`{"Fn::Sub": ...}`). The deploy tool uses this
to pass only the parameters a template declares; the tests use it to check the templates'
values against docs/observability.md.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Final

import yaml

TEMPLATE_DIR_ENV: Final = "REZ_TEMPLATE_DIR"
_TEMPLATE_SUBDIR: Final = Path("infra") / "cloudformation"

# Resource types whose definition a REST API deployment snapshots.
_ROUTE_TYPES: Final = frozenset(
    {"AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Authorizer"}
)
DEPLOYMENT_PREFIX: Final = "ApiDeployment"


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation's intrinsic-function tags."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{suffix}": value}


_CloudFormationLoader.add_multi_constructor("!", _construct_tag)


def parse_template(text: str) -> dict[str, Any]:
    """The template as nested dicts and lists, intrinsic functions in their long form."""
    document = yaml.load(text, Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict):
        raise ValueError("a CloudFormation template must be a mapping")
    return document


def template_dir(start: Path | None = None) -> Path:
    """`infra/cloudformation` of this repository (REZ_TEMPLATE_DIR overrides).

    Looked up from `start` (default: the working directory) and then from this file, so the tool
    works from any folder of a checkout.
    """
    override = os.environ.get(TEMPLATE_DIR_ENV)
    if override:
        return Path(override)
    for origin in (start or Path.cwd(), Path(__file__).resolve()):
        for candidate in (origin, *origin.parents):
            if (candidate / _TEMPLATE_SUBDIR).is_dir():
                return candidate / _TEMPLATE_SUBDIR
    raise FileNotFoundError(f"no {_TEMPLATE_SUBDIR} above {start or Path.cwd()}")


def template_path(stack: str, directory: Path | None = None) -> Path:
    """Path of `<stack>.yaml` (e.g. `shared`, `web-api`)."""
    return (directory or template_dir()) / f"{stack}.yaml"


def load_template(stack: str, directory: Path | None = None) -> dict[str, Any]:
    """Parse `<stack>.yaml`."""
    return parse_template(template_path(stack, directory).read_text(encoding="utf-8"))


def declared_parameters(template: dict[str, Any]) -> set[str]:
    """Names of the template's Parameters."""
    return set(template.get("Parameters") or {})


def api_routes_fingerprint(template: dict[str, Any]) -> str:
    """Eight hex digits that change whenever the API's resources, methods or authorizer change.

    Used as the suffix of the Deployment's logical ID: a new ID makes CloudFormation create a new
    deployment, which is the only way a stage picks up changed routes.
    """
    routes = {
        logical_id: resource
        for logical_id, resource in (template.get("Resources") or {}).items()
        if resource.get("Type") in _ROUTE_TYPES
    }
    canonical = json.dumps(routes, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:8]


def deployment_logical_ids(template: dict[str, Any]) -> list[str]:
    """Logical IDs of the template's `AWS::ApiGateway::Deployment` resources."""
    return [
        logical_id
        for logical_id, resource in (template.get("Resources") or {}).items()
        if resource.get("Type") == "AWS::ApiGateway::Deployment"
    ]


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical ID -> resource for every resource of `resource_type`."""
    return {
        logical_id: resource
        for logical_id, resource in (template.get("Resources") or {}).items()
        if resource.get("Type") == resource_type
    }


def sub_text(value: Any) -> str:
    """The template string of an `Fn::Sub` (either form), or the plain string itself."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        inner = value["Fn::Sub"]
        return str(inner[0] if isinstance(inner, list) else inner)
    if not isinstance(value, str):
        raise TypeError(f"not a string or Fn::Sub: {value!r}")
    return value


def import_name(value: Any) -> str:
    """The export name an `Fn::ImportValue` reads (its argument a string or an `Fn::Sub`)."""
    if not (isinstance(value, dict) and "Fn::ImportValue" in value):
        raise TypeError(f"not an Fn::ImportValue: {value!r}")
    return sub_text(value["Fn::ImportValue"])
