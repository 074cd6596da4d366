"""Create-or-update one stack through a change set, idempotently.

A change set is how CloudFormation answers "what would change?": when the answer is "nothing",
the deploy is a no-op and reports `unchanged` instead of failing (plain UpdateStack would raise
"No updates are to be performed"). When a deploy fails, the error carries the reason of the first
resource that failed, the line an operator needs, not only the stack's final status.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from botocore.exceptions import ClientError

from rez_deploy.events import ROLLBACK_STATES, EventStream, explaining, format_event
from rez_deploy.failures import first_failure_reason
from rez_deploy.preview import Preview, preview_of

Action = Literal["created", "updated", "unchanged", "previewed", "declined"]
Printer = Callable[[str], None]
Confirm = Callable[[Preview], bool]

CAPABILITIES: Final = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
SUCCEEDED: Final = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
# What CloudFormation (and LocalStack) say when a change set would change nothing.
NO_CHANGE_MARKERS: Final = (
    "didn't contain changes",
    "No updates are to be performed",
    "does not contain changes",
)
# A failed first create leaves the stack here; only deleting it allows another create.
_DEAD_ON_ARRIVAL: Final = frozenset({"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"})


class DeployError(RuntimeError):
    """A stack did not reach a *_COMPLETE state; `reason` says why, from its events."""

    def __init__(self, stack_name: str, reason: str) -> None:
        super().__init__(f"{stack_name}: {reason}")
        self.stack_name = stack_name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class StackRequest:
    """Everything CloudFormation needs for one stack."""

    stack_name: str
    parameters: Mapping[str, str]
    template_body: str | None = None
    template_url: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StackResult:
    """What a deploy did to one stack, and the stack's outputs afterwards."""

    stack_name: str
    action: Action
    outputs: dict[str, str]


@dataclass(slots=True)
class Waiter:
    """Polling policy; tests inject a fake clock and sleep."""

    poll_seconds: float = 5.0
    timeout_seconds: float = 3600.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def until(self, probe: Callable[[], Any], done: Callable[[Any], bool], what: str) -> Any:
        """Call `probe` until `done(result)`; TimeoutError after `timeout_seconds`."""
        deadline = self.clock() + self.timeout_seconds
        while True:
            result = probe()
            if done(result):
                return result
            if self.clock() >= deadline:
                raise TimeoutError(f"gave up waiting for {what} after {self.timeout_seconds:g} s")
            self.sleep(self.poll_seconds)


def describe_stack(cfn: Any, stack_name: str) -> dict[str, Any] | None:
    """The stack's description, or None when it does not exist."""
    try:
        stacks = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return stacks[0] if stacks else None


def stack_outputs(stack: Mapping[str, Any] | None) -> dict[str, str]:
    """`{OutputKey: OutputValue}` of a stack description."""
    return {o["OutputKey"]: o["OutputValue"] for o in (stack or {}).get("Outputs") or []}


def _settled(stack: dict[str, Any] | None) -> bool:
    """No operation running (REVIEW_IN_PROGRESS only waits for a change set to be executed)."""
    if stack is None:
        return True
    status = str(stack["StackStatus"])
    return status == "REVIEW_IN_PROGRESS" or not status.endswith("_IN_PROGRESS")


def _wait_for_stack(cfn: Any, stack_name: str, waiter: Waiter) -> dict[str, Any] | None:
    return waiter.until(
        lambda: describe_stack(cfn, stack_name), _settled, f"stack {stack_name} to settle"
    )


def _finished(stack: Mapping[str, Any]) -> bool:
    """Not in any *_IN_PROGRESS state, REVIEW_IN_PROGRESS included."""
    return not str(stack["StackStatus"]).endswith("_IN_PROGRESS")


def _marker(stack: Mapping[str, Any] | None) -> tuple[Any, ...]:
    if stack is None:
        return (None, None, None)
    return (stack["StackStatus"], stack.get("LastUpdatedTime"), stack.get("ChangeSetId"))


def _executed(stack: Mapping[str, Any], change_set_id: str, before: tuple[Any, ...]) -> bool:
    return stack.get("ChangeSetId") == change_set_id or _marker(stack) != before


