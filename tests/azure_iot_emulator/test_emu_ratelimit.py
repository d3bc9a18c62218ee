"""ARM's x-ms-ratelimit-remaining-* headers: one budget per subscription and kind of call,
counted down as in the recordings (reads 11999, 11998, ...; writes 1199; deletes 14999)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from azure_iot_emulator.ratelimit import RateLimits, budget_kind
from azure_iot_emulator.testing import EmulatorInfo, EmulatorProcess, management_credential

READS = "x-ms-ratelimit-remaining-subscription-reads"
WRITES = "x-ms-ratelimit-remaining-subscription-writes"
DELETES = "x-ms-ratelimit-remaining-subscription-deletes"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """An emulator of this module's own: its budgets are counted from zero, its hub is empty."""
    with EmulatorProcess(tmp_path_factory.mktemp("ratelimit")) as process:
        yield process.info


def call(info: EmulatorInfo, method: str, path: str, **kwargs: Any) -> requests.Response:
    token = management_credential(info).get_token("https://management.azure.com/.default")
    return requests.request(
        method,
        info.base_url + path,
        headers={"Authorization": f"Bearer {token.token}", **kwargs.pop("headers", {})},
        verify=info.ca_bundle,
        **kwargs,
    )


def test_each_kind_of_call_reports_its_own_budget(own, cert_name, certs, helpers) -> None:
    emulator, hub = own, own.iot_hubs[0]
    base = (
        f"/subscriptions/{emulator.subscription_id}/resourceGroups/{emulator.resource_group}"
        f"/providers/Microsoft.Devices/IotHubs/{hub}/certificates"
    )
    version = "?api-version=2023-06-30"
    first = call(emulator, "GET", base + version)
    second = call(emulator, "GET", base + version)
    assert int(second.headers[READS]) == int(first.headers[READS]) - 1
    assert WRITES not in first.headers and DELETES not in first.headers
    put = call(
        emulator,
        "PUT",
        f"{base}/{cert_name}{version}",
        json={"properties": {"certificate": helpers.b64(certs.ca().pem)}},
    )
    assert int(put.headers[WRITES]) < 1200 and READS not in put.headers
    code = call(
        emulator,
        "POST",
        f"{base}/{cert_name}/generateVerificationCode{version}",
        headers={"If-Match": put.json()["etag"]},
    )
    assert int(code.headers[WRITES]) == int(put.headers[WRITES]) - 1  # POST actions are writes
    deleted = call(emulator, "DELETE", f"{base}/{cert_name}{version}", headers={"If-Match": "*"})
    assert deleted.status_code == 200 and int(deleted.headers[DELETES]) < 15000
    missing = call(emulator, "GET", f"{base}/{cert_name}{version}")
    assert missing.status_code == 404 and READS in missing.headers  # as recorded


def test_no_budget_header_without_a_valid_token(own) -> None:
    emulator = own
    response = requests.get(
        f"{emulator.base_url}/subscriptions/{emulator.subscription_id}?api-version=2022-12-01",
        verify=emulator.ca_bundle,
    )
    assert response.status_code == 401
    assert not [h for h in response.headers if h.lower().startswith("x-ms-ratelimit")]


def test_tenant_level_calls_count_against_the_tenant(own) -> None:
    response = call(own, "GET", "/subscriptions?api-version=2022-12-01")
    assert "x-ms-ratelimit-remaining-tenant-reads" in response.headers


def test_budgets_start_full_each_hour_and_never_go_negative() -> None:
    now = [0.0]
    limits = RateLimits(clock=lambda: now[0])
    path = "/subscriptions/s1/resourceGroups/rg"
    assert limits.spend("GET", path) == {READS: "11999"}
    assert limits.spend("GET", path) == {READS: "11998"}
    assert limits.spend("GET", "/subscriptions/s2") == {READS: "11999"}  # per subscription
    assert limits.spend("PATCH", path) == {WRITES: "1199"}
    now[0] = 3600.0
    assert limits.spend("GET", path) == {READS: "11999"}
    for _ in range(1300):
        last = limits.spend("PUT", path)
    assert last == {WRITES: "0"}


def test_budget_kinds() -> None:
    assert [budget_kind(m) for m in ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE")] == [
        "reads", "reads", "writes", "writes", "writes", "deletes",
    ]  # fmt: skip
