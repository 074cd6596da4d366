"""`make demo`: the system's main job, locally, followed end to end.

Starts the Docker-free local AWS and the mock ntfy, deploys every stack with the real templates
and zips, mints a dev JWT, sends one message through API Gateway and fires the schedule once,
then prints each message's journey: its status transitions, what ntfy received, and the
timeline of log lines across the functions and its span tree from X-Ray, for its correlation ID.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import httpx

from rez_demo import harness as local_aws
from rez_demo.local_parameters import DEMO_TOPIC, local_parameters
from rez_demo.progress import Progress
from rez_demo.schedule import fire_daily_schedule
from rez_demo.waiting import final_record, newest_scheduled_message, poll
from rez_deploy import deploy_all
from rezctl.api import send_message
from rezctl.journey import collect, render
from rezctl.stacks import api_base_url
from rezctl.target import Target
from rezctl.tokens import mint_token

STAGE = "dev"
DEMO_EMAIL = "demo@example.com"


def _quiet(_: str) -> None:
    """Deploy chatter stays out of the demo's output; failures still raise with their reason."""


def _notification(ntfy: str, notification_id: str | None) -> dict[str, Any] | None:
    answer = httpx.get(f"{ntfy}/_mock/messages", params={"topic": DEMO_TOPIC}, timeout=10)
    answer.raise_for_status()
    return next((m for m in answer.json() if m.get("id") == notification_id), None)


def _show(progress: Progress, target: Target, ntfy: str, label: str, message_id: str) -> bool:
    record = final_record(target.client("dynamodb"), target.names.messages_table, message_id, 90)
    journey = collect(message_id, target=target)
    progress.say("")
    progress.say(f"━━ {label}: {message_id} — {record['status']} ━━")
    progress.say(render(journey))
    received = _notification(ntfy, record.get("notification_id"))
    if received:
        progress.say(
            f"ntfy received it on topic {received['topic']!r}: id {received['id']}, "
            f"title {received.get('title')!r}, priority {received.get('priority')}, "
            f"tags {received.get('tags')}"
        )
        progress.say("  " + received["message"].replace("\n", "\n  "))
    else:
        progress.say("ntfy did not receive it (see the journey above for why).")
    return record["status"] == "completed" and received is not None


def run(progress: Progress) -> int:
    """The demo's steps; returns the exit status."""
    with progress.step(
        "Starting the local AWS (LocalStack's runtime, no Docker) and the mock ntfy"
    ):
        aws = local_aws.start()
        progress.say(f"      LocalStack at {aws.endpoint}, mock ntfy at {aws.ntfy}")
    target = Target.resolve(stage=STAGE, endpoint=aws.endpoint)
    with progress.step("Packaging the five services and deploying every stack (CloudFormation)"):
        deploy_all(STAGE, aws.endpoint, parameters=local_parameters(aws.ntfy), out=_quiet)
        api = api_base_url(target)
        progress.say(f"      API at {api}")
    with progress.step("Minting a dev JWT signed with the stage's secret"):
        token = mint_token(DEMO_EMAIL, target=target)
    with progress.step("Sending one message through API Gateway (JWT authorizer → web-api)"):
        sent = send_message(
            "Hello from make demo",
            title="rez_agent demo",
            priority=4,
            tags=["wave"],
            token=token,
            target=target,
        )
        progress.say(f"      202: message {sent.message_id}, correlation {sent.correlation_id}")
    with progress.step("Firing the schedule once (EventBridge Scheduler → scheduler)"):
        since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        fire_daily_schedule(aws.endpoint)
        dynamodb, table = target.client("dynamodb"), target.names.messages_table
        scheduled = poll(lambda: newest_scheduled_message(dynamodb, table, since), timeout=60)
    with progress.step("Following both messages through SNS → SQS → processor → notifier → ntfy"):
        ok_api = _show(progress, target, aws.ntfy, "API message", sent.message_id)
        ok_scheduled = _show(progress, target, aws.ntfy, "Scheduled message", scheduled)
    progress.say("")
    progress.say(f"Done in {progress.elapsed():.0f} s. The system is still running; to go on:")
    progress.say(f"  API:        {api}")
    progress.say(
        "  a token:    uv run rezctl --endpoint " + aws.endpoint + " token --email you@example.com"
    )
    progress.say(
        "  send:       uv run rezctl --endpoint " + aws.endpoint + ' send "hello" --title Hi'
    )
    progress.say(
        "  trace:      uv run rezctl --endpoint " + aws.endpoint + f" trace {sent.correlation_id}"
    )
    progress.say(f"  ntfy:       {aws.ntfy}/_mock/messages (what the mock ntfy received)")
    progress.say("  stop it:    make down")
    return 0 if ok_api and ok_scheduled else 1


def main() -> int:
    """Entry point of `make demo`."""
    progress = Progress(total=6)
    try:
        return run(progress)
    except (local_aws.HarnessError, TimeoutError, RuntimeError, httpx.HTTPError) as error:
        progress.say(f"make demo failed: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
