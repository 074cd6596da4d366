"""ProblemError details documents (RFC 9457)."""

from __future__ import annotations

from rez_web_api.problems import ProblemError, internal_error, method_not_allowed


def test_problem_body_has_the_rfc_members_and_the_correlation_id():
    # GIVEN a validation problem with an extension member
    problem = ProblemError(
        400, "validation-error", "message: is required", extensions={"errors": []}
    )
    # WHEN rendered THEN type/title/status/detail/correlation_id plus the extension
    assert problem.body("corr-1") == {
        "type": "urn:rez-agent:problem:validation-error",
        "title": "Bad Request",
        "status": 400,
        "detail": "message: is required",
        "correlation_id": "corr-1",
        "errors": [],
    }


def test_internal_error_names_only_the_correlation_id():
    problem = internal_error("corr-42")
    assert problem.status == 500
    assert problem.title == "Internal Server Error"
    assert "corr-42" in problem.detail


def test_method_not_allowed_sets_allow():
    problem = method_not_allowed("PUT", "/api/health", ["GET"])
    assert problem.headers == {"Allow": "GET"}
    assert problem.title == "Method Not Allowed"
