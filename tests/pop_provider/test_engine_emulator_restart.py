"""An emulator restarted on its state dir serves the stack again with no config change.

The stack config holds the emulator's URL (`https://127.0.0.1:<port>`) as the README sets it,
and Pulumi's refresh (`refresh: always`) runs with the config saved at the last update: both only
keep working if the restart comes back on the same port.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from azure_iot_emulator.testing import EmulatorInfo, EmulatorProcess, stack_config
from tests.conftest import write_certificates_config
from tests.pki import make_ca
from tests.pop_provider.engine import entry, hub_certificates
from tests.pulumi_cli import PulumiStack, program_project

pytestmark = pytest.mark.engine


def configure_for(stack: PulumiStack, info: EmulatorInfo) -> None:
    """The README's stack config for the emulator, in one CLI call."""
    plain, secrets = stack_config(info)
    pairs = [arg for key, value in plain.items() for arg in ("--plaintext", f"{key}={value}")]
    pairs += [arg for key, value in secrets.items() for arg in ("--secret", f"{key}={value}")]
    stack.run("config", "set-all", "--stack", stack.stack, *pairs)


def test_an_up_after_the_emulator_restarts_needs_no_config_change(tmp_path: Path) -> None:
    state = tmp_path / "emulator"
    stack = PulumiStack(program_project(tmp_path / "project"), tmp_path / "pulumi").init()
    with EmulatorProcess(state) as first:
        configure_for(stack, first.info)
        write_certificates_config(
            stack, [entry(tmp_path, "restart", make_ca("restart root"), first.info, mode="auto")]
        )
        stack.up()
    name = stack.outputs()["certificates"]["restart"]["certificate_name"]
    config_file = stack.project_dir / f"Pulumi.{stack.stack}.yaml"
    config = config_file.read_text()

    with EmulatorProcess(state) as second:
        assert second.info.base_url == first.info.base_url
        # The refresh reads the certificate at the saved endpoint; nothing to change.
        stack.up("--expect-no-changes")
        assert hub_certificates(second.info)[name].properties.is_verified
    assert config_file.read_text() == config
