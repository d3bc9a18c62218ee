"""ARM's token-bucket throttle (ratelimit.ArmThrottle): the bucket arithmetic on an injected
clock, the seed and admin settings, and the wire as Microsoft's clients meet it (429 with
Retry-After, honoured by azure-core's retry)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpResponse
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import CertificateDescription, CertificateProperties

from azure_iot_emulator.arm.exceptions import SubscriptionRequestsThrottled, TenantRequestsThrottled
from azure_iot_emulator.ratelimit import (
    ArmThrottle,
    BucketSize,
    ThrottleConfigError,
    ThrottleLimits,
)
from azure_iot_emulator.seed import SeedError, default_seed_document, parse_seed
from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    EmulatorProcess,
    client_kwargs,
    management_credential,
)

SUB = "00000000-0000-0000-0000-0000000000aa"
TENANT = "7e1a0000-0000-4000-8000-0000000000bb"
ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
WRITES = "x-ms-ratelimit-remaining-subscription-writes"
GLOBAL_WRITES = "x-ms-ratelimit-remaining-subscription-global-writes"
READS = "x-ms-ratelimit-remaining-subscription-reads"
GLOBAL_READS = "x-ms-ratelimit-remaining-subscription-global-reads"


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, **kinds: Any) -> ArmThrottle:
    return ArmThrottle(ThrottleLimits.parse(kinds), clock=clock)


def refused(limiter: ArmThrottle, method: str, principal: str = ALICE) -> Any:
    with pytest.raises((SubscriptionRequestsThrottled, TenantRequestsThrottled)) as caught:
        limiter.admit(method, principal, TENANT, SUB)
    return caught.value


# --- settings --------------------------------------------------------------------------------


def test_the_documented_preset_is_arms_table() -> None:
    limits = ThrottleLimits.parse("documented")
    assert limits == ThrottleLimits.parse({})
    assert (limits.reads, limits.writes, limits.deletes) == (
        BucketSize(250, 25.0),
        BucketSize(200, 10.0),
        BucketSize(200, 10.0),
    )
    assert limits.global_factor == 15.0


def test_an_object_overrides_only_what_it_names() -> None:
    limits = ThrottleLimits.parse({"writes": {"bucket": 2, "refill_per_s": 0.5}})
    assert limits.writes == BucketSize(2, 0.5)
    assert limits.reads == BucketSize(250, 25.0) and limits.global_factor == 15.0


@pytest.mark.parametrize(
    "bad",
    [
        "fast",
        {"writes": {"bucket": 0, "refill_per_s": 1}},
        {"writes": {"bucket": 2.5, "refill_per_s": 1}},
        {"writes": {"bucket": 2, "refill_per_s": 0}},
        {"writes": {"bucket": True, "refill_per_s": 1}},
        {"writes": {"bucket": 2}},
        {"writes": {"bucket": 2, "refill_per_s": 1}, "global_factor": 0.1},
        {"updates": {"bucket": 2, "refill_per_s": 1}},
    ],
)
def test_settings_that_cannot_be_honoured_are_refused(bad: Any) -> None:
    with pytest.raises(ThrottleConfigError):
        ThrottleLimits.parse(bad)


def test_the_seed_turns_it_on_and_is_off_without_it() -> None:
    assert parse_seed(default_seed_document()).arm_throttle is None
    document = {**default_seed_document(), "arm_throttle": "documented"}
    assert parse_seed(document).arm_throttle == ThrottleLimits()
    with pytest.raises(SeedError, match="arm_throttle.writes"):
        parse_seed({**default_seed_document(), "arm_throttle": {"writes": {"bucket": 0}}})


# --- the buckets -----------------------------------------------------------------------------


def test_off_admits_everything_and_reports_nothing() -> None:
    limiter = ArmThrottle(clock=Clock())
    assert not limiter.enabled and limiter.snapshot() == {"enabled": False}
    assert all(limiter.admit("PUT", ALICE, TENANT, SUB) == {} for _ in range(1000))


def test_a_burst_empties_the_bucket_and_the_next_call_gets_429() -> None:
    clock = Clock()
    limiter = throttle(clock, writes={"bucket": 3, "refill_per_s": 1})
    counts = [limiter.admit("PUT", ALICE, TENANT, SUB) for _ in range(3)]
    assert [(h[WRITES], h[GLOBAL_WRITES]) for h in counts] == [
        ("2", "44"),
        ("1", "43"),
        ("0", "42"),
    ]
    error = refused(limiter, "POST")  # POST actions are writes
    assert error.status == 429 and error.retry_after_s == 1
    assert error.body() == {
        "error": {
            "code": "SubscriptionRequestsThrottled",
            "message": f"Number of 'write' requests for subscription '{SUB}' actor '{ALICE}' "
            "exceeded. Please try again after '1' seconds after additional tokens are "
            "available. Refer to https://aka.ms/arm-throttling for additional information.",
        }
    }
    # The refused call took nothing, not even from the subscription's bucket.
    assert error.headers() == {WRITES: "0", GLOBAL_WRITES: "42", "retry-after": "1"}


def test_tokens_come_back_continuously_and_never_above_the_bucket() -> None:
    clock = Clock()
    limiter = throttle(clock, writes={"bucket": 3, "refill_per_s": 2})
    for _ in range(3):
        limiter.admit("PUT", ALICE, TENANT, SUB)
    clock.now += 0.25  # half a token
    assert refused(limiter, "PUT").retry_after_s == 1  # 0.25 s to go, rounded up
    clock.now += 0.25
    assert limiter.admit("PUT", ALICE, TENANT, SUB)[WRITES] == "0"
    clock.now += 3600
    assert limiter.admit("PUT", ALICE, TENANT, SUB)[WRITES] == "2"  # full (3), less this call


def test_retry_after_is_the_wait_for_one_token_rounded_up() -> None:
    clock = Clock()
    limiter = throttle(clock, deletes={"bucket": 1, "refill_per_s": 0.3})
    limiter.admit("DELETE", ALICE, TENANT, SUB)
    assert refused(limiter, "DELETE").retry_after_s == 4  # 1 / 0.3 = 3.33 s
    clock.now += 3.0
    assert refused(limiter, "DELETE").retry_after_s == 1  # 0.33 s
    clock.now += 0.34
    limiter.admit("DELETE", ALICE, TENANT, SUB)


def test_each_kind_has_its_own_buckets() -> None:
    clock = Clock()
    limiter = throttle(
        clock,
        reads={"bucket": 1, "refill_per_s": 1},
        writes={"bucket": 1, "refill_per_s": 1},
        deletes={"bucket": 1, "refill_per_s": 1},
    )
    assert set(limiter.admit("GET", ALICE, TENANT, SUB)) == {READS, GLOBAL_READS}
    assert set(limiter.admit("PUT", ALICE, TENANT, SUB)) == {WRITES, GLOBAL_WRITES}
    assert set(limiter.admit("DELETE", ALICE, TENANT, SUB)) == {
        "x-ms-ratelimit-remaining-subscription-deletes",
        "x-ms-ratelimit-remaining-subscription-global-deletes",
    }
    for method in ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"):
        refused(limiter, method)


def test_principals_have_their_own_buckets_and_share_the_subscriptions() -> None:
    clock = Clock()
    limiter = throttle(clock, writes={"bucket": 2, "refill_per_s": 1})
    limiter.admit("PUT", ALICE, TENANT, SUB)
    limiter.admit("PUT", ALICE, TENANT, SUB)
    refused(limiter, "PUT", ALICE)
    bob = limiter.admit("PUT", BOB, TENANT, SUB)
    assert bob == {WRITES: "1", GLOBAL_WRITES: "27"}  # 2 x 15 = 30, less three calls
    other = limiter.admit("PUT", ALICE, TENANT, "00000000-0000-0000-0000-0000000000cc")
    assert other == {WRITES: "1", GLOBAL_WRITES: "29"}  # another subscription: full buckets


def test_the_subscription_bucket_throttles_every_principal() -> None:
    clock = Clock()
    limiter = throttle(clock, writes={"bucket": 2, "refill_per_s": 1}, global_factor=1)
    limiter.admit("PUT", ALICE, TENANT, SUB)
    limiter.admit("PUT", ALICE, TENANT, SUB)
    error = refused(limiter, "PUT", BOB)  # Bob's own bucket is full, the subscription's empty
    assert "actor" not in error.message and f"subscription '{SUB}'" in error.message
    assert error.headers()[WRITES] == "2" and error.headers()[GLOBAL_WRITES] == "0"


def test_tenant_level_calls_spend_the_principals_tenant_bucket() -> None:
    clock = Clock()
    limiter = throttle(clock, reads={"bucket": 1, "refill_per_s": 1})
    assert limiter.admit("GET", ALICE, TENANT, None) == {
        "x-ms-ratelimit-remaining-tenant-reads": "0"
    }
    with pytest.raises(TenantRequestsThrottled) as caught:
        limiter.admit("GET", ALICE, TENANT, None)
    assert caught.value.body()["error"]["code"] == "TenantRequestsThrottled"
    assert limiter.admit("GET", ALICE, TENANT, SUB)[READS] == "0"  # subscriptions apart


def test_configuring_refills_every_bucket() -> None:
    clock = Clock()
    limiter = throttle(clock, writes={"bucket": 1, "refill_per_s": 1})
    limiter.admit("PUT", ALICE, TENANT, SUB)
    limiter.configure(ThrottleLimits.parse({"writes": {"bucket": 5, "refill_per_s": 1}}))
    assert limiter.admit("PUT", ALICE, TENANT, SUB)[WRITES] == "4"
    limiter.configure(None)
    assert limiter.admit("PUT", ALICE, TENANT, SUB) == {}


def test_concurrent_calls_never_spend_a_token_twice() -> None:
    limiter = throttle(Clock(), writes={"bucket": 50, "refill_per_s": 1})
    admitted: list[int] = []
    start = threading.Barrier(8)

    def burst() -> None:
        start.wait()
        count = 0
        for _ in range(20):
            try:
                limiter.admit("PUT", ALICE, TENANT, SUB)
                count += 1
            except SubscriptionRequestsThrottled:
                pass
        admitted.append(count)

    threads = [threading.Thread(target=burst) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(admitted) == 50


# --- over the wire ---------------------------------------------------------------------------

SEED_THROTTLE = {"writes": {"bucket": 2, "refill_per_s": 0.5}}


@pytest.fixture(scope="module")
def throttled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """An emulator of this module's own, started with the throttle on from its seed."""
    folder = tmp_path_factory.mktemp("throttle")
    seed = Path(folder / "seed.json")
    seed.write_text(json.dumps({**default_seed_document(), "arm_throttle": SEED_THROTTLE}))
    with EmulatorProcess(folder / "state", seed=seed) as process:
        yield process.info


