"""What only the native provider `pop` does, under the real CLI against the emulator: a Pulumi
YAML program's `TrustedCa` (the component the provider constructs) Verified on a hub and a DPS,
and the expiry warning printed under the resource, as the dynamic face's program prints it."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from azure_iot_emulator.testing import EmulatorInfo, stack_config
from tests.pki import make_ca
from tests.pop_provider.engine import dps_certificates, dps_id, hub_certificates, hub_id
from tests.pulumi_cli import PulumiStack

pytestmark = pytest.mark.engine

VENV_BIN = str(Path(sys.executable).parent)


def yaml_stack(info: EmulatorInfo, tmp_path: Path, resources: str, outputs: str) -> PulumiStack:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: fleet\nruntime: yaml\nconfig:\n  caKey:\n    type: string\n    secret: true\n"
        f"resources:\n{resources}outputs:\n{outputs}"
    )
    extra = {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    stack = PulumiStack(project, tmp_path / "state", extra_env=extra, python=None).init()
    plain, secret = stack_config(info, native=True)
    stack.set_configs(plain, secret)
    return stack


def test_trusted_ca_from_yaml_is_verified_on_a_hub_and_a_dps_and_warns_before_expiry(
    emulator: EmulatorInfo, tmp_path: Path
) -> None:
    expiring = make_ca("fleet root, 20 days left", not_after=datetime.now(UTC) + timedelta(days=20))
    resources = f"""\
  root:
    type: pop:index:TrustedCa
    properties:
      certificatePem:
        fn::readFile: ca.pem
      privateKeyPem: ${{caKey}}
      targets:
        - hubId: {hub_id(emulator)}
        - dpsId: {dps_id(emulator)}
          name: provisioning
"""
    stack = yaml_stack(emulator, tmp_path, resources, "  armIds: ${root.armIds}\n")
    (stack.project_dir / "ca.pem").write_text(expiring.certificate_pem)
    stack.set_config("caKey", expiring.private_key_pem, secret=True)

    up = stack.up()
    (hub_cert,) = hub_certificates(emulator).values()
    (dps_cert,) = dps_certificates(emulator).values()
    assert hub_cert.properties.is_verified and dps_cert.properties.is_verified
    assert stack.outputs()["armIds"] == {
        emulator.iot_hubs[0]: hub_cert.id,
        "provisioning": dps_cert.id,
    }
    warnings = [line for line in up.stdout.splitlines() if "the CA certificate expires in" in line]
    assert warnings, up.stdout
    assert all("rotate it: trust its successor beside it" in line for line in warnings)

    stack.preview("--expect-no-changes")
    stack.destroy()
    assert hub_certificates(emulator) == {} and dps_certificates(emulator) == {}
