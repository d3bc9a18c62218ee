"""Azure's error answers, as data: which answer becomes which outcome or failure.

Both certificate clients raise azure-core exceptions, but which class a 412 becomes depends on
the client and its match condition, so answers are told apart by HTTP status and ARM (or
resource provider) error code, as azure-core's generated operations do with their `error_map`.
Each row of `ANSWERS` becomes either an outcome the lifecycle acts on (not found, etag
conflict, proof rejected: pop_provider.core.remote) or a failure a person reads
(pop_provider.failures), with the words of pop_provider.core.messages. The first row that
matches wins; the last matches everything.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass

from azure.core.exceptions import HttpResponseError

from pop_provider import failures
from pop_provider.core import messages
from pop_provider.core.remote import CertificateNotFound, EtagConflict, ProofRejected, TargetMissing
from pop_provider.core.target import Target


@dataclass(frozen=True)
class Answer:
    """One error answer of Azure to one operation on one target, as the rows read it."""

    target: Target
    operation: str
    status: int
    # ARM's code, lower case (e.g. "resourcegroupnotfound"), or the resource provider's
    # (e.g. "400110"); "" when the answer has none.
    code: str
    # Azure's own words (message and code), without the SDK's request dump.
    said: str
    verifying: bool


@dataclass(frozen=True)
class Row:
    """Answers with one of `statuses` (None: any), a code `code` accepts (None: any) and, when
    `verifying` is set, only from the operation that verifies a proof; what they become."""

    kind: type[Exception]
    message: Callable[[Answer], str]
    statuses: Container[int] | None = None
    code: Callable[[Answer], bool] | None = None
    verifying: bool | None = None

    def matches(self, answer: Answer) -> bool:
        """Whether this row describes `answer`."""
        return (
            (self.statuses is None or answer.status in self.statuses)
            and (self.code is None or self.code(answer))
            and (self.verifying is None or self.verifying == answer.verifying)
        )


def _code_in(*codes: str) -> Callable[[Answer], bool]:
    return lambda answer: answer.code in codes


def _certificate_limit(answer: Answer) -> bool:
    # IoT Hub's 400110, or DPS's message (DPS answers the limit with a generic code).
    return answer.code == "400110" or "maximum number of certificates" in answer.said.lower()


# ARM's codes for a missing parent of the certificate, in ARM's `{"error": {...}}` envelope, not
# the resource provider's: ResourceGroupNotFound (Azure/azure-cli#2116), ResourceNotFound for a
# missing hub (Azure/azure-rest-api-specs#27183).
_PARENT_MISSING = _code_in("resourcenotfound", "parentresourcenotfound", "resourcegroupnotfound")
_THROTTLED = frozenset({429, *range(500, 600)})

ANSWERS: tuple[Row, ...] = (
    Row(TargetMissing, messages.missing_parent, {404}, _PARENT_MISSING),
    Row(
        failures.TargetNotFound,
        messages.subscription_not_found,
        {404},
        _code_in("subscriptionnotfound"),
    ),
    Row(CertificateNotFound, messages.azure_said, {404}),
    Row(EtagConflict, messages.azure_said, {412}),
    Row(ProofRejected, messages.azure_said, {400}, verifying=True),
    Row(failures.AccessDenied, messages.access_denied, {403}),
    Row(failures.AuthenticationFailed, messages.token_refused, {401}),
    Row(failures.CertificateLimitReached, messages.certificate_limit, code=_certificate_limit),
    Row(failures.Throttled, messages.throttled, _THROTTLED),
    Row(failures.AzureRejected, messages.rejected),
)


def answer_of(
    error: HttpResponseError, target: Target, operation: str, *, verifying: bool
) -> Answer:
    """The facts of `error` the rows read."""
    return Answer(
        target=target,
        operation=operation,
        status=error.status_code or 0,
        code=(error_code(error) or "").lower(),
        said=azure_message(error),
        verifying=verifying,
    )


def mapped(
    error: HttpResponseError, target: Target, operation: str, *, verifying: bool
) -> Exception:
    """What Azure's answer `error` becomes: the first row of ANSWERS that matches it."""
    answer = answer_of(error, target, operation, verifying=verifying)
    row = next(row for row in ANSWERS if row.matches(answer))
    return row.kind(row.message(answer))


def azure_message(error: HttpResponseError) -> str:
    """Azure's own words (message and code), without the SDK's request dump."""
    code = error_code(error)
    detail = getattr(error, "error", None)
    model = getattr(error, "model", None)
    message = (
        getattr(detail, "message", None)
        or getattr(model, "message", None)
        or error.reason
        or "no message"
    )
    message = " ".join(str(message).split())
    return f"{message} (code {code})" if code else message


def error_code(error: HttpResponseError) -> str | None:
    """ARM's code (a string) or the resource provider's (an integer such as 404001)."""
    for source in (getattr(error, "error", None), getattr(error, "model", None)):
        code = getattr(source, "code", None)
        if code not in (None, ""):
            return str(code)
    return None
