"""`python -m rez_deploy` against the local harness: previews, the prod confirmation, events
streamed from a failing update, and the code-only path.

CloudFormation's documented behaviour these tests hold the tool to:
- a change set describes each resource's Action and, for a Modify, its Replacement, and is only
  applied by ExecuteChangeSet (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
  using-cfn-updating-stacks-changesets.html);
- a failed update rolls back to UPDATE_ROLLBACK_COMPLETE and DescribeStackEvents holds the
  failed resource's reason (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
  troubleshooting.html);
- UpdateFunctionCode changes the code only; the function's LastUpdateStatus is Successful once
  the update is done (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rez_deploy.cli import main

pytestmark = pytest.mark.harness
FUNCTION_STACK = "rez-agent-stage-scheduler"


class Terminal(io.StringIO):
    """A stdin that says it is a terminal, with the operator's answers typed in advance."""

    def isatty(self) -> bool:
        return True


def run(checkout: Path, *args: str, stdin: io.StringIO | None = None) -> tuple[int, str]:
    out = io.StringIO()
    build = checkout.parent.parent / "build"
    code = main(
        ["--skip-package", "--build-dir", str(build), *args],
        stdin=stdin or io.StringIO(),
        stdout=out,
    )
    return code, out.getvalue()


@pytest.fixture(scope="module")
def deployed(
    checkout: Path,
    aws: Callable[[str], Any],
    monkeypatch_module: pytest.MonkeyPatch,
    write_code: Callable[[Path, str], Path],
) -> Iterator[Path]:
    """The function stack of the `stage` stage, code v1, Greeting=one."""
    monkeypatch_module.setenv("REZ_TEMPLATE_DIR", str(checkout))
    build = checkout.parent.parent / "build"
    write_code(build / "scheduler.zip", "v1")
    write_code(build / "notifier.zip", "none")
    code, out = run(checkout, "--stage", "stage", "--service", "scheduler",
                    "--parameter", "scheduler.Greeting=one")  # fmt: skip
    assert code == 0, out
    yield checkout
    cfn = aws("cloudformation")
    for stage in ("stage", "prod"):
        for name in ("scheduler", "notifier"):
            cfn.delete_stack(StackName=f"rez-agent-{stage}-{name}")


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def stack(aws: Callable[[str], Any], name: str = FUNCTION_STACK) -> dict[str, Any]:
    return dict(aws("cloudformation").describe_stacks(StackName=name)["Stacks"][0])


def parameters(description: dict[str, Any]) -> dict[str, str]:
    return {p["ParameterKey"]: p["ParameterValue"] for p in description["Parameters"]}


def invoke(aws: Callable[[str], Any], function: str) -> dict[str, Any]:
    answer = aws("lambda").invoke(FunctionName=function, Payload=b"{}")
    return dict(json.loads(answer["Payload"].read()))


def test_dry_run_shows_a_changed_parameter_as_a_modification_and_applies_nothing(
    deployed: Path, aws: Callable[[str], Any]
):
    before = stack(aws)
    # WHEN previewing Greeting=two
    code, out = run(deployed, "--stage", "stage", "--service", "scheduler", "--dry-run",
                    "--parameter", "scheduler.Greeting=two")  # fmt: skip
    # THEN the account and region come first, then the function as a modification without
    # replacement and the parameter's old and new value
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("deploying stage stage to account 000000000000, region us-east-1")
    assert "  ~ Function (AWS::Lambda::Function) replacement: False" in lines
    assert "    Greeting: 'one' -> 'two'" in lines
    assert f"{FUNCTION_STACK}: previewed" in lines
    # AND nothing was applied: same parameters, same status, the function answers as before
    after = stack(aws)
    assert parameters(after)["Greeting"] == "one"
    assert (after["StackStatus"], after.get("LastUpdatedTime")) == (
        before["StackStatus"],
        before.get("LastUpdatedTime"),
    )
    assert invoke(aws, "rez-deploy-test-stage")["greeting"] == "one"
    # AND the change set was deleted
    summaries = aws("cloudformation").list_change_sets(StackName=FUNCTION_STACK)["Summaries"]
    assert [s for s in summaries if s.get("ExecutionStatus") == "AVAILABLE"] == []


