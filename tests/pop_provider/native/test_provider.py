"""The native face without an engine: what `pop` answers for the protocol's verbs, in camelCase,
with secrets marked, over the core's verbs, configured as the engine configures it for the
emulator's hub."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckRequest,
    ConfigureRequest,
    CreateRequest,
    DiffRequest,
    ReadRequest,
)

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, stack_config
from pop_provider.native.provider import PopProvider
from pop_provider.native.schema import schema_json
from tests.pki import make_ca
from tests.pop_provider.engine import hub_id

URN = "urn:pulumi:prod::fleet::pop:index:VerifiedCaCertificate::root-ca"


@pytest.fixture
def target(emulator: EmulatorInfo) -> str:
    """The ARM id of the emulator's first hub."""
    return hub_id(emulator)


@pytest.fixture
def warned() -> list[tuple[str, str]]:
    """The warnings the provider sent the engine's log: (urn, message)."""
    return []


@pytest.fixture
def provider(emulator: EmulatorInfo, warned: list[tuple[str, str]]) -> PopProvider:
    """`pop` configured with the README's stack config for the emulator, as the engine passes
    a provider's config (its keys without the `pop:` namespace, the secret ones secret)."""
    provider = PopProvider("0.0.0-test", warn=lambda urn, message: warned.append((urn, message)))
    plain, secret = stack_config(emulator, native=True)
    args = {key.split(":", 1)[1]: PropertyValue(value) for key, value in plain.items()}
    args |= {
        key.split(":", 1)[1]: PropertyValue(value, is_secret=True) for key, value in secret.items()
    }
    run(provider.configure(ConfigureRequest({}, args, True, False)))
    return provider


def certificate_calls(admin: AdminClient) -> list[str]:
    """The certificate operations the emulator answered, in order."""
    return [
        entry["operation"]
        for entry in admin.requests()
        if (entry["operation"] or "").startswith("Certificates_")
    ]


def values(**props: Any) -> dict[str, PropertyValue]:
    return {key: PropertyValue(value) for key, value in props.items()}


def plain(props: dict[str, PropertyValue]) -> dict[str, Any]:
    return {key: value.value for key, value in props.items()}