@pytest.fixture
def limits(throttled: EmulatorInfo) -> Iterator[AdminClient]:
    """The admin client; the seed's throttle (buckets full) is restored after each test."""
    admin = AdminClient(throttled)
    yield admin
    admin.set_throttle(SEED_THROTTLE)


def hub_client(info: EmulatorInfo, **kwargs: Any) -> IotHubClient:
    return IotHubClient(
        management_credential(info), info.subscription_id, **client_kwargs(info), **kwargs
    )


def ca_body(helpers: Any, certs: Any) -> CertificateDescription:
    return CertificateDescription(
        properties=CertificateProperties(certificate=helpers.b64(certs.ca().pem))
    )


def name() -> str:
    return f"throttled-{uuid.uuid4().hex[:8]}"


def get(info: EmulatorInfo, path: str, principal: int = 0) -> requests.Response:
    token = management_credential(info, principal).get_token(
        "https://management.azure.com/.default"
    )
    return requests.get(
        info.base_url + path,
        headers={"Authorization": f"Bearer {token.token}"},
        verify=info.ca_bundle,
        timeout=30,
    )


def test_the_seed_setting_is_in_force(throttled: EmulatorInfo, limits: AdminClient) -> None:
    assert limits.throttle() == {
        "enabled": True,
        "reads": {"bucket": 250, "refill_per_s": 25.0},
        "writes": {"bucket": 2, "refill_per_s": 0.5},
        "deletes": {"bucket": 200, "refill_per_s": 10.0},
        "global_factor": 15.0,
    }


