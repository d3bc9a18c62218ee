"""The DPS service API's error answers, as data: which becomes an outcome the verbs act on
(gone, stale etag, taken) and which a failure a person reads.

The service answers `{errorCode, trackingId, message, timestampUtc}` (its own numeric codes,
e.g. 404204 for a missing group [code: azure-iot-sdk-csharp e2e tests], 409202), not ARM's
envelope, so its rows are its own, told apart by HTTP status; they reuse ARM's `Row` and
`Answer` (pop_provider.core.azure_answers) and the words of pop_provider.core.messages.
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import HttpResponseError

from pop_provider import failures
from pop_provider.core import messages
from pop_provider.core.azure_answers import Answer, Row
from pop_provider.core.enrollment.outcomes import GroupEtagStale, GroupNotFound, GroupTaken
from pop_provider.core.target import Target

__all__ = ["SERVICE_ANSWERS", "GroupEtagStale", "GroupNotFound", "GroupTaken", "service_mapped"]


_THROTTLED = frozenset({429, *range(500, 600)})

SERVICE_ANSWERS: tuple[Row, ...] = (
    Row(GroupNotFound, messages.azure_said, {404}),
    Row(GroupEtagStale, messages.azure_said, {412}),
    Row(GroupTaken, messages.azure_said, {409}),
    Row(failures.AuthenticationFailed, messages.dps_service_token_refused, {401}),
    Row(failures.AccessDenied, messages.dps_service_denied, {403}),
    Row(failures.Throttled, messages.throttled, _THROTTLED),
    Row(failures.AzureRejected, messages.dps_service_rejected),
)


def service_answer(error: HttpResponseError, target: Target, operation: str) -> Answer:
    """The facts of a DPS service API answer: its status, `errorCode` and `message`."""
    body = _body(error)
    code = str(body.get("errorCode") or "")
    message = " ".join(str(body.get("message") or error.reason or "no message").split())
    said = f"{message} (code {code})" if code else message
    return Answer(
        target=target,
        operation=operation,
        status=error.status_code or 0,
        code=code,
        said=said,
        verifying=False,
    )


def service_mapped(
    error: HttpResponseError, target: Target, operation: str, policy: str | None = None
) -> Exception:
    """What the service's answer becomes: the first row of SERVICE_ANSWERS that matches; a
    refusal of calls signed with a shared-access `policy` names that policy's rights."""
    answer = service_answer(error, target, operation)
    if policy is not None and answer.status in (401, 403):
        return failures.AccessDenied(messages.dps_policy_refused(answer, policy))
    row = next(row for row in SERVICE_ANSWERS if row.matches(answer))
    return row.kind(row.message(answer))


def _body(error: HttpResponseError) -> dict[str, Any]:
    response: Any = error.response
    if response is None:
        return {}
    try:
        body = response.json()
    except Exception:  # not JSON (a proxy's page): the status and reason say enough
        return {}
    return body if isinstance(body, dict) else {}
