"""The README's quick start, exactly as written: its `Pulumi.yaml` saved in an empty folder beside
a CA's `root.pem` and `root.key`, its shell commands run verbatim by `sh` on a runner with no
Python, against the emulator (a hub `hub-fleet` in `rg-fleet`, the names the commands use). The
runner's environment holds what the README asks the reader to have: the credential and the
subscription as `AZURE_*` variables (with the emulator's endpoint and CA bundle, variables the
provider reads), a backend and its passphrase, and the docs' plugin mirror override."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from azure_iot_emulator.seed import default_seed_document
from azure_iot_emulator.testing import EmulatorProcess
from tests.conftest import azure_environment
from tests.pki import make_ca
from tests.pop_provider.engine import hub_certificates
from tests.pulumi_cli import REPO
from tests.release.registries import StaticHost
from tests.release.runner import TeamRunner, tarball_path

pytestmark = pytest.mark.engine

README = REPO / "README.md"
# The names the quick start's commands give; the emulator is seeded with them.
RESOURCE_GROUP, HUB = "rg-fleet", "hub-fleet"


def quick_start() -> tuple[str, str]:
    """The quick start's `Pulumi.yaml` (its one ```yaml block) and its ```sh blocks, joined."""
    section = re.search(r"^## Quick start\n(.*?)(?=^## )", README.read_text(), re.S | re.M)
    assert section, "README.md has no `## Quick start` section"
    text = section.group(1)
    (program,) = re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M)
    commands = re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M)
    assert commands, "README.md's quick start has no ```sh block"
    return program, "".join(commands)


def seed_with_the_quick_starts_hub(path: Path) -> Path:
    """The default seed, with the quick start's resource group and hub first (the one a
    fresh emulator announces)."""
    seed = default_seed_document()
    groups = seed["subscriptions"][0]["resource_groups"]
    groups.insert(0, {"name": RESOURCE_GROUP, "location": "westeurope", "iot_hubs": [HUB]})
    path.write_text(json.dumps(seed))
    return path


def test_the_readme_quick_start_runs_as_written(mirror: StaticHost, tmp_path: Path) -> None:
    program, commands = quick_start()
    project = tmp_path / "my-fleet"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(program)
    ca = make_ca("quick start root")
    (project / "root.pem").write_text(ca.certificate_pem)
    (project / "root.key").write_text(ca.private_key_pem)
    seed = seed_with_the_quick_starts_hub(tmp_path / "seed.json")

    with EmulatorProcess(tmp_path / "emulator", seed=seed) as emulator:
        info = emulator.info
        assert (info.resource_group, info.iot_hubs) == (RESOURCE_GROUP, [HUB])
        runner = TeamRunner(tmp_path / "runner", mirror.url, extra_env=azure_environment(info))
        result = runner.shell(project, commands)
        assert result.returncode == 0, f"the quick start failed:\n{result.stdout}\n{result.stderr}"
        assert result.stdout.splitlines()[-1] == "true", result.stdout
        assert f"GET {tarball_path()} 200" in mirror.requests
        (certificate,) = hub_certificates(info).values()
        assert certificate.properties.is_verified is True
    assert "Traceback" not in result.stdout + result.stderr
    assert ca.private_key_pem.splitlines()[1] not in runner.state_text()
