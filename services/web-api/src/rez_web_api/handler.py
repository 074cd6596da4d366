"""Lambda entry point `rez_web_api.handler.handler` (API Gateway REST proxy integration).

Parses, routes, calls the endpoint, and answers; whatever happens the answer is JSON with
`X-Correlation-ID`, errors are problem+json, and the request/response log lines and API
metrics are written exactly once per request.
"""

from __future__ import annotations

import time
from typing import Any, Final

from rez_telemetry import (
    API_REQUEST_COUNT,
    API_RESPONSE_TIME,
    correlation,
    lambda_handler,
    logger,
    metrics,
)
from rez_web_api.api_gateway import Request, Response
from rez_web_api.endpoints import ROUTER
from rez_web_api.problems import ProblemError, internal_error

UNMATCHED_ENDPOINT: Final = "unmatched"


@lambda_handler(service="web-api")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one API Gateway proxy request."""
    started = time.perf_counter()
    correlation_id = correlation.get_correlation_id() or correlation.new_correlation_id()
    request = Request.from_api_gateway(event)
    endpoint = UNMATCHED_ENDPOINT
    logger.info(
        "API request received",
        method=request.method,
        path=request.path,
        correlation_id=correlation_id,
        user_id=request.caller.user_id,
        high_volume=request.method == "GET",
    )
    try:
        match = ROUTER.match(request.method, request.path)
        endpoint = match.route.name
        response = match.route.endpoint(request, match.params, correlation_id)
    except ProblemError as problem:
        response = Response.problem(problem, correlation_id)
    except Exception:
        logger.opt(exception=True).error(
            "API request failed", method=request.method, path=request.path, endpoint=endpoint
        )
        response = Response.problem(internal_error(correlation_id), correlation_id)
    duration_ms = (time.perf_counter() - started) * 1000.0
    _record(request, endpoint, response.status, duration_ms, correlation_id)
    return response.to_api_gateway(correlation_id)


def _record(
    request: Request, endpoint: str, status: int, duration_ms: float, correlation_id: str
) -> None:
    """The "API response sent" line (successful GETs sampled) and the two API metrics."""
    routine = request.method == "GET" and status < 400
    logger.info(
        "API response sent",
        status_code=status,
        method=request.method,
        path=request.path,
        endpoint=endpoint,
        correlation_id=correlation_id,
        duration_ms=round(duration_ms, 3),
        high_volume=routine,
    )
    metrics.record_count(API_REQUEST_COUNT, 1, {"Endpoint": endpoint, "StatusCode": str(status)})
    # The API-5xx alarm reads one series per status class: an alarm cannot add up the
    # StatusCode values of every endpoint, so the count is also kept by class.
    metrics.record_count(API_REQUEST_COUNT, 1, {"StatusClass": f"{status // 100}xx"})
    metrics.record_duration(API_RESPONSE_TIME, duration_ms, {"Endpoint": endpoint})