def test_a_burst_beyond_the_bucket_meets_429_with_retry_after(
    throttled: EmulatorInfo, limits: AdminClient, helpers: Any, certs: Any
) -> None:
    # The seed's bucket of 2, refilled so slowly that the third PUT is refused however slow the
    # machine (a token takes 1000 s); the timing the headers depend on is measured, not assumed.
    refill = 0.001
    limits.set_throttle({"writes": {"bucket": 2, "refill_per_s": refill}})
    client = hub_client(throttled, retry_total=0)  # see the 429 itself
    rg, hub = throttled.resource_group, throttled.iot_hubs[0]
    names = [name() for _ in range(3)]
    body = ca_body(helpers, certs)
    start = time.monotonic()
    for created in names[:2]:
        client.certificates.create_or_update(rg, hub, created, body)
    with pytest.raises(HttpResponseError) as caught:
        client.certificates.create_or_update(rg, hub, names[2], body)
    elapsed = time.monotonic() - start  # at least the time between the first and third PUT
    error = caught.value
    assert error.status_code == 429 and error.error is not None
    assert error.error.code == "SubscriptionRequestsThrottled"
    assert isinstance(error.response, HttpResponse)
    headers = error.response.headers
    # The time to refill one token, less the time since the first PUT (rounded up).
    assert 1 / refill - elapsed <= int(headers["Retry-After"]) <= 1 / refill
    assert headers[WRITES] == "0"
    # The subscription's bucket (2 x 15) refills 15 times as fast: 28 and what came back since.
    assert 28 <= int(headers[GLOBAL_WRITES]) <= min(30, 28 + 15 * refill * elapsed)
    listed = {c.name for c in client.certificates.list_by_iot_hub(rg, hub).value or []}
    assert names[2] not in listed and set(names[:2]) <= listed  # the refused PUT did nothing


