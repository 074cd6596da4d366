"""One handler per command: call the library, print, and return the exit code.

Each handler takes the parsed arguments, the `Target` and the `Ui`, and returns an `ExitCode`;
errors propagate to `cli.main`, which maps them to codes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import jwt

from rezctl import circuit, dlq, insights, journey, slo, tokens
from rezctl.api import send_message
from rezctl.dashboard import render_dashboard
from rezctl.durations import parse_duration
from rezctl.errors import ExitCode, NotFoundError, UsageError
from rezctl.output import Ui
from rezctl.records import get_record
from rezctl.target import Target

TERMINAL = frozenset({"completed", "failed"})
RENDERERS: dict[str, bool | None] = {"auto": None, "cloudwatch": True, "local": False}
"""`dashboard --renderer`: auto = CloudWatch's images on AWS, this tool's drawing on the harness."""


def token(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    scopes = args.scope or list(tokens.DEFAULT_SCOPES)
    ttl = int(parse_duration(args.ttl).total_seconds())
    with ui.progress("Reading the signing secret and the authorizer's settings"):
        minted = tokens.mint_token(args.email, target=target, scopes=scopes, ttl_seconds=ttl)
    claims = jwt.decode(minted, options={"verify_signature": False})
    if ui.json_mode:
        ui.json({"token": minted, "claims": claims})
    else:
        ui.line(minted)
        expires = dt.datetime.fromtimestamp(claims["exp"], dt.UTC)
        ui.note(f"{args.email}, scopes {' '.join(scopes)}, expires {expires:%Y-%m-%d %H:%M:%S}Z")
    return ExitCode.OK


def send(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    tags = [tag.strip() for value in args.tags or () for tag in value.split(",") if tag.strip()]
    with ui.progress("Sending through the API"):
        sent = send_message(
            args.text,
            target=target,
            title=args.title,
            priority=args.priority,
            tags=tags or None,
            token=args.token,
            email=args.email,
            correlation_id=args.correlation_id,
            idempotency_key=args.idempotency_key,
        )
    result = sent.as_dict()
    code = ExitCode.OK
    if args.wait:
        status = _wait_for_terminal(target, sent.message_id, parse_duration(args.wait), ui)
        result["final_status"] = status
        code = ExitCode.BAD if status != "completed" else ExitCode.OK
    if ui.json_mode:
        ui.json(result)
    else:
        ui.line(f"message_id     {sent.message_id}")
        ui.line(f"correlation_id {sent.correlation_id}")
        ui.line(f"status         {result.get('final_status', sent.status)}")
        ui.note(f"follow it: rezctl trace {sent.correlation_id}")
    return code


def _wait_for_terminal(target: Target, message_id: str, limit: dt.timedelta, ui: Ui) -> str:
    deadline = time.monotonic() + limit.total_seconds()
    status = "created"
    with ui.progress(f"Waiting for {message_id} to complete"):
        while time.monotonic() < deadline:
            record = get_record(target, message_id)
            status = str((record or {}).get("status", "unknown"))
            if status in TERMINAL:
                return status
            time.sleep(0.5)
    return status


def status(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    with ui.progress("Reading the record and its status lines"):
        found = journey.collect(args.message_id, target=target)
    if found.record is None:
        raise NotFoundError(f"no message {args.message_id} in {target.names.messages_table}")
    if ui.json_mode:
        ui.json(
            {
                "record": found.record,
                "status_history": [change.as_dict() for change in found.status_history],
            }
        )
    else:
        record = found.record
        ui.table(
            f"Message {args.message_id}",
            ("field", "value"),
            [(key, record[key]) for key in sorted(record)],
        )
        ui.table(
            "Status history",
            ("at", "from", "to", "source", "detail"),
            [
                (change.at, change.old, change.new, change.source, change.detail)
                for change in found.status_history
            ],
            styles=[
                {"failed": "red", "completed": "green"}.get(c.new) for c in found.status_history
            ],
        )
    return ExitCode.BAD if found.status == "failed" else ExitCode.OK


def trace(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    with ui.progress("Running Logs Insights over the five log groups"):
        found = journey.collect(
            args.identifier,
            target=target,
            since=parse_duration(args.since),
            use_insights=not args.no_insights,
        )
    if ui.json_mode:
        ui.json(found.as_dict())
    else:
        ui.lines(journey.styled_lines(found))
    if found.failed:
        return ExitCode.BAD
    if found.record is None and not found.lines:
        return ExitCode.BAD
    return ExitCode.OK


def _print_table(table: insights.Table, ui: Ui, empty: str) -> None:
    if ui.json_mode:
        ui.json(table.as_dict())
        return
    if not table.rows:
        ui.line(f"{empty} ({table.start:%Y-%m-%d %H:%M} to {table.end:%H:%M} UTC)", "green")
        return
    ui.table(
        table.title, table.columns, [[row.get(c) for c in table.columns] for row in table.rows]
    )


def errors(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    with ui.progress("Counting ERROR lines"):
        table = insights.errors_by_message(target, since=parse_duration(args.since))
    _print_table(table, ui, f"No ERROR lines in the last {args.since}")
    return ExitCode.BAD if table.rows else ExitCode.OK


def latency(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    with ui.progress("Averaging POST /api/messages response times"):
        table = insights.api_latency(target, since=parse_duration(args.since))
    _print_table(table, ui, f"No POST /api/messages in the last {args.since}")
    return ExitCode.OK


def failed_notifications(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    with ui.progress("Finding failed notifications"):
        table = insights.failed_notifications(target, since=parse_duration(args.since))
    _print_table(table, ui, f"No failed notifications in the last {args.since}")
    return ExitCode.BAD if table.rows else ExitCode.OK


def dlq_list(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    with ui.progress("Reading the dead-letter queue"):
        letters = dlq.list_dead_letters(target, limit=args.limit)
    if ui.json_mode:
        ui.json([letter.as_dict() for letter in letters])
    elif not letters:
        ui.line(f"{target.names.dlq} is empty", "green")
    else:
        ui.table(
            f"{target.names.dlq}: {len(letters)} message(s)",
            ("message_id", "correlation_id", "status", "receives", "reason"),
            [
                (
                    letter.message_id,
                    letter.correlation_id,
                    letter.status,
                    letter.receive_count,
                    letter.reason,
                )
                for letter in letters
            ],
        )
    return ExitCode.BAD if letters else ExitCode.OK


def dlq_redrive(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    with ui.progress("Redriving: send to the main queue, then delete from the DLQ"):
        report = dlq.redrive(
            target,
            message_ids=args.message_id,
            redrive_all=args.all,
            force=args.force,
            progress=lambda letter: ui.note(f"moved {letter.message_id}", "green"),
        )
    if ui.json_mode:
        ui.json(report.as_dict())
    else:
        ui.line(f"moved {len(report.moved)} message(s) to {target.names.queue}")
        for key, reason in report.failed.items():
            ui.line(f"  {key}: {reason}", "red")
        for key in report.not_found:
            ui.line(f"  {key}: not in the DLQ", "yellow")
    if report.failed:
        return ExitCode.AWS
    return ExitCode.BAD if report.not_found else ExitCode.OK


def slo_report(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    window = parse_duration(args.window) if args.window else None
    with ui.progress("Measuring the five SLIs"):
        results = slo.measure(target, window=window)
    if ui.json_mode:
        ui.json([result.as_dict() for result in results])
    else:
        ui.table(
            f"SLOs of {target.stage}",
            ("SLI", "objective", "measured", "events", "budget left", "burn rate", "state"),
            [
                (
                    r.name,
                    r.objective,
                    r.sli,
                    r.events,
                    f"{r.budget_left:.1f} of {r.budget_allowed:.1f} {r.budget_unit}",
                    "-" if r.burn_rate is None else f"{r.burn_rate:.2f}",
                    "EXHAUSTED" if r.exhausted else "ok" if r.met else "at risk",
                )
                for r in results
            ],
            styles=["bold red" if r.exhausted else None for r in results],
        )
    return ExitCode.BAD if any(r.exhausted for r in results) else ExitCode.OK


def dashboard(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    since = parse_duration(args.since) if args.since else None
    out = Path(args.out)
    with ui.progress(f"Drawing {target.names.dashboard}"):
        board, _figure = render_dashboard(
            target, out, since=since, cloudwatch_images=RENDERERS[args.renderer]
        )
    if ui.json_mode:
        ui.json(
            {
                "out": str(out),
                "dashboard": board.name,
                "panels": [p.as_dict() for p in board.panels],
            }
        )
    else:
        ui.line(f"wrote {out} ({len(board.panels)} widgets of {board.name})")
        for panel in board.panels:
            if panel.error:
                ui.note(f"  {panel.title}: {panel.error}", "yellow")
    return ExitCode.OK


def breaker(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    current = circuit.reset(target) if args.action == "reset" else circuit.status(target)
    if ui.json_mode:
        ui.json(circuit.status_dict(current))
    else:
        style = "green" if not circuit.is_open(current) else "bold red"
        ui.line(current.describe(), style)
    if not current.store_available:
        return ExitCode.AWS
    return ExitCode.BAD if circuit.is_open(current) else ExitCode.OK


def faults(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    """The harness's fault injection: list, add an error/latency rule, arm a crash, clear."""
    from rezctl.faults import FaultInjector

    if not target.endpoint:
        raise UsageError("fault injection exists on the local harness only (--endpoint)")
    injector = FaultInjector(target.endpoint)
    if args.action == "add":
        if not args.service or not (args.error or args.latency_ms):
            raise UsageError("faults add needs --service and --error and/or --latency-ms")
        window = {
            k: v
            for k, v in (("count", args.count), ("probability", args.probability),
                         ("duration_s", args.duration_s), ("contains", args.contains),
                         ("caller", args.caller))
            if v is not None
        }  # fmt: skip
        if args.error:
            result: object = injector.error(
                args.service, args.operation, error=args.error, resource=args.resource,
                latency_ms=args.latency_ms or 0, source=args.source, **window,
            )  # fmt: skip
        else:
            result = injector.latency(
                args.service, args.operation, ms=args.latency_ms, resource=args.resource,
                source=args.source, **window,
            )  # fmt: skip
    elif args.action == "crash":
        if not args.function or not args.point:
            raise UsageError("faults crash needs --function and --point")
        result = injector.crash(args.function, args.point, count=args.count or 1, mode=args.mode)
    elif args.action == "clear":
        result = {"rules": injector.clear(), "crash_functions": injector.clear_crashes()}
    else:
        result = {"rules": injector.rules(), "crash_points": injector.crashes()}
    ui.json(result) if ui.json_mode else ui.line(json.dumps(result, indent=2))
    return ExitCode.OK
