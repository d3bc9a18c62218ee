"""Pulumi YAML on a team's runner: the README's way, with nothing installed but the CLI and its
YAML host. The first `up` downloads the plugin from the mirror (the README's override), takes
the CA to Verified; a second `up` changes nothing; `destroy` removes it. No Python on PATH."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.pki import make_ca
from tests.pop_provider.engine import arm_calls, hub_certificates
from tests.pulumi_cli import REPO
from tests.release.conftest import version
from tests.release.registries import StaticHost
from tests.release.runner import TeamRunner, configure, tarball_path

pytestmark = pytest.mark.engine


def test_yaml_fetches_the_plugin_from_the_mirror_verifies_then_changes_nothing(
    emulator: EmulatorInfo, admin: AdminClient, mirror: StaticHost, tmp_path: Path
) -> None:
    project = tmp_path / "fleet-yaml"
    shutil.copytree(REPO / "examples" / "yaml", project, ignore=shutil.ignore_patterns("*.md"))
    ca = make_ca("yaml release root")
    (project / "ca.pem").write_text(ca.certificate_pem)
    runner = TeamRunner(tmp_path / "runner", mirror.url)
    assert shutil.which("python3", path=str(runner.bin)) is None
    assert shutil.which("python", path=str(runner.bin)) is None
    configure(runner, project, emulator, ca.private_key_pem)

    first = runner.pulumi(project, "up", "--yes")
    assert f"GET {tarball_path()} 200" in mirror.requests
    assert runner.installed_plugins() == [f"resource-pop-v{version()}"]
    (certificate,) = hub_certificates(emulator).values()
    assert certificate.properties.is_verified is True

    runner.pulumi(project, "up", "--yes", "--expect-no-changes")
    calls = arm_calls(admin)
    assert (calls["Certificates_CreateOrUpdate"], calls["Certificates_Verify"]) == (1, 1)
    # Downloaded once: the second run found it in PULUMI_HOME.
    assert mirror.requests.count(f"GET {tarball_path()} 200") == 1

    runner.pulumi(project, "destroy", "--yes")
    assert hub_certificates(emulator) == {}
    assert "Traceback" not in first.stdout + first.stderr
    assert ca.private_key_pem.splitlines()[1] not in runner.state_text()