class Waits:
    """Stands in for the sleep of azure-core's transport between retries: each wait asked for is
    recorded and, instead of passing that time, the emulator's buckets are refilled as the time
    would. So the retry test holds on any machine: no token comes back while it runs, and none
    needs to."""

    def __init__(self, refill: Callable[[], object]) -> None:
        self.asked: list[float] = []
        self._refill = refill

    def __call__(self, duration: float) -> None:
        self.asked.append(duration)
        self._refill()


def test_azure_cores_retry_honours_retry_after_and_succeeds(
    throttled: EmulatorInfo,
    limits: AdminClient,
    helpers: Any,
    certs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A bucket of 1 that takes 1000 s to refill: the second PUT is refused whatever the timing.
    slow = {"writes": {"bucket": 1, "refill_per_s": 0.001}}
    limits.set_throttle(slow)
    transport = RequestsTransport(connection_verify=throttled.ca_bundle)
    waits = Waits(lambda: limits.set_throttle(slow))  # setting it fills every bucket
    monkeypatch.setattr(transport, "sleep", waits)
    client = hub_client(throttled, transport=transport)  # azure-core's default RetryPolicy
    rg, hub = throttled.resource_group, throttled.iot_hubs[0]
    first, second = name(), name()
    bodies = ca_body(helpers, certs), ca_body(helpers, certs)
    answers: list[tuple[int, str | None]] = []

    def seen(response: Any) -> None:
        answer = response.http_response
        answers.append((answer.status_code, answer.headers.get("Retry-After")))

    limits.clear_requests()
    client.certificates.create_or_update(rg, hub, first, bodies[0])
    created = client.certificates.create_or_update(
        rg, hub, second, bodies[1], raw_response_hook=seen
    )
    assert created.name == second
    puts = [
        (entry["certificate_name"], entry["status"])
        for entry in limits.requests()
        if entry["operation"] == "Certificates_CreateOrUpdate"
    ]
    assert puts == [(first, 200), (second, 429), (second, 200)]
    (refused, retry_after), (admitted, _) = answers
    assert (refused, admitted) == (429, 200) and retry_after is not None
    # The one wait between the attempts is the one the 429 asked for (about 1000 s), not
    # azure-core's own backoff.
    assert waits.asked == [float(retry_after)]


def test_the_headers_count_both_buckets_down(throttled: EmulatorInfo, limits: AdminClient) -> None:
    limits.set_throttle({"reads": {"bucket": 5, "refill_per_s": 0.001}, "global_factor": 2})
    path = (
        f"/subscriptions/{throttled.subscription_id}/resourceGroups/{throttled.resource_group}"
        f"/providers/Microsoft.Devices/IotHubs/{throttled.iot_hubs[0]}/certificates"
        "?api-version=2023-06-30"
    )
    seen = [get(throttled, path).headers for _ in range(2)]
    assert [(h[READS], h[GLOBAL_READS]) for h in seen] == [("4", "9"), ("3", "8")]
    reader = get(throttled, path, principal=2).headers  # the Reader: its own bucket
    assert (reader[READS], reader[GLOBAL_READS]) == ("4", "7")
    assert not [h for h in seen[0] if h.lower().endswith("-writes")]
    tenant = get(throttled, "/subscriptions?api-version=2022-12-01").headers
    assert tenant["x-ms-ratelimit-remaining-tenant-reads"] == "4"
    assert READS not in tenant


def test_no_token_no_charge(throttled: EmulatorInfo, limits: AdminClient) -> None:
    limits.set_throttle({"reads": {"bucket": 1, "refill_per_s": 0.001}})
    path = f"/subscriptions/{throttled.subscription_id}?api-version=2022-12-01"
    anonymous = requests.get(throttled.base_url + path, verify=throttled.ca_bundle, timeout=30)
    assert anonymous.status_code == 401
    assert not [h for h in anonymous.headers if h.lower().startswith("x-ms-ratelimit")]
    assert get(throttled, path).status_code == 200  # the 401 spent nothing
    assert get(throttled, path).status_code == 429


def test_off_through_the_admin_api_reports_hourly_budgets(
    throttled: EmulatorInfo, limits: AdminClient
) -> None:
    limits.clear_throttle()
    assert limits.throttle() == {"enabled": False}
    path = f"/subscriptions/{throttled.subscription_id}?api-version=2022-12-01"
    headers = get(throttled, path).headers
    assert int(headers[READS]) > 11000 and GLOBAL_READS not in headers
    with pytest.raises(RuntimeError, match="400"):
        limits.set_throttle({"writes": {"bucket": -1, "refill_per_s": 1}})
    assert limits.set_throttle()["writes"] == {"bucket": 200, "refill_per_s": 10.0}
