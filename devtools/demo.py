"""`make demo`: trust a root and an intermediate CA on a hub, Verified by proof of possession.

Starts the embedded Azure emulator, makes a demo PKI, writes the `demo` stack's config, runs a real
`pulumi up` of this project's program, shows what the hub now reports, and stops the emulator.
Everything lives in the gitignored .demo/ folder and the local backend, so a second run finds
the same certificates and changes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from azure_iot_emulator.testing import (
    EmulatorInfo,
    EmulatorProcess,
    management_credential,
    stack_config,
)
from devtools.demo_pki import DemoCa, ensure_demo_pki

REPO = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO / ".demo"
PULUMI = REPO / "tools" / "pulumi"
STACK = "demo"


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
    hub_id = (
        f"/subscriptions/{info.subscription_id}/resourceGroups/{info.resource_group}"
        f"/providers/Microsoft.Devices/IotHubs/{info.iot_hubs[0]}"
    )
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
    ]
    # `config set` takes no structured values; `set-all --json` takes `pulumi config --json`'s form.
    structured = {
        "pop-provider:certificates": {
            "value": json.dumps(certificates),
            "objectValue": certificates,
            "secret": False,
        }
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


def main() -> int:
    root, intermediate = ensure_demo_pki(DEMO_DIR / "pki")
    emulator = EmulatorProcess(DEMO_DIR / "emulator")
    info = emulator.start()
    print(f"Azure emulator listening on {info.base_url} (CA bundle {info.ca_bundle})")
    try:
        configure_stack(info, root, intermediate)
        pulumi("up", "--yes", "--stack", STACK)
        print("\nStack outputs:")
        print(pulumi("stack", "output", "certificates", "--json", "--stack", STACK, capture=True))
        show_hub(info)
    except subprocess.CalledProcessError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
