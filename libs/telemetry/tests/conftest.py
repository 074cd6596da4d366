"""Shared fixtures: a clean telemetry state for every test, captured log lines, real events."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from rez_telemetry import _lifecycle
from rez_telemetry.correlation import propagation
from rez_telemetry.correlation.context import CORRELATION_FIELDS
from rez_telemetry.handler import reset_cold_start
from rez_telemetry.logging import configure_logging, reset_logging
from rez_telemetry.logging.invocation import INVOCATION_FIELDS

EVENTS = Path(__file__).parent / "events"
_TELEMETRY_ENV = (
    "STAGE",
    "SERVICE_NAME",
    "LOG_LEVEL",
    "LOG_SAMPLE_RATE",
    "LOG_DEBUG_BUFFER",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "_X_AMZN_TRACE_ID",
)


def _clear_context() -> None:
    CORRELATION_FIELDS.set(MappingProxyType({}))
    INVOCATION_FIELDS.set(MappingProxyType({}))


@pytest.fixture(autouse=True)
def _clean_telemetry_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No env, logging, cold start, hooks or injectors leak from one test into the next."""
    for name in _TELEMETRY_ENV:
        monkeypatch.delenv(name, raising=False)
    hooks = _lifecycle.hooks()
    injectors = list(propagation._injectors)
    _clear_context()
    reset_logging()
    reset_cold_start()
    yield
    reset_logging()
    reset_cold_start()
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
