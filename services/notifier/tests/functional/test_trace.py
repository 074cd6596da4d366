"""The notifier's part of the trace (docs/observability.md): circuit state, HTTP POST, a write."""

from __future__ import annotations

import pytest

from rez_notifier.errors import NtfyUnavailableError
from rez_notifier.handler import handler
from rez_telemetry.tracing import ReservoirSampler, tracer
from rez_telemetry.tracing.tree import build_trees, load_spans


@pytest.fixture
def spans_file(tmp_path):
    """OpenTelemetry on, every invocation sampled, spans appended to a file."""
    path = tmp_path / "spans.jsonl"
    tracer.configure(backend="otel", export_file=str(path), sampler=ReservoirSampler(1, 1.0))
    return path


def _notifier_tree(path, correlation_id):
    [root] = build_trees(load_spans(path), correlation_id)
    return root


def _shape(root):
    return [
        (child.name, (child.span.get("attributes") or {}).get("aws.table_name"))
        for child in root.children
    ]


def test_a_sent_notification_traces_as_documented(
    spans_file,
    wire,
    settings,
    store_message,
    publish,
    responses,
    invoke_event,
    lambda_context,
    table_names,
) -> None:
    # GIVEN the processor's payload with its trace context, and ntfy accepting
    store_message()
    wire(settings)
    publish.return_value = responses.ok("id-t")
    # WHEN notified
    handler(invoke_event, lambda_context)
    # THEN one invocation span continues the processor's trace (same root, its parent id)
    root = _notifier_tree(spans_file, invoke_event["correlation_id"])
    assert root.name == lambda_context.function_name
    assert root.span["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert root.span["parent_id"] == "53995c3f42cd8ad8"
    # AND it is annotated for search
    attributes = root.span["attributes"]
    assert attributes["correlation_id"] == invoke_event["correlation_id"]
    assert attributes["message_id"] == invoke_event["message_id"]
    assert attributes["message_type"] == "scheduled_hello"
    # AND under it: the message read, the circuit state read, the POST, the id write
    assert _shape(root) == [
        ("DynamoDB.GetItem", table_names.messages),
        ("DynamoDB.GetItem", table_names.breaker),
        ("HTTP POST", None),
        ("DynamoDB.UpdateItem", table_names.messages),
    ]
    # AND ntfy received the trace context of that POST
    request = publish.calls.last.request
    post = root.find("HTTP POST")
    assert post is not None
    assert post.span["span_id"] in request.headers["traceparent"]


def test_a_failed_send_writes_the_circuit_state(
    spans_file,
    wire,
    settings,
    store_message,
    publish,
    responses,
    invoke_event,
    lambda_context,
    table_names,
) -> None:
    # GIVEN ntfy answering 503 every time
    store_message()
    wire(settings)
    publish.side_effect = lambda request: responses.error(503, "down")
    # WHEN notified
    with pytest.raises(NtfyUnavailableError):
        handler(invoke_event, lambda_context)
    # THEN the trace shows the state read, the POST attempts, and the state write, in order
    root = _notifier_tree(spans_file, invoke_event["correlation_id"])
    shape = _shape(root)
    assert shape[1] == ("DynamoDB.GetItem", table_names.breaker)
    assert shape[-1] == ("DynamoDB.UpdateItem", table_names.breaker)
    # AND every retry first read the shared circuit again (another instance may have opened it)
    post = ("HTTP POST", None)
    attempts = shape[2:-1]
    assert attempts.count(post) == publish.call_count > 1
    assert attempts == [post] + [("DynamoDB.GetItem", table_names.breaker), post] * (
        publish.call_count - 1
    )
    assert root.span["status"] == "error"
