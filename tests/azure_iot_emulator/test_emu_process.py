"""The process contract: the JSON line, restart keeps state and TLS, kill -9 loses no
acknowledged write, a custom seed, SIGTERM exits cleanly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import CertificateDescription, CertificateProperties

from azure_iot_emulator.testing import (
    EmulatorProcess,
    EmulatorStartError,
    client_kwargs,
    management_credential,
)


def client(info) -> IotHubClient:
    return IotHubClient(management_credential(info), info.subscription_id, **client_kwargs(info))


def test_default_seed_announcement(emulator) -> None:
    assert emulator.base_url.startswith("https://127.0.0.1:")
    assert emulator.authority_host == emulator.base_url
    assert emulator.admin_url == emulator.base_url + "/_emulator"
    assert Path(emulator.ca_bundle).is_absolute() and Path(emulator.ca_bundle).name == "ca.pem"
    assert emulator.subscription_id == "00000000-0000-0000-0000-00000000a2e0"
    assert emulator.resource_group == "rg-pop-demo"
    assert emulator.iot_hubs[:2] == ["hub-pop-demo", "hub-pop-demo-2"]
    assert emulator.dps == ["dps-pop-demo"]
    assert len(emulator.credentials) == 3


def test_kill_9_loses_no_acknowledged_write_and_restart_keeps_tls(tmp_path, certs) -> None:
    state = tmp_path / "state"
    first = EmulatorProcess(state)
    info = first.start()
    ca_bytes = Path(info.ca_bundle).read_bytes()
    try:
        hub = client(info)
        written = []
        for i in range(5):
            body = CertificateDescription(
                properties=CertificateProperties(certificate=certs.ca().pem)
            )
            written.append(
                hub.certificates.create_or_update(
                    info.resource_group, info.iot_hubs[0], f"durable-{i}", body
                )
            )
    finally:
        first.kill()
    assert first.returncode == -9
    with EmulatorProcess(state) as second:
        assert Path(second.info.ca_bundle).read_bytes() == ca_bytes
        hub = client(second.info)
        for before in written:
            after = hub.certificates.get(
                second.info.resource_group, second.info.iot_hubs[0], before.name
            )
            assert after.etag == before.etag
            assert after.properties.thumbprint == before.properties.thumbprint
    assert second.returncode == 0


def test_custom_seed(tmp_path) -> None:
    seed = {
        "tenants": [{"tenant_id": "t-1"}],
        "subscriptions": [
            {
                "subscription_id": "11111111-2222-3333-4444-555555555555",
                "tenant_id": "t-1",
                "resource_groups": [
                    {"name": "rg-a", "location": "eastus", "iot_hubs": ["hub-a"], "dps": []}
                ],
            }
        ],
        "service_principals": [
            {
                "tenant_id": "t-1",
                "client_id": "app-1",
                "client_secret": "s",
                "role_assignments": [
                    {
                        "role": "Owner",
                        "scope": "/subscriptions/11111111-2222-3333-4444-555555555555",
                    }
                ],
            }
        ],
        "limits": {"iothub_max_certificates": 1},
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    with EmulatorProcess(tmp_path / "state", seed=path) as process:
        info = process.info
        assert (info.subscription_id, info.resource_group, info.iot_hubs) == (
            "11111111-2222-3333-4444-555555555555",
            "rg-a",
            ["hub-a"],
        )
        hub = client(info)
        assert hub.certificates.list_by_iot_hub("rg-a", "hub-a").value == []
        with pytest.raises(ResourceNotFoundError):
            hub.certificates.get("rg-a", "hub-a", "nope")


def test_invalid_seed_fails_fast_with_stderr(tmp_path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"subscriptions": []}))
    with pytest.raises(EmulatorStartError, match="invalid seed"):
        EmulatorProcess(tmp_path / "state", seed=path, python=sys.executable).start()


def test_a_stop_cuts_idle_keep_alive_connections_instead_of_waiting_out_the_grace(
    tmp_path,
) -> None:
    """A client idling in its connection pool (every SDK client a test keeps) never answers a
    graceful TLS close: the stop cuts it at once instead of spending the shutdown's grace on
    it (uvicorn logs when the grace runs out)."""
    process = EmulatorProcess(tmp_path / "state")
    info = process.start()
    try:
        assert list(client(info).iot_hub_resource.list_by_subscription())
    finally:
        process.stop()
    assert process.returncode == 0
    assert "timeout graceful shutdown exceeded" not in process.stderr, process.stderr
