"""Holding requests until the test releases them, and applying a request whose answer is lost,
observed through Microsoft's client (azure-mgmt-iothub)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceResponseError
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import CertificateDescription, CertificateProperties
from cryptography.hazmat.primitives import hashes

from azure_iot_emulator.faults import FaultInjector, Release, ScriptedHold
from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    client_kwargs,
    management_credential,
)


def client(info: EmulatorInfo) -> IotHubClient:
    """No retries: what the emulator answers (or does not) is what the test sees."""
    return IotHubClient(
        management_credential(info),
        info.subscription_id,
        retry_total=0,
        **client_kwargs(info),
    )


def body(pem: str) -> CertificateDescription:
    return CertificateDescription(properties=CertificateProperties(certificate=pem))


def logged(admin: AdminClient, operation: str) -> list[dict[str, Any]]:
    return [entry for entry in admin.requests() if entry["operation"] == operation]


@pytest.fixture
def background(admin: AdminClient) -> Iterator[ThreadPoolExecutor]:
    """Threads for the calls a test holds; whatever is still held at the end is served first,
    so the pool's threads can finish."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        try:
            yield pool
        finally:
            admin.clear_faults()


def test_a_held_request_is_applied_only_when_released(
    emulator, faults: AdminClient, hub_client, rg, hub, cert_name, certs, background
) -> None:
    faults.hold("Certificates_CreateOrUpdate", certificate_name=cert_name)
    faults.clear_requests()
    upload = background.submit(
        hub_client.certificates.create_or_update, rg, hub, cert_name, body(certs.ca().pem)
    )
    (held,) = faults.wait_held(1)
    assert held["operation"] == "Certificates_CreateOrUpdate"
    assert held["certificate_name"] == cert_name and held["method"] == "PUT"
    assert not upload.done()
    with pytest.raises(ResourceNotFoundError):  # held: not applied yet
        hub_client.certificates.get(rg, hub, cert_name)
    assert faults.faults()["held"] == [held]

    assert faults.release() == [held]
    created = upload.result(timeout=30)
    assert hub_client.certificates.get(rg, hub, cert_name).etag == created.etag
    assert faults.faults()["held"] == []
    (entry,) = logged(faults, "Certificates_CreateOrUpdate")
    assert entry["status"] == 200 and entry["dropped"] is False


def test_holds_count_calls_and_a_wait_returns_once_all_are_held(
    emulator, faults: AdminClient, hub_client, rg, hub, background
) -> None:
    faults.hold("Certificates_ListByIotHub", times=2)
    lists = [background.submit(hub_client.certificates.list_by_iot_hub, rg, hub) for _ in range(3)]
    held = faults.wait_held(2)
    assert [h["operation"] for h in held] == ["Certificates_ListByIotHub"] * 2
    # The third call is not held: it is served while the first two wait.
    served, waiting = wait(lists, timeout=30, return_when=FIRST_COMPLETED)
    assert len(served) == 1 and len(waiting) == 2
    assert faults.release(count=1) == held[:1]
    assert faults.wait_held(1) == held[1:]  # the other one is still held
    faults.release()
    for future in lists:
        assert future.result(timeout=30) is not None


def held_upload(
    emulator, faults: AdminClient, rg, hub, cert_name, certs, background
) -> tuple[IotHubClient, Future[Any]]:
    """An upload started in the background and held by the emulator, unapplied."""
    hub_client = client(emulator)
    faults.hold("Certificates_CreateOrUpdate", certificate_name=cert_name)
    faults.clear_requests()
    upload = background.submit(
        hub_client.certificates.create_or_update, rg, hub, cert_name, body(certs.ca().pem)
    )
    faults.wait_held(1)
    return hub_client, upload


def test_a_held_request_released_with_an_error_is_never_applied(
    emulator, faults: AdminClient, rg, hub, cert_name, certs, background
) -> None:
    hub_client, upload = held_upload(emulator, faults, rg, hub, cert_name, certs, background)
    faults.release(status=400, code=400004, message="Released with an error.")
    with pytest.raises(HttpResponseError) as failed:
        upload.result(timeout=30)
    assert failed.value.status_code == 400
    response: Any = failed.value.response
    assert response.json()["code"] == 400004
    with pytest.raises(ResourceNotFoundError):
        hub_client.certificates.get(rg, hub, cert_name)


def test_a_held_request_released_as_dropped_gets_no_answer_and_is_never_applied(
    emulator, faults: AdminClient, rg, hub, cert_name, certs, background
) -> None:
    hub_client, upload = held_upload(emulator, faults, rg, hub, cert_name, certs, background)
    faults.release(drop=True)
    with pytest.raises(ServiceResponseError):
        upload.result(timeout=30)
    with pytest.raises(ResourceNotFoundError):
        hub_client.certificates.get(rg, hub, cert_name)
    (entry,) = logged(faults, "Certificates_CreateOrUpdate")
    assert entry["dropped"] is True and entry["status"] is None


def test_waiting_for_more_than_is_held_times_out_naming_what_is_held(faults) -> None:
    started = time.monotonic()
    with pytest.raises(
        TimeoutError, match=r"1 held request\(s\) expected within 0.2 s; held: \[\]"
    ):
        faults.wait_held(1, timeout_s=0.2)
    assert time.monotonic() - started < 10


