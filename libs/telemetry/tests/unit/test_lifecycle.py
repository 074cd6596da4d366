"""Lifecycle hooks: start in order, end in reverse, failures logged and never masking."""

from __future__ import annotations

import pytest

from rez_telemetry import _lifecycle, lambda_handler
from rez_telemetry.correlation import CorrelationInfo


class RecordingHook:
    def __init__(self, name: str, calls: list, fail_on: str | None = None) -> None:
        self.name, self.calls, self.fail_on = name, calls, fail_on

    def on_invocation_start(self, event, context, info):
        self.calls.append((self.name, "start", info.correlation_id))
        if self.fail_on == "start":
            raise RuntimeError(f"{self.name} start broke")

    def on_invocation_end(self, error):
        self.calls.append((self.name, "end", type(error).__name__ if error else None))
        if self.fail_on == "end":
            raise RuntimeError(f"{self.name} end broke")


def test_start_hooks_run_in_order_and_end_hooks_in_reverse(lambda_context, logs):
    calls: list = []
    _lifecycle.register(RecordingHook("metrics", calls))
    _lifecycle.register(RecordingHook("tracing", calls))

    @lambda_handler
    def handler(event, context):
        calls.append(("handler", "run", None))
        return 1

    handler({"correlation_id": "c-1"}, lambda_context)
    assert calls == [
        ("metrics", "start", "c-1"),
        ("tracing", "start", "c-1"),
        ("handler", "run", None),
        ("tracing", "end", None),
        ("metrics", "end", None),
    ]


def test_end_hooks_see_the_handlers_exception(lambda_context, logs):
    calls: list = []
    _lifecycle.register(RecordingHook("metrics", calls))

    @lambda_handler
    def handler(event, context):
        raise KeyError("x")

    with pytest.raises(KeyError):
        handler({}, lambda_context)
    assert calls[-1] == ("metrics", "end", "KeyError")


@pytest.mark.parametrize("fail_on", ["start", "end"])
def test_a_failing_hook_is_logged_and_never_masks_the_result(lambda_context, logs, fail_on):
    calls: list = []
    _lifecycle.register(RecordingHook("broken", calls, fail_on=fail_on))
    _lifecycle.register(RecordingHook("healthy", calls))

    @lambda_handler
    def handler(event, context):
        return "result"

    assert handler({}, lambda_context) == "result"
    failure = logs.find("Lifecycle hook failed")
    assert failure["level"] == "ERROR"
    assert failure["phase"] == f"on_invocation_{fail_on}"
    assert failure["exception"]["message"] == f"broken {fail_on} broke"
    assert ("healthy", "end", None) in calls


def test_a_failing_end_hook_never_masks_the_handlers_exception(lambda_context, logs):
    _lifecycle.register(RecordingHook("broken", [], fail_on="end"))

    @lambda_handler
    def handler(event, context):
        raise TimeoutError("the real problem")

    with pytest.raises(TimeoutError, match="the real problem"):
        handler({}, lambda_context)


def test_registering_twice_keeps_one_and_unregister_removes():
    hook = RecordingHook("once", [])
    _lifecycle.register(hook)
    _lifecycle.register(hook)
    assert _lifecycle.hooks().count(hook) == 1
    _lifecycle.unregister(hook)
    assert hook not in _lifecycle.hooks()


def test_hooks_conform_to_the_protocol():
    assert isinstance(RecordingHook("p", []), _lifecycle.InvocationHook)
    info = CorrelationInfo(correlation_id="c")
    _lifecycle.run_start_hooks({}, None, info)  # no hooks: nothing happens
