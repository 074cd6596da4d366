"""Telemetry costs next to Powertools and the stdlib. Prints figures; asserts nothing.

Run: uv run --frozen --package rez-telemetry python bench/telemetry.py [--quick] [--spans]

Per operation (median of rounds, µs): one log line with four fields; one metric recorded in each
back end (EMF, PutMetricData buffer) and its share of the flush; one span started and ended.
Cold import (ms, median of >= 15 fresh processes): a service's telemetry set-up.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

QUICK = "--quick" in sys.argv
SPANS_ONLY = "--spans" in sys.argv
ROUNDS = 5 if QUICK else 11
CALLS = 2_000 if QUICK else 10_000
IMPORT_RUNS = 15 if QUICK else 21
FIELDS = {"message_id": "m-1", "correlation_id": "c-1", "status": "completed", "attempt": 1}

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "bench")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "RezAgent")


def compare(contenders: dict[str, tuple[Callable[[], object], int]]) -> None:
    """Contenders measured round by round, interleaved, so machine load hits them alike.

    CPU time of this thread (`time.thread_time`): on a shared machine, time spent waiting for a
    core is not the code's cost.
    """
    rounds: dict[str, list[float]] = {label: [] for label in contenders}
    for _ in range(ROUNDS):
        for label, (fn, calls) in contenders.items():
            started = time.thread_time()
            for _ in range(calls):
                fn()
            rounds[label].append((time.thread_time() - started) / calls * 1e6)
    for label, values in rounds.items():
        show(label, statistics.median(values))


def show(label: str, value: float, unit: str = "µs") -> None:
    print(f"  {label:<52} {value:9.2f} {unit}")


def bench_logging() -> None:
    print("One log line, four fields (into a discarding stream)")
    from aws_lambda_powertools import Logger

    from rez_telemetry.logging import configure_logging, logger

    configure_logging(service="bench", stage="prod", sink=lambda _line: None)
    pt_logger = Logger(service="bench", logger_handler=logging.StreamHandler(io.StringIO()))
    std = logging.getLogger("bench.stdlib")
    std.propagate = False
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    std.addHandler(handler)
    std.setLevel(logging.INFO)
    compare(
        {
            "rez_telemetry logger.info": (lambda: logger.info("Processed", **FIELDS), CALLS),
            "Powertools Logger.info": (lambda: pt_logger.info("Processed", extra=FIELDS), CALLS),
            "stdlib logging (plain formatter)": (
                lambda: std.info("Processed", extra=FIELDS),
                CALLS,
            ),
        }
    )


class NullCloudWatch:
    def put_metric_data(self, **_: object) -> None:
        return None


def bench_metrics() -> None:
    print("One metric recorded (buffered), and with its share of the flush")
    import boto3
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit
    from botocore.stub import Stubber

    from rez_telemetry.metrics import MetricsRecorder

    dims = {"Status": "completed"}
    emf = MetricsRecorder(backend="emf", stage="prod", write=lambda _text: None)
    api = MetricsRecorder(backend="api", stage="prod", client=NullCloudWatch())
    pt = Metrics(namespace="RezAgent", service="bench")
    pt.add_dimension(name="Status", value="completed")
    pt_count = [0]

    def pt_add() -> None:
        pt.add_metric(name="MessagesProcessed", unit=MetricUnit.Count, value=1)
        pt_count[0] += 1
        if pt_count[0] == 90:  # Powertools prints (flushes) at 100 values; stay below
            pt_count[0] = 0
            pt.clear_metrics()
            pt.add_dimension(name="Status", value="completed")

    def emf_cycle() -> None:
        for index in range(10):
            emf.record_count(f"M{index}", 1, dims)
        emf.flush()

    def pt_cycle() -> None:
        for index in range(10):
            pt.add_metric(name=f"M{index}", unit=MetricUnit.Count, value=1)
        # what its flush_metrics() does, minus print (ours writes to a discarding function)
        json.dumps(pt.serialize_metric_set(), separators=(",", ":"))
        pt.clear_metrics()
        pt.add_dimension(name="Status", value="completed")

    compare(
        {
            "rez emf record_count": (lambda: emf.record_count("MessagesProcessed", 1, dims), CALLS),
            "rez api record_count": (lambda: api.record_count("MessagesProcessed", 1, dims), CALLS),
            "Powertools Metrics.add_metric": (pt_add, CALLS),
        }
    )
    emf.flush()
    api.flush()
    print("  per metric, 10 metrics + flush (EMF: JSON line; api: botocore serialisation)")
    client = boto3.client("cloudwatch", region_name="us-east-1")
    stub = Stubber(client)
    api_real = MetricsRecorder(backend="api", stage="prod", client=client)

    def api_cycle() -> None:
        stub.add_response("put_metric_data", {})
        for index in range(10):
            api_real.record_count(f"M{index}", 1, dims)
        api_real.flush()

    with stub:
        cycles = CALLS // 20
        rounds: dict[str, list[float]] = {"emf": [], "api": [], "pt": []}
        for _ in range(ROUNDS):
            for label, fn in (("emf", emf_cycle), ("api", api_cycle), ("pt", pt_cycle)):
                started = time.perf_counter()
                for _ in range(cycles):
                    fn()
                rounds[label].append((time.perf_counter() - started) / cycles / 10 * 1e6)
    show("rez emf: record + flush", statistics.median(rounds["emf"]))
    show("rez api: record + PutMetricData (one call, stubbed)", statistics.median(rounds["api"]))
    show("Powertools add_metric + flush (serialise, JSON)", statistics.median(rounds["pt"]))


def bench_spans() -> None:
    print("One span started and ended (inside a correlation scope, as in a handler)")
    from aws_lambda_powertools import Tracer as PowertoolsTracer
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter

    from rez_telemetry import correlation
    from rez_telemetry.tracing import Tracer

    class NullEmitter(UDPEmitter):
        """Drops entities before they are serialised (the SDK serialises in `send_entity`)."""

        def send_entity(self, entity: object) -> None:
            return None

    off = Tracer(backend="off")
    directory = tempfile.mkdtemp()
    otel = Tracer()
    otel.configure(
        backend="otel",
        service="bench",
        export_file=os.path.join(directory, "s.jsonl"),
        export_stdout=False,
    )

    def off_span() -> None:
        with off.span("work", message_type="manual"):
            pass

    def otel_span() -> None:
        with otel.span("work", message_type="manual"):
            pass

    # The production default: OTel spans sent to Lambda's X-Ray endpoint as ADOT does (OTLP over
    # UDP), built as in a function with active tracing; the endpoint is a socket that never reads.
    endpoint = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    endpoint.bind(("127.0.0.1", 0))
    lambda_vars = {
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{endpoint.getsockname()[1]}",
    }
    os.environ.update(lambda_vars)
    to_xray = Tracer()
    to_xray.configure(backend="otel", service="bench", export_stdout=False)
    to_xray._get_backend()
    for name in lambda_vars:
        del os.environ[name]

    def otel_xray_span() -> None:
        with to_xray.span("work", message_type="manual"):
            pass

    # Same tracer minus the export (as the X-Ray figures use a discarding emitter).
    silent = Tracer()
    silent.configure(backend="otel", service="bench", export_file=os.devnull, export_stdout=False)
    silent._get_backend().buffer.add = lambda span: None  # type: ignore[attr-defined]

    def otel_span_no_export() -> None:
        with silent.span("work", message_type="manual"):
            pass

    # A UDP "daemon" on loopback that never reads: sends cost what they cost in Lambda.
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    daemon_address = f"127.0.0.1:{daemon.getsockname()[1]}"
    xray_recorder.configure(emitter=NullEmitter(), sampling=False, context_missing="IGNORE_ERROR")
    # Outside Lambda Powertools disables itself (and the X-Ray SDK with it): measure it enabled,
    # as it runs in a function with active tracing.
    pt_tracer = PowertoolsTracer(service="bench", disabled=False)
    xray_recorder.begin_segment("bench")

    def xray_subsegment() -> None:
        xray_recorder.begin_subsegment("work")
        xray_recorder.end_subsegment()

    @pt_tracer.capture_method
    def work() -> None:
        return None

    with correlation.correlation_scope(correlation_id="c-1", message_id="m-1"):
        compare(
            {
                "rez tracer.span, off": (off_span, CALLS),
                "rez tracer.span, otel, export excluded": (otel_span_no_export, CALLS),
                "X-Ray SDK subsegment, emitter excluded": (xray_subsegment, CALLS),
                "Powertools capture_method, emitter excluded": (work, CALLS),
            }
        )
        xray_recorder.configure(emitter=UDPEmitter(daemon_address))
        compare(
            {
                "rez tracer.span, otel + JSON-lines export (amortised)": (otel_span, CALLS),
                "rez tracer.span, otel + OTLP/UDP to X-Ray (default, amortised)": (
                    otel_xray_span,
                    CALLS,
                ),
                "X-Ray SDK subsegment + UDP to a daemon (streamed)": (xray_subsegment, CALLS),
                "Powertools capture_method + UDP to a daemon": (work, CALLS),
            }
        )
    xray_recorder.end_segment()
    daemon.close()
    to_xray.reset()
    endpoint.close()
    otel.reset()
    silent.reset()


def run_ms(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, **env}, capture_output=True
    )
    return (time.perf_counter() - started) * 1000


def bench_imports() -> None:
    print(
        "Cold import of a service's telemetry set-up "
        f"(ms over bare python; median of {IMPORT_RUNS})"
    )
    span = "with tracer.span('x'): pass\ntracer.flush()"
    rez = f"from rez_telemetry import logger, metrics, tracer\nmetrics.record_count('M')\n{span}"
    lambda_env = {
        "TRACING_BACKEND": "xray",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "LAMBDA_TASK_ROOT": tempfile.gettempdir(),
        "_X_AMZN_TRACE_ID": (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        ),
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    }
    default_env = {
        **lambda_env,
        "TRACING_BACKEND": "otel",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:9",  # discard port: the datagram goes nowhere
    }
    contenders = {
        "bare python (subtracted from the others)": ("pass", {}),
        "rez_telemetry, OTel -> X-Ray over UDP (default, Lambda env)": (rez, default_env),
        "rez_telemetry, tracing off": (rez, {"TRACING_BACKEND": "off"}),
        "rez_telemetry, OTel tracing": (
            rez,
            {"TRACING_BACKEND": "otel", "TRACE_EXPORT_FILE": os.devnull},
        ),
        "rez_telemetry, legacy X-Ray SDK tracing (Lambda env)": (rez, lambda_env),
        "Powertools Logger + Metrics + Tracer()": (
            "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
            "Logger(); Metrics(namespace='RezAgent'); Tracer()",
            {},
        ),
        "import opentelemetry.sdk.trace": ("import opentelemetry.sdk.trace", {}),
        "import aws_xray_sdk.core": ("import aws_xray_sdk.core", {}),
    }
    runs: dict[str, list[float]] = {label: [] for label in contenders}
    for _ in range(IMPORT_RUNS):
        for label, (code, env) in contenders.items():
            runs[label].append(run_ms(code, env))
    bare = statistics.median(runs.pop("bare python (subtracted from the others)"))
    show("bare python interpreter start", bare, "ms")
    for label, values in runs.items():
        show(label, statistics.median(values) - bare, "ms")
    default = statistics.median(runs["rez_telemetry, OTel -> X-Ray over UDP (default, Lambda env)"])
    powertools = statistics.median(runs["Powertools Logger + Metrics + Tracer()"])
    show(
        "production default / Powertools with Tracer() (goal <= 0.50)",
        (default - bare) / (powertools - bare),
        "x",
    )


def main() -> None:
    print(f"rez_telemetry bench ({'quick' if QUICK else 'full'}; {ROUNDS} rounds x {CALLS} calls)")
    if SPANS_ONLY:
        bench_spans()
        return
    bench_logging()
    bench_metrics()
    bench_spans()
    bench_imports()


if __name__ == "__main__":
    main()
