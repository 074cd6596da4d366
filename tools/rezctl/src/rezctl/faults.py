"""A client of the local harness's fault injection (``/_rez/faults``), for tests and rezctl.

The harness only: AWS has no such API (AWS Fault Injection Service works on infrastructure, not
on single API calls). ``AWS_ERRORS`` names the errors AWS documents for the operations this
system calls, with their HTTP statuses, so a test says ``throttle("dynamodb", "PutItem", ...)``
instead of spelling codes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import httpx

# (code, HTTP status, message) as AWS answers them.
AWS_ERRORS: Final[dict[str, tuple[str, int, str]]] = {
    # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html
    "dynamodb.throughput": (
        "ProvisionedThroughputExceededException",
        400,
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    ),
    "dynamodb.throttling": (
        "ThrottlingException",
        400,
        "Rate of requests exceeds the allowed throughput.",
    ),
    "dynamodb.internal": ("InternalServerError", 500, "Internal server error"),
    # https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
    "sns.internal": ("InternalError", 500, "Internal Error"),
    "sns.throttled": ("Throttled", 400, "Rate exceeded"),
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
    "sqs.internal": ("InternalError", 500, "We encountered an internal error. Please try again."),
    "sqs.unavailable": ("ServiceUnavailable", 503, "Service is unable to handle request."),
    # https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
    "lambda.throttled": ("TooManyRequestsException", 429, "Rate Exceeded."),
    "lambda.service": (
        "ServiceException",
        500,
        "The AWS Lambda service encountered an internal error.",
    ),
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html
    "secretsmanager.internal": (
        "InternalServiceError",
        500,
        "An error occurred on the server side.",
    ),
    "secretsmanager.throttling": ("ThrottlingException", 400, "Rate exceeded"),
}


@dataclass(slots=True)
class FaultInjector:
    """Rules and crash points on one harness (``endpoint``: its gateway URL)."""

    endpoint: str
    timeout: float = 10.0

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method, f"{self.endpoint.rstrip('/')}{path}", json=body, timeout=self.timeout
        )
        if response.status_code >= 400:
            raise ValueError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def add(self, **rule: Any) -> dict[str, Any]:
        """A raw rule (see the harness README): returns it with its ``id``."""
        return dict(self._call("POST", "/_rez/faults", rule))

    def error(
        self,
        service: str,
        operation: str = "*",
        *,
        error: str,
        resource: str = "*",
        count: int | None = None,
        probability: float | None = None,
        duration_s: float | None = None,
        latency_ms: int = 0,
        source: str = "any",
        contains: str | None = None,
        caller: str | None = None,
    ) -> dict[str, Any]:
        """Answer ``AWS_ERRORS[error]`` (or ``"Code:status"``) to matching calls.

        ``contains``: only requests whose text holds it (a message id); ``caller``: only calls
        made by that function (glob on its name)."""
        if error in AWS_ERRORS:
            code, status, message = AWS_ERRORS[error]
        else:
            code, _, raw_status = error.partition(":")
            status, message = int(raw_status or 400), ""
        rule: dict[str, Any] = {
            "service": service,
            "operation": operation,
            "resource": resource,
            "source": source,
            "error": {"code": code, "status": status, "message": message},
        }
        for key, value in (
            ("count", count),
            ("probability", probability),
            ("duration_s", duration_s),
            ("latency_ms", latency_ms or None),
            ("contains", contains),
            ("caller", caller),
        ):
            if value is not None:
                rule[key] = value
        return self.add(**rule)

    def latency(
        self, service: str, operation: str = "*", *, ms: int, resource: str = "*", **window: Any
    ) -> dict[str, Any]:
        return self.add(
            service=service, operation=operation, resource=resource, latency_ms=ms, **window
        )

    def rules(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_rez/faults")["rules"])

    def remove(self, rule_id: str) -> None:
        self._call("DELETE", f"/_rez/faults/{rule_id}")

    def clear(self) -> int:
        return int(self._call("DELETE", "/_rez/faults")["removed"])

    def crash(
        self,
        function: str,
        point: str,
        *,
        count: int = 1,
        mode: str = "kill",
        match: str | None = None,
    ) -> Any:
        """Kill ``function``'s runtime at ``point`` on its next ``count`` passes (only for the
        message whose id or correlation id contains ``match``, when given)."""
        body = {"function": function, "point": point, "count": count, "mode": mode}
        if match:
            body["match"] = match
        return self._call("POST", "/_rez/faults/crash", body)

    def crashes(self) -> dict[str, Any]:
        return dict(self._call("GET", "/_rez/faults/crash")["functions"])

    def clear_crashes(self) -> int:
        return int(self._call("DELETE", "/_rez/faults/crash")["removed"])

    @contextlib.contextmanager
    def rule(self, **rule: Any) -> Iterator[dict[str, Any]]:
        """A rule for the ``with`` block only."""
        added = self.add(**rule)
        try:
            yield added
        finally:
            with contextlib.suppress(ValueError):
                self.remove(added["id"])
