"""The Azure CLI (`az`) against the emulator, configured the way the emulator's README tells users.

`az_binary()` finds the pinned azure-cli that `make bootstrap` installs through
tools/azure-cli.sh (its own virtualenv in the cache); missing, the test fails in one line.
`AzCli` runs `az` with its own AZURE_CONFIG_DIR, trusting the emulator's CA through
REQUESTS_CA_BUNDLE (verification stays on), telemetry off, and every proxy variable pointing at a
closed loopback port except for 127.0.0.1: a request `az` would send anywhere but the emulator
fails at once instead of leaving the machine. Errors show `az`'s stderr with the client secret
masked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from azure_iot_emulator.testing import EmulatorInfo
from tests import processes
from tests.caches import cached

COMMAND_TIMEOUT_S = 180
# Port 9 (discard) on loopback: nothing listens there, so a stray proxied request is refused.
CLOSED_PROXY = "http://127.0.0.1:9"


class AzFailed(RuntimeError):
    """`az` exited non-zero; carries its exit code and (masked) stderr."""

    def __init__(self, args: list[str], code: int, stderr: str) -> None:
        super().__init__(f"az {' '.join(args)} exited {code}:\n{stderr}")
        self.code = code
        self.stderr = stderr


def az_binary() -> Path:
    """The cached `az`, installed by `make bootstrap` (tools/azure-cli.sh)."""
    return cached("azure-cli.sh")


class AzCli:
    """One `az` configuration directory: its clouds, config and signed-in account."""

    def __init__(self, binary: Path, config_dir: Path, info: EmulatorInfo) -> None:
        self.binary = binary
        self.config_dir = config_dir
        self.info = info
        self._secrets = [c["client_secret"] for c in info.credentials]
        config_dir.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        """Only what `az` needs: no AZURE_* or proxy settings of the machine leak in."""
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.config_dir),
            "AZURE_CONFIG_DIR": str(self.config_dir),
            "REQUESTS_CA_BUNDLE": self.info.ca_bundle,
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_NO_COLOR": "true",
            "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
            "AZURE_EXTENSION_USE_DYNAMIC_INSTALL": "no",
            "HTTPS_PROXY": CLOSED_PROXY,
            "HTTP_PROXY": CLOSED_PROXY,
            "NO_PROXY": "127.0.0.1,localhost,::1",
        }

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def run(self, *args: str) -> str:
        """Run `az args...`; its stdout, or AzFailed."""
        result = processes.run([str(self.binary), *args], env=self.env(), timeout=COMMAND_TIMEOUT_S)
        if result.returncode != 0:
            shown = [self._mask(a) for a in args]
            raise AzFailed(shown, result.returncode, self._mask(result.stderr))
        return result.stdout

    def json(self, *args: str) -> Any:
        """Run `az args... -o json` and parse what it printed."""
        return json.loads(self.run(*args, "-o", "json"))

    # -- the emulator recipe (emulator/README.md, "The Azure CLI") ----------------------------

    def register_cloud(self, name: str = "emulator", resource_id: str | None = None) -> None:
        """Register and select a cloud whose endpoints `az` discovers from the emulator's ARM;
        `resource_id` overrides the token resource it announces."""
        self.run("config", "set", "core.instance_discovery=false")
        extra = ["--endpoint-active-directory-resource-id", resource_id] if resource_id else []
        self.run(
            "cloud", "register", "--name", name,
            "--endpoint-resource-manager", self.info.base_url, *extra,
        )  # fmt: skip
        self.run("cloud", "set", "--name", name)

    def login(self, index: int = 0) -> list[dict[str, Any]]:
        """`az login --service-principal` as seeded principal `index`; the subscriptions it sees."""
        credential = self.info.credentials[index]
        accounts: list[dict[str, Any]] = self.json(
            "login", "--service-principal",
            "--username", credential["client_id"],
            "--password", credential["client_secret"],
            "--tenant", credential["tenant_id"],
        )  # fmt: skip
        return accounts

    def logout(self) -> None:
        """Forget the signed-in principal (and the secret `az` keeps in its config dir)."""
        self.run("logout")

    def run_script(self, script: str, cwd: Path) -> str:
        """Run a doc's shell commands (`sh -e`) with this `az` first on PATH; their stdout."""
        bin_dir = self.config_dir / "bin"
        bin_dir.mkdir(exist_ok=True)
        (bin_dir / "az").unlink(missing_ok=True)
        (bin_dir / "az").symlink_to(self.binary)
        env = {**self.env(), "PATH": f"{bin_dir}:/usr/bin:/bin"}
        result = processes.run(
            ["sh", "-e", "-c", script], env=env, timeout=COMMAND_TIMEOUT_S, cwd=cwd
        )
        if result.returncode != 0:
            raise AzFailed(["(script)"], result.returncode, self._mask(result.stderr))
        return result.stdout


@contextmanager
def signed_in(info: EmulatorInfo, config_dir: Path, index: int = 0) -> Iterator[AzCli]:
    """`az` on the emulator's cloud, signed in as seeded principal `index`, signed out after."""
    cli = AzCli(az_binary(), config_dir, info)
    cli.register_cloud()
    cli.login(index)
    try:
        yield cli
    finally:
        cli.logout()
