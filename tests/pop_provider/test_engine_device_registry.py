"""A hub linked to Azure Device Registry holds a CA certificate that ADR synced; a Pulumi YAML
program of the native provider declares the same CA there (and one of its own). Under the real
CLI: `up` refuses the ADR CA in one line without a write to it, `refresh` and `destroy` leave
it, `pulumi import` of it is refused, and the import guide's bulk command skips it. After
everything, the emulator still holds it, verified."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from azure_iot_emulator.seed import default_seed_document
from azure_iot_emulator.testing import AdminClient, EmulatorInfo, EmulatorProcess, stack_config
from tests.clients.azure_cli import AzCli, az_binary
from tests.pki import make_ca
from tests.pop_provider.engine import arm_calls, hub_certificates
from tests.pop_provider.test_engine_import import TOKEN, VENV_BIN, bulk_import_file, upload_with_az
from tests.pulumi_cli import PulumiStack

pytestmark = pytest.mark.engine

ADR_NAME = "adr-fleet-ica"
POLICY = (
    "/subscriptions/00000000-0000-0000-0000-00000000a2e0/resourceGroups/rg-pop-demo/providers/"
    "Microsoft.DeviceRegistry/namespaces/ns-fleet/credentials/default/policies/default"
)
ADR_CA = make_ca("adr engine ica")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """The default seed, its first hub holding ADR_CA as ADR synced it (README "Seed file
    schema")."""
    state = tmp_path_factory.mktemp("adr-engine")
    document = default_seed_document()
    hubs = document["subscriptions"][0]["resource_groups"][0]["iot_hubs"]
    registry = {"policy_resource_id": POLICY}
    hubs[0] = {
        "name": hubs[0],
        "certificates": [
            {"name": ADR_NAME, "certificate": ADR_CA.certificate_pem, "device_registry": registry}
        ],
    }
    (state / "seed.json").write_text(json.dumps(document), encoding="utf-8")
    with EmulatorProcess(state / "emulator", seed=state / "seed.json") as process:
        yield process.info


@pytest.fixture
def az(emulator: EmulatorInfo, tmp_path: Path) -> Iterator[AzCli]:
    cli = AzCli(az_binary(), tmp_path / "az-config", emulator)
    cli.register_cloud()
    cli.login()
    try:
        yield cli
    finally:
        cli.logout()


def fleet_stack(info: EmulatorInfo, tmp_path: Path) -> PulumiStack:
    """A YAML program that declares the ADR-synced CA on the hub, and a CA of its own."""
    own = make_ca("own engine root")
    hub_id = (
        f"/subscriptions/{info.subscription_id}/resourceGroups/{info.resource_group}/providers/"
        f"Microsoft.Devices/IotHubs/{info.iot_hubs[0]}"
    )
    program = {
        "name": "adr",
        "runtime": "yaml",
        "config": {k: {"type": "string", "secret": True} for k in ("adrKey", "ownKey")},
        "resources": {
            name: {
                "type": TOKEN,
                "properties": {
                    "hubId": hub_id,
                    "certificatePem": ca.certificate_pem,
                    "privateKeyPem": f"${{{key}}}",
                    "mode": "proof",
                },
            }
            for name, ca, key in (("adrCa", ADR_CA, "adrKey"), ("ownCa", own, "ownKey"))
        },
    }
    project = tmp_path / "adr"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    extra = {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    stack = PulumiStack(project, tmp_path / "state", extra_env=extra, python=None).init()
    plain, secret = stack_config(info, native=True)
    keys = {"adrKey": ADR_CA.private_key_pem, "ownKey": own.private_key_pem}
    stack.set_configs(plain, {**secret, **keys})
    return stack


def assert_adr_certificate_untouched(info: EmulatorInfo, admin: AdminClient) -> None:
    held = hub_certificates(info)[ADR_NAME]
    assert held.properties.is_verified is True
    writes = [
        e for e in admin.requests()
        if e.get("operation") in ("Certificates_CreateOrUpdate", "Certificates_Delete",
                                  "Certificates_GenerateVerificationCode", "Certificates_Verify")
        and f"/certificates/{ADR_NAME}".lower() in str(e.get("path", "")).lower()
    ]  # fmt: skip
    assert writes == [], writes


def test_an_adr_managed_certificate_is_never_claimed_adopted_or_deleted(
    emulator: EmulatorInfo, az: AzCli, tmp_path: Path
) -> None:
    admin = AdminClient(emulator)
    admin.clear_requests()
    stack = fleet_stack(emulator, tmp_path)

    refused = stack.up("--continue-on-error", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert f"as certificate '{ADR_NAME}', which Azure Device Registry manages" in output, output
    assert "adopt it" not in output and f"set certificate_name to '{ADR_NAME}'" not in output
    recorded = {r["urn"].rsplit("::", 1)[-1] for r in stack.export()["deployment"]["resources"]}
    assert "ownCa" in recorded and "adrCa" not in recorded, recorded
    stack.refresh("--yes")

    # The import guide's bulk command lists the hub's other certificates, never ADR's ...
    upload_with_az(az, tmp_path, "hand-root")
    names = {r["name"] for r in json.loads(bulk_import_file(az, emulator.iot_hubs[0]))["resources"]}
    assert "hand-root" in names and ADR_NAME not in names, names
    # ... and importing it by its id is refused in one line that says why.
    adr_id = hub_certificates(emulator)[ADR_NAME].id
    imported = stack.run("import", TOKEN, "adrImport", adr_id, "--yes", check=False)
    assert imported.returncode != 0
    assert "is managed by Azure Device Registry" in imported.stdout + imported.stderr

    stack.destroy("--yes")
    assert arm_calls(admin)["Certificates_Delete"] >= 1  # ownCa went
    assert set(hub_certificates(emulator)) == {ADR_NAME, "hand-root"}
    assert_adr_certificate_untouched(emulator, admin)
