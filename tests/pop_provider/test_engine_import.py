"""`pulumi import` of certificates already on a hub (uploaded with `az`), under the real CLI into
a Pulumi YAML project of the native provider `pop`: the code it prints, pasted with the key,
previews with no change and `up` neither uploads nor proves again; and a hub's whole list adopted
in one command (`az ... --query` → `pulumi import --file`), as docs/guides/import.md shows."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, stack_config
from tests.clients.azure_cli import AzCli, signed_in
from tests.pki import make_ca
from tests.pop_provider.engine import arm_calls, hub_certificates
from tests.pulumi_cli import PulumiStack

pytestmark = pytest.mark.engine

VENV_BIN = str(Path(sys.executable).parent)
TOKEN = "pop:index:VerifiedCaCertificate"
# The import guide's one command that writes a hub's certificates as a `pulumi import --file`
# file: its `--query`, read from the guide.
IMPORT_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "import.md"
BULK_QUERY = re.findall(r'--query "([^"]+)"', IMPORT_GUIDE.read_text())[0]
# ... and the hub's list it reads (`az rest`: `az iot hub certificate list` drops the
# properties that mark a certificate Azure Device Registry manages).
BULK_URL = re.findall(r'--url "([^"]+)"', IMPORT_GUIDE.read_text())[0]


def bulk_import_file(az: AzCli, hub: str) -> str:
    """The guide's command for one hub: the `pulumi import --file` file it writes."""
    url = BULK_URL.replace("<rg>", az.info.resource_group).replace("<hub>", hub)
    return az.run("rest", "--method", "get", "--url", url, "--query", BULK_QUERY, "-o", "json")


@pytest.fixture
def az(emulator: EmulatorInfo, tmp_path: Path) -> Iterator[AzCli]:
    with signed_in(emulator, tmp_path / "az-config") as cli:
        yield cli


def upload_with_az(az: AzCli, tmp_path: Path, name: str) -> tuple[Any, dict[str, Any]]:
    """A CA a colleague trusted by hand (self-attested with --verified)."""
    ca = make_ca(f"adopted {name}")
    pem = tmp_path / f"{name}.pem"
    pem.write_text(ca.certificate_pem)
    info = az.info
    created = az.json(
        "iot", "hub", "certificate", "create", "--hub-name", info.iot_hubs[0],
        "--resource-group", info.resource_group, "--name", name, "--path", str(pem),
        "--verified", "true",
    )  # fmt: skip
    return ca, created


def yaml_stack(info: EmulatorInfo, tmp_path: Path, *, key: str | None = None) -> PulumiStack:
    """A YAML project with no resources yet (and, given a key, a secret `caKey` to use)."""
    project = tmp_path / "adopt"
    project.mkdir()
    config = "config:\n  caKey:\n    type: string\n    secret: true\n" if key else ""
    (project / "Pulumi.yaml").write_text(f"name: adopt\nruntime: yaml\n{config}")
    extra = {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    stack = PulumiStack(project, tmp_path / "state", extra_env=extra, python=None).init()
    plain, secret = stack_config(info, native=True)
    stack.set_configs(plain, {**secret, **({"caKey": key} if key else {})})
    return stack


def paste(stack: PulumiStack, generated: Path, keys: dict[str, str]) -> dict[str, Any]:
    """What the user does with the printed code: into the program, with the CA key added (and
    mode proof, so `up` may prove possession again by itself)."""
    program: dict[str, Any] = yaml.safe_load((stack.project_dir / "Pulumi.yaml").read_text())
    resources: dict[str, Any] = yaml.safe_load(generated.read_text())["resources"]
    for name, resource in resources.items():
        if name in keys:
            resource["properties"]["privateKeyPem"] = keys[name]
            resource["properties"]["mode"] = "proof"
    program["resources"] = resources
    (stack.project_dir / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    return resources


def test_an_imported_certificate_previews_unchanged_and_is_never_proved_again(
    emulator: EmulatorInfo, az: AzCli, tmp_path: Path
) -> None:
    ca, created = upload_with_az(az, tmp_path, "fleet-root")
    stack = yaml_stack(emulator, tmp_path, key=ca.private_key_pem)
    generated = tmp_path / "generated.yaml"
    imported = stack.run(
        "import", TOKEN, "fleetRoot", created["id"], "--yes", "--out", str(generated)
    )
    assert "= 1 imported" in imported.stdout
    assert "failed to validate" not in imported.stdout + imported.stderr
    resource = yaml.safe_load(generated.read_text())["resources"]["fleetRoot"]
    assert resource["type"] == "pop:VerifiedCaCertificate"
    properties = resource["properties"]
    assert properties["certificateName"] == "fleet-root"
    assert properties["mode"] == "offline"  # needs no key, never self-attests
    assert properties["certificatePem"].startswith("-----BEGIN CERTIFICATE-----")
    assert properties["hubId"] == created["id"].rsplit("/certificates/", 1)[0]

    paste(stack, generated, {"fleetRoot": "${caKey}"})
    admin = AdminClient(emulator)
    admin.clear_requests()
    stack.preview("--expect-no-changes")
    stack.up("--expect-no-changes")
    calls = arm_calls(admin)
    assert not {"Certificates_CreateOrUpdate", "Certificates_Verify"} & set(calls), calls
    assert calls["Certificates_GenerateVerificationCode"] == 0
    assert hub_certificates(emulator)["fleet-root"].properties.is_verified is True
    assert ca.private_key_pem.splitlines()[1] not in stack.state_files_text()


def test_a_hubs_whole_list_is_adopted_with_one_import_file(
    emulator: EmulatorInfo, az: AzCli, tmp_path: Path
) -> None:
    for name in ("root-2026", "root-2027"):
        upload_with_az(az, tmp_path, name)
    info = emulator
    listing = bulk_import_file(az, info.iot_hubs[0])
    import_file = tmp_path / "import.json"
    import_file.write_text(listing)
    assert {r["name"] for r in json.loads(listing)["resources"]} == {"root-2026", "root-2027"}

    stack = yaml_stack(info, tmp_path)
    generated = tmp_path / "generated.yaml"
    stack.run("import", "--file", str(import_file), "--yes", "--out", str(generated))
    pasted = paste(stack, generated, {})
    assert sorted(pasted) == ["root-2026", "root-2027"]
    stack.preview("--expect-no-changes")
    assert {u["type"] for u in stack.export()["deployment"]["resources"]} >= {TOKEN}
