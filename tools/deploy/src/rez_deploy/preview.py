"""What a change set would do, in the words an operator reads before saying yes.

CloudFormation's DescribeChangeSet lists each resource's action (`Add`, `Modify`, `Remove`,
`Import`, `Dynamic`) and, for a modification, whether the resource is replaced (`Replacement`:
`True`, `False` or `Conditional`) and which properties cause it. The parameters that change are
the difference between the stack's current values and the requested ones; a `NoEcho`
parameter's value is never printed (CloudFormation answers `****` for it).
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

_SYMBOLS: Final = {"Add": "+", "Modify": "~", "Remove": "-", "Import": ">", "Dynamic": "?"}
_MASK: Final = "****"


@dataclass(frozen=True, slots=True)
class ResourceChange:
    """One resource the change set touches."""

    action: str
    logical_id: str
    resource_type: str
    replacement: str | None = None
    causes: tuple[str, ...] = ()

    def describe(self) -> str:
        """`~ Queue (AWS::SQS::Queue) replacement: True [QueueName]`."""
        text = f"{_SYMBOLS.get(self.action, '?')} {self.logical_id} ({self.resource_type})"
        if self.action == "Modify":
            text += f" replacement: {self.replacement or 'False'}"
            if self.causes:
                text += f" [{', '.join(self.causes)}]"
        return text


@dataclass(frozen=True, slots=True)
class ParameterChange:
    """A parameter whose value the change set changes (`old` None: the stack is new)."""

    name: str
    old: str | None
    new: str

    def describe(self) -> str:
        if self.old is None:
            return f"{self.name} = {self._shown(self.new)}"
        return f"{self.name}: {self._shown(self.old)} -> {self._shown(self.new)}"

    @staticmethod
    def _shown(value: str) -> str:
        return "(hidden)" if value == _MASK else repr(value)


@dataclass(frozen=True, slots=True)
class Preview:
    """A change set of one stack, ready to print."""

    stack_name: str
    creating: bool
    resources: tuple[ResourceChange, ...] = ()
    parameters: tuple[ParameterChange, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.resources and not self.parameters

    def of_action(self, action: str) -> list[ResourceChange]:
        return [change for change in self.resources if change.action == action]

    def lines(self) -> list[str]:
        """The preview as indented lines (what `--dry-run` and the prod confirmation print)."""
        verb = "create" if self.creating else "update"
        if self.empty:
            return [f"{self.stack_name}: no changes"]
        counts = ", ".join(
            f"{len(self.of_action(action))} to {action.lower()}"
            for action in ("Add", "Modify", "Remove")
        )
        replaced = [c for c in self.of_action("Modify") if c.replacement in ("True", "Conditional")]
        head = f"{self.stack_name}: change set to {verb} the stack ({counts}"
        head += f", {len(replaced)} replaced)" if replaced else ")"
        out = [head]
        out += [f"  {change.describe()}" for change in self.resources]
        if self.parameters:
            out.append("  parameters:")
            out += [f"    {change.describe()}" for change in self.parameters]
        return out


def _causes(change: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for detail in change.get("Details") or []:
        target = detail.get("Target") or {}
        name = target.get("Name") or target.get("Attribute")
        if name and name not in names:
            names.append(str(name))
    return tuple(names)


def resource_changes(changes: Sequence[Mapping[str, Any]]) -> tuple[ResourceChange, ...]:
    """DescribeChangeSet's `Changes`, adds first, then modifications, then removals."""
    order = {"Add": 0, "Modify": 1, "Remove": 2}
    found = []
    for item in changes:
        change = item.get("ResourceChange") or {}
        if not change:
            continue
        found.append(
            ResourceChange(
                action=str(change.get("Action", "?")),
                logical_id=str(change.get("LogicalResourceId", "?")),
                resource_type=str(change.get("ResourceType", "?")),
                replacement=change.get("Replacement"),
                causes=_causes(change),
            )
        )
    return tuple(sorted(found, key=lambda c: (order.get(c.action, 3), c.logical_id)))


def parameter_changes(
    current: Mapping[str, str] | None, requested: Mapping[str, str]
) -> tuple[ParameterChange, ...]:
    """The requested values that differ from the stack's (all of them for a new stack)."""
    if current is None:
        return tuple(ParameterChange(k, None, v) for k, v in sorted(requested.items()))
    return tuple(
        ParameterChange(name, current.get(name), value)
        for name, value in sorted(requested.items())
        if current.get(name) != value and current.get(name) != _MASK
    )


def current_parameters(stack: Mapping[str, Any] | None) -> dict[str, str] | None:
    """`{ParameterKey: ParameterValue}` of a stack description (None: no stack yet)."""
    if stack is None or stack.get("StackStatus") == "REVIEW_IN_PROGRESS":
        return None
    return {
        str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
        for p in stack.get("Parameters") or []
    }


def preview_of(
    stack_name: str,
    change_set: Mapping[str, Any],
    stack: Mapping[str, Any] | None,
    requested: Mapping[str, str],
) -> Preview:
    """The preview of a described change set against the stack as it is."""
    current = current_parameters(stack)
    return Preview(
        stack_name=stack_name,
        creating=current is None,
        resources=resource_changes(change_set.get("Changes") or []),
        parameters=parameter_changes(current, requested),
    )
