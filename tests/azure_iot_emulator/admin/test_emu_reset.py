"""A reset puts the emulator back where its start left it: what a test observes through
Microsoft's clients and the admin API is what a fresh emulator shows, on disk too."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError, ServiceResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import CertificateDescription, CertificateProperties
from azure.mgmt.iothubprovisioningservices import IotDpsClient
from azure.mgmt.iothubprovisioningservices.models import (
    CertificateProperties as DpsCertificateProperties,
)
from azure.mgmt.iothubprovisioningservices.models import CertificateResponse

from azure_iot_emulator.seed import default_seed
from azure_iot_emulator.server import build_emulator
from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    EmulatorProcess,
    client_kwargs,
    management_credential,
)
from tests.azure_iot_emulator.conftest import CertFactory
from tests.keyvault import vault_client

READS_LEFT = "x-ms-ratelimit-remaining-subscription-reads"
GROUP_MADE_BY_TEST = "rg-made-by-the-test"
KEY_MADE_BY_TEST = "key-made-by-the-test"


def clients(info: EmulatorInfo) -> tuple[IotHubClient, IotDpsClient]:
    """Fresh clients (their own credential) without retries."""
    kwargs: dict[str, Any] = {"retry_total": 0, **client_kwargs(info)}
    return (
        IotHubClient(management_credential(info), info.subscription_id, **kwargs),
        IotDpsClient(management_credential(info), info.subscription_id, **kwargs),
    )


def hub_body(ca: Any) -> CertificateDescription:
    return CertificateDescription(properties=CertificateProperties(certificate=ca.pem))


def group_path(info: EmulatorInfo, name: str) -> str:
    return f"{info.base_url}/subscriptions/{info.subscription_id}/resourcegroups/{name}"


def observe(info: EmulatorInfo, probe: Any) -> dict[str, Any]:
    """What a test can see: the admin API's log, faults and throttle; the first read's budget;
    hubs, DPS and their etags; every certificate; a resource group and a vault key the test may
    have made; and the write number of the next etag (a write of `probe`, left behind)."""
    admin = AdminClient(info)
    seen: dict[str, Any] = {
        "requests": admin.requests(),
        "faults": admin.faults(),
        "throttle": admin.throttle(),
    }
    hubs, dps = clients(info)
    first = hubs.iot_hub_resource.list_by_subscription(
        raw_response_hook=lambda pipeline: seen.setdefault(
            "first_read_budget", pipeline.http_response.headers.get(READS_LEFT)
        )
    )
    seen["hubs"] = sorted((hub.name, hub.etag) for hub in first)
    seen["dps"] = sorted((d.name, d.etag) for d in dps.iot_dps_resource.list_by_subscription())
    group = info.resource_group
    seen["hub_certificates"] = {
        hub: sorted(c.name for c in hubs.certificates.list_by_iot_hub(group, hub).value or [])
        for hub in info.iot_hubs
    }
    seen["dps_certificates"] = {
        name: sorted(c.name for c in dps.dps_certificate.list(group, name).value or [])
        for name in info.dps
    }
    made = dps.send_request(
        HttpRequest(
            "GET", group_path(info, GROUP_MADE_BY_TEST), params={"api-version": "2021-04-01"}
        )
    )
    seen["group_made_by_test"] = made.status_code
    with pytest.raises(ResourceNotFoundError):
        vault_client(info).get_key(KEY_MADE_BY_TEST)
    etag = hubs.certificates.create_or_update(
        group, info.iot_hubs[0], "probe", hub_body(probe)
    ).etag
    seen["next_write_number"] = write_number(etag)
    return seen


def write_number(etag: str) -> str:
    """The database-wide write counter a certificate's etag starts with (the rest is the time
    of the write)."""
    return base64.b64decode(etag).decode().strip('"').split("-")[0]


def change_everything(info: EmulatorInfo, certs: CertFactory, pool: ThreadPoolExecutor) -> Any:
    """Certificates, a resource group, a vault key, faults of every kind, the throttle, the
    hourly budget, the log; and a request held open. Returns the held call's future."""
    admin = AdminClient(info)
    hubs, dps = clients(info)
    group = info.resource_group
    for hub in info.iot_hubs:
        hubs.certificates.create_or_update(group, hub, "changed", hub_body(certs.ca()))
    dps_body = CertificateResponse(properties=DpsCertificateProperties(certificate=certs.ca().der))
    dps.dps_certificate.create_or_update(group, info.dps[0], "changed", dps_body)
    made = dps.send_request(
        HttpRequest(
            "PUT",
            group_path(info, GROUP_MADE_BY_TEST),
            params={"api-version": "2021-04-01"},
            json={"location": "westeurope"},
        )
    )
    assert made.status_code in (200, 201), made.text()
    vault_client(info).create_ec_key(KEY_MADE_BY_TEST)
    admin.hold("Certificates_CreateOrUpdate", certificate_name="held")
    held = pool.submit(
        hubs.certificates.create_or_update, group, info.iot_hubs[0], "held", hub_body(certs.ca())
    )
    admin.wait_held(1)
    admin.set_faults(latency_ms=5, error_fraction=0.1, seed=7)
    admin.script_failure("Certificates_Get", 500)
    admin.drop_after_apply("Certificates_Verify")
    admin.hold("Certificates_Delete", times=3)
    admin.set_throttle({"writes": {"bucket": 2, "refill_per_s": 0.5}})
    assert admin.requests() != []
    return held


