"""One retry budget for every kind of failure, Retry-After honoured, and a deadline kept."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from typing import Any

import pytest
from azure.core.exceptions import ServiceResponseError
from azure.core.pipeline.transport import RequestsTransport

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from pop_provider import failures
from pop_provider.core import connection
from pop_provider.core.azure_clients import ClientFactory
from pop_provider.core.connection import ConnectionSettings, load_settings
from pop_provider.core.enrollment.service import DpsServices
from pop_provider.core.explain import explain
from pop_provider.core.remote import CertificateApi
from pop_provider.core.target import TargetKind, make_target
from pop_provider.failures import Throttled
from tests.conftest import azure_environment
from tests.sockets import refusing_port

# What a retry would cost in production, read before `quick_backoff` shortens it.
PRODUCTION_BACKOFF_S = (connection.BACKOFF_FACTOR_S, connection.BACKOFF_MAX_S)


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff in milliseconds: what is tested is how many attempts, not how long between."""
    monkeypatch.setattr(connection, "BACKOFF_FACTOR_S", 0.001)
    monkeypatch.setattr(connection, "BACKOFF_MAX_S", 0.01)


@pytest.fixture
def closed_port() -> Iterator[int]:
    with refusing_port() as port:
        yield port


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URL of every request azure-core's requests transport sends, attempts included."""
    urls: list[str] = []
    send = RequestsTransport.send

    def counted(self: RequestsTransport, request: Any, **kwargs: Any) -> Any:
        urls.append(request.url)
        return send(self, request, **kwargs)

    monkeypatch.setattr(RequestsTransport, "send", counted)
    return urls


def hub_api(info: EmulatorInfo, settings: ConnectionSettings | None = None) -> CertificateApi:
    settings = settings or load_settings(environ=azure_environment(info))
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


def test_a_refused_arm_endpoint_fails_at_once_naming_it_and_its_setting(
    emulator: EmulatorInfo,
    closed_port: int,
    sent: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A wrong port is not a transient fault: one attempt, not a minute of backoff."""
    monkeypatch.setattr(connection, "BACKOFF_FACTOR_S", PRODUCTION_BACKOFF_S[0])
    monkeypatch.setattr(connection, "BACKOFF_MAX_S", PRODUCTION_BACKOFF_S[1])
    endpoint = f"https://127.0.0.1:{closed_port}"
    settings = load_settings(environ={**azure_environment(emulator), "POP_ARM_ENDPOINT": endpoint})
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        hub_api(emulator, settings).get("anything")
    elapsed = time.monotonic() - started
    failure = explain(raised.value, settings, "create")
    assert isinstance(failure, failures.EndpointUnreachable)
    assert str(failure) == (
        f"cannot reach {endpoint} (connection refused): check pop:armEndpoint (or "
        "POP_ARM_ENDPOINT) and that the service is up and reachable from this machine"
    )
    assert len([url for url in sent if url.startswith(endpoint)]) == 1
    assert elapsed < 10, elapsed  # retried to the budget, it took 55 s of backoff


def test_a_refused_token_authority_fails_at_once_naming_its_setting(
    closed_port: int, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """azure-identity's token requests would retry it three times too (4.8 s per token)."""
    authority = f"https://127.0.0.1:{closed_port}"
    settings = load_settings(
        environ={
            "AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000001",
            "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000002",
            "AZURE_CLIENT_SECRET": "not-a-secret",
            "AZURE_AUTHORITY_HOST": authority,
        }
    )
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        ClientFactory(settings).credential()
    elapsed = time.monotonic() - started
    failure = explain(raised.value, settings, "create")
    assert isinstance(failure, failures.EndpointUnreachable)
    assert str(failure).startswith(
        f"cannot reach {authority} (connection refused): check pop:authorityHost (or "
        "AZURE_AUTHORITY_HOST)"
    )
    assert len([url for url in sent if url.startswith(authority)]) == 1
    assert elapsed < 10, elapsed


def test_a_dropped_connection_is_still_retried_to_the_whole_budget(
    emulator: EmulatorInfo, admin: AdminClient
) -> None:
    """Unlike a refusal, a connection dropped mid-request may have reached a live service."""
    admin.set_faults(drop_fraction=1.0)
    settings = load_settings(environ=azure_environment(emulator))
    with pytest.raises(ServiceResponseError) as raised:
        hub_api(emulator, settings).get("anything")
    dropped = [
        entry["dropped"]
        for entry in admin.requests()
        if entry.get("operation") == "Certificates_Get"
    ]
    assert dropped == [True] * (connection.RETRIES + 1)
    failure = explain(raised.value, settings, "create")
    assert isinstance(failure, failures.EndpointUnreachable)
    assert ", also when retried): check pop:armEndpoint" in str(failure)


def test_the_dps_service_api_shares_the_budget(emulator: EmulatorInfo, admin: AdminClient) -> None:
    """Enrollment groups go through azure-iot-deviceprovisioning, whose own retry policy stops
    at three of a kind; ours survives the same mixed run of failures there too."""
    settings = load_settings(
        environ={
            **azure_environment(emulator),
            "POP_DPS_SHARED_ACCESS_POLICY": "provisioningserviceowner",
        }
    )
    dps = make_target(
        TargetKind.DPS, emulator.subscription_id, emulator.resource_group, emulator.dps[0]
    )
    groups = DpsServices(settings, ClientFactory(settings).credential).groups(dps)
    for status in (503, 429, 500, 503, 429, 502):
        admin.script_failure("EnrollmentGroup_Get", status, message="Injected.")
    assert groups.get("nothing-here") is None
    attempts = [e for e in admin.requests() if e.get("operation") == "EnrollmentGroup_Get"]
    assert [e.get("status") for e in attempts][-1] == 404
    assert len(attempts) == 7
