"""The DPS service API's error answers as data: status and errorCode to outcome or failure."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from pop_provider import failures
from pop_provider.core.enrollment.answers import (
    GroupEtagStale,
    GroupNotFound,
    GroupTaken,
    service_mapped,
)
from pop_provider.core.target import TargetKind, make_target

DPS = make_target(TargetKind.DPS, "00000000-0000-0000-0000-0000000000a1", "rg", "dps-one")


class _Response:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code = status
        self.reason = "reason"
        self._body = body
        self.headers: dict[str, str] = {}

    def json(self) -> dict[str, Any]:
        return self._body

    def text(self) -> str:
        return str(self._body)


def error(status: int, code: int, message: str) -> HttpResponseError:
    body = {"errorCode": code, "trackingId": "t", "message": message, "timestampUtc": "now"}
    return HttpResponseError(response=_Response(status, body))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (404, 404204, GroupNotFound),
        (412, 412001, GroupEtagStale),
        (409, 409202, GroupTaken),
        (401, 401002, failures.AuthenticationFailed),
        (403, 403002, failures.AccessDenied),
        (429, 429001, failures.Throttled),
        (400, 400004, failures.AzureRejected),
    ],
)
def test_each_answer_becomes_its_kind(status: int, code: int, kind: type[Exception]) -> None:
    mapped = service_mapped(error(status, code, "Said   by DPS."), DPS, "enrollment_group_create")
    assert isinstance(mapped, kind)
    assert "\n" not in str(mapped)


@pytest.mark.parametrize("status", [403, 401])
def test_a_denial_names_the_data_role_and_the_opt_in(status: int) -> None:
    """IoT Hub answers 401 to a token without a data role; DPS may too: both name the role."""
    code = status * 1000 + 2
    mapped = service_mapped(error(status, code, "Denied."), DPS, "enrollment_group_create")
    text = str(mapped)
    assert f"creating an enrollment group on DPS 'dps-one': Denied. (code {code})" in text
    assert "Device Provisioning Service Data Contributor" in text
    assert "pop:dpsSharedAccessPolicy" in text


def test_a_refused_policy_key_names_the_policy_and_its_right_not_the_data_role() -> None:
    refused = error(401, 401002, "Shared access policy reader is not authorized.")
    mapped = service_mapped(refused, DPS, "enrollment_group_create", "reader")
    text = str(mapped)
    assert isinstance(mapped, failures.AccessDenied)
    assert text.startswith(
        "the DPS service API refused the shared-access policy 'reader' "
        "(pop:dpsSharedAccessPolicy) while creating an enrollment group on DPS 'dps-one'"
    )
    assert "EnrollmentWrite" in text and "Data Contributor" not in text
