"""Backend rules without HTTP: RBAC matching, the seed schema, faults, identity, the store."""

from __future__ import annotations

import jwt
import pytest

from azure_iot_emulator.arm.models import ArmBackend, action_allowed, scope_covers
from azure_iot_emulator.faults import FaultConfigError, FaultInjector, RandomFaults, ScriptedFailure
from azure_iot_emulator.identity.exceptions import (
    ApplicationNotFound,
    InvalidClientSecret,
    InvalidScope,
    TenantNotFound,
    UnsupportedGrantType,
)
from azure_iot_emulator.identity.keys import load_or_create_signing_key
from azure_iot_emulator.identity.models import IdentityBackend
from azure_iot_emulator.seed import SeedError, apply_seed, default_seed, parse_seed
from azure_iot_emulator.store import Store


def test_action_and_scope_matching() -> None:
    assert action_allowed("*", "Microsoft.Devices/IotHubs/certificates/write")
    assert action_allowed("*/read", "Microsoft.Devices/IotHubs/certificates/read")
    assert not action_allowed("*/read", "Microsoft.Devices/IotHubs/certificates/verify/action")
    assert scope_covers("/subscriptions/S", "/subscriptions/s/resourceGroups/rg")
    assert not scope_covers(
        "/subscriptions/S/resourceGroups/rg", "/subscriptions/S/resourceGroups/rg2"
    )


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"subscriptions": []},
        {
            "tenants": [{"tenant_id": "t"}],
            "subscriptions": [{"subscription_id": "s", "tenant_id": "x"}],
        },
        {
            "tenants": [{"tenant_id": "t"}],
            "subscriptions": [{"subscription_id": "s", "tenant_id": "t"}],
            "service_principals": [
                {
                    "tenant_id": "t",
                    "client_id": "c",
                    "client_secret": "s",
                    "role_assignments": [{"role": "Janitor", "scope": "/subscriptions/s"}],
                }
            ],
        },
        {
            "tenants": [{"tenant_id": "t"}],
            "subscriptions": [
                {
                    "subscription_id": "s",
                    "tenant_id": "t",
                    "resource_groups": [{"name": "rg", "iot_hubs": ["-bad-"]}],
                }
            ],
        },
    ],
)
def test_invalid_seeds(document) -> None:
    with pytest.raises(SeedError):
        parse_seed(document)


def test_seed_only_fills_missing(tmp_path) -> None:
    store = Store(tmp_path / "s.db")
    apply_seed(store, default_seed())
    arm = ArmBackend(store)
    hub = arm.resource(
        "00000000-0000-0000-0000-00000000a2e0", "rg-pop-demo", "iothub", "hub-pop-demo"
    )
    assert hub is not None
    apply_seed(store, default_seed())
    again = arm.resource(
        "00000000-0000-0000-0000-00000000a2e0", "RG-POP-DEMO", "iothub", "HUB-POP-DEMO"
    )
    assert again == hub


def test_identity_rules(tmp_path) -> None:
    store = Store(tmp_path / "s.db")
    seed = default_seed()
    apply_seed(store, seed)
    backend = IdentityBackend(store, load_or_create_signing_key(tmp_path))
    sp = seed.principals[0]
    scope = "https://management.azure.com/.default"
    issued = backend.issue_client_credentials_token(
        sp.tenant_id, "client_credentials", sp.client_id, sp.client_secret, scope, "https://x"
    )
    claims = jwt.decode(
        issued.access_token,
        backend.key.public_key,
        algorithms=["RS256"],
        audience="https://management.azure.com/",
    )
    assert claims["oid"] == sp.object_id and claims["iss"] == f"https://x/{sp.tenant_id}/"
    cases = [
        (("nope", "client_credentials", sp.client_id, sp.client_secret, scope), TenantNotFound),
        ((sp.tenant_id, "password", sp.client_id, sp.client_secret, scope), UnsupportedGrantType),
        ((sp.tenant_id, "client_credentials", "nobody", "x", scope), ApplicationNotFound),
        ((sp.tenant_id, "client_credentials", sp.client_id, "bad", scope), InvalidClientSecret),
        (
            (sp.tenant_id, "client_credentials", sp.client_id, sp.client_secret, "user.read"),
            InvalidScope,
        ),
    ]
    for args, error in cases:
        with pytest.raises(error):
            backend.issue_client_credentials_token(*args, "https://x")
    # The key is reused across restarts.
    assert load_or_create_signing_key(tmp_path).kid == backend.key.kid


def test_faults_are_deterministic_per_seed() -> None:
    def run() -> list[str]:
        injector = FaultInjector(RandomFaults(throttle_fraction=0.3, drop_fraction=0.2, seed=7))
        kinds = []
        for _ in range(50):
            decision = injector.decide("Certificates_Get", None, is_arm=True)
            kinds.append("drop" if decision.drop else type(decision.error).__name__)
        return kinds

    first = run()
    assert first == run() and "drop" in first and "SubscriptionRequestsThrottled" in first
    assert FaultInjector().decide("Token", None, is_arm=False).error is None


def test_scripted_failures_count_down() -> None:
    injector = FaultInjector()
    injector.add_scripted(
        ScriptedFailure("Certificates_Verify", 400, code=400053, times=2, certificate_name="CA")
    )
    assert injector.decide("Certificates_Verify", "other", True).error is None
    for _ in range(2):
        error = injector.decide("certificates_verify", "ca", True).error
        assert error is not None and error.status == 400 and error.body()["code"] == 400053
    assert injector.decide("Certificates_Verify", "ca", True).error is None
    with pytest.raises(FaultConfigError):
        injector.configure(error_status=404)
    with pytest.raises(FaultConfigError):
        injector.add_scripted(ScriptedFailure("X", 200))
