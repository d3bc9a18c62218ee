"""azure-core's RetryPolicy with one budget per operation, in count and in time.

azure-core already retries 429 (honouring Retry-After), 5xx and lost connections with
exponential backoff. Three gaps remain for a pipeline: each kind of failure has its own cap (3
by default) below the total; a Retry-After is slept in full even past the operation's time
budget (`timeout` is checked only before the next attempt); and a refused connection counts as
a lost one, so a wrong port is retried for a minute. Here every kind shares the total, a wait
that would end past the deadline is not started, and a refused connection is not retried: each
fails at once with a message that says so, instead of hanging the run.
"""

from __future__ import annotations

import time
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import RetryPolicy

from pop_provider.core import messages
from pop_provider.core.error_chain import is_refused
from pop_provider.failures import Throttled


class RefusalIsFinalRetryPolicy(RetryPolicy[Any, Any]):
    """azure-core's RetryPolicy, except that a refused connection is not retried.

    A refusal is the host itself answering that nothing accepts connections on that port: a
    wrong endpoint, or a service that is down. Neither is the transient fault retries are for
    (a 429, a 5xx, a connection dropped or timed out), and neither changes within the minute
    of backoff the retry budget would spend on it. Also the policy of the token requests
    (azure-identity's `retry_policy_class`) and of Key Vault's clients, whose defaults would
    otherwise retry a refusal three times (4.8 s).
    """

    def increment(
        self,
        settings: dict[str, Any],
        response: PipelineRequest[Any] | PipelineResponse[Any, Any] | None = None,
        error: Exception | None = None,
    ) -> bool:
        """azure-core's count of the attempt; False (give up now) when it was refused."""
        retry = super().increment(settings, response=response, error=error)
        return retry and not (error is not None and is_refused(error))


class BoundedRetryPolicy(RefusalIsFinalRetryPolicy):
    """One retry budget (`retry_total`) for every kind of failure, and a hard deadline; a
    refused connection fails at once."""

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
                # Throttled, without the target: pop_provider.core.azure_calls adds it.
                raise Throttled(
                    messages.retry_after_too_long(status, wait, left, settings["timeout"])
                )
        super().sleep(settings, transport, response=response)
