"""One runbook per alarm, with five sections and AWS CLI commands that exist.

The commands are checked against botocore's service models (the AWS CLI is generated from
them): the service, the operation and every option must exist, so a typo or a renamed
parameter fails here instead of during an incident.
"""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

REPO_ROOT = Path(__file__).resolve().parents[3]
RUNBOOKS = REPO_ROOT / "docs" / "runbooks"
SECTIONS = [
    "Symptoms",
    "Impact",
    "Real incident or noise?",  # what can move the alarm's metric, and how to tell noise apart
    "Investigation Steps",
    "Resolution Steps",
    "Escalation",
]
EXPECTED = {
    "dlq-has-messages",
    "lambda-errors",
    "processor-duration-p99",
    "circuit-breaker-open",
    "api-5xx-errors",
    "queue-backlog",
    "stuck-messages",  # the reconciler stack's alarm
}
# AWS CLI options valid on every command (global and pagination options).
GLOBAL_OPTIONS = {
    "query",
    "output",
    "region",
    "profile",
    "endpoint-url",
    "no-cli-pager",
    "max-items",
    "starting-token",
    "page-size",
}
_SESSION = botocore.session.get_session()


def runbook_names() -> set[str]:
    return {path.stem for path in RUNBOOKS.glob("*.md") if path.stem != "README"}


def commands(text: str) -> list[str]:
    """Every `aws <service> <operation> …` in the bash blocks, continuation lines joined."""
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    joined = "\n".join(block.replace("\\\n", " ") for block in blocks)
    found = []
    for line in joined.splitlines():
        starts = [m.start() for m in re.finditer(r"(?<![\w-])aws [a-z0-9-]+ [a-z0-9-]+", line)]
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(line)
            found.append(line[start:end])
    return found


def check_command(command: str) -> None:
    _, service, operation_cli = command.split()[:3]
    model = _SESSION.get_service_model(service)
    operations = {xform_name(name, "-"): name for name in model.operation_names}
    assert operation_cli in operations, f"{service} has no {operation_cli}"
    shape = model.operation_model(operations[operation_cli]).input_shape
    members = {re.sub(r"[-_]", "", m).lower() for m in (shape.members if shape else {})}
    for option in re.findall(r"\s--([a-z0-9-]+)", command):
        if option in GLOBAL_OPTIONS:
            continue
        assert option.replace("-", "") in members, f"{service} {operation_cli}: --{option}?"


def test_one_runbook_per_alarm():
    assert runbook_names() == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_runbook_has_the_documented_sections_in_order(name):
    text = (RUNBOOKS / f"{name}.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert headings == SECTIONS


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_investigation_steps_are_commands_that_exist(name):
    text = (RUNBOOKS / f"{name}.md").read_text(encoding="utf-8")
    investigation = text.split("## Investigation Steps", 1)[1].split("## Resolution Steps", 1)[0]
    found = commands(investigation)
    assert found, "no command in the investigation steps"
    for command in commands(text):
        check_command(command)


def test_dlq_runbook_has_both_redrive_procedures():
    text = (RUNBOOKS / "dlq-has-messages.md").read_text(encoding="utf-8")
    names = [" ".join(c.split()[1:3]) for c in commands(text)]
    assert "sqs start-message-move-task" in names
    # the fallback: receive, send to the main queue, delete from the DLQ, in that order
    fallback = text.split("Fallback", 1)[1]
    order = [" ".join(c.split()[1:3]) for c in commands(fallback)]
    assert order[:3] == ["sqs receive-message", "sqs send-message", "sqs delete-message"]


def test_command_checker_rejects_a_wrong_option():
    with pytest.raises(AssertionError):
        check_command("aws sqs receive-message --queue-url x --max-messages 10")
    with pytest.raises(AssertionError):
        check_command("aws logs start-querie --query-string x")
    check_command("aws sqs receive-message --queue-url x --max-number-of-messages 10")
