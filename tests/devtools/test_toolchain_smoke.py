"""The offline toolchain end to end: the pinned CLI runs a program with a dynamic provider."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.pulumi_cli import PULUMI, REPO, PulumiStack, write_project

PROGRAM = """
import pulumi
from devtools.smoke_provider import Echo

echo = Echo("echo", value=pulumi.Config().require("value"))
pulumi.export("echoed", echo.echoed)
"""


def test_cli_is_the_pinned_release() -> None:
    pinned = (REPO / "PULUMI_VERSION").read_text().strip()
    result = subprocess.run([str(PULUMI), "version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"v{pinned}"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_no_sdk_the_wheel_accepts_is_newer_than_the_cli() -> None:
    """The CLI must be of the SDK's release or newer: the pinned SDK (PyPI's newest at or below
    the CLI) and the wheel's upper bound, so a fresh `pip install` gets a supported pair."""
    cli = _version((REPO / "PULUMI_VERSION").read_text().strip())
    pinned = re.search(r"^pulumi==([0-9.]+)$", (REPO / "requirements.txt").read_text(), re.M)
    assert pinned and _version(pinned.group(1)) <= cli
    declared = re.search(r'"pulumi>=[0-9.]+,<=([0-9.]+)"', (REPO / "pyproject.toml").read_text())
    assert declared, "pyproject.toml must bound pulumi from above by the CLI's version"
    assert _version(declared.group(1)) <= cli


def test_dynamic_provider_lifecycle_under_the_real_engine(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_project(project, "smoke", PROGRAM)
    stack = PulumiStack(project, tmp_path / "pulumi").init()
    stack.set_config("value", "hello")

    stack.up()
    assert stack.outputs() == {"echoed": "hello"}
    # The provider is pickled by reference: the state names the module, not its bytecode.
    provider = stack.export()["deployment"]["resources"][-1]["outputs"]["__provider"]
    assert "ciphertext" in provider  # secret by default, encrypted with the stack passphrase

    stack.preview("--expect-no-changes")

    stack.set_config("value", "world")
    stack.up()
    assert stack.outputs() == {"echoed": "world"}

    stack.refresh("--expect-no-changes")
    stack.destroy()
    assert stack.outputs() == {}
    resources = stack.export()["deployment"].get("resources") or []
    assert resources == []


def test_a_failing_program_fails_the_update(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_project(project, "broken", "raise RuntimeError('the program is broken on purpose')\n")
    stack = PulumiStack(project, tmp_path / "pulumi").init()
    result = stack.up(check=False)
    assert result.returncode != 0
    assert "the program is broken on purpose" in result.stdout + result.stderr


def test_tools_pulumi_gives_another_project_its_own_state(tmp_path: Path) -> None:
    """`tools/pulumi -C DIR` on a project outside the repo: its stacks live in DIR, not here."""
    project = tmp_path / "elsewhere"
    write_project(project, "elsewhere", "import pulumi\npulumi.export('where', 'elsewhere')\n")
    stack = PulumiStack(project, None, stack="own")
    stack.init()
    stack.up()
    assert stack.outputs() == {"where": "elsewhere"}
    assert list((project / ".pulumi-local" / "state").rglob("own.json*"))
    assert not list((REPO / ".pulumi-local" / "state").rglob("elsewhere"))


def test_tools_pulumi_leaves_a_non_file_backend_url_alone(tmp_path: Path) -> None:
    """An azblob:// (or any non-file) backend is someone else's: no folder appears for it."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PULUMI_BACKEND_URL": "azblob://s"}
    subprocess.run([str(PULUMI), "version"], cwd=tmp_path, env=env, check=True, capture_output=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == [".pulumi-local"]
    assert [path.name for path in (tmp_path / ".pulumi-local").iterdir()] == ["home"]
