"""The resource as a Pulumi program sees it, under Pulumi's mocks (no engine, no provider calls).

Composition with azure-native: users create hubs with `azure_native.iothub.IotHubResource` and
hand its `id` output to the certificate. The azure-native plugin cannot be fetched here, so the
hub is mocked; what is checked is that the ARM id flows into our resource's inputs, the key is a
secret, and the provider is serialized by reference (a handful of bytes naming the class).
"""

from __future__ import annotations

import base64
from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks

from tests.pki import make_ca

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000a1"
HUB_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-fleet"
    "/providers/Microsoft.Devices/IotHubs/hub-fleet"
)


class RecordingMocks(pulumi.runtime.Mocks):
    """Gives the hub its ARM id, as azure-native would, and records every resource's inputs."""

    def __init__(self) -> None:
        self.resources: dict[str, tuple[str, dict[str, Any]]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources[args.name] = (args.typ, dict(args.inputs))
        if args.typ == "azure-native:iothub:IotHubResource":
            return HUB_ID, {**args.inputs, "id": HUB_ID, "name": "hub-fleet"}
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def recording_mocks() -> RecordingMocks:
    recorder = RecordingMocks()
    mocks.set_mocks(recorder, preview=False)
    return recorder


@pulumi.runtime.test
def test_hub_id_from_azure_native_flows_into_the_certificate(
    recording_mocks: RecordingMocks,
) -> Any:
    import pulumi_azure_native as azure_native

    from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs

    ca = make_ca("fleet root")
    hub = azure_native.iothub.IotHubResource(
        "hub",
        resource_group_name="rg-fleet",
        resource_name_="hub-fleet",
        sku=azure_native.iothub.IotHubSkuInfoArgs(name="S1", capacity=1),
    )
    cert = VerifiedCaCertificate(
        "fleet-root",
        VerifiedCaCertificateArgs(
            hub_id=hub.id, certificate_pem=ca.certificate_pem, private_key_pem=ca.private_key_pem
        ),
    )

    def check(_: Any) -> None:
        typ, props = recording_mocks.resources["fleet-root"]
        assert typ == "pulumi-python:dynamic/pop:VerifiedCaCertificate"
        assert props["hub_id"] == HUB_ID
        assert props["name_prefix"] == "fleet-root"
        provider = base64.b64decode(props["__provider"])
        # By reference: the pickle names the class and carries no code, settings or keys.
        assert b"pop_provider.dynamic.provider" in provider
        assert b"VerifiedCaCertificateProvider" in provider
        assert len(provider) < 200
        assert ca.private_key_pem.encode() not in provider

    return cert.urn.apply(check)


@pulumi.runtime.test
def test_private_key_and_password_are_secret_even_when_given_as_plain_strings(
    recording_mocks: RecordingMocks,
) -> Any:
    from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs

    ca = make_ca("plain root")
    cert = VerifiedCaCertificate(
        "plain",
        VerifiedCaCertificateArgs(
            resource_group_name="rg",
            hub_name="hub-one",
            certificate_pem=ca.certificate_pem,
            private_key_pem=ca.private_key_pem,
            private_key_password="not-a-real-password",
        ),
    )

    def check(_: Any) -> None:
        from pulumi.runtime import rpc

        _typ, props = recording_mocks.resources["plain"]
        for key in ("private_key_pem", "private_key_password"):
            assert isinstance(props[key], dict), key
            assert props[key].get(rpc._special_sig_key) == rpc._special_secret_sig, key

    return cert.urn.apply(check)


def test_one_ca_declared_twice_on_one_hub_is_refused_in_the_program(
    recording_mocks: RecordingMocks, caplog: pytest.LogCaptureFixture
) -> None:
    """Both declarations are refused before their inputs leave the program, whichever way each
    names the hub, in one line naming both; the same CA on another hub, and another CA on this
    one, are released."""
    from pop_provider.dynamic.declarations import DuplicateDeclaration, gated_certificate

    ca, other_ca = make_ca("declared twice"), make_ca("declared once")
    by_id = [HUB_ID, None, None, None, None, None]
    by_names = [None, None, SUBSCRIPTION, "rg-fleet", "hub-fleet", None]
    elsewhere = [HUB_ID.replace("hub-fleet", "hub-other"), None, None, None, None, None]

    @pulumi.runtime.test
    def program() -> Any:
        gated_certificate("dup-a", ca.certificate_pem, by_id, None)
        gated_certificate("dup-b", pulumi.Output.from_input(ca.certificate_pem), by_names, None)
        released = [
            gated_certificate("same-ca-elsewhere", ca.certificate_pem, elsewhere, None),
            gated_certificate("other-ca", other_ca.certificate_pem, by_id, None),
        ]

        def check(pems: list[str]) -> None:
            assert pems == [ca.certificate_pem, other_ca.certificate_pem]

        return pulumi.Output.all(*released).apply(check)

    with pytest.raises(DuplicateDeclaration, match="^this program declares a CA"):
        program()
    pairs = [r.getMessage() for r in caplog.records if "both declare" in r.getMessage()]
    assert len(pairs) == 1
    assert pairs[0].startswith("resources 'dup-a' and 'dup-b' both declare the same CA")
    assert "on IoT hub 'hub-fleet'" in pairs[0]


def test_a_fleet_of_declarations_leaves_no_pickler_wrapper_behind(
    recording_mocks: RecordingMocks,
) -> None:
    """Pulumi's serialize_provider wraps pickle's `_batch_setitems` per dynamic resource and
    never unwraps it: a program of ~970 certificates died with RecursionError. After 1,100
    declarations the method is the one before them, and a dynamic provider still serializes."""
    import pickle

    from pulumi.dynamic.dynamic import serialize_provider

    from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs
    from pop_provider.dynamic.provider import VerifiedCaCertificateProvider

    before = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    pem = make_ca("fleet of one thousand").certificate_pem
    for index in range(1100):
        VerifiedCaCertificate(
            f"ca-{index}",
            VerifiedCaCertificateArgs(
                hub_id=HUB_ID.replace("hub-fleet", f"hub-{index}"),
                certificate_pem=pem,
                mode="auto",
            ),
        )
    assert pickle._Pickler._batch_setitems is before  # type: ignore[attr-defined]
    assert serialize_provider(VerifiedCaCertificateProvider())
