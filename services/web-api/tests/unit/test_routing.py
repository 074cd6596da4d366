"""The route table: matches, 404 and 405 with Allow."""

from __future__ import annotations

import pytest

from rez_web_api.problems import ProblemError
from rez_web_api.routing import Route, Router

ROUTER = Router(
    [
        Route("GET", "/api/health", "health"),
        Route("POST", "/api/messages", "create"),
        Route("GET", "/api/messages", "list"),
        Route("GET", "/api/messages/{message_id}", "get"),
    ]
)


@pytest.mark.parametrize(
    ("method", "path", "endpoint", "params"),
    [
        ("GET", "/api/health", "health", {}),
        ("POST", "/api/messages", "create", {}),
        ("GET", "/api/messages/", "list", {}),
        ("GET", "/api/messages/abc-123", "get", {"message_id": "abc-123"}),
    ],
)
def test_known_routes_match(method, path, endpoint, params):
    # GIVEN a request WHEN routed THEN the right endpoint with its path parameters
    found = ROUTER.match(method, path)
    assert found.route.endpoint == endpoint
    assert found.params == params


def test_route_name_is_the_low_cardinality_template():
    assert ROUTER.match("GET", "/api/messages/42").route.name == "GET /api/messages/{message_id}"


@pytest.mark.parametrize("path", ["/", "/api", "/api/messages/1/2", "/api/healthz", "/API/health"])
def test_unknown_paths_are_404(path):
    with pytest.raises(ProblemError) as caught:
        ROUTER.match("GET", path)
    assert caught.value.status == 404
    assert caught.value.detail == f"no route for {path.rstrip('/') or '/'}"


def test_wrong_method_is_405_with_allow():
    # GIVEN a path served by GET and POST WHEN DELETE is used
    with pytest.raises(ProblemError) as caught:
        ROUTER.match("DELETE", "/api/messages")
    # THEN 405, the Allow header lists both, the detail says so
    problem = caught.value
    assert problem.status == 405
    assert problem.headers == {"Allow": "GET, POST"}
    assert problem.detail == "DELETE is not allowed on /api/messages; allowed: GET, POST"


def test_regex_characters_in_paths_are_literal():
    with pytest.raises(ProblemError) as caught:
        ROUTER.match("GET", "/api/messagesX")
    assert caught.value.status == 404
