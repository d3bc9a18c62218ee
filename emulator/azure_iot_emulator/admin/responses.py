"""The admin API's wire: parse JSON, call the fault injector / request log / ARM's throttle,
answer JSON."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from starlette.responses import Response

from azure_iot_emulator.admin.exceptions import AdminBadRequest
from azure_iot_emulator.faults import FaultConfigError, FaultInjector, ScriptedFailure
from azure_iot_emulator.ratelimit import ArmThrottle, ThrottleConfigError, ThrottleLimits
from azure_iot_emulator.requestlog import RequestLog
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response


def _body(ctx: RequestContext) -> dict[str, Any]:
    try:
        value = json.loads(ctx.body or b"{}")
    except ValueError as exc:
        raise AdminBadRequest(f"invalid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise AdminBadRequest("expected a JSON object")
    return value


class AdminResponses:
    """Handlers of ``/_emulator/*``."""

    def __init__(
        self,
        faults: FaultInjector,
        log: RequestLog,
        info: dict[str, Any],
        throttle: ArmThrottle | None = None,
    ) -> None:
        self.faults = faults
        self.log = log
        self.info = info
        self.throttle = throttle or ArmThrottle()

    async def get_info(self, ctx: RequestContext) -> Response:
        """The same document the process printed on startup."""
        return json_response(200, self.info)

    async def list_requests(self, ctx: RequestContext) -> Response:
        """The request log, oldest first."""
        return json_response(200, {"value": self.log.entries()})

    async def clear_requests(self, ctx: RequestContext) -> Response:
        """Reset the request log."""
        self.log.clear()
        return json_response(204, None)

    async def get_faults(self, ctx: RequestContext) -> Response:
        """Current fault settings and queued scripted failures."""
        return json_response(200, self.faults.snapshot())

    async def set_faults(self, ctx: RequestContext) -> Response:
        """Merge random-fault settings (latency_ms, throttle_fraction, error_fraction, ...)."""
        try:
            self.faults.configure(**_body(ctx))
        except FaultConfigError as exc:
            raise AdminBadRequest(str(exc)) from None
        return json_response(200, self.faults.snapshot())

    async def clear_faults(self, ctx: RequestContext) -> Response:
        """Everything off."""
        self.faults.clear()
        return json_response(204, None)

    async def add_scripted(self, ctx: RequestContext) -> Response:
        """Queue a scripted failure.

        Body: ``{"operation", "status", "code"?, "message"?, "times"?, "certificate_name"?,
        "body"?}``.
        """
        body = _body(ctx)
        allowed = {f.name for f in fields(ScriptedFailure)}
        unknown = set(body) - allowed
        if unknown or "operation" not in body or "status" not in body:
            raise AdminBadRequest(
                f"expected operation and status; unknown fields: {sorted(unknown)}"
            )
        try:
            failure = ScriptedFailure(**body)
            failure.status, failure.times = int(failure.status), int(failure.times)
            self.faults.add_scripted(failure)
        except (FaultConfigError, TypeError, ValueError) as exc:
            raise AdminBadRequest(str(exc)) from None
        return json_response(201, self.faults.snapshot())

    async def get_throttle(self, ctx: RequestContext) -> Response:
        """ARM's throttle: ``{"enabled": false}`` or the bucket sizes in force."""
        return json_response(200, self.throttle.snapshot())

    async def set_throttle(self, ctx: RequestContext) -> Response:
        """Turn the throttle on with the seed's ``arm_throttle`` object (``{}``: ARM's documented
        numbers); every bucket starts full."""
        try:
            self.throttle.configure(ThrottleLimits.parse(_body(ctx), "body"))
        except ThrottleConfigError as exc:
            raise AdminBadRequest(str(exc)) from None
        return json_response(200, self.throttle.snapshot())

    async def clear_throttle(self, ctx: RequestContext) -> Response:
        """Throttle off: hourly budgets reported again, nothing refused."""
        self.throttle.configure(None)
        return json_response(204, None)
