"""Device onboarding declared, the README's way (Pulumi YAML, the plugin from the mirror, no
Python on the runner): a root CA proved by possession and its intermediate on a DPS, and an
enrollment group on the root. Devices then register over HTTPS with their TLS client chain at the
host the DPS reports, as Azure's device API takes them, and the hub's registry is read with
Microsoft's `azure-iot-hub`:

- a leaf sent with its intermediate is assigned and appears in the hub as `certificateAuthority`;
  the same leaf without its intermediate, and a leaf of another CA, are refused with 401002;
- the group disabled (a config value, one `up`) refuses; enabled again, admits;
- a rotation in three `up`s: the successor CA beside the old one as the group's secondary
  (devices of both CAs assigned), then the old CA removed (its devices refused), and the new
  CA's devices assigned after every run: the group is updated before the old CA is deleted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from azure_iot_emulator.device_client import HttpsDevice
from azure_iot_emulator.testing import AdminClient, EmulatorInfo, EmulatorProcess, stack_config
from pop_provider.native import distribution
from tests.azure_iot_emulator.device_api.conftest import (
    HUB,
    discover,
    link_hubs,
    registry_manager,
)
from tests.azure_iot_emulator.dps_service.conftest import DPS_SCOPE, seed_document
from tests.pki import CertifiedKey, make_ca, make_intermediate_ca, make_leaf
from tests.pulumi_cli import REPO
from tests.release.conftest import version
from tests.release.registries import StaticHost
from tests.release.runner import TeamRunner

pytestmark = pytest.mark.engine

DATA_CONTRIBUTOR = "Device Provisioning Service Data Contributor"


def seed(path: Path) -> Path:
    """The default seed; the pipeline's principal (the first) also holds the DPS data role the
    enrollment group needs (docs/guides/credentials.md)."""
    document = seed_document()
    document["service_principals"][0]["role_assignments"].append(
        {"role": DATA_CONTRIBUTOR, "scope": DPS_SCOPE}
    )
    path.write_text(json.dumps(document))
    return path


def program(roots: list[str], primary: str, secondary: str | None) -> str:
    """The project: each root in `roots` (with `interA` under `rootA`) Verified on the DPS,
    and the group referencing `primary` (and `secondary`) by their certificate names."""
    cas = ""
    for root in roots:
        cas += _certificate(root, f"{root}.pem", f"{root}Key")
        if root == "rootA":
            cas += _certificate("interA", "interA.pem", "interAKey")
    references = f"      caReferencePrimary: ${{{primary}.certificateName}}\n"
    if secondary:
        references += f"      caReferenceSecondary: ${{{secondary}.certificateName}}\n"
    keys = "".join(f"  {name}Key:\n    type: string\n    secret: true\n" for name in roots)
    keys += "  interAKey:\n    type: string\n    secret: true\n" if "rootA" in roots else ""
    return (
        "name: fleet-onboarding\nruntime: yaml\noptions:\n  refresh: always\n"
        "config:\n  dpsId:\n    type: string\n  hubHost:\n    type: string\n"
        "  groupStatus:\n    type: string\n    default: enabled\n"
        f"{keys}resources:\n{cas}"
        "  fleet:\n    type: pop:index:EnrollmentGroup\n    properties:\n"
        "      dpsId: ${dpsId}\n      enrollmentGroupId: fleet\n"
        f"{references}"
        "      allocationPolicy: static\n      iotHubs:\n        - ${hubHost}\n"
        "      provisioningStatus: ${groupStatus}\n"
        f"{_OPTIONS}"
        "outputs:\n  groupEtag: ${fleet.etag}\n"
    )


def _certificate(name: str, pem_file: str, key: str) -> str:
    return (
        f"  {name}:\n    type: pop:index:VerifiedCaCertificate\n    properties:\n"
        f"      dpsId: ${{dpsId}}\n      certificatePem:\n        fn::readFile: {pem_file}\n"
        f"      privateKeyPem: ${{{key}}}\n{_OPTIONS}"
    )


# Each resource names the plugin's release, as the README's quick start does.
_OPTIONS = (
    f"    options:\n      version: {version()}\n"
    f"      pluginDownloadURL: {distribution.PLUGIN_DOWNLOAD_URL}\n"
)


class Fleet:
    """The runner, its project and the devices, against one emulator."""

    def __init__(self, info: EmulatorInfo, mirror: StaticHost, root: Path) -> None:
        self.info, self.root = info, root
        self.endpoints = discover(info)
        link_hubs(info, self.endpoints, HUB)
        self.project = root / "fleet-onboarding"
        self.project.mkdir()
        self.runner = TeamRunner(root / "runner", mirror.url)
        self.pki: dict[str, CertifiedKey] = {
            "rootA": make_ca("fleet root 2026"),
            "rootB": make_ca("fleet root 2027"),
        }
        self.pki["interA"] = make_intermediate_ca(self.pki["rootA"], "fleet intermediate 2026")
        self.leaves: dict[str, CertifiedKey] = {}
        for name, certified in self.pki.items():
            (self.project / f"{name}.pem").write_text(certified.certificate_pem)

    def up(self, roots: list[str], primary: str, secondary: str | None = None) -> None:
        (self.project / "Pulumi.yaml").write_text(program(roots, primary, secondary))
        if not (self.runner.root / "state").exists():
            self._configure()
        self.runner.pulumi(self.project, "config", "set-all", *self._key_args(roots))
        self.runner.pulumi(self.project, "up", "--yes")

    def _configure(self) -> None:
        dps_id = (
            f"/subscriptions/{self.info.subscription_id}/resourceGroups/"
            f"{self.info.resource_group}/providers/Microsoft.Devices/provisioningServices/"
            f"{self.info.dps[0]}"
        )
        plain, secret = stack_config(self.info, native=True)
        self.runner.pulumi(self.project, "stack", "init", "ci")
        args = ["config", "set-all"]
        plain = {**plain, "dpsId": dps_id, "hubHost": self.endpoints.hub_hosts[HUB]}
        for name, value in plain.items():
            args += ["--plaintext", f"{name}={value}"]
        for name, value in secret.items():
            args += ["--secret", f"{name}={value}"]
        self.runner.pulumi(self.project, *args)

    def _key_args(self, roots: list[str]) -> list[str]:
        names = [*roots, *(["interA"] if "rootA" in roots else [])]
        return [arg for n in names for arg in ("--secret", f"{n}Key={self.pki[n].private_key_pem}")]

    def device(self, common_name: str, issuer: str, *sent: str) -> HttpsDevice:
        """A device whose leaf `issuer` signed (one leaf per name, made once), presenting the
        leaf and `sent` above it."""
        leaf = self.leaves.setdefault(common_name, make_leaf(self.pki[issuer], common_name))
        stem = self.root / f"{common_name}-{'-'.join(sent) or 'alone'}"
        chain, key = stem.with_suffix(".pem"), stem.with_suffix(".key")
        chain.write_text(leaf.certificate_pem + "".join(self.pki[s].certificate_pem for s in sent))
        key.write_text(leaf.private_key_pem)
        return HttpsDevice(
            self.endpoints.device_host,
            self.endpoints.id_scope,
            self.info.ca_bundle,
            chain,
            key,
        )


def assigned(device: HttpsDevice, registration_id: str) -> dict[str, Any]:
    state = device.provision(registration_id)
    assert state["status"] == "assigned", state
    return state


def refused(device: HttpsDevice, registration_id: str) -> int:
    answer = device.register(registration_id)
    assert answer.status_code == 401, answer.text
    code: int = answer.json()["errorCode"]
    return code


def test_a_group_on_a_verified_root_admits_its_devices_through_a_rotation(
    mirror: StaticHost, tmp_path: Path
) -> None:
    with EmulatorProcess(tmp_path / "emulator", seed=seed(tmp_path / "seed.json")) as emulator:
        info = emulator.info
        admin = AdminClient(info)
        fleet = Fleet(info, mirror, tmp_path)
        hub_host = fleet.endpoints.hub_hosts[HUB]

        # 1. The root (proof mode) and its intermediate on the DPS, the group on the root.
        fleet.up(["rootA"], primary="rootA")
        old = fleet.device("device-a1", "interA", "interA")
        state = assigned(old, "device-a1")["registrationState"]
        assert (state["assignedHub"], state["deviceId"]) == (hub_host, "device-a1")
        registry = registry_manager(info, HUB, hub_host)
        assert registry.get_device("device-a1").authentication.type == "certificateAuthority"
        assert refused(fleet.device("device-a1", "interA"), "device-a1") == 401002
        stranger = make_ca("not ours")
        fleet.pki["stranger"] = stranger
        assert refused(fleet.device("device-x", "stranger"), "device-x") == 401002

        # The group disabled refuses its devices; enabled again, admits them.
        fleet.runner.pulumi(fleet.project, "config", "set", "groupStatus", "disabled")
        fleet.runner.pulumi(fleet.project, "up", "--yes")
        assert old.provision("device-a1")["status"] == "disabled"
        fleet.runner.pulumi(fleet.project, "config", "set", "groupStatus", "enabled")
        fleet.runner.pulumi(fleet.project, "up", "--yes")
        assigned(old, "device-a1")

        # 2. The successor beside it, as the group's secondary: devices of both CAs get in.
        fleet.up(["rootA", "rootB"], primary="rootA", secondary="rootB")
        new = fleet.device("device-b1", "rootB")
        assigned(new, "device-b1")
        assigned(old, "device-a1")

        # 3. The old CA removed: the group now names the successor alone.
        admin.clear_requests()
        fleet.up(["rootB"], primary="rootB")
        assigned(new, "device-b1")
        assert refused(old, "device-a1") == 401002
        # No outage: the group names the successor alone before the old CA goes.
        writes = [
            str(entry["operation"])
            for entry in admin.requests()
            if entry.get("operation") in ("EnrollmentGroup_CreateOrUpdate", "DpsCertificate_Delete")
        ]
        assert writes[0] == "EnrollmentGroup_CreateOrUpdate", writes
        assert writes.count("DpsCertificate_Delete") == 2, writes  # rootA and interA

        fleet.runner.pulumi(fleet.project, "destroy", "--yes")
        assert "Traceback" not in fleet.runner.state_text()
        for certified in fleet.pki.values():
            assert certified.private_key_pem.splitlines()[1] not in fleet.runner.state_text()


def test_the_yaml_example_admits_a_device_of_its_root(mirror: StaticHost, tmp_path: Path) -> None:
    """examples/enrollment-yaml as a team copies it: `up` takes both CAs to Verified and creates
    the group; a device sending its leaf and the intermediate is assigned to the hub."""
    with EmulatorProcess(tmp_path / "emulator", seed=seed(tmp_path / "seed.json")) as emulator:
        info = emulator.info
        endpoints = discover(info)
        link_hubs(info, endpoints, HUB)
        project = tmp_path / "enrollment-yaml"
        shutil.copytree(
            REPO / "examples" / "enrollment-yaml", project, ignore=shutil.ignore_patterns("*.md")
        )
        root = make_ca("example root")
        intermediate = make_intermediate_ca(root, "example intermediate")
        (project / "root.pem").write_text(root.certificate_pem)
        (project / "intermediate.pem").write_text(intermediate.certificate_pem)
        runner = TeamRunner(tmp_path / "runner", mirror.url)
        plain, secret = stack_config(info, native=True)
        runner.pulumi(project, "stack", "init", "ci")
        args = ["config", "set-all"]
        dps = DPS_SCOPE
        for name, value in {**plain, "dpsId": dps, "hubHostName": endpoints.hub_hosts[HUB]}.items():
            args += ["--plaintext", f"{name}={value}"]
        keys = {"rootKey": root.private_key_pem, "intermediateKey": intermediate.private_key_pem}
        for name, value in {**secret, **keys}.items():
            args += ["--secret", f"{name}={value}"]
        runner.pulumi(project, *args)

        runner.pulumi(project, "up", "--yes")
        leaf = make_leaf(intermediate, "example-device")
        chain, key = tmp_path / "chain.pem", tmp_path / "leaf.key"
        chain.write_text(leaf.certificate_pem + intermediate.certificate_pem)
        key.write_text(leaf.private_key_pem)
        device = HttpsDevice(endpoints.device_host, endpoints.id_scope, info.ca_bundle, chain, key)
        state = assigned(device, "example-device")["registrationState"]
        assert state["assignedHub"] == endpoints.hub_hosts[HUB]
        runner.pulumi(project, "destroy", "--yes")
        assert refused(device, "example-device") == 401002
