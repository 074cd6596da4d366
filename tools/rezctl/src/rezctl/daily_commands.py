"""Handlers of `rezctl logs` and `rezctl invoke`: what people reach for daily, as in `sam`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

from rezctl import invoke as invoking
from rezctl.durations import parse_duration
from rezctl.errors import ExitCode
from rezctl.live_logs import LogStream, follow, service_names, styled
from rezctl.logs import LogLine
from rezctl.output import Ui
from rezctl.target import Target


def logs(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    services = service_names(args.service)
    start = dt.datetime.now(dt.UTC) - parse_duration(args.since)
    stream = LogStream(
        target, [target.names.log_group(s) for s in services], start, pattern=args.filter
    )
    width = max(len(s) for s in services)

    def emit(lines: Iterable[LogLine]) -> None:
        for line in lines:
            if ui.json_mode:  # one JSON object per line: a stream, not one document
                ui.out.file.write(json.dumps(line.as_dict(), default=str) + "\n")
                ui.out.file.flush()
            else:
                text, style = styled(line, width)
                ui.line(text, style)

    if args.tail:
        ui.note(f"following {', '.join(services)} (Ctrl-C to stop)")
    try:
        printed = follow(stream, emit, tail=args.tail)
    except (KeyboardInterrupt, BrokenPipeError):  # Ctrl-C, or `| head` has read enough
        return ExitCode.OK
    if not printed and not ui.json_mode:
        ui.note(f"no log lines in the last {args.since}")
    return ExitCode.OK


def invoke(args: argparse.Namespace, target: Target, ui: Ui) -> ExitCode:
    (service,) = service_names([args.service])
    if args.event:
        event = invoking.event_from_file(Path(args.event))
    else:
        name = args.sample or invoking.default_sample(service)
        event = invoking.sample_event(name)
        if invoking.SAMPLES[name].service != service:
            ui.note(f"sample {name} is meant for {invoking.SAMPLES[name].service}", "yellow")
    with ui.progress(f"Invoking {target.names.function(service)}"):
        result = invoking.invoke(target, service, invoking.with_token(event, target))
    if ui.json_mode:
        ui.json(result.as_dict())
    else:
        head = f"{result.function}: {result.status_code}"
        if result.function_error:
            head += f", FunctionError {result.function_error}"
        ui.line(head, "bold red" if result.function_error else "green")
        ui.line(json.dumps(result.payload, indent=2, default=str))
        if result.log_tail:
            ui.line("log tail:", "dim")
            for line in result.log_tail.rstrip("\n").splitlines():
                ui.line(f"  {line}", "dim")
    return ExitCode.BAD if result.function_error else ExitCode.OK


def samples(_args: argparse.Namespace, _target: Target, ui: Ui) -> ExitCode:
    """The shipped sample events (for `invoke --sample`)."""
    rows = [(s.name, s.service, s.description) for s in invoking.SAMPLES.values()]
    if ui.json_mode:
        ui.json([dict(zip(("name", "service", "description"), row, strict=True)) for row in rows])
    else:
        ui.table("Sample events", ("name", "for", "what"), rows)
    return ExitCode.OK
