"""Shared fixtures: an emulator per test module, reset for each test that needs one, and a
Pulumi stack wired to it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, EmulatorProcess
from tests.pulumi_cli import PulumiStack, program_project


@pytest.fixture(scope="module")
def module_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorInfo]:
    """One emulator (default seed) shared by a test module's tests."""
    with EmulatorProcess(tmp_path_factory.mktemp("emulator") / "state") as process:
        yield process.info


@pytest.fixture
def emulator(module_emulator: EmulatorInfo) -> EmulatorInfo:
    """The module's emulator, reset for this test: as a fresh one (default seed) shows itself,
    with the seed's hubs and nothing else, an empty request log, no faults, nothing held, in
    ~0.05 s instead of a process start and stop (1-2 s). A test that stops, restarts or seeds
    an emulator starts its own EmulatorProcess."""
    AdminClient(module_emulator).reset()
    return module_emulator


@pytest.fixture
def admin(emulator: EmulatorInfo) -> AdminClient:
    return AdminClient(emulator)


def azure_environment(info: EmulatorInfo) -> dict[str, str]:
    """The standard AZURE_* variables a pipeline would set, pointing at the emulator."""
    credential = info.credentials[0]
    return {
        "AZURE_TENANT_ID": credential["tenant_id"],
        "AZURE_CLIENT_ID": credential["client_id"],
        "AZURE_CLIENT_SECRET": credential["client_secret"],
        "AZURE_SUBSCRIPTION_ID": info.subscription_id,
        "AZURE_AUTHORITY_HOST": info.authority_host,
        "POP_ARM_ENDPOINT": info.base_url,
        "POP_CA_BUNDLE": info.ca_bundle,
    }


@pytest.fixture
def program_stack(tmp_path: Path, emulator: EmulatorInfo) -> PulumiStack:
    """This repo's own program (`__main__.py`) in a scratch project, against the emulator."""
    project = program_project(tmp_path / "project")
    stack = PulumiStack(project, tmp_path / "pulumi", extra_env=azure_environment(emulator))
    return stack.init()


def write_certificates_config(stack: PulumiStack, certificates: list[dict[str, object]]) -> None:
    """Set the program's `certificates` list in one CLI call (`config set` takes no objects)."""
    stack.run(
        "config", "set-all", "--stack", stack.stack, "--json", config_object_json(certificates)
    )


def config_object_json(value: object, key: str = "pop-provider:certificates") -> str:
    """The `pulumi config set-all --json` form of one structured, non-secret value."""
    text = json.dumps(value)
    return json.dumps({key: {"value": text, "objectValue": value, "secret": False}})
