"""`make demo`: trust a root and an intermediate CA on a hub, Verified by proof of possession,
and onboard a device through DPS.

Starts the embedded Azure emulator, makes a demo PKI, writes the `demo` stack's config, runs a real
`pulumi up` of this project's program (the two CAs on the hub; the root on the DPS too, and the
enrollment group that admits devices chained to it), shows what the hub now reports, registers
a device whose leaf the intermediate signed (assigned to the hub, read back from its registry)
and one from a CA nobody trusts (refused), and stops the emulator. Everything lives in the
gitignored .demo/ folder and the local backend, so a second run finds the same certificates and
changes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from azure_iot_emulator.device_client import HttpsDevice
from azure_iot_emulator.seed import default_seed_document
from azure_iot_emulator.testing import (
    EmulatorInfo,
    EmulatorProcess,
    client_kwargs,
    management_credential,
    stack_config,
)
from devtools.demo_pki import DemoCa, DemoDevice, demo_device, ensure_demo_pki, stranger_device

REPO = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO / ".demo"
PULUMI = REPO / "tools" / "pulumi"
STACK = "demo"
DEVICE_ID = "demo-device-001"
GROUP_ID = "demo-devices"


def pulumi(*args: str, capture: bool = False) -> str:
    """Run the hermetic CLI in the project; its output streams to the terminal unless captured."""
    # Global flags first: anything after a `--` in args is a positional value.
    argv = [str(PULUMI), "--cwd", str(REPO), "--non-interactive", *args]
    # Each demo starts the emulator on a new port: the refresh every `up` does (Pulumi.yaml's
    # `refresh: always`) must use the config just written, not the one saved in the state.
    env = {**os.environ, "PULUMI_RUN_PROGRAM": "true"}
    if capture:
        return subprocess.run(argv, check=True, capture_output=True, text=True, env=env).stdout
    subprocess.run(argv, check=True, env=env)
    return ""


def demo_seed(path: Path) -> Path:
    """The default seed, its principal (the stack's) also holding the data roles a platform
    team gives its pipeline: the DPS's enrollment groups, and reading the hub's registry."""
    document = default_seed_document()
    sub = document["subscriptions"][0]
    group = sub["resource_groups"][0]
    base = f"/subscriptions/{sub['subscription_id']}/resourceGroups/{group['name']}"
    devices = "/providers/Microsoft.Devices"
    document["service_principals"][0]["role_assignments"] += [
        {
            "role": "Device Provisioning Service Data Contributor",
            "scope": f"{base}{devices}/provisioningServices/{group['dps'][0]}",
        },
        {"role": "IoT Hub Data Reader", "scope": f"{base}{devices}/IotHubs/{group['iot_hubs'][0]}"},
    ]
    path.write_text(json.dumps(document))
    return path


def arm_id(info: EmulatorInfo, kind: str, name: str) -> str:
    return (
        f"/subscriptions/{info.subscription_id}/resourceGroups/{info.resource_group}"
        f"/providers/Microsoft.Devices/{kind}/{name}"
    )


def configure_stack(info: EmulatorInfo, root: DemoCa, intermediate: DemoCa) -> None:
    """The demo stack's config: the emulator as Azure, and the two CAs to trust."""
    select = [str(PULUMI), "stack", "select", "--create", STACK, "--cwd", str(REPO)]
    subprocess.run(select, check=True, capture_output=True, text=True)
    plain, secrets = stack_config(info)
    for key, value in plain.items():
        pulumi("config", "set", key, "--stack", STACK, "--", value, capture=True)
    secrets["intermediateKeyPassword"] = intermediate.password or ""
    for key, value in secrets.items():
        pulumi("config", "set", key, "--secret", "--stack", STACK, "--", value, capture=True)
    hub_id = arm_id(info, "IotHubs", info.iot_hubs[0])
    dps_id = arm_id(info, "provisioningServices", info.dps[0])
    certificates = [
        {
            "name": "demo-root-ca",
            "hubId": hub_id,
            "mode": "proof",
            "certificateFile": str(root.certificate.relative_to(REPO)),
            "privateKeyFile": str(root.private_key.relative_to(REPO)),
        },
        {
            "name": "demo-intermediate-ca",
            "resourceGroupName": info.resource_group,
            "hubName": info.iot_hubs[0],
            "mode": "proof",
            "certificateFile": str(intermediate.certificate.relative_to(REPO)),
            "privateKeyFile": str(intermediate.private_key.relative_to(REPO)),
            "privateKeyPasswordSecret": "intermediateKeyPassword",
        },
        {
            "name": "demo-root-ca-dps",
            "dpsId": dps_id,
            "mode": "proof",
            "certificateFile": str(root.certificate.relative_to(REPO)),
            "privateKeyFile": str(root.private_key.relative_to(REPO)),
        },
    ]
    groups = [
        {
            "name": GROUP_ID,
            "dpsId": dps_id,
            "enrollmentGroupId": GROUP_ID,
            "caReferencePrimary": "demo-root-ca-dps",
            "initialTwinTags": {"fleet": "demo"},
        }
    ]
    # `config set` takes no structured values; `set-all --json` takes `pulumi config --json`'s form.
    structured = {
        f"pop-provider:{key}": {"value": json.dumps(value), "objectValue": value, "secret": False}
        for key, value in (("certificates", certificates), ("enrollmentGroups", groups))
    }
    pulumi("config", "set-all", "--stack", STACK, "--json", json.dumps(structured), capture=True)


def show_hub(info: EmulatorInfo) -> None:
    """What the hub itself reports, read with Microsoft's client, not with our provider."""
    from azure.mgmt.iothub import IotHubClient

    client = IotHubClient(
        management_credential(info),
        info.subscription_id,
        base_url=info.base_url,
        connection_verify=info.ca_bundle,
    )
    listing = client.certificates.list_by_iot_hub(info.resource_group, info.iot_hubs[0])
    print(f"\nCertificates on hub '{info.iot_hubs[0]}' (as Azure's API reports them):")
    for cert in listing.value or []:
        status = "Verified" if cert.properties.is_verified else "Unverified"
        print(
            f"  {cert.name:40} {status:10} {cert.properties.subject}  {cert.properties.thumbprint}"
        )


def link_hub(info: EmulatorInfo) -> str:
    """Link the hub to the DPS (an ARM PUT of the DPS, as the portal or azure-native does) unless
    it is; the hub's host name."""
    from azure.mgmt.iothub import IotHubClient
    from azure.mgmt.iothubprovisioningservices import IotDpsClient
    from azure.mgmt.iothubprovisioningservices.models import IotHubDefinitionDescription

    credential = management_credential(info)
    hubs = IotHubClient(credential, info.subscription_id, **client_kwargs(info)).iot_hub_resource
    host = str(hubs.get(info.resource_group, info.iot_hubs[0]).properties.host_name)
    arm = IotDpsClient(credential, info.subscription_id, **client_kwargs(info)).iot_dps_resource
    dps = arm.get(info.dps[0], info.resource_group)
    if not dps.properties.iot_hubs:
        owner = hubs.get_keys_for_key_name(info.resource_group, info.iot_hubs[0], "iothubowner")
        dps.properties.iot_hubs = [
            IotHubDefinitionDescription(
                connection_string=f"HostName={host};SharedAccessKeyName={owner.key_name};"
                f"SharedAccessKey={owner.primary_key}",
                location="westeurope",
            )
        ]
        arm.begin_create_or_update(info.resource_group, info.dps[0], dps).result()
    return host


def onboard(info: EmulatorInfo, hub_host: str, fleet: DemoDevice, stranger: DemoDevice) -> None:
    """A device of the fleet registers with DPS and is read back from the hub; a stranger is
    refused."""
    from azure.iot.hub import IoTHubRegistryManager  # type: ignore[import-untyped]
    from azure.mgmt.iothubprovisioningservices import IotDpsClient

    credential = management_credential(info)
    arm = IotDpsClient(credential, info.subscription_id, **client_kwargs(info)).iot_dps_resource
    dps = arm.get(info.dps[0], info.resource_group).properties

    def device(credential_files: DemoDevice) -> HttpsDevice:
        return HttpsDevice(
            str(dps.device_provisioning_host_name),
            str(dps.id_scope),
            info.ca_bundle,
            credential_files.chain,
            credential_files.private_key,
        )

    print(f"\nDevice '{DEVICE_ID}' (leaf signed by the demo intermediate) registers with DPS:")
    operation = device(fleet).provision(DEVICE_ID)
    state = operation.get("registrationState", {})
    print(f"  {operation['status']} to {state.get('assignedHub')} as '{state.get('deviceId')}'")
    registry = IoTHubRegistryManager.from_token_credential(hub_host, credential)
    registry.protocol.config.connection.verify = info.ca_bundle
    found = registry.get_device(DEVICE_ID)
    twin = registry.get_twin(DEVICE_ID)
    print(
        f"  in the hub's registry: authentication {found.authentication.type}, "
        f"twin tags {twin.tags}"
    )
    refused = device(stranger).register("stranger-001")
    body = refused.json()
    print(
        f"Device 'stranger-001' (a CA nobody trusts): HTTP {refused.status_code} "
        f'{body.get("errorCode")} "{body.get("message")}"'
    )


def main() -> int:
    root, intermediate = ensure_demo_pki(DEMO_DIR / "pki")
    fleet = demo_device(intermediate, DEVICE_ID, DEMO_DIR / "pki")
    stranger = stranger_device("stranger-001", DEMO_DIR / "pki")
    emulator = EmulatorProcess(DEMO_DIR / "emulator", seed=demo_seed(DEMO_DIR / "seed.json"))
    info = emulator.start()
    print(f"Azure emulator listening on {info.base_url} (CA bundle {info.ca_bundle})")
    try:
        hub_host = link_hub(info)
        configure_stack(info, root, intermediate)
        pulumi("up", "--yes", "--stack", STACK)
        print("\nStack outputs:")
        print(pulumi("stack", "output", "--json", "--stack", STACK, capture=True))
        show_hub(info)
        onboard(info, hub_host, fleet, stranger)
    except subprocess.CalledProcessError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
