"""A team's CI runner, as the release must meet it: a fresh PULUMI_HOME, a PATH that holds the
Pulumi CLI, the language host and toolchain the program needs and the system's basic tools, and
no Python; the plugin comes from a mirror of the release folder through the exact
`PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES` value the docs give (docs/guides/team-state-and-ci.md),
pointed at 127.0.0.1.

The CLI is the pinned binary itself (not tools/pulumi, which turns plugin downloads off). Our
stand-in language hosts for TypeScript and Go are Python programs run by their own interpreter's
absolute path: they stand in for Pulumi's Go-built hosts, and put no Python on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from azure_iot_emulator.testing import EmulatorInfo, stack_config
from tests import processes
from tests.caches import cached
from tests.pop_provider.engine import hub_id
from tests.pulumi_cli import REPO, TEST_PASSPHRASE, PulumiCommandError
from tests.release.conftest import version as release_version

# Where the docs give the override (one value, in one place), and the mirror it names; a test
# points it at its own host.
OVERRIDE_DOC = REPO / "docs" / "guides" / "team-state-and-ci.md"
README_MIRROR = "https://mirror.example.com/pop-provider"
_OVERRIDE = re.compile(r"PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES='([^']+)'")
# What a runner image has besides the toolchains: a shell and coreutils (never python).
BASIC_TOOLS = (
    *("sh", "bash", "env", "cat", "ls", "mkdir", "rm", "cp", "mv", "ln", "uname", "git"),
    *("dirname", "basename", "head", "tail", "tr", "sed", "grep", "mktemp", "touch", "chmod"),
    *("sort", "wc", "tee", "date", "id", "readlink", "realpath", "tar", "gzip"),
)


def readme_override(mirror_url: str) -> str:
    """The docs' `PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES` value, its mirror replaced."""
    where = OVERRIDE_DOC.relative_to(REPO)
    values: set[str] = set(_OVERRIDE.findall(OVERRIDE_DOC.read_text()))
    assert len(values) == 1, f"{where} gives {len(values)} override values, not one"
    (value,) = values
    assert README_MIRROR in value, f"{where}'s override does not name {README_MIRROR}"
    return value.replace(README_MIRROR, mirror_url)


def cli_bin() -> Path:
    """The folder of the pinned CLI, beside the language hosts it starts."""
    cached("build-pulumi.sh")
    out = subprocess.run(
        [str(REPO / "tools" / "build-pulumi.sh")], capture_output=True, text=True, check=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


@dataclass
class TeamRunner:
    """One runner: its own bin/ (links to the tools it has), PULUMI_HOME and state."""

    root: Path
    mirror_url: str
    toolchain: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bin = self.root / "bin"
        self.bin.mkdir(parents=True)
        (self.bin / "pulumi").symlink_to(cli_bin() / "pulumi")
        for tool in (*BASIC_TOOLS, *self.toolchain):
            found = shutil.which(tool)
            assert found, f"{tool} is not installed on this machine"
            (self.bin / tool).symlink_to(found)
        self.home = self.root / "pulumi-home"

    def env(self) -> dict[str, str]:
        return {
            "PATH": str(self.bin),
            "HOME": os.environ["HOME"],
            "PULUMI_HOME": str(self.home),
            "PULUMI_BACKEND_URL": f"file://{self.root / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES": readme_override(self.mirror_url),
            **self.extra_env,
        }

    def pulumi(
        self, project: Path, *args: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        (self.root / "state").mkdir(exist_ok=True)
        argv = [*args, "--non-interactive", "--color", "never"]
        result = processes.run(
            [str(self.bin / "pulumi"), *argv], cwd=project, env=self.env(), timeout=timeout
        )
        if check and result.returncode != 0:
            raise PulumiCommandError(argv, result)
        return result

    def shell(
        self, project: Path, script: str, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """`script` run by this runner's `sh` in `project`, as a person types it (stops at the
        first failing command)."""
        (self.root / "state").mkdir(exist_ok=True)
        return processes.run(
            [str(self.bin / "sh"), "-e", "-c", script], cwd=project, env=self.env(), timeout=timeout
        )

    def state_text(self) -> str:
        """Every file of this runner's state backend, as text: what a key must never be in."""
        files = (self.root / "state").rglob("*")
        return "\n".join(p.read_text(errors="replace") for p in files if p.is_file())

    def installed_plugins(self) -> list[str]:
        """The plugin folders the CLI keeps in this runner's PULUMI_HOME."""
        plugins = self.home / "plugins"
        return sorted(p.name for p in plugins.iterdir() if p.is_dir()) if plugins.is_dir() else []


def tarball_path() -> str:
    """Where the mirror serves this machine's plugin tarball (the CLI's request path)."""
    return f"/v{release_version()}/pulumi-resource-pop-v{release_version()}-linux-amd64.tar.gz"


def configure(runner: TeamRunner, project: Path, info: EmulatorInfo, key_pem: str) -> None:
    """A stack `ci` of `project`, pointed at the emulator as the README shows (the provider's
    keys under `pop:`), the hub and the CA key (secret): one `config set-all`."""
    plain, secret = stack_config(info, native=True)
    runner.pulumi(project, "stack", "init", "ci")
    args = ["config", "set-all"]
    for name, value in {**plain, "hubId": hub_id(info)}.items():
        args += ["--plaintext", f"{name}={value}"]
    for name, value in {**secret, "caKey": key_pem}.items():
        args += ["--secret", f"{name}={value}"]
    runner.pulumi(project, *args)
