"""`@lambda_handler`: one invocation's logging, correlation and lifecycle hooks, then gone.

The invocation runs in a copy of the current `contextvars` context, so whatever it sets
(correlation, invocation fields, a tracer's active span) disappears when it returns.
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from rez_telemetry import _env, _lifecycle
from rez_telemetry._lazy import lazy_module
from rez_telemetry.cold_start import consume_cold_start
from rez_telemetry.context import CorrelationInfo, CorrelationSource, scope_for
from rez_telemetry.correlation.extraction import (
    batch_correlation_ids,
    detect_event_source,
    extract,
)
from rez_telemetry.correlation.records import hold_sqs_records
from rez_telemetry.handler.expected import handled, is_handled
from rez_telemetry.logging import logger
from rez_telemetry.logging.config import configure_logging, ensure_configured
from rez_telemetry.logging.invocation import set_invocation_fields, xray_trace_id_from_header
from rez_telemetry.logging.sampling import begin_invocation
from rez_telemetry.logging.state import STATE

if TYPE_CHECKING:
    from rez_telemetry import metrics, tracing
else:
    # Loaded when a handler is wrapped, not when rez_telemetry is imported.
    metrics = lazy_module("rez_telemetry.metrics")
    tracing = lazy_module("rez_telemetry.tracing")

__all__ = ["lambda_handler"]


@overload
def lambda_handler[Handler: Callable[..., Any]](handler: Handler, /) -> Handler: ...


@overload
def lambda_handler[Handler: Callable[..., Any]](
    *, service: str | None = None, correlation_from: CorrelationSource = "auto"
) -> Callable[[Handler], Handler]: ...


def lambda_handler[Handler: Callable[..., Any]](
    handler: Handler | None = None,
    /,
    *,
    service: str | None = None,
    correlation_from: CorrelationSource = "auto",
) -> Handler | Callable[[Handler], Handler]:
    """Wrap a Lambda handler: `@lambda_handler` or `@lambda_handler(service="processor")`.

    Per invocation: sets `function_request_id`, `cold_start`, `xray_trace_id`; reads the
    correlation from the event (`correlation_from`: "auto" detects the event type); logs
    "Invocation started" (DEBUG) and "Invocation completed" with `duration_ms` (INFO), or an
    unhandled exception once at ERROR before re-raising it (not one marked `handled()`); runs
    the lifecycle hooks — metrics' and tracing's are registered here, so a handler that never
    touches `metrics` or `tracer` still gets its cold-start metric, flush and invocation span.
    """

    def decorate(function: Handler) -> Handler:
        _install_hooks()

        @functools.wraps(function)
        def wrapper(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            _configure_for(service)
            invocation = contextvars.copy_context()
            return invocation.run(_invoke, function, correlation_from, event, context, args, kwargs)

        return wrapper  # type: ignore[return-value]

    if handler is not None:
        return decorate(handler)
    return decorate


def _install_hooks() -> None:
    """Register metrics' and tracing's lifecycle hooks (idempotent; neither loads its SDK)."""
    metrics.install()
    tracing.install()


def _configure_for(service: str | None) -> None:
    if service is not None and STATE.explicit.get("service") != service:
        configure_logging(service=service)
    elif not STATE.ready:
        ensure_configured()


def _invoke(
    function: Callable[..., Any],
    correlation_from: CorrelationSource,
    event: Any,
    context: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    started = time.perf_counter()
    set_invocation_fields(
        function_request_id=getattr(context, "aws_request_id", None),
        cold_start=consume_cold_start(),
        xray_trace_id=xray_trace_id_from_header(_env.read(_env.XRAY_TRACE_ID)),
    )
    begin_invocation()
    sink = STATE.sink
    if sink is not None:
        sink.buffer.begin()
    try:
        kind = detect_event_source(event) if correlation_from == "auto" else correlation_from
        if kind == "sqs_batch":
            # Read once here, in the invocation's own context: every later reader shares it.
            hold_sqs_records(event)
        info = extract(event, kind)
        with scope_for(info):
            return _run_handler(function, event, context, args, kwargs, info, started)
    finally:
        if sink is not None:
            sink.buffer.end()


def _run_handler(
    function: Callable[..., Any],
    event: Any,
    context: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    info: CorrelationInfo,
    started: float,
) -> Any:
    _log_started(event, info)
    _lifecycle.run_start_hooks(event, context, info)
    error: BaseException | None = None
    try:
        result = function(event, context, *args, **kwargs)
    except BaseException as exc:
        error = exc
        _log_failure(exc, started)
        raise
    finally:
        _lifecycle.run_end_hooks(error)
    logger.info("Invocation completed", duration_ms=_elapsed_ms(started))
    return result


def _log_started(event: Any, info: CorrelationInfo) -> None:
    if info.source == "sqs_batch" and isinstance(event, dict):
        logger.debug(
            "Invocation started",
            event_source=info.source,
            batch_size=len(event.get("Records") or ()),
            correlation_ids=batch_correlation_ids(event),
        )
    else:
        logger.debug("Invocation started", event_source=info.source)


def _log_failure(exc: BaseException, started: float) -> None:
    """ERROR with the structured exception, once even through nested decorators.

    Skipped for an exception marked `handled()`: its raiser logged it already.
    """
    if is_handled(exc):
        return
    logger.opt(exception=exc).error(
        "Invocation failed", duration_ms=_elapsed_ms(started), error_type=type(exc).__name__
    )
    handled(exc)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
