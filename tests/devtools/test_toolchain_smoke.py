"""The offline toolchain end to end: the pinned CLI runs a program with a dynamic provider."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests import processes
from tests.caches import OFFLINE_ENV
from tests.pulumi_cli import PULUMI, REPO, PulumiStack, write_project

PROGRAM = """
import pulumi
from devtools.smoke_provider import Echo

echo = Echo("echo", value=pulumi.Config().require("value"))
pulumi.export("echoed", echo.echoed)
"""


# A program that starts a child of its own, says who runs it, and never ends.
HANGING_PROGRAM = """
import os, pathlib, subprocess, threading

child = subprocess.Popen(["sleep", "600"])
host = os.getppid()
cli = int(pathlib.Path(f"/proc/{{host}}/stat").read_text().rsplit(")", 1)[1].split()[1])
pathlib.Path({pids!r}).write_text(f"{{cli}} {{host}} {{os.getpid()}} {{child.pid}}")
threading.Event().wait()
"""
# Long enough for the CLI to start the program on a loaded machine; the test waits this long.
HANG_TIMEOUT_S = 20


@pytest.mark.engine
def test_cli_is_the_pinned_release() -> None:
    pinned = (REPO / "PULUMI_VERSION").read_text().strip()
    result = processes.run([str(PULUMI), "version"], timeout=60, env={**os.environ, **OFFLINE_ENV})
    assert result.stdout.strip() == f"v{pinned}", result.stderr


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


@pytest.mark.engine
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


@pytest.mark.engine
def test_a_failing_program_fails_the_update(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_project(project, "broken", "raise RuntimeError('the program is broken on purpose')\n")
    stack = PulumiStack(project, tmp_path / "pulumi").init()
    result = stack.up(check=False)
    assert result.returncode != 0
    assert "the program is broken on purpose" in result.stdout + result.stderr


@pytest.mark.engine
def test_tools_pulumi_gives_another_project_its_own_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tools/pulumi -C DIR` on a project outside the repo, run from the repo (the project a
    wrong lookup would take): its stacks and its PULUMI_HOME live in DIR, nothing of it here."""
    monkeypatch.chdir(REPO)
    name = f"elsewhere-{os.getpid()}"
    project = tmp_path / "elsewhere"
    write_project(project, name, "import pulumi\npulumi.export('where', 'elsewhere')\n")
    stack = PulumiStack(project, None, stack="own")
    stack.init()
    stack.up()
    assert stack.outputs() == {"where": "elsewhere"}
    here = REPO / ".pulumi-local"
    assert [path for path in here.rglob("*") if name in path.name] == [], "state or home in here"
    own = project / ".pulumi-local"
    assert list((own / "state" / ".pulumi" / "stacks" / name).glob("own.json*"))
    assert list((own / "home" / "workspaces").glob(f"{name}-*-workspace.json"))


@pytest.mark.engine
def test_a_run_that_times_out_leaves_no_process_behind(tmp_path: Path) -> None:
    """A CLI run past its timeout ends with everything it started: the CLI, the language host,
    the program and the program's own child."""
    project = tmp_path / "project"
    pids = tmp_path / "pids"
    write_project(project, "hangs", HANGING_PROGRAM.format(pids=str(pids)))
    stack = PulumiStack(project, tmp_path / "pulumi").init()
    with pytest.raises(subprocess.TimeoutExpired):
        stack.run("up", "--yes", "--skip-preview", timeout=HANG_TIMEOUT_S)
    assert pids.exists(), f"the program did not start within {HANG_TIMEOUT_S} s"
    roles = ["cli", "host", "program", "child"]
    started = dict(zip(roles, map(int, pids.read_text().split()), strict=True))
    assert {role: pid for role, pid in started.items() if processes.alive(pid)} == {}


@pytest.mark.engine
def test_tools_pulumi_leaves_a_non_file_backend_url_alone(tmp_path: Path) -> None:
    """An azblob:// (or any non-file) backend is someone else's: no folder appears for it."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PULUMI_BACKEND_URL": "azblob://s"}
    env.update(OFFLINE_ENV)
    processes.run([str(PULUMI), "version"], cwd=tmp_path, env=env, timeout=60, check=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == [".pulumi-local"]
    assert [path.name for path in (tmp_path / ".pulumi-local").iterdir()] == ["home"]
