"""examples/azure-native-hub under Pulumi's mocks: the program a user copies, run as it is.

The azure-native plugin cannot be fetched here, so azure-native's resources and its invoke are
mocked; what is checked is what the user relies on: the hub's and the DPS's ARM ids flow into
the certificates, the DPS is linked to the hub with a secret connection string, the root key is a
secret on both certificates, and the provider is serialized by reference.
"""

from __future__ import annotations

import base64
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks, rpc

from tests.pki import make_ca

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "azure-native-hub"
PROJECT = "azure-native-hub"
SUBSCRIPTION = "00000000-0000-0000-0000-0000000000e1"
HUB_TYPE = "azure-native:iothub:IotHubResource"
DPS_TYPE = "azure-native:deviceprovisioningservices:IotDpsResource"
CERT_TYPE = "pulumi-python:dynamic/pop:VerifiedCaCertificate"


def _arm_id(typ: str, name: str) -> str:
    kind = {
        "azure-native:resources:ResourceGroup": "",
        HUB_TYPE: "/providers/Microsoft.Devices/IotHubs/",
        DPS_TYPE: "/providers/Microsoft.Devices/provisioningServices/",
    }[typ]
    group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/fleet-rg"
    return group if not kind else f"{group}{kind}{name}"


class AzureNativeMocks(pulumi.runtime.Mocks):
    """Answers as azure-native would (ids, auto-names, the hub's owner key); records inputs."""

    def __init__(self, root_key: str) -> None:
        self.root_key = root_key
        self.resources: dict[str, tuple[str, dict[str, Any]]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources[args.name] = (args.typ, dict(args.inputs))
        if args.typ == CERT_TYPE:
            return f"{args.name}-id", dict(args.inputs)
        name = f"{args.name}-1a2b3c"  # azure-native's auto-naming: the resource name + a suffix
        return _arm_id(args.typ, name), {**args.inputs, "name": name}

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        self.calls.append((args.token, dict(args.args)))
        # No failures: an empty list (the mock monitor iterates it; None would fail).
        return {"keyName": "iothubowner", "primaryKey": "bW9jay1vd25lci1rZXk="}, []


@pytest.fixture
def azure_mocks(tmp_path: Path) -> AzureNativeMocks:
    ca = make_ca("example fleet root")
    (tmp_path / "root.pem").write_text(ca.certificate_pem)
    recorder = AzureNativeMocks(ca.private_key_pem)
    mocks.set_mocks(recorder, project=PROJECT, stack="dev", preview=False)
    pulumi.runtime.set_all_config(
        {
            f"{PROJECT}:rootCertificateFile": str(tmp_path / "root.pem"),
            f"{PROJECT}:rootKey": ca.private_key_pem,
            "azure-native:location": "westeurope",
        },
        [f"{PROJECT}:rootKey"],
    )
    return recorder


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


@pulumi.runtime.test
def test_hub_and_dps_ids_from_azure_native_reach_the_certificates(
    azure_mocks: AzureNativeMocks,
) -> Any:
    namespace = runpy.run_path(str(EXAMPLE / "__main__.py"))

    def check(_: Any) -> None:
        resources = azure_mocks.resources
        cert_type, on_hub = resources["fleet-root"]
        assert cert_type == CERT_TYPE
        assert on_hub["hub_id"] == _arm_id(HUB_TYPE, "fleet-hub-1a2b3c")
        assert on_hub.get("dps_id") is None
        _, on_dps = resources["fleet-root-dps"]
        assert on_dps["dps_id"] == _arm_id(DPS_TYPE, "fleet-dps-1a2b3c")
        for props in (on_hub, on_dps):
            assert props["mode"] == "proof"
            assert _is_secret(props["private_key_pem"])
            provider = base64.b64decode(
                props["__provider"]["value"]
                if _is_secret(props["__provider"])
                else props["__provider"]
            )
            assert b"pop_provider.dynamic.provider" in provider
            assert azure_mocks.root_key.encode() not in provider
        # The DPS links the hub with the hub's owner key, kept secret (the engine keeps the
        # whole `properties` object secret around it).
        _, dps = resources["fleet-dps"]
        assert _is_secret(dps["properties"])
        (linked,) = dps["properties"]["value"]["iotHubs"]
        assert linked["connectionString"] == (
            "HostName=fleet-hub-1a2b3c.azure-devices.net;SharedAccessKeyName=iothubowner;"
            "SharedAccessKey=bW9jay1vd25lci1rZXk="
        )
        ((token, invoke_args),) = azure_mocks.calls
        assert token == "azure-native:iothub:listIotHubResourceKeysForKeyName"
        assert invoke_args["keyName"] == "iothubowner"

    return namespace["root_on_dps"].urn.apply(check)