def change_everything_then_reset(info: EmulatorInfo, certs: CertFactory) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        held = change_everything(info, certs, pool)
        AdminClient(info).reset()
        with pytest.raises(ServiceResponseError):  # dropped, never applied
            held.result(timeout=30)


def test_a_reset_emulator_shows_what_a_fresh_one_shows_and_keeps_it_on_disk(
    tmp_path: Path, certs: CertFactory
) -> None:
    probe = certs.ca("probe")
    process = EmulatorProcess(tmp_path / "state")
    info = process.start()
    try:
        fresh = observe(info, probe)
        assert fresh["first_read_budget"] == "11999"
        assert fresh["hub_certificates"] == {hub: [] for hub in info.iot_hubs}
        assert fresh["requests"] == [] and fresh["throttle"] == {"enabled": False}
        assert fresh["faults"]["scripted"] == [] and fresh["faults"]["held"] == []

        change_everything_then_reset(info, certs)
        assert observe(info, probe) == fresh

        change_everything_then_reset(info, certs)
        process.kill()  # no shutdown: what the reset wrote is on disk
        info = process.start()
        assert observe(info, probe) == fresh
    finally:
        process.stop()


def test_a_reset_restores_what_no_api_changes(tmp_path: Path) -> None:
    """Federated credentials come only from the seed, role assignments from the seed and the role
    API; the backend's reset puts back every table, these included."""
    emulator = build_emulator(tmp_path, default_seed())
    try:
        with emulator.store.write() as conn:
            conn.execute("DELETE FROM role_assignments")
            conn.execute("DELETE FROM federated_credentials")
            conn.execute(
                "INSERT INTO role_assignments(object_id, role, scope) "
                "VALUES ('someone', 'Owner', '/')"
            )
            conn.execute("UPDATE meta SET value = '999' WHERE key = 'rowversion'")
        emulator.reset()
        assert emulator.store.tables() == emulator.started
        with emulator.store.read() as conn:
            roles = conn.execute("SELECT COUNT(*) FROM role_assignments").fetchone()[0]
            federated = conn.execute("SELECT issuer, subject FROM federated_credentials").fetchall()
        assert roles == sum(len(p.role_assignments) for p in default_seed().principals)
        assert [tuple(row) for row in federated] == [
            (c.issuer, c.subject)
            for p in default_seed().principals
            for c in p.federated_credentials
        ]
    finally:
        emulator.store.close()
