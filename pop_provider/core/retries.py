"""azure-core's RetryPolicy with one budget per operation, in count and in time.

azure-core already retries 429 (honouring Retry-After), 5xx and lost connections with
exponential backoff. Two gaps remain for a pipeline: each kind of failure has its own cap (3 by
default) below the total, and a Retry-After is slept in full even past the operation's time
budget (`timeout` is checked only before the next attempt). Here every kind shares the total,
and a wait that would end past the deadline is not started: the operation fails at once with
a message that says so, instead of hanging the run.
"""

from __future__ import annotations

import time
from typing import Any

from azure.core.pipeline.policies import RetryPolicy


class RetryBudgetExhausted(Exception):
    """Azure asked to wait longer than the operation has left; the message says how long."""


class BoundedRetryPolicy(RetryPolicy[Any, Any]):
    """One retry budget (`retry_total`) for every kind of failure, and a hard deadline."""

    def __init__(self, **kwargs: Any) -> None:
        total = kwargs.get("retry_total", 10)
        for kind in ("retry_connect", "retry_read", "retry_status"):
            kwargs.setdefault(kind, total)
        super().__init__(**kwargs)

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings = super().configure_retries(options)
        settings["deadline"] = time.monotonic() + settings["timeout"]
        return settings

    def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
        if response is not None:
            wait = self.get_retry_after(response)
            left = settings["deadline"] - time.monotonic()
            if wait is not None and wait > left:
                status = response.http_response.status_code
                raise RetryBudgetExhausted(
                    f"Azure answered HTTP {status} and asked to wait {wait:.0f} s (Retry-After), "
                    f"longer than the {max(left, 0):.0f} s left of this operation's "
                    f"{settings['timeout']} s budget"
                )
        super().sleep(settings, transport, response=response)