def run(coroutine: Any) -> Any:
    """On a loop of its own, leaving the thread's current loop alone (asyncio.run would unset
    it, and the tests under Pulumi's mocks that follow need one)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def declared(ca: Any, target: str, **overrides: Any) -> dict[str, PropertyValue]:
    props = {
        "hubId": target,
        "certificatePem": ca.certificate_pem,
        "privateKeyPem": ca.private_key_pem,
    }
    props.update(overrides)
    return values(**props)  # the key not marked secret by the program


def test_check_speaks_camel_case_and_sends_nothing_to_azure(
    provider: PopProvider, target: str, admin: AdminClient
) -> None:
    ca, other = make_ca("native check"), make_ca("someone else")
    news = declared(ca, target, privateKeyPem=other.private_key_pem, hubName="no-group")
    result = run(provider.check(CheckRequest(URN, {}, news, b"")))
    reasons = [failure.reason for failure in result.failures]
    assert any(
        reason.startswith("privateKeyPem: the private key does not belong") for reason in reasons
    ), reasons
    assert not any("private_key_pem" in reason or "hub_name" in reason for reason in reasons), (
        reasons
    )
    assert admin.requests() == []  # not even a token


def test_check_keeps_the_key_secret_and_names_the_certificate_for_this_stack(
    provider: PopProvider, target: str
) -> None:
    ca = make_ca("native secret")
    result = run(provider.check(CheckRequest(URN, {}, declared(ca, target), b"")))
    assert result.failures == []
    checked = result.inputs
    assert checked["privateKeyPem"].is_secret
    assert not checked["certificatePem"].is_secret
    assert checked["certificateName"].value.startswith("root-ca-")
    assert checked["nameScope"].value == "fleet/prod"
    assert checked["thumbprint"].value and checked["targetId"].value == target


def test_create_then_an_unchanged_diff_and_an_import_that_declares_what_azure_holds(
    provider: PopProvider, target: str, admin: AdminClient
) -> None:
    ca = make_ca("native lifecycle")
    checked = run(provider.check(CheckRequest(URN, {}, declared(ca, target), b""))).inputs
    created = run(provider.create(CreateRequest(URN, checked, 60, False)))
    outputs = plain(created.properties)
    assert outputs["isVerified"] is True and outputs["armId"] == created.resource_id
    assert "privateKeyPem" not in outputs and outputs["daysUntilExpiry"] >= 360
    assert certificate_calls(admin).count("Certificates_Verify") == 1

    diff = run(
        provider.diff(DiffRequest(URN, created.resource_id, created.properties, checked, []))
    )
    assert diff.changes is False and diff.replaces == []

    imported = run(provider.read(ReadRequest(URN, created.resource_id, {}, {})))
    assert imported.resource_id == created.resource_id
    assert plain(imported.inputs) == {
        "hubId": target,
        "certificateName": outputs["certificateName"],
        "certificatePem": ca.certificate_pem,
        "mode": "offline",  # needs no key, never self-attests; the user adds the key
    }
    assert plain(imported.properties)["isVerified"] is True


def test_a_certificate_gone_from_the_hub_reads_as_gone(provider: PopProvider, target: str) -> None:
    found = run(provider.read(ReadRequest(URN, f"{target}/certificates/nothing", {}, {})))
    assert found.resource_id == "" and found.properties == {}


def test_a_client_secret_set_in_clear_is_kept_secret_in_the_state(provider: PopProvider) -> None:
    config = values(clientSecret="set-without---secret", clientId="client")
    checked = run(
        provider.check_config(
            CheckRequest("urn:pulumi:prod::fleet::pulumi:providers:pop::default", {}, config, b"")
        )
    ).inputs
    assert checked["clientSecret"].is_secret and not checked["clientId"].is_secret


def test_a_key_passed_in_clear_is_one_warning_in_camel_case_and_kept_secret(
    provider: PopProvider, target: str, warned: list[tuple[str, str]]
) -> None:
    ca = make_ca("native clear key")
    other = URN.replace("root-ca", "root-ca-again")
    for urn in (URN, URN, other):  # preview and update, and a second resource with the same key
        checked = run(provider.check(CheckRequest(urn, {}, declared(ca, target), b""))).inputs
        assert checked["privateKeyPem"].is_secret
    ((urn, message),) = warned
    assert urn == URN
    assert message.startswith("privateKeyPem is not a secret: if it comes from stack config, ")
    assert "fix: `pulumi config set --secret <key> < root.key`" in message
    assert "keyVaultUrl, keyVaultKeyName" in message and "private_key" not in message
    assert ca.private_key_pem.splitlines()[1] not in message


def test_a_key_and_password_passed_as_secrets_are_no_warning(
    provider: PopProvider, target: str, warned: list[tuple[str, str]]
) -> None:
    ca = make_ca("native secret key")
    news = {
        **declared(ca, target),
        "privateKeyPem": PropertyValue(ca.private_key_pem, is_secret=True),
        "privateKeyPassword": PropertyValue("", is_secret=True),
    }
    run(provider.check(CheckRequest(URN, {}, news, b"")))
    assert warned == []


def test_the_schema_lets_the_program_say_whether_the_key_is_secret_and_never_reports_it() -> None:
    """Declared secret, the key would be wrapped by Pulumi YAML and the SDKs before check could
    see how the program passed it; the provider marks it secret in the state instead."""
    schema = json.loads(schema_json("0.0.0-test"))
    for token in ("pop:index:VerifiedCaCertificate", "pop:index:TrustedCa"):
        resource = schema["resources"][token]
        for name in ("privateKeyPem", "privateKeyPassword"):
            assert "secret" not in resource["inputProperties"][name]
            assert name not in resource.get("properties", {})


GROUP_URN = "urn:pulumi:prod::fleet::pop:index:EnrollmentGroup::fleet"


def test_an_enrollment_group_is_routed_to_its_verbs_and_refused_in_camel_case(
    provider: PopProvider, emulator: EmulatorInfo, admin: AdminClient
) -> None:
    """Bad group inputs: per-property failures in camelCase, before any call (not a token)."""
    from tests.pop_provider.engine import dps_id

    news = {
        "dpsId": PropertyValue(dps_id(emulator)),
        "enrollmentGroupId": PropertyValue("fleet"),
        "caReferencePrimary": PropertyValue("root"),
        "allocationPolicy": PropertyValue("static"),
        "customAllocationWebhookUrl": PropertyValue("https://f.example"),
    }
    admin.clear_requests()
    result = run(provider.check(CheckRequest(GROUP_URN, {}, news, b"")))
    failures = {failure.property: failure.reason for failure in result.failures}
    assert set(failures) == {"iotHubs", "customAllocationWebhookUrl"}
    assert "allocationPolicy static assigns every device to one hub" in failures["iotHubs"]
    assert "custom_allocation" not in " ".join(failures.values())
    assert admin.requests() == []
