"""`@lambda_handler`: invocation fields, correlation, start/end lines, errors, no leftovers."""

from __future__ import annotations

import inspect

import pytest

import rez_telemetry
from rez_telemetry import correlation, lambda_handler, logger
from rez_telemetry.cold_start import reset_cold_start
from rez_telemetry.correlation import get_correlation_id


def test_usable_with_and_without_arguments_and_keeps_the_name(logs, lambda_context):
    @lambda_handler
    def bare(event, context):
        """Bare docstring."""
        return "bare"

    @lambda_handler(service="processor", correlation_from="invoke")
    def configured(event, context):
        return "configured"

    assert bare({}, lambda_context) == "bare"
    assert configured({}, lambda_context) == "configured"
    assert (bare.__name__, bare.__doc__) == ("bare", "Bare docstring.")
    assert inspect.unwrap(configured).__name__ == "configured"


def test_invocation_lines_carry_request_id_cold_start_and_duration(logs, lambda_context):
    @lambda_handler(service="processor")
    def handler(event, context):
        logger.info("work")

    handler({"correlation_id": "corr-1"}, lambda_context)
    started, work, completed = logs.lines
    assert (started["message"], started["level"]) == ("Invocation started", "DEBUG")
    assert started["event_source"] == "invoke"
    for line in (started, work, completed):
        assert line["service"] == "processor"
        assert line["function_request_id"] == lambda_context.aws_request_id
        assert line["correlation_id"] == "corr-1"
        assert line["cold_start"] is True
    assert (completed["message"], completed["level"]) == ("Invocation completed", "INFO")
    assert isinstance(completed["duration_ms"], float)
    assert completed["duration_ms"] >= 0


def test_cold_start_is_true_only_for_the_first_invocation(logs, lambda_context):
    @lambda_handler
    def handler(event, context):
        return None

    handler({}, lambda_context)
    handler({}, lambda_context)
    reset_cold_start()
    handler({}, lambda_context)
    completed = [
        line["cold_start"] for line in logs.lines if line["message"] == "Invocation completed"
    ]
    assert completed == [True, False, True]


