"""`rezctl`: the argument parser and the mapping of errors to exit codes.

argparse, not click: it is in the standard library (one dependency less for an on-call tool),
its usage errors already exit 2 as our contract says, and nested sub-commands (`dlq list`,
`breaker reset`) need nothing more than sub-parsers.

Exit codes: 0 ok; 1 the thing checked is bad (message failed, budget exhausted, circuit open,
DLQ not empty, nothing found); 2 usage (bad arguments, refused request such as a prod token);
3 AWS, the harness or the API failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import httpx
from botocore.exceptions import BotoCoreError, ClientError

from rezctl import commands, daily_commands, service_map
from rezctl.errors import ExitCode, RezctlError
from rezctl.output import Ui
from rezctl.target import Target

Handler = Callable[[argparse.Namespace, Target, Ui], ExitCode]

EPILOG = """exit codes: 0 ok, 1 the thing checked is bad (failed message, exhausted budget,
open circuit, non-empty DLQ), 2 usage, 3 AWS/endpoint error.
environment: LOCALSTACK_ENDPOINT or AWS_ENDPOINT_URL (the harness), REZ_STAGE, AWS_REGION,
AWS_PROFILE, AWS credentials; NO_COLOR turns colours off."""


def _common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """The shared options, accepted before the command (`rezctl --endpoint URL trace ID`) and
    after it; a sub-command's copy has no default so it never hides the top-level value."""
    unset: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    flag: dict[str, Any] = {"default": False} if top else {"default": argparse.SUPPRESS}
    group = parser.add_argument_group("where")
    group.add_argument("--stage", help="dev | stage | prod (default: $REZ_STAGE or dev)", **unset)
    group.add_argument(
        "--endpoint",
        help="the local harness URL (default: $LOCALSTACK_ENDPOINT, else $AWS_ENDPOINT_URL; "
        "unset = AWS)",
        **unset,
    )
    group.add_argument("--region", help="AWS region (default: $AWS_REGION or boto3's)", **unset)
    group.add_argument(
        "--profile", help="a named profile of ~/.aws/config (default: $AWS_PROFILE)", **unset
    )
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="one JSON document on stdout", **flag)
    out.add_argument(
        "--output",
        choices=("json", "table"),
        help="json (same as --json) or table (default: tables and text)",
        **unset,
    )
    out.add_argument(
        "--no-color", action="store_true", help="plain text even on a terminal", **flag
    )


