"""TypeScript on a team's runner, from a fresh clone of examples/typescript: `pulumi install`
takes `@pop-provider/pop` from the company's npm registry (a stand-in holding the release's npm
tarball), the first `up` downloads the plugin from the mirror, the CA is Verified; a second
`up` changes nothing; `destroy` removes it. Node and npm on PATH; no Python."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.devtools.languages import language_caches
from tests.pki import make_ca
from tests.pop_provider.engine import arm_calls, hub_certificates, hub_id
from tests.pulumi_cli import REPO
from tests.release.conftest import version
from tests.release.registries import NpmScopeRegistry, StaticHost
from tests.release.runner import TeamRunner, configure, tarball_path

pytestmark = pytest.mark.engine

PACKAGE_FILE = f"pop-provider-pop-{version()}.tgz"


@pytest.fixture
def npm_registry(release_dir: Path) -> Iterator[NpmScopeRegistry]:
    """The company's npm registry, holding the release's package."""
    with NpmScopeRegistry([release_dir / PACKAGE_FILE]) as registry:
        yield registry


def integrity(tarball: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()


def test_typescript_installs_the_sdk_fetches_the_plugin_verifies_then_changes_nothing(
    emulator: EmulatorInfo,
    admin: AdminClient,
    mirror: StaticHost,
    npm_registry: NpmScopeRegistry,
    release_dir: Path,
    tmp_path: Path,
) -> None:
    language_caches()  # npm's cache holds @pulumi/pulumi, TypeScript and Node types
    project = tmp_path / "fleet-ts"
    shutil.copytree(
        REPO / "examples" / "typescript",
        project,
        ignore=shutil.ignore_patterns("*.md", "node_modules", "sdks", "bin", ".pulumi-local"),
    )
    # The team's npm configuration: our scope from their registry.
    (project / ".npmrc").write_text(f"@pop-provider:registry={npm_registry.url}/\n")
    ca = make_ca("typescript release root")
    (project / "ca.pem").write_text(ca.certificate_pem)
    runner = TeamRunner(
        tmp_path / "runner",
        mirror.url,
        toolchain=("node", "npm"),
        # Everything else from npm's cache (it is keyed by the public registry's URLs, so
        # that stays the default); a package missing there fails at once, not after retries.
        extra_env={
            "npm_config_prefer_offline": "true",
            "npm_config_fetch_retries": "0",
            "npm_config_update_notifier": "false",
        },
    )
    assert shutil.which("python3", path=str(runner.bin)) is None
    runner.pulumi(project, "install")
    installed = project / "node_modules" / "@pop-provider" / "pop" / "package.json"
    assert f'"version": "{version()}"' in installed.read_text()
    # From the registry, and the release's very tarball (npm's cache may hold it already).
    assert "GET /@pop-provider%2fpop 200" in npm_registry.requests
    lock = json.loads((project / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/@pop-provider/pop"]
    assert locked["integrity"] == integrity(release_dir / PACKAGE_FILE)
    configure(runner, project, emulator, ca.private_key_pem)

    first = runner.pulumi(project, "up", "--yes")
    assert f"GET {tarball_path()} 200" in mirror.requests
    assert runner.installed_plugins() == [f"resource-pop-v{version()}"]
    (certificate,) = hub_certificates(emulator).values()
    assert certificate.properties.is_verified is True
    outputs = runner.pulumi(project, "stack", "output", "--json").stdout
    assert f'"certificateName": "{certificate.name}"' in outputs
    assert f'"armId": "{hub_id(emulator)}/certificates/{certificate.name}"' in outputs

    runner.pulumi(project, "up", "--yes", "--expect-no-changes")
    calls = arm_calls(admin)
    assert (calls["Certificates_CreateOrUpdate"], calls["Certificates_Verify"]) == (1, 1)

    # The README's one error: a certificate file that is not there, named with the fix.
    runner.pulumi(project, "config", "set", "caCertificatePath", "certs/missing.pem")
    failed = runner.pulumi(project, "up", "--yes", check=False)
    assert failed.returncode != 0
    assert "certs/missing.pem" in failed.stdout
    assert "put the CA's PEM certificate there or set caCertificatePath" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr

    runner.pulumi(project, "destroy", "--yes")
    assert hub_certificates(emulator) == {}
    assert "Traceback" not in first.stdout + first.stderr
    assert ca.private_key_pem.splitlines()[1] not in runner.state_text()
