"""Stack parameters for a stage, from `infra/parameters/<stage>.yaml`.

The file has a `common` section (given to every stack that declares the name) and one section per
stack. Two values must agree across stacks, so they are written once, in `shared`, and copied:
the processor's timeout (the queue's visibility timeout is six times it) and `MaxReceiveCount`
(the processor marks a message failed on the last delivery). Only declared parameters are
passed, and an unknown name in the file is an error, not a silent typo.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from rez_deploy.templates import declared_parameters

# (stack, parameter) <- (stack, parameter): one source of truth for values two stacks need.
LINKED: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("processor", "TimeoutSeconds"): ("shared", "ProcessorTimeoutSeconds"),
    ("processor", "MaxReceiveCount"): ("shared", "MaxReceiveCount"),
    ("reconciler", "MaxReceiveCount"): ("shared", "MaxReceiveCount"),
}


class ParameterError(ValueError):
    """The parameters file names something a template does not declare, or is malformed."""


def parameters_file(template_directory: Path, stage: str) -> Path:
    """`infra/parameters/<stage>.yaml`, beside `infra/cloudformation/`."""
    return template_directory.parent / "parameters" / f"{stage}.yaml"


def load_stage_file(path: Path) -> dict[str, dict[str, Any]]:
    """The file's sections (an absent file means template defaults everywhere)."""
    if not path.is_file():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict) or not all(
        isinstance(v, dict) or v is None for v in document.values()
    ):
        raise ParameterError(f"{path}: expected sections of NAME: VALUE pairs")
    return {str(k): dict(v or {}) for k, v in document.items()}


def merge_sections(
    base: Mapping[str, Mapping[str, Any]], overrides: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The stage file's sections with `overrides` laid over them, name by name."""
    merged = {section: dict(values) for section, values in base.items()}
    for section, values in overrides.items():
        merged.setdefault(section, {}).update(values)
    return merged


def as_parameter_value(value: Any) -> str:
    """CloudFormation parameters are strings; YAML booleans become `true`/`false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _default(template: Mapping[str, Any], name: str) -> Any:
    return (template.get("Parameters") or {}).get(name, {}).get("Default")


def resolve_parameters(
    stack: str,
    stage: str,
    template: Mapping[str, Any],
    stage_file: Mapping[str, Mapping[str, Any]],
    templates: Mapping[str, Mapping[str, Any]],
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The parameter values to deploy `stack` with.

    `templates` holds the other parsed templates (for the defaults of linked values); `extra`
    (Stage-independent values computed by the deploy, such as CodeBucket/CodeKey) wins over the
    file.
    """
    declared = declared_parameters(dict(template))
    section = dict(stage_file.get(stack, {}))
    unknown = sorted(set(section) - declared)
    if unknown:
        raise ParameterError(f"{stack}: the template declares no parameter {', '.join(unknown)}")
    for (target_stack, name), _source in LINKED.items():
        if target_stack == stack and name in section:
            raise ParameterError(
                f"{stack}.{name} is derived from {_source[0]}.{_source[1]}: set it there"
            )

    values: dict[str, str] = {}
    for name, value in (stage_file.get("common") or {}).items():
        if name in declared:
            values[name] = as_parameter_value(value)
    values.update({name: as_parameter_value(value) for name, value in section.items()})
    for (target_stack, name), (source_stack, source_name) in LINKED.items():
        if target_stack != stack or name not in declared:
            continue
        source_value = (stage_file.get(source_stack) or {}).get(source_name)
        if source_value is None:
            source_value = _default(templates[source_stack], source_name)
        if source_value is not None:
            values[name] = as_parameter_value(source_value)
    if "Stage" in declared:
        values["Stage"] = stage
    values.update(extra or {})
    return values
