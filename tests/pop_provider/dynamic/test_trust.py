"""TrustedCa under Pulumi's mocks: one child per target, fed by azure-native ids."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks

from pop_provider import CaTarget, TrustedCa, TrustedCaArgs
from pop_provider.dynamic.trust import TrustedCaError
from tests.pki import make_ca

SUB = "00000000-0000-0000-0000-0000000000e1"
GROUP = f"/subscriptions/{SUB}/resourceGroups/fleet-rg"


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: dict[str, tuple[str, dict[str, Any]]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources[args.name] = (args.typ, dict(args.inputs))
        if args.typ == "azure-native:iothub:IotHubResource":
            return f"{GROUP}/providers/Microsoft.Devices/IotHubs/{args.name}-1a2b", {}
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


class FakeHub(pulumi.CustomResource):
    """Stands for azure-native's IotHubResource: its `id` is an Output, known after create."""

    def __init__(self, name: str) -> None:
        super().__init__("azure-native:iothub:IotHubResource", name, {})


@pytest.fixture
def recorder() -> Recorder:
    recorded = Recorder()
    mocks.set_mocks(recorded, project="fleet", stack="dev", preview=False)
    return recorded


@pulumi.runtime.test
def test_one_child_per_target_each_with_its_own_target(recorder: Recorder) -> Any:
    ca = make_ca("fleet root everywhere")
    hub = FakeHub("west")
    everywhere = TrustedCa(
        "root",
        TrustedCaArgs(
            certificate_pem=ca.certificate_pem,
            private_key_pem=ca.private_key_pem,
            targets=[
                CaTarget(hub_id=hub.id, name="west"),
                CaTarget(resource_group_name="rg-east", dps_name="dps-east"),
                CaTarget(hub_id=f"{GROUP}/providers/Microsoft.Devices/IotHubs/hub-north"),
            ],
        ),
    )
    assert sorted(everywhere.certificates) == ["dps-east", "hub-north", "west"]

    def check(_: Any) -> None:
        children = {
            name: inputs
            for name, (typ, inputs) in recorder.resources.items()
            if typ == "pulumi-python:dynamic/pop:VerifiedCaCertificate"
        }
        assert sorted(children) == ["root-dps-east", "root-hub-north", "root-west"]
        assert children["root-west"]["hub_id"].endswith("/IotHubs/west-1a2b")  # the Output's value
        assert children["root-dps-east"]["dps_name"] == "dps-east"
        assert all(c["certificate_pem"] == ca.certificate_pem for c in children.values())

    return pulumi.Output.all(*(c.arm_id for c in everywhere.certificates.values())).apply(check)


def test_a_target_named_only_by_an_output_needs_a_name(recorder: Recorder) -> None:
    hub = FakeHub("nameless")
    ca = make_ca("nameless")
    with pytest.raises(TrustedCaError, match=r"targets\[0\]: give it a `name`"):
        TrustedCa(
            "root",
            TrustedCaArgs(certificate_pem=ca.certificate_pem, targets=[CaTarget(hub_id=hub.id)]),
        )
