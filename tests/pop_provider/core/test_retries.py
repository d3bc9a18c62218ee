"""One retry budget for every kind of failure, Retry-After honoured, and a deadline kept."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from pop_provider.core import connection
from pop_provider.core.azure_clients import ClientFactory
from pop_provider.core.connection import load_settings
from pop_provider.core.remote import CertificateApi
from pop_provider.core.target import TargetKind, make_target
from pop_provider.failures import Throttled
from tests.conftest import azure_environment


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff in milliseconds: what is tested is how many attempts, not how long between."""
    monkeypatch.setattr(connection, "BACKOFF_FACTOR_S", 0.001)
    monkeypatch.setattr(connection, "BACKOFF_MAX_S", 0.01)


def hub_api(info: EmulatorInfo) -> CertificateApi:
    settings = load_settings(environ=azure_environment(info))
    target = make_target(
        TargetKind.IOT_HUB, info.subscription_id, info.resource_group, info.iot_hubs[0]
    )
    return ClientFactory(settings).certificates(target)


def get_times(admin: AdminClient) -> list[tuple[int | None, datetime]]:
    return [
        (entry.get("status"), datetime.fromisoformat(entry["time"]))
        for entry in admin.requests()
        if entry.get("operation") == "Certificates_Get"
    ]


def test_retry_after_is_waited_for_before_the_next_attempt(
    emulator: EmulatorInfo, admin: AdminClient
) -> None:
    api = hub_api(emulator)
    admin.script_failure("Certificates_Get", 429, message="Slow down.", times=2, retry_after_s=1)
    with pytest.raises(Exception, match="not found"):  # served at last: the name is free
        api.get("nothing-here")
    attempts = get_times(admin)
    assert [status for status, _ in attempts] == [429, 429, 404]
    gaps = [(b - a).total_seconds() for (_, a), (_, b) in pairwise(attempts)]
    assert all(gap >= 1.0 for gap in gaps), gaps


def test_a_wait_longer_than_the_operation_budget_fails_at_once_and_says_so(
    emulator: EmulatorInfo, admin: AdminClient
) -> None:
    api = hub_api(emulator)
    admin.script_failure("Certificates_Get", 429, message="Slow down.", retry_after_s=3600)
    with pytest.raises(Throttled) as raised:
        api.get("anything")
    message = str(raised.value)
    assert "asked to wait 3600 s" in message
    assert f"IoT hub '{emulator.iot_hubs[0]}'" in message
    assert "run `pulumi up` again later" in message
    assert [status for status, _ in get_times(admin)] == [429]


def test_every_kind_of_failure_shares_one_budget(
    emulator: EmulatorInfo, admin: AdminClient
) -> None:
    """azure-core caps each kind at 3 by default; mixed in a row, 8 failures are survived."""
    api = hub_api(emulator)
    for status in (503, 429, 500, 503, 429, 502, 503, 504):
        admin.script_failure("Certificates_Get", status, message="Injected.")
    with pytest.raises(Exception, match="not found"):
        api.get("nothing-here")
    assert len(get_times(admin)) == 9


def test_past_the_budget_the_failure_names_the_status_and_what_to_do(
    emulator: EmulatorInfo, admin: AdminClient
) -> None:
    api = hub_api(emulator)
    admin.script_failure("Certificates_Get", 503, message="Unavailable.", times=20)
    with pytest.raises(Throttled) as raised:
        api.get("anything")
    assert str(raised.value).startswith("Azure answered HTTP 503 while reading a certificate")
    assert "after 10 retries" in str(raised.value)
    assert len(get_times(admin)) == 11
