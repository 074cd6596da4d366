"""Shared fixtures: a clean telemetry state for every test, captured log lines, real events."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from rez_telemetry import _env, _lifecycle, metrics
from rez_telemetry.cold_start import reset_cold_start
from rez_telemetry.context import CORRELATION_FIELDS
from rez_telemetry.correlation import propagation
from rez_telemetry.logging import configure_logging, reset_logging
from rez_telemetry.logging.invocation import INVOCATION_FIELDS
from rez_telemetry.tracing import tracer

EVENTS = Path(__file__).parent / "events"
_TELEMETRY_PREFIXES = ("LOG_", "METRICS_", "TRACING_", "TRACE_", "OTEL_")


def _telemetry_env() -> set[str]:
    """Every variable rez_telemetry reads (named in `_env`), and any of its families."""
    names: set[str] = set()
    for attribute in _env.__all__:
        value = getattr(_env, attribute)
        if isinstance(value, str):
            names.add(value)
        elif isinstance(value, tuple):
            names.update(value)
    return names | {name for name in os.environ if name.startswith(_TELEMETRY_PREFIXES)}


def _clear_context() -> None:
    CORRELATION_FIELDS.set(MappingProxyType({}))
    INVOCATION_FIELDS.set(MappingProxyType({}))


@pytest.fixture(autouse=True)
def _clean_telemetry_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No env, logging, metrics, tracer, cold start, hooks or injectors leak between tests."""
    for name in _telemetry_env():
        monkeypatch.delenv(name, raising=False)
    hooks = _lifecycle.hooks()
    injectors = list(propagation._injectors)
    _clear_context()
    reset_logging()
    reset_cold_start()
    metrics.reset()
    tracer.reset()
    yield
    reset_logging()
    reset_cold_start()
    metrics.reset()
    tracer.reset()
    _clear_context()
    _lifecycle.clear()
    for hook in hooks:
        _lifecycle.register(hook)
    propagation._injectors[:] = injectors


class LogCapture:
    """Lines written by the JSON sink, raw and parsed."""

    def __init__(self) -> None:
        self.raw: list[str] = []

    def __call__(self, line: str) -> None:
        self.raw.append(line)

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw]

    def messages(self) -> list[str]:
        return [line["message"] for line in self.lines]

    def find(self, message: str) -> dict[str, Any]:
        matches = [line for line in self.lines if line["message"] == message]
        assert len(matches) == 1, f"expected one {message!r} line, got {len(matches)}"
        return matches[0]


@pytest.fixture
def capture_logs() -> Callable[..., LogCapture]:
    """Configure logging into a list: `logs = capture_logs(stage="prod", level="INFO")`."""

    def configure(**settings: Any) -> LogCapture:
        capture = LogCapture()
        settings.setdefault("service", "test-service")
        settings.setdefault("stage", "dev")
        configure_logging(sink=capture, **settings)
        return capture

    return configure


@pytest.fixture
def logs(capture_logs: Callable[..., LogCapture]) -> LogCapture:
    """Logging at DEBUG, stage dev, service `test-service`, into a list."""
    return capture_logs()


@pytest.fixture
def load_event() -> Callable[[str], Any]:
    """A real event shape from tests/events, parsed."""

    def load(name: str) -> Any:
        return json.loads((EVENTS / name).read_text())

    return load


class FakeLambdaContext:
    """The attributes of the Lambda context object that the handler reads."""

    def __init__(self, request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef") -> None:
        self.aws_request_id = request_id
        self.function_name = "rez-agent-message-processor-dev"
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = (
            "arn:aws:lambda:us-east-1:123456789012:function:rez-agent-message-processor-dev"
        )


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()
