"""RFC 9457 problem details: every error answer of the API, as an exception the handler maps.

A `ProblemError` carries only what the client may see. Internal errors become `internal_error()`,
whose detail names nothing but the correlation ID the logs are searchable by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

PROBLEM_CONTENT_TYPE: Final = "application/problem+json"
TYPE_BASE: Final = "urn:rez-agent:problem:"


@dataclass
class ProblemError(Exception):
    """An error answer: HTTP status, a stable `type` URI, a human title and a precise detail.

    `headers` are added to the answer (e.g. `Allow` on 405); `extensions` are extra members
    (e.g. `errors`, the list of invalid fields).
    """

    status: int
    slug: str
    detail: str
    title: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)
        if not self.title:
            self.title = HTTPStatus(self.status).phrase

    @property
    def type(self) -> str:
        """The problem type URI (a URN: stable, and never mistaken for a page to fetch)."""
        return TYPE_BASE + self.slug

    def body(self, correlation_id: str) -> dict[str, Any]:
        """The problem+json document."""
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "correlation_id": correlation_id,
            **self.extensions,
        }


def bad_request(slug: str, detail: str, **extensions: Any) -> ProblemError:
    """400: the request is malformed or invalid (the detail says exactly how)."""
    return ProblemError(400, slug, detail, extensions=extensions)


def not_found(detail: str) -> ProblemError:
    """404: no such route or resource."""
    return ProblemError(404, "not-found", detail)


def method_not_allowed(method: str, path: str, allowed: list[str]) -> ProblemError:
    """405 with the `Allow` header listing what the path accepts."""
    allow = ", ".join(allowed)
    return ProblemError(
        405,
        "method-not-allowed",
        f"{method} is not allowed on {path}; allowed: {allow}",
        headers={"Allow": allow},
    )


def internal_error(correlation_id: str) -> ProblemError:
    """500 that reveals nothing but where to look."""
    return ProblemError(
        500,
        "internal-error",
        f"The request could not be completed. Quote correlation ID {correlation_id} to support.",
    )
