"""A tiny explicit route table: method + path template → endpoint.

Why not a framework: the API has four routes. Powertools' event handler would bring a large import
(cold-start cost on every invocation of a latency-sensitive function) and its own error answers
that we would have to bend into problem+json; a table of templates compiled to regexes is about
fifty lines, and unknown paths (404) and wrong methods (405 with `Allow`) fall out of it directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rez_web_api.problems import method_not_allowed, not_found

_PARAMETER = re.compile(r"\{([a-z_]+)\}")


def _compile(template: str) -> re.Pattern[str]:
    pattern, position = "", 0
    for match in _PARAMETER.finditer(template):
        pattern += re.escape(template[position : match.start()]) + f"(?P<{match.group(1)}>[^/]+)"
        position = match.end()
    return re.compile(pattern + re.escape(template[position:]))


@dataclass(frozen=True)
class Route[Endpoint]:
    """One method on one path template, e.g. `GET /api/messages/{message_id}`."""

    method: str
    template: str
    endpoint: Endpoint
    pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", _compile(self.template))

    @property
    def name(self) -> str:
        """The `Endpoint` metric dimension: low-cardinality `METHOD template`."""
        return f"{self.method} {self.template}"


@dataclass(frozen=True)
class Match[Endpoint]:
    """A routed request: the route and the path parameters it captured."""

    route: Route[Endpoint]
    params: dict[str, str]


class Router[Endpoint]:
    """Finds the route of a request or raises the 404/405 problem."""

    def __init__(self, routes: list[Route[Endpoint]]) -> None:
        self._routes = routes

    @property
    def routes(self) -> tuple[Route[Endpoint], ...]:
        """Every route (the OpenAPI agreement test walks them)."""
        return tuple(self._routes)

    def match(self, method: str, path: str) -> Match[Endpoint]:
        """The route for `method path` (a trailing slash is ignored)."""
        normalized = path.rstrip("/") or "/"
        allowed: list[str] = []
        for route in self._routes:
            found = route.pattern.fullmatch(normalized)
            if found is None:
                continue
            if route.method == method:
                return Match(route, found.groupdict())
            allowed.append(route.method)
        if allowed:
            raise method_not_allowed(method, normalized, sorted(set(allowed)))
        raise not_found(f"no route for {normalized}")