def _parameters(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def _same_as_deployed(cfn: Any, stack: Mapping[str, Any], request: StackRequest) -> bool:
    """Whether the stack already runs this exact template with these parameters."""
    if request.template_body is None:
        return False
    deployed = cfn.get_template(StackName=request.stack_name, TemplateStage="Original")
    body = deployed.get("TemplateBody")
    if not isinstance(body, str):
        body = json.dumps(body, sort_keys=True)
    current = {
        p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters") or []
    }
    return body == request.template_body and current == dict(request.parameters)


def _no_change(reason: str) -> bool:
    return any(marker in reason for marker in NO_CHANGE_MARKERS)


def _create_change_set(cfn: Any, request: StackRequest, change_set_type: str) -> str:
    source: dict[str, str] = (
        {"TemplateBody": request.template_body}
        if request.template_body is not None
        else {"TemplateURL": request.template_url or ""}
    )
    answer = cfn.create_change_set(
        StackName=request.stack_name,
        ChangeSetName=f"rez-deploy-{uuid.uuid4().hex[:12]}",
        ChangeSetType=change_set_type,
        Parameters=_parameters(request.parameters),
        Capabilities=CAPABILITIES,
        Tags=[{"Key": k, "Value": v} for k, v in sorted(request.tags.items())],
        **source,
    )
    return str(answer["Id"])


def _discard_change_set(cfn: Any, change_set_id: str) -> None:
    with contextlib.suppress(ClientError):  # housekeeping: a leftover change set harms nothing
        cfn.delete_change_set(ChangeSetName=change_set_id)


def _discard_review_stack(cfn: Any, name: str, waiter: Waiter) -> None:
    """A CREATE change set leaves an empty stack in REVIEW_IN_PROGRESS; a preview removes it."""
    stack = describe_stack(cfn, name)
    if stack is not None and stack["StackStatus"] == "REVIEW_IN_PROGRESS":
        with contextlib.suppress(ClientError):
            cfn.delete_stack(StackName=name)
            _wait_for_stack(cfn, name, waiter)


def _quiet(_line: str) -> None:
    """The default printer: library callers get results, not chatter."""


def deploy_stack(
    cfn: Any,
    request: StackRequest,
    waiter: Waiter | None = None,
    *,
    out: Printer = _quiet,
    dry_run: bool = False,
    confirm: Confirm | None = None,
) -> StackResult:
    """Create or update `request.stack_name`; `unchanged` when there is nothing to do.

    `dry_run` prints the change set and deletes it (`previewed`); `confirm` is shown the change
    set and may decline it (`declined`, nothing applied). While the change set executes, the
    stack's events are printed through `out` as CloudFormation writes them. Raises DeployError
    with the first failed resource's reason when CloudFormation fails, after printing the events
    that explain it and the state the stack rolled back to.
    """
    waiter = waiter or Waiter()
    name = request.stack_name
    stack = _wait_for_stack(cfn, name, waiter)
    if stack is not None and stack["StackStatus"] in _DEAD_ON_ARRIVAL:
        cfn.delete_stack(StackName=name)
        stack = _wait_for_stack(cfn, name, waiter)
    creating = stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"
    started = dt.datetime.now(dt.UTC)

    try:
        change_set_id = _create_change_set(cfn, request, "CREATE" if creating else "UPDATE")
    except ClientError as error:
        # Some engines refuse an empty change set outright instead of failing it.
        if not creating and _no_change(str(error)):
            return StackResult(name, "unchanged", stack_outputs(stack))
        raise DeployError(name, f"change set rejected: {error}") from error
    change_set = waiter.until(
        lambda: cfn.describe_change_set(ChangeSetName=change_set_id),
        lambda cs: cs["Status"] in ("CREATE_COMPLETE", "FAILED"),
        f"change set of {name}",
    )
    if change_set["Status"] == "FAILED":
        reason = str(change_set.get("StatusReason", ""))
        _discard_change_set(cfn, change_set_id)
        if not creating and _no_change(reason):
            if dry_run or confirm is not None:
                out(f"{name}: no changes")
            return StackResult(name, "unchanged", stack_outputs(stack))
        if creating and dry_run:
            _discard_review_stack(cfn, name, waiter)
        raise DeployError(name, f"change set failed: {reason or 'no reason given'}")
    # Some engines report an empty, executable change set instead of failing it.
    empty = not creating and not change_set.get("Changes") and stack is not None
    if empty and stack is not None and _same_as_deployed(cfn, stack, request):
        _discard_change_set(cfn, change_set_id)
        if dry_run or confirm is not None:
            out(f"{name}: no changes")
        return StackResult(name, "unchanged", stack_outputs(stack))
    if dry_run or confirm is not None:
        preview = preview_of(name, change_set, stack, request.parameters)
        for line in preview.lines():
            out(line)
        declined = not dry_run and confirm is not None and not confirm(preview)
        if dry_run or declined:
            _discard_change_set(cfn, change_set_id)
            if creating:
                _discard_review_stack(cfn, name, waiter)
            return StackResult(name, "previewed" if dry_run else "declined", stack_outputs(stack))

    before = _marker(describe_stack(cfn, name))
    stream = EventStream(cfn, name, out)
    stream.prime()
    try:
        cfn.execute_change_set(ChangeSetName=change_set_id)
    except ClientError as error:
        raise DeployError(name, f"change set could not be executed: {error}") from error

    def probe() -> dict[str, Any] | None:
        stream.poll()
        return describe_stack(cfn, name)

    # Execution is asynchronous and the stack may still show its previous, settled state for a
    # moment: wait until it is settled *and* is the result of this change set.
    final = waiter.until(
        probe,
        lambda s: s is None or (_finished(s) and _executed(s, change_set_id, before)),
        f"stack {name} to apply its change set",
    )
    stream.poll()  # the events written between the last poll and the final state
    if final is not None and final["StackStatus"] in SUCCEEDED:
        return StackResult(name, "created" if creating else "updated", stack_outputs(final))
    status = final["StackStatus"] if final else "DELETED"
    _explain(out, name, status, stream)
    reason = first_failure_reason(cfn, name, since=started) or (final or {}).get(
        "StackStatusReason", "no failure event recorded"
    )
    raise DeployError(name, f"{status}: {reason}")


def _explain(out: Printer, name: str, status: str, stream: EventStream) -> None:
    """After a failure: the events that say why, then the state the stack is left in."""
    causes = explaining(stream.events)
    if causes:
        out(f"{name}: failed because of")
        for event in causes:
            out("  " + format_event(event))
    if status == "UPDATE_ROLLBACK_COMPLETE":
        out(f"{name}: rolled back ({status}): it runs its previous template and parameters")
    elif status in ("ROLLBACK_COMPLETE", "DELETED"):
        out(f"{name}: rolled back ({status}): nothing remains; the next deploy creates it anew")
    elif status in ROLLBACK_STATES:
        out(
            f"{name}: rollback FAILED ({status}): some resources could not be restored; fix "
            "them, then continue the rollback (ContinueUpdateRollback) or delete the stack"
        )
    else:
        out(f"{name}: left in {status}")


def summarize(results: Iterable[StackResult]) -> str:
    """One line per stack: `<stack>: <action>`."""
    return "\n".join(f"{r.stack_name}: {r.action}" for r in results)
