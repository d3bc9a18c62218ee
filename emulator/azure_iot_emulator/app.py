"""The ASGI application: route, inject faults, call the handler, log, answer.

Handlers never see faults or the log; this module never sees a business rule.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from azure_iot_emulator.admin.exceptions import AdminForbidden
from azure_iot_emulator.arm.exceptions import (
    InvalidResourceType,
    MethodNotAllowed,
    MissingApiVersionParameter,
    NotFoundPath,
)
from azure_iot_emulator.arm.pipeline import RATELIMIT_HEADERS
from azure_iot_emulator.dataplane import Binding, DataPlanes
from azure_iot_emulator.faults import Decision, FaultInjector
from azure_iot_emulator.ratelimit import ArmThrottle, RateLimits
from azure_iot_emulator.requestlog import RequestLog
from azure_iot_emulator.routing import RequestContext, Router
from azure_iot_emulator.wire import ArmError, WireError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("azure_iot_emulator")

ADMIN_PREFIX = "/_emulator"
_PROVIDER_TYPE = re.compile(r"/providers/(?P<ns>[^/]+)/(?P<type>[^/]+)", re.IGNORECASE)


class InternalServerError(ArmError):
    """500 for a bug in the emulator itself (never a deliberate answer)."""

    status = 500
    code = "InternalServerError"


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


async def _drop_connection(send: Send) -> None:
    """Close the client's socket without an answer.

    uvicorn hands the app the bound ``send`` of its request cycle, whose ``transport`` is the
    connection; aborting it resets the TCP connection, which is what a dropped connection is.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("cannot drop the connection: transport not reachable")
    transport.abort()
    # Let uvicorn's connection_lost run, so it knows not to answer on our behalf.
    for _ in range(3):
        await asyncio.sleep(0)


async def _gone(receive: Receive) -> None:
    """Return once the client has closed its connection (its request fully received)."""
    while (await receive())["type"] != "http.disconnect":
        pass


class EmulatorApp:
    """The whole emulator as one ASGI callable."""

    def __init__(
        self,
        router: Router,
        admin_router: Router,
        faults: FaultInjector,
        requests: RequestLog,
        rate_limits: RateLimits | None = None,
        throttle: ArmThrottle | None = None,
        dataplanes: DataPlanes | None = None,
        dataplane_routers: dict[str, Router] | None = None,
    ) -> None:
        self.router = router
        # A request that arrived on a data-plane port (dataplane.py) is routed by the router
        # of that port's kind of service, with the instance's name as the ``serviceName``
        # parameter; everything else (faults, log) is as for the main port.
        self.dataplanes = dataplanes
        self.dataplane_routers = dict(dataplane_routers or {})
        self.admin_router = admin_router
        self.faults = faults
        self.requests = requests
        self.rate_limits = rate_limits or RateLimits()
        # The gate charges the token buckets (it knows the principal); this only tells which of
        # the two header models answers.
        self.throttle = throttle or ArmThrottle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path: str = scope["path"]
        binding = self._binding(scope)
        if binding is None and (path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")):
            response = await self._admin(request)
            await response(scope, receive, send)
            return
        method: str = scope["method"]
        router = self.router if binding is None else self.dataplane_routers[binding.kind]
        match = router.match(method, path)
        operation = match.route.operation_id if match else None
        certificate_name = match.params.get("certificateName") if match else None
        api_version = request.query_params.get("api-version")
        is_arm = binding is None and path.lower().startswith("/subscriptions")
        decision: Decision = self.faults.decide(
            operation, certificate_name, is_arm, method=method, path=path
        )
        if decision.latency_ms:
            await asyncio.sleep(decision.latency_ms / 1000)
        drop, fault, logged = decision.drop, decision.error, True
        if decision.hold is not None:
            # Unapplied until the test releases it: served, failed or dropped as it says. The
            # body is read first: all the client can send after it is its going away.
            await request.body()
            release = await self.faults.released(decision.hold, lambda: _gone(receive))
            drop, fault, logged = release.drop, release.error, release.logged
        if drop:
            if logged:
                self.requests.record(
                    method, path, operation, certificate_name, None, api_version, dropped=True
                )
            await _drop_connection(send)
            return
        body = await request.body()
        ctx: RequestContext | None = None
        if fault is not None:
            response = fault.to_response()
        elif match is None:
            response = self._unmatched(router, method, path, api_version, is_arm).to_response()
        else:
            params = dict(match.params)
            if binding is not None:
                params["serviceName"] = binding.name
            ctx = RequestContext(request, params, match.route.operation_id, body)
            try:
                response = await match.route.handler(ctx)
            except WireError as error:
                response = error.to_response()
            except Exception:
                log.exception("unhandled error in %s %s", method, path)
                response = InternalServerError(
                    "The emulator hit an internal error; see its stderr."
                ).to_response()
        # ARM reports the caller's remaining budget on what it answers itself or passes to a
        # provider, errors included; not on a refused token, nor on an injected fault. With the
        # throttle on, the gate has charged the buckets and left their headers in ctx.extras.
        if is_arm and fault is None and response.status_code != 401:
            if self.throttle.enabled:
                response.headers.update(ctx.extras.get(RATELIMIT_HEADERS, {}) if ctx else {})
            else:
                response.headers.update(self.rate_limits.spend(method, path))
        # Logged before the answer leaves, so a client that got its answer finds it in the log.
        self.requests.record(
            method,
            path,
            operation,
            certificate_name,
            response.status_code,
            api_version,
            dropped=decision.drop_after_apply,
        )
        if decision.drop_after_apply:
            # Applied (the handler has committed), and the answer lost on the way back.
            await _drop_connection(send)
            return
        await response(scope, receive, send)

    def _binding(self, scope: Scope) -> Binding | None:
        """The data-plane instance the request's local port serves; None on the main port."""
        server = scope.get("server")
        if self.dataplanes is None or not server:
            return None
        binding = self.dataplanes.binding(server[1])
        return binding if binding is not None and binding.kind in self.dataplane_routers else None

    def _unmatched(
        self, router: Router, method: str, path: str, api_version: str | None, is_arm: bool
    ) -> WireError:
        if router.path_known(path):
            return MethodNotAllowed(method)
        if is_arm and not api_version:
            return MissingApiVersionParameter()
        found = _PROVIDER_TYPE.search(path)
        if is_arm and found:
            rest = path[found.end() :].strip("/").split("/")
            child = [found["type"]] + rest[1::2]
            return InvalidResourceType("/".join(child), found["ns"], api_version or "")
        return NotFoundPath(path)

    async def _admin(self, request: Request) -> Response:
        client = request.client.host if request.client else None
        if not _is_loopback(client):
            return AdminForbidden().to_response()
        match = self.admin_router.match(request.method, request.url.path)
        if match is None:
            return NotFoundPath(request.url.path).to_response()
        ctx = RequestContext(request, match.params, match.route.operation_id, await request.body())
        try:
            return await match.route.handler(ctx)
        except WireError as error:
            return error.to_response()
