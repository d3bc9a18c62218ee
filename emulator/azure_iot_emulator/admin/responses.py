"""The admin API's wire: parse JSON, call the fault injector / request log / ARM's throttle /
the reset, answer JSON."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable
from dataclasses import fields
from typing import Any

from starlette.responses import Response

from azure_iot_emulator.admin.exceptions import AdminBadRequest, AdminTimeout
from azure_iot_emulator.faults import (
    FaultConfigError,
    FaultInjector,
    Release,
    Scripted,
    ScriptedDropAfterApply,
    ScriptedFailure,
    ScriptedHold,
)
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


# A long poll for held requests waits at most this long, whatever the test asks.
MAX_WAIT_S = 300.0
_ERROR_FIELDS = ("status", "code", "message", "body", "retry_after_s")


def _number(value: Any, name: str, minimum: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AdminBadRequest(f"{name} must be a number") from None
    if number < minimum:
        raise AdminBadRequest(f"{name} must be >= {minimum:g}")
    return number


def _not_reset() -> None:
    raise AdminBadRequest("this emulator was built without a reset")


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
        # Set by the server once the whole emulator is built (it resets every part of it).
        self.reset_state: Callable[[], None] = _not_reset
        # Set by the server from its routes: a fault for an operation no route has would never
        # fire, so it is refused (a typo would otherwise pass silently).
        self.operations: dict[str, str] = {}

    def know_operations(self, operation_ids: Iterable[str]) -> None:
        """The operation ids the emulator serves (compared case-insensitively)."""
        self.operations = {operation.lower(): operation for operation in operation_ids}

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
        except (TypeError, ValueError) as exc:
            raise AdminBadRequest(str(exc)) from None
        return self._add(failure)

    async def add_hold(self, ctx: RequestContext) -> Response:
        """Hold the next matching calls open, unapplied, until released.

        Body: ``{"operation", "certificate_name"?, "times"?}``.
        """
        return self._add(self._matcher(ScriptedHold, _body(ctx)))

    async def add_drop_after_apply(self, ctx: RequestContext) -> Response:
        """Serve the next matching calls, then close the connection without the answer.

        Body: ``{"operation", "certificate_name"?, "times"?}``.
        """
        return self._add(self._matcher(ScriptedDropAfterApply, _body(ctx)))

    @staticmethod
    def _matcher(
        kind: type[ScriptedHold] | type[ScriptedDropAfterApply], body: dict[str, Any]
    ) -> Scripted:
        unknown = set(body) - {"operation", "certificate_name", "times"}
        if unknown or not isinstance(body.get("operation"), str):
            raise AdminBadRequest(
                f"expected operation (a string); unknown fields: {sorted(unknown)}"
            )
        try:
            return kind(body["operation"], int(body.get("times", 1)), body.get("certificate_name"))
        except (TypeError, ValueError) as exc:
            raise AdminBadRequest(str(exc)) from None

    def _add(self, scripted: Scripted) -> Response:
        if self.operations and scripted.operation.lower() not in self.operations:
            close = difflib.get_close_matches(scripted.operation, self.operations.values(), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "GET /_emulator/requests lists them"
            raise AdminBadRequest(
                f"unknown operation '{scripted.operation}': no route serves it; {hint}"
            )
        try:
            self.faults.add_scripted(scripted)
        except FaultConfigError as exc:
            raise AdminBadRequest(str(exc)) from None
        return json_response(201, self.faults.snapshot())

    async def wait_held(self, ctx: RequestContext) -> Response:
        """Long poll: answer once ``count`` (default 1) requests are held at once, with them
        all; 408 with what is held if ``timeout_s`` (default 30) passes first."""
        count = int(_number(ctx.query("count") or 1, "count", 1))
        timeout_s = min(_number(ctx.query("timeout_s") or 30, "timeout_s", 0), MAX_WAIT_S)
        if not await self.faults.held.wait_for(count, timeout_s):
            raise AdminTimeout(count, timeout_s, self.faults.held.describe())
        return json_response(200, {"value": self.faults.held.describe()})

    async def release_held(self, ctx: RequestContext) -> Response:
        """Release the oldest ``count`` held requests (all without it): served, or answered
        with a scripted error (``status`` and ScriptedFailure's fields), or (``drop``) closed
        without an answer; the last two never take effect.

        Body: ``{"count"?, "status"?, "code"?, "message"?, "body"?, "retry_after_s"?,
        "drop"?}``.
        """
        body = _body(ctx)
        unknown = set(body) - {"count", "drop", *_ERROR_FIELDS}
        if unknown:
            raise AdminBadRequest(f"unknown fields: {sorted(unknown)}")
        count = body.get("count")
        if count is not None:
            count = int(_number(count, "count", 0))
        drop = bool(body.get("drop", False))
        error = {name: body[name] for name in _ERROR_FIELDS if name in body}
        if error and drop:
            raise AdminBadRequest("a released request is either dropped or answered an error")
        how = Release(drop=drop)
        if error:
            if "status" not in error:
                raise AdminBadRequest("an error to answer needs its status")
            try:
                failure = ScriptedFailure("", int(error.pop("status")), **error)
            except (TypeError, ValueError) as exc:
                raise AdminBadRequest(str(exc)) from None
            if not 400 <= failure.status <= 599:
                raise AdminBadRequest("status must be a 4xx/5xx")
            how = Release(error=failure.to_error())
        return json_response(200, {"value": self.faults.release_held(count, how)})

    async def reset(self, ctx: RequestContext) -> Response:
        """Back to the state just after start (see ``Emulator.reset``)."""
        self.reset_state()
        return json_response(204, None)

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
