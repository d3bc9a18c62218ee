"""Azure's answers as data: each row of the table catches the answers it names, in order."""

from __future__ import annotations

import pytest

from pop_provider import failures
from pop_provider.core.azure_answers import ANSWERS, Answer
from pop_provider.core.remote import CertificateNotFound, EtagConflict, ProofRejected, TargetMissing
from pop_provider.core.target import TargetKind, make_target

HUB = make_target(TargetKind.IOT_HUB, "00000000-0000-0000-0000-000000000001", "rg", "hub-1")


def kind_of(status: int, code: str = "", said: str = "no", verifying: bool = False) -> type:
    answer = Answer(HUB, "verify", status, code, said, verifying)
    return next(row for row in ANSWERS if row.matches(answer)).kind


@pytest.mark.parametrize(
    ("status", "code", "said", "verifying", "kind"),
    [
        (404, "resourcegroupnotfound", "", False, TargetMissing),
        (404, "resourcenotfound", "", False, TargetMissing),
        (404, "subscriptionnotfound", "", False, failures.TargetNotFound),
        (404, "404001", "", False, CertificateNotFound),
        (412, "412001", "", False, EtagConflict),
        (400, "400053", "", True, ProofRejected),
        (400, "400004", "", False, failures.AzureRejected),
        (403, "authorizationfailed", "", True, failures.AccessDenied),
        (401, "", "", False, failures.AuthenticationFailed),
        (409, "400110", "", False, failures.CertificateLimitReached),
        (400, "", "The maximum number of certificates is reached", True, ProofRejected),
        (
            400,
            "",
            "The maximum number of certificates is reached",
            False,
            failures.CertificateLimitReached,
        ),
        (429, "", "", False, failures.Throttled),
        (503, "", "", False, failures.Throttled),
        (409, "", "", False, failures.AzureRejected),
        (0, "", "", False, failures.AzureRejected),
    ],
)
def test_each_answer_becomes_the_kind_its_row_names(
    status: int, code: str, said: str, verifying: bool, kind: type
) -> None:
    assert kind_of(status, code, said, verifying) is kind


def test_the_last_row_catches_every_answer() -> None:
    assert ANSWERS[-1].statuses is None and ANSWERS[-1].code is None
    assert ANSWERS[-1].verifying is None