def _command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Handler,
    description: str,
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name, help=description, description=description, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    _common(parser)
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """Every command and its options (each has --help)."""
    parser = argparse.ArgumentParser(
        prog="rezctl",
        description="Operate rez_agent: tokens, messages, journeys, the saved queries, the "
        "DLQ redrive, SLOs, the dashboard and the circuit breaker, against AWS or the harness.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(parser, top=True)
    commands_ = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    token = _command(commands_, "token", commands.token, "mint a dev/stage JWT (never prod)")
    token.add_argument("--email", required=True)
    token.add_argument("--scope", action="append", help="repeatable (default: read and write)")
    token.add_argument("--ttl", default="1h", help="lifetime, e.g. 15m, 1h (max 24h)")

    send = _command(commands_, "send", commands.send, "create a message through the API")
    send.add_argument("text")
    send.add_argument("--title")
    send.add_argument("--priority", help="1-5 or min/low/default/high/max/urgent")
    send.add_argument("--tags", action="append", help="comma-separated, repeatable")
    send.add_argument("--token", help="a JWT (default: mint one for --email)")
    send.add_argument("--email", default="rezctl@example.com", help="who the minted token is for")
    send.add_argument("--correlation-id", help="join an existing journey")
    send.add_argument("--idempotency-key")
    send.add_argument("--wait", metavar="DURATION", help="wait until completed/failed (e.g. 30s)")

    status = _command(commands_, "status", commands.status, "a message's record and history")
    status.add_argument("message_id")

    trace = _command(commands_, "trace", commands.trace, "a message's whole journey")
    trace.add_argument("identifier", help="a correlation id or a message id")
    trace.add_argument("--since", default="7d", help="how far back when no record says (7d)")
    trace.add_argument(
        "--no-insights", action="store_true", help="use FilterLogEvents, not Logs Insights"
    )

    for name, handler, default, text in (
        ("errors", commands.errors, "1h", "ERROR lines by message id (saved query 2)"),
        ("latency", commands.latency, "24h", "POST /api/messages response time (query 3)"),
        ("failed-notifications", commands.failed_notifications, "24h", "ntfy failures (query 4)"),
    ):
        query = _command(commands_, name, handler, text)
        query.add_argument("--since", default=default, help=f"time range (default {default})")

    dlq = commands_.add_parser("dlq", help="the dead-letter queue", description="DLQ commands")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    dlq_list = _command(dlq_commands, "list", commands.dlq_list, "messages and why they failed")
    dlq_list.add_argument("--limit", type=int, default=100)
    redrive = _command(
        dlq_commands, "redrive", commands.dlq_redrive, "send back to the main queue, then delete"
    )
    redrive.add_argument("--message-id", action="append", help="repeatable")
    redrive.add_argument("--all", action="store_true", help="every message in the DLQ")
    redrive.add_argument("--force", action="store_true", help="even while the circuit is open")

    slo = _command(commands_, "slo", commands.slo_report, "the five SLOs and their budgets")
    slo.add_argument("--window", help="one window for all (default: each SLO's own, 30d/7d)")

    board = _command(commands_, "dashboard", commands.dashboard, "draw the overview dashboard")
    board.add_argument("--out", default="dashboard.png", help=".png, .svg or .html")
    board.add_argument("--since", help="time range for every widget (default: the widget's)")
    board.add_argument(
        "--renderer",
        choices=("auto", "cloudwatch", "local"),
        default="auto",
        help="who draws the graphs: CloudWatch (GetMetricWidgetImage) or rezctl; auto = "
        "CloudWatch on AWS, rezctl on the harness (it has no renderer)",
    )

    service_map_ = _command(commands_, "map", service_map.command, "X-Ray's service graph")
    service_map_.add_argument("--since", default="1h", help="time range (default 1h)")
    service_map_.add_argument("--out", help="also draw it: .png, .svg or .html")

    breaker = _command(commands_, "breaker", commands.breaker, "the ntfy circuit breaker")
    breaker.add_argument("action", nargs="?", choices=("status", "reset"), default="status")
    _daily(commands_)

    faults = _command(
        commands_, "faults", commands.faults,
        "harness only: inject AWS errors, latency and function crashes",
    )  # fmt: skip
    faults.add_argument(
        "action", nargs="?", choices=("list", "add", "crash", "clear"), default="list"
    )
    faults.add_argument("--service", help="dynamodb, sns, sqs, lambda, secretsmanager, ...")
    faults.add_argument("--operation", default="*", help="e.g. PutItem (glob; default all)")
    faults.add_argument("--resource", default="*", help="table/topic/queue/function name (glob)")
    faults.add_argument("--error", help="a named AWS error (dynamodb.throughput) or CODE:STATUS")
    faults.add_argument("--latency-ms", type=int, help="delay matching calls")
    faults.add_argument("--count", type=int, help="the next N calls only")
    faults.add_argument("--probability", type=float, help="a fraction of calls (0-1]")
    faults.add_argument("--duration-s", type=float, help="for a time window")
    faults.add_argument("--source", default="any", choices=("any", "external", "internal"))
    faults.add_argument("--contains", help="only requests whose text holds this (a message id)")
    faults.add_argument("--caller", help="only calls made by this function (glob on its name)")
    faults.add_argument("--function", help="crash: the function name")
    faults.add_argument("--point", help="crash: the named point in its handler")
    faults.add_argument("--mode", default="kill", choices=("kill", "hang"), help="crash: how")
    return parser


def _daily(commands_: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`logs`, `invoke` and `samples`."""
    logs = _command(
        commands_, "logs", daily_commands.logs, "the five functions' logs merged in time order"
    )
    logs.add_argument(
        "--service",
        action="append",
        help="scheduler, web-api, processor, notifier, authorizer (repeatable; default all)",
    )
    logs.add_argument("--since", default="10m", help="how far back to start (default 10m)")
    logs.add_argument("--tail", action="store_true", help="keep following new lines")
    logs.add_argument(
        "--filter", help="a CloudWatch Logs filter pattern, e.g. '{ $.level = \"ERROR\" }'"
    )
    invoke = _command(
        commands_,
        "invoke",
        daily_commands.invoke,
        "invoke a function with an event; print its answer and log tail",
    )
    invoke.add_argument("service", help="scheduler, web-api, processor, notifier, authorizer")
    source = invoke.add_mutually_exclusive_group()
    source.add_argument("--event", metavar="FILE", help="the event as a JSON file")
    source.add_argument("--sample", help="a shipped sample event (see `rezctl samples`)")
    _command(commands_, "samples", daily_commands.samples, "the sample events for invoke")


def _configure_telemetry_logging(stage: str) -> None:
    """rez_telemetry logs (e.g. a breaker reset) go to stderr, never into --json output."""
    from rez_telemetry import configure_logging

    configure_logging(
        service="rezctl", stage=stage, level="INFO", sink=sys.stderr, intercept_stdlib=False
    )


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run one command; returns its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    ui = Ui.create(
        json_mode=args.json or args.output == "json",
        color=False if args.no_color else None,
        stdout=stdout,
        stderr=stderr,
    )
    try:
        target = Target.resolve(args.stage, args.endpoint, args.region, args.profile)
        _configure_telemetry_logging(target.stage)
        return int(args.handler(args, target, ui))
    except RezctlError as error:
        ui.note(f"rezctl: {error}", "bold red")
        return int(error.exit_code)
    except (ClientError, BotoCoreError) as error:
        ui.note(f"rezctl: AWS error: {error}", "bold red")
        return int(ExitCode.AWS)
    except httpx.HTTPError as error:
        ui.note(f"rezctl: HTTP error: {error}", "bold red")
        return int(ExitCode.AWS)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
