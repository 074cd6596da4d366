"""Heavy SDKs load lazily: a service that traces nothing pays nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

HEAVY = ("opentelemetry", "aws_xray_sdk", "boto3", "botocore")


def loaded_after(code: str, **env: str) -> dict[str, bool]:
    script = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json, sys
        names = {HEAVY!r}
        loaded = {{n: any(m == n or m.startswith(n + ".") for m in sys.modules) for n in names}}
        print(json.dumps(loaded))
        """
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRACING_", "TRACE_", "OTEL_", "METRICS_"))
    }
    clean.update(env)
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=clean
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_importing_telemetry_and_metrics_imports_no_sdk() -> None:
    # GIVEN a fresh process
    # WHEN rez_telemetry, its metrics and tracing are imported and a metric recorded
    loaded = loaded_after(
        """
        import rez_telemetry
        from rez_telemetry import metrics, tracer
        import rez_telemetry.tracing
        metrics.record_count("MessagesCreated")
        """
    )
    # THEN no tracing SDK nor boto3/botocore was imported
    assert loaded == dict.fromkeys(HEAVY, False)


def test_tracing_off_imports_nothing_even_when_used() -> None:
    loaded = loaded_after(
        """
        from rez_telemetry import tracer
        with tracer.span("work", message_type="manual"):
            tracer.annotate(correlation_id="c")
        assert tracer.current_trace_header() is None
        """,
        TRACING_BACKEND="off",
    )
    assert loaded == dict.fromkeys(HEAVY, False)


def test_otel_backend_loads_opentelemetry_only() -> None:
    # GIVEN the OTel back end WHEN a span is made
    loaded = loaded_after(
        """
        from rez_telemetry import tracer
        with tracer.span("work"):
            pass
        assert tracer.backend_name == "otel"
        """,
        TRACING_BACKEND="otel",
        TRACE_EXPORT_STDOUT="0",
    )
    # THEN OpenTelemetry is loaded, the X-Ray SDK and botocore are not
    assert loaded == {
        "opentelemetry": True,
        "aws_xray_sdk": False,
        "boto3": False,
        "botocore": False,
    }


def test_decorating_and_invoking_a_handler_imports_no_sdk() -> None:
    # GIVEN a fresh process with metrics and tracing left to their defaults outside Lambda
    # WHEN a handler is decorated (registering metrics' and tracing's hooks) and invoked
    loaded = loaded_after(
        """
        import sys
        from rez_telemetry import lambda_handler
        @lambda_handler(service="scheduler")
        def handler(event, context):
            return "ok"
        assert "rez_telemetry.metrics" in sys.modules and "rez_telemetry.tracing" in sys.modules
        assert handler({}, None) == "ok"
        """
    )
    # THEN no tracing SDK nor boto3/botocore was imported
    assert loaded == dict.fromkeys(HEAVY, False)


def test_a_handler_that_never_touches_metrics_or_tracer_gets_both(tmp_path) -> None:
    # GIVEN a service that only imports lambda_handler, in Lambda with EMF and OTel export
    spans = tmp_path / "spans.jsonl"
    script = textwrap.dedent(
        """
        from types import SimpleNamespace
        from rez_telemetry import lambda_handler
        @lambda_handler(service="scheduler")
        def handler(event, context):
            return "ok"
        context = SimpleNamespace(function_name="rez-agent-scheduler-dev", aws_request_id="r-1")
        handler({"correlation_id": "corr-cold"}, context)
        """
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRACING_", "TRACE_", "OTEL_", "METRICS_", "LOG_", "STAGE"))
    }
    clean.update(
        AWS_LAMBDA_FUNCTION_NAME="rez-agent-scheduler-dev",
        TRACING_BACKEND="otel",
        TRACE_EXPORT_FILE=str(spans),
        TRACE_EXPORT_STDOUT="0",
    )
    # WHEN its first invocation runs
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=clean
    ).stdout
    # THEN its ColdStart metric left as EMF (Stage read from the function name) ...
    documents = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    [cold] = [d for d in documents if "ColdStart" in d]
    assert (cold["function_name"], cold["Stage"]) == ("rez-agent-scheduler-dev", "dev")
    # ... and its invocation span was exported
    [span] = [json.loads(line) for line in spans.read_text().splitlines()]
    assert (span["name"], span["correlation_id"]) == ("rez-agent-scheduler-dev", "corr-cold")