def test_prod_asks_first_and_refuses_without_a_terminal(deployed: Path, aws: Callable[[str], Any]):
    prod = "rez-agent-prod-scheduler"
    cfn = aws("cloudformation")

    def exists() -> bool:
        return any(s["StackName"] == prod for s in cfn.list_stacks()["StackSummaries"]
                   if s["StackStatus"] != "DELETE_COMPLETE")  # fmt: skip

    # no terminal (a pipe, CI) and no --yes: refused before anything is created
    code, out = run(deployed, "--stage", "prod", "--service", "scheduler")
    assert code == 2
    assert not exists()
    # a terminal, the operator answers no: the change set is shown, then dropped
    code, out = run(deployed, "--stage", "prod", "--service", "scheduler", stdin=Terminal("n\n"))
    assert code == 1
    assert "  + Function (AWS::Lambda::Function)" in out
    assert f"execute this change set on prod ({prod})? [y/N]" in out
    assert not exists()
    # the operator answers yes: applied, with the events streamed while CloudFormation works
    code, out = run(deployed, "--stage", "prod", "--service", "scheduler", stdin=Terminal("y\n"))
    assert code == 0, out
    assert stack(aws, prod)["StackStatus"] == "CREATE_COMPLETE"
    assert "Function  AWS::Lambda::Function  CREATE_COMPLETE" in out
    # --yes applies without asking, with no terminal
    code, out = run(deployed, "--stage", "prod", "--service", "scheduler", "--yes",
                    "--parameter", "scheduler.Greeting=bonjour")  # fmt: skip
    assert code == 0, out
    assert "[y/N]" not in out
    assert parameters(stack(aws, prod))["Greeting"] == "bonjour"


def test_a_failed_update_streams_its_events_and_says_how_it_rolled_back(
    deployed: Path, aws: Callable[[str], Any]
):
    name = "rez-agent-stage-notifier"
    code, out = run(deployed, "--stage", "stage", "--service", "notifier",
                    "--parameter", "notifier.QueueName=rez-deploy-test-good")  # fmt: skip
    assert code == 0, out
    # WHEN the queue is renamed to a name SQS refuses (a replacement that fails)
    code, out = run(deployed, "--stage", "stage", "--service", "notifier",
                    "--parameter", "notifier.QueueName=bad name!")  # fmt: skip
    # THEN the events were printed as they came, the failed resource among them
    assert code == 1
    lines = out.splitlines()
    failed = [line for line in lines if "Queue  AWS::SQS::Queue  UPDATE_FAILED" in line]
    assert failed, out
    assert "alphanumeric characters" in failed[0]
    assert any(f"{name}  AWS::CloudFormation::Stack  UPDATE_ROLLBACK_COMPLETE" in line
               for line in lines)  # fmt: skip
    # AND after them the cause alone and the rollback state
    explained = lines.index(f"{name}: failed because of")
    assert "Queue  AWS::SQS::Queue  UPDATE_FAILED" in lines[explained + 1]
    assert lines[explained + 2].startswith(f"{name}: rolled back (UPDATE_ROLLBACK_COMPLETE)")
    # (AWS would also show the previous parameters again; the harness keeps the failed ones)
    assert stack(aws, name)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"


def test_code_only_updates_the_function_and_leaves_the_stack_alone(
    deployed: Path, aws: Callable[[str], Any], write_code: Callable[[Path, str], Path]
):
    build = deployed.parent.parent / "build"
    before = stack(aws)
    events = aws("cloudformation").describe_stack_events(StackName=FUNCTION_STACK)["StackEvents"]
    # WHEN new code is pushed
    write_code(build / "scheduler.zip", "v2")
    code, out = run(deployed, "--stage", "stage", "--service", "scheduler", "--code-only",
                    "--parameter", "scheduler.Greeting=one")  # fmt: skip
    # THEN the function answers with it, and its version and CodeSha256 were printed
    assert code == 0, out
    assert invoke(aws, "rez-deploy-test-stage") == {"code": "v2", "greeting": "one"}
    sha = aws("lambda").get_function_configuration(FunctionName="rez-deploy-test-stage")[
        "CodeSha256"
    ]
    assert f"rez-deploy-test-stage: version $LATEST, CodeSha256 {sha}" in out
    # AND the stack is untouched: same status, time, parameters, no new event
    after = stack(aws)
    assert (after["StackStatus"], after.get("LastUpdatedTime"), parameters(after)) == (
        before["StackStatus"],
        before.get("LastUpdatedTime"),
        parameters(before),
    )
    again = aws("cloudformation").describe_stack_events(StackName=FUNCTION_STACK)["StackEvents"]
    assert len(again) == len(events)
    # WHEN the checkout's configuration differs from the stack's (a parameter)
    write_code(build / "scheduler.zip", "v3")
    code, out = run(deployed, "--stage", "stage", "--service", "scheduler", "--code-only",
                    "--parameter", "scheduler.Greeting=changed")  # fmt: skip
    # THEN refused, nothing pushed
    assert code == 1
    assert invoke(aws, "rez-deploy-test-stage")["code"] == "v2"
