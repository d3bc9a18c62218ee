"""A tiny case-insensitive router: ARM paths are case-insensitive, Starlette's router is not.

Each service's ``urls.py`` lists :class:`Route` objects: a method, a path regex with named groups,
the spec's operationId (used by the request log and scripted faults) and the handler.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response


@dataclass
class RequestContext:
    """What a handler gets: the request, its path parameters and its operation id."""

    request: Request
    params: dict[str, str]
    operation_id: str
    body: bytes = b""
    extras: dict[str, Any] = field(default_factory=dict)

    def query(self, name: str) -> str | None:
        """A query parameter by exact name (``api-version`` is case-sensitive in practice)."""
        return self.request.query_params.get(name)

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive)."""
        return self.request.headers.get(name)


Handler = Callable[[RequestContext], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    """One method + path pattern, served by ``handler`` and logged as ``operation_id``."""

    method: str
    pattern: str
    operation_id: str
    handler: Handler

    def compiled(self) -> re.Pattern[str]:
        """The anchored, case-insensitive regex of ``pattern``."""
        return re.compile("^" + self.pattern + "/?$", re.IGNORECASE)


SEGMENT = r"[^/]+"


def param(name: str) -> str:
    """A named path segment for route patterns."""
    return f"(?P<{name}>{SEGMENT})"


@dataclass(frozen=True)
class RouteMatch:
    """A matched route and its path parameters."""

    route: Route
    params: dict[str, str]


class Router:
    """First match wins; a path that matches with another method is reported separately."""

    def __init__(self, routes: list[Route]) -> None:
        self._routes = [(route, route.compiled()) for route in routes]

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route for ``method path``, or None."""
        for route, regex in self._routes:
            if route.method != method:
                continue
            found = regex.match(path)
            if found:
                return RouteMatch(route, {k: v for k, v in found.groupdict().items() if v})
        return None

    def path_known(self, path: str) -> bool:
        """Whether some route answers this path with another method."""
        return any(regex.match(path) for _, regex in self._routes)
