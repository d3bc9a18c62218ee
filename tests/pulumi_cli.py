"""Drives the real Pulumi CLI (through tools/pulumi) against an isolated local backend.

Each `PulumiStack` gets its own project directory, state backend and PULUMI_HOME, so tests never
see each other's stacks or the developer's demo stack.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import processes
from tests.caches import OFFLINE_ENV

REPO = Path(__file__).resolve().parents[1]
PULUMI = REPO / "tools" / "pulumi"
TEST_PASSPHRASE = "pop-provider-test-passphrase"


class PulumiCommandError(AssertionError):
    """A pulumi command failed; carries everything it printed for the test report."""

    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str]) -> None:
        super().__init__(
            f"pulumi {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
        self.result = result


def write_project(directory: Path, name: str, program: str) -> None:
    """A minimal Python project whose interpreter is this repo's virtualenv."""
    directory.mkdir(parents=True, exist_ok=True)
    venv = Path(sys.prefix)
    (directory / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n"
    )
    (directory / "__main__.py").write_text(program)


def program_project(directory: Path) -> Path:
    """This repo's own program (`__main__.py`, `Pulumi.yaml`) in `directory`, on the repo's
    virtualenv: the project a user runs, in a scratch place with its own stacks."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "__main__.py", directory / "__main__.py")
    (directory / "Pulumi.yaml").write_text(
        (REPO / "Pulumi.yaml")
        .read_text()
        .replace("virtualenv: .venv", f"virtualenv: {REPO / '.venv'}")
    )
    return directory


@dataclass
class PulumiStack:
    """One stack of one project, with its own backend, driven through the CLI.

    `state_dir=None` leaves the state where `tools/pulumi` puts it for any project: in the
    project's own `.pulumi-local/`. `python=None` leaves the interpreter to the project's
    Pulumi.yaml (its `virtualenv`), as for a user's project; by default it is this test run's.
    """

    project_dir: Path
    state_dir: Path | None
    stack: str = "test"
    extra_env: dict[str, str] = field(default_factory=dict)
    python: str | None = sys.executable

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_PYTHON_CMD")
        }
        env["PULUMI_CONFIG_PASSPHRASE"] = TEST_PASSPHRASE
        env.update(OFFLINE_ENV)
        if self.state_dir is not None:
            env["PULUMI_BACKEND_URL"] = f"file://{self.state_dir / 'backend'}"
            env["PULUMI_HOME"] = str(self.state_dir / "home")
        if self.python is not None:
            env["PULUMI_PYTHON_CMD"] = self.python
        env.update(self.extra_env)
        return env

    @property
    def backend_dir(self) -> Path:
        """The file backend's folder."""
        if self.state_dir is None:
            return self.project_dir / ".pulumi-local" / "state"
        return self.state_dir / "backend"

    def run(
        self, *args: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        flags = ["--cwd", str(self.project_dir), "--non-interactive", "--color", "never"]
        if args and args[0] not in ("stack", "config", "version", "plugin", "package"):
            flags += ["--stack", self.stack]
        # Flags go before a `--` separator: everything after it is positional (a PEM value).
        cut = args.index("--") if "--" in args else len(args)
        argv = [*args[:cut], *flags, *args[cut:]]
        # Its own session, ended with the command: no plugin, npm or program outlives it.
        result = processes.run([str(PULUMI), *argv], env=self.env(), timeout=timeout)
        if check and result.returncode != 0:
            raise PulumiCommandError(argv, result)
        return result

    def init(self) -> PulumiStack:
        self.run("stack", "init", self.stack)
        return self

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        args = ["config", "set", key, "--stack", self.stack]
        if secret:
            args.append("--secret")
        # `--` so values starting with '-' (a PEM) are not read as flags; stdin would also do.
        self.run(*args, "--", value)

    def set_configs(
        self, plain: dict[str, str] | None = None, secret: dict[str, str] | None = None
    ) -> None:
        """Many keys in one CLI call (`config set-all`): one start of the CLI per stack, not one
        per key."""
        args = ["config", "set-all", "--stack", self.stack]
        for flag, values in (("--plaintext", plain or {}), ("--secret", secret or {})):
            for key, value in values.items():
                args += [flag, f"{key}={value}"]
        self.run(*args)

    def up(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", "--skip-preview", *extra, check=check)

    def preview(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("preview", *extra, check=check)

    def preview_json(self, *extra: str) -> dict[str, Any]:
        result = self.run("preview", "--json", *extra)
        return dict(json.loads(result.stdout))

    def refresh(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("refresh", "--yes", "--skip-preview", *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("destroy", "--yes", "--skip-preview", *extra, check=check)

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json", "--stack", self.stack]
        if show_secrets:
            args.append("--show-secrets")
        return dict(json.loads(self.run(*args).stdout))

    def export(self) -> dict[str, Any]:
        return dict(json.loads(self.run("stack", "export", "--stack", self.stack).stdout))

    def state_files_text(self) -> str:
        """Every byte the backend holds (state, backups, history), to search for leaks."""
        chunks = []
        for path in sorted(self.backend_dir.rglob("*")):
            if path.is_file():
                chunks.append(path.read_bytes().decode("utf-8", errors="replace"))
        return "\n".join(chunks)


# The engine's own line under the stack whenever a step fails (deploymentExecutor.reportExecResult),
# in every language and for every provider: not ours to word, and never the cause.
ENGINE_FAILED = ("update failed", "preview failed")


def diagnostic_errors(output: str) -> dict[str, list[str]]:
    """The error lines of the Diagnostics section, by the resource header they sit under
    (`pulumi:pulumi:Stack (name)`), in the order the CLI printed them."""
    if "Diagnostics:" not in output:
        return {}
    section = output.split("Diagnostics:", 1)[1].split("\nResources:", 1)[0]
    errors: dict[str, list[str]] = {}
    header = ""
    for line in section.splitlines():
        if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            header = line.strip().removesuffix(":")
        elif line.strip().startswith("error: "):
            errors.setdefault(header, []).append(line.strip().removeprefix("error: "))
    return errors


def first_cause(output: str) -> tuple[str, str]:
    """The resource and first error line a person reads for the cause: the first error of the
    Diagnostics section that is not the engine's own "update failed" under the stack."""
    for header, lines in diagnostic_errors(output).items():
        for line in lines:
            if not (header.startswith("pulumi:pulumi:Stack") and line in ENGINE_FAILED):
                return header, line
    raise AssertionError(f"no error under Diagnostics:\n{output}")
