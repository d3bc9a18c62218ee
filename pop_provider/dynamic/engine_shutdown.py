"""A Python program ends quietly when the engine stops it after a resource failed.

Since Pulumi CLI 3.26x, a deployment that fails shuts the engine's resource monitor down at once
(`deploymentExecutor.Execute` cancels its source). The registration of the resource that failed
is still waiting for its step, so the monitor answers it UNAVAILABLE; the Python SDK turns that
into `RunError("Resource monitor has terminated, shutting down")`, and the SDK's program runner
logs it as an error of the stack. A user then reads, as the first error of the run, that the
engine crashed, above the resource's own message. The engine has already said why it stopped
(the resource's error and "update failed"); the Node.js SDK ends its programs quietly in the
same case (`terminateRpcs`). This does the same for programs that declare our resources: that
one message, logged without a resource, is dropped; every other error still reaches the engine.
"""

from __future__ import annotations

import threading
from typing import Any

import grpc
import pulumi
from pulumi.runtime import settings

_installed = threading.Lock()
_done = False


class _Unavailable(grpc.RpcError):  # type: ignore[misc]  # grpc ships no stubs
    """The monitor's answer after the engine shut it down, to read the SDK's text for it."""

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNAVAILABLE

    def details(self) -> str:
        return ""


def monitor_shutdown_message() -> str:
    """What the SDK says when the monitor has gone, as this SDK version words it."""
    return str(settings.grpc_error_to_exception(_Unavailable()))


def end_quietly_when_engine_stops() -> None:
    """Drop the SDK's monitor-shutdown error from the program's log (once per process)."""
    global _done
    with _installed:
        if _done:
            return
        _done = True
        shutdown = monitor_shutdown_message()
        log_error = pulumi.log.error

        def error(msg: str, resource: Any = None, *args: Any, **kwargs: Any) -> None:
            if resource is None and msg == shutdown:
                pulumi.log.debug(f"{msg} (the engine reported why it stopped)")
                return
            log_error(msg, resource, *args, **kwargs)

        pulumi.log.error = error