def test_clearing_faults_serves_what_is_held(
    emulator, faults: AdminClient, hub_client, rg, hub, background
) -> None:
    faults.hold("Certificates_ListByIotHub")
    listed = background.submit(hub_client.certificates.list_by_iot_hub, rg, hub)
    faults.wait_held(1)
    faults.clear_faults()
    assert listed.result(timeout=30) is not None


def test_a_code_generated_and_its_answer_lost_moved_the_etag(
    emulator, faults: AdminClient, rg, hub, cert_name, certs
) -> None:
    hub_client = client(emulator)
    created = hub_client.certificates.create_or_update(rg, hub, cert_name, body(certs.ca().pem))
    faults.drop_after_apply("Certificates_GenerateVerificationCode", certificate_name=cert_name)
    faults.clear_requests()
    with pytest.raises(ServiceResponseError):
        hub_client.certificates.generate_verification_code(rg, hub, cert_name, created.etag)
    (entry,) = logged(faults, "Certificates_GenerateVerificationCode")
    assert entry["status"] == 200 and entry["dropped"] is True  # applied; the answer lost
    assert hub_client.certificates.get(rg, hub, cert_name).etag != created.etag
    # What a retry of the same request meets: the etag it carries is stale.
    with pytest.raises(HttpResponseError) as stale:
        hub_client.certificates.generate_verification_code(rg, hub, cert_name, created.etag)
    assert stale.value.status_code == 412
    assert faults.faults()["scripted"] == []  # one call only


def test_an_upload_whose_answer_is_lost_exists(
    emulator, faults: AdminClient, rg, hub, cert_name, certs
) -> None:
    hub_client = client(emulator)
    ca = certs.ca()
    faults.drop_after_apply("Certificates_CreateOrUpdate", certificate_name=cert_name)
    with pytest.raises(ServiceResponseError):
        hub_client.certificates.create_or_update(rg, hub, cert_name, body(ca.pem))
    found = hub_client.certificates.get(rg, hub, cert_name).properties
    assert found.thumbprint == ca.cert.fingerprint(hashes.SHA1()).hex().upper()


def test_scripted_faults_meet_calls_in_the_order_they_were_added(
    emulator, faults: AdminClient, rg, hub, background
) -> None:
    hub_client = client(emulator)
    faults.hold("Certificates_ListByIotHub")
    faults.script_failure("Certificates_ListByIotHub", 503, message="Second.")
    first = background.submit(hub_client.certificates.list_by_iot_hub, rg, hub)
    faults.wait_held(1)
    with pytest.raises(HttpResponseError) as second:
        hub_client.certificates.list_by_iot_hub(rg, hub)
    assert second.value.status_code == 503
    faults.release()
    assert first.result(timeout=30) is not None
    assert faults.faults()["scripted"] == []


def test_invalid_holds_and_releases_are_refused(faults) -> None:
    with pytest.raises(RuntimeError, match="400"):
        faults.hold("Certificates_Get", times=0)
    with pytest.raises(RuntimeError, match="400"):
        faults.release(status=200)
    with pytest.raises(RuntimeError, match="400"):
        faults.release(status=500, drop=True)


def test_a_held_request_whose_client_goes_away_is_held_no_longer() -> None:
    """The backend alone: a client that gave up (a killed process, a read timeout) is not
    counted as held, and what it asked for never happens."""

    async def scenario() -> None:
        faults = FaultInjector()
        faults.add_scripted(ScriptedHold("Certificates_Get", times=2))
        first, second = (
            faults.decide("Certificates_Get", "c", True, method="GET", path=f"/{n}").hold
            for n in (1, 2)
        )
        assert first is not None and second is not None
        gone, stays = asyncio.Event(), asyncio.Event()
        leaving = asyncio.ensure_future(faults.released(first, gone.wait))
        waiting = asyncio.ensure_future(faults.released(second, stays.wait))
        assert await faults.held.wait_for(2, 10)
        gone.set()
        assert await leaving == Release(drop=True)
        assert [held["path"] for held in faults.snapshot()["held"]] == ["/2"]
        assert [held["path"] for held in faults.release_held(None, Release())] == ["/2"]
        assert await waiting == Release()

    # A loop of its own: asyncio.run would unset the thread's loop, which later tests under
    # Pulumi's mocks need.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(scenario())
    finally:
        loop.close()


def test_a_fault_for_an_operation_no_route_serves_is_refused_naming_the_closest(
    faults: AdminClient,
) -> None:
    """A typo would otherwise queue a fault that never fires, and the test would pass for the
    wrong reason."""
    with pytest.raises(RuntimeError, match="did you mean 'Certificates_Get'"):
        faults.hold("Certificates_Gett")
    with pytest.raises(RuntimeError, match="did you mean 'Certificates_Get'"):
        faults.drop_after_apply("Certificates_Gett")
    with pytest.raises(RuntimeError, match="did you mean 'Certificates_Get'"):
        faults.script_failure("Certificates_Gett", 500)
    assert faults.faults()["scripted"] == []