def test_provisioned_concurrency_is_never_a_cold_start(logs, lambda_context, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency")

    @lambda_handler
    def handler(event, context):
        return None

    handler({}, lambda_context)
    assert logs.find("Invocation completed")["cold_start"] is False


def test_xray_trace_id_comes_from_the_lambda_environment(logs, lambda_context, monkeypatch):
    monkeypatch.setenv(
        "_X_AMZN_TRACE_ID",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    )

    @lambda_handler
    def handler(event, context):
        return None

    handler({}, lambda_context)
    assert (
        logs.find("Invocation completed")["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    )


def test_an_unhandled_exception_is_logged_once_and_re_raised(logs, lambda_context):
    # GIVEN nested decorated handlers, the inner one failing
    @lambda_handler
    def inner(event, context):
        raise ConnectionError("ntfy unreachable")

    @lambda_handler
    def outer(event, context):
        return inner(event, context)

    # WHEN invoked
    with pytest.raises(ConnectionError, match="ntfy unreachable"):
        outer({"correlation_id": "corr-err"}, lambda_context)
    # THEN exactly one ERROR line, structured, with its correlation ID
    errors = [line for line in logs.lines if line["level"] == "ERROR"]
    assert len(errors) == 1
    (error,) = errors
    assert error["message"] == "Invocation failed"
    assert error["correlation_id"] == "corr-err"
    assert error["error_type"] == "ConnectionError"
    assert error["exception"]["type"] == "ConnectionError"
    assert "Invocation completed" not in logs.messages()


def test_no_context_is_left_for_the_next_invocation(logs, lambda_context, load_event):
    @lambda_handler
    def handler(event, context):
        correlation.set_correlation_id("set-inside")
        logger.info("inside", correlation_id_seen=get_correlation_id())

    handler(load_event("apiGatewayProxyEvent.json"), lambda_context)
    # THEN after the invocation nothing remains
    assert get_correlation_id() is None
    logger.info("after")
    after = logs.lines[-1]
    assert "correlation_id" not in after
    assert "function_request_id" not in after


def test_correlation_from_api_gateway_event(logs, lambda_context, load_event):
    @lambda_handler(correlation_from="api_gateway")
    def handler(event, context):
        return correlation.http_headers()

    headers = handler(load_event("apiGatewayProxyEvent.json"), lambda_context)
    assert headers["X-Correlation-ID"] == "660e9500-f39c-52e5-b827-557766551111"
    assert logs.find("Invocation completed")["correlation_id"] == headers["X-Correlation-ID"]


def test_the_event_is_auto_detected(logs, lambda_context, load_event):
    seen = {}

    @lambda_handler
    def handler(event, context):
        seen["id"] = get_correlation_id()

    handler(load_event("snsEvent.json"), lambda_context)
    assert seen["id"] == "sns-corr-42"
    assert logs.find("Invocation started")["event_source"] == "sns"


def test_an_sqs_batch_lists_its_correlation_ids_on_the_first_line(logs, lambda_context, load_event):
    @lambda_handler(service="processor", correlation_from="sqs_batch")
    def handler(event, context):
        return None

    handler(load_event("sqsEventRawDelivery.json"), lambda_context)
    started = logs.find("Invocation started")
    assert started["batch_size"] == 3
    assert started["correlation_ids"] == ["corr-aaaa-0001", "corr-bbbb-0002", "corr-cccc-0003"]


def test_the_handler_configures_logging_on_first_call_not_at_import(monkeypatch, capsys):
    from rez_telemetry.logging.state import STATE

    monkeypatch.setenv("STAGE", "prod")

    @lambda_handler(service="notifier")
    def handler(event, context):
        return None

    assert not STATE.ready
    handler({}, None)
    assert STATE.ready
    assert '"service":"notifier"' in capsys.readouterr().out


def test_an_error_marked_handled_is_re_raised_without_an_error_line(logs, lambda_context):
    # GIVEN a handler that logs its own decision, then raises an expected error
    @lambda_handler(service="authorizer")
    def handler(event, context):
        logger.warning("Authorizer decision", decision="unauthorized")
        raise rez_telemetry.handled(Exception("Unauthorized"))

    # WHEN invoked
    with pytest.raises(Exception, match=r"^Unauthorized$") as caught:
        handler({}, lambda_context)
    # THEN the very exception propagates, marked, and the decision is the only line above DEBUG
    assert rez_telemetry.is_handled(caught.value)
    assert [
        (line["level"], line["message"]) for line in logs.lines if line["level"] != "DEBUG"
    ] == [("WARNING", "Authorizer decision")]


def test_handled_returns_its_argument_and_marks_only_it():
    # GIVEN two errors of the same type
    error, other = ValueError("expected"), ValueError("a fault")
    # WHEN one is marked THEN it comes back as is, and only it is handled
    assert rez_telemetry.handled(error) is error
    assert rez_telemetry.is_handled(error)
    assert not rez_telemetry.is_handled(other)


def test_decorating_registers_the_metrics_and_tracing_hooks(logs, lambda_context, tmp_path):
    # GIVEN no lifecycle hook registered (a service that never touched metrics nor tracer)
    from rez_telemetry import _lifecycle, metrics
    from rez_telemetry.metrics import MetricsLifecycleHook
    from rez_telemetry.tracing import TracingLifecycleHook, tracer
    from rez_telemetry.tracing.tree import load_spans

    _lifecycle.clear()
    emitted: list[str] = []
    metrics.configure(backend="emf", stage="dev", write=emitted.append)
    spans = tmp_path / "spans.jsonl"
    tracer.configure(backend="otel", export_file=str(spans), export_stdout=False)

    # WHEN a handler is decorated and invoked
    @lambda_handler(service="scheduler")
    def handler(event, context):
        return "ok"

    kinds = {type(hook) for hook in _lifecycle.hooks()}
    handler({"correlation_id": "corr-hooks"}, lambda_context)
    # THEN both hooks were registered at decoration, the cold start was counted and flushed,
    # and the invocation span exported
    assert {MetricsLifecycleHook, TracingLifecycleHook} <= kinds
    assert any('"ColdStart"' in text for text in emitted)
    [span] = load_spans(spans)
    assert (span["name"], span["correlation_id"]) == (lambda_context.function_name, "corr-hooks")
