"""Go on a team's runner: examples/go as a user's fresh clone, its go.mod and go.sum as committed.
`pulumi install` has Go fetch our SDK module from the release's GOPROXY folder (every other
module from the shared module cache, offline) and the plugin from the
mirror (the README's override); `up` takes the CA to Verified; a second `up` changes nothing;
`destroy` removes it. On PATH: the CLI, Go and the basic tools, no Python (nor a C compiler:
Go builds without cgo, which the Pulumi SDK does not need).

Our module lands in a module cache of the test's own, never in the shared one: the release serves
new content under the same version (0.2.0) whenever the schema changes, and a stale copy in a
shared cache would fail every later run with a checksum mismatch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.devtools.languages import language_caches
from tests.pki import make_ca
from tests.pop_provider.engine import arm_calls, hub_certificates, hub_id
from tests.pulumi_cli import REPO
from tests.release.conftest import version
from tests.release.registries import StaticHost
from tests.release.runner import TeamRunner, configure, tarball_path

pytestmark = pytest.mark.engine

SDK_MODULE = "github.com/pop-provider/pop-provider/sdk"
# What a user's clone does not hold: what `pulumi package add` generates, builds and local state.
NOT_IN_A_CLONE = shutil.ignore_patterns("sdks", "bin", ".pulumi-local", "*.md")
GO_TOOLCHAIN = ("go",)


def shared_go_env(name: str) -> str:
    """`go env NAME` as this machine's Go sees it (the caches `make bootstrap` warmed)."""
    return subprocess.run(
        ["go", "env", name], capture_output=True, text=True, check=True, env=os.environ
    ).stdout.strip()


def release_go_env(release_dir: Path, module_cache: Path) -> dict[str, str]:
    """Go as a team configures it for a private module: our module from the release's GOPROXY
    folder (standing in for the module's host), every other module from the shared cache's
    download folder (itself a GOPROXY layout, standing in for the public proxy: `make
    bootstrap` cached every module's .info there); modules land in `module_cache`, compiled
    packages come from the shared build cache."""
    shared_downloads = Path(shared_go_env("GOMODCACHE")) / "cache" / "download"
    proxies = [f"file://{release_dir / 'goproxy'}", f"file://{shared_downloads}"]
    return {
        "GOMODCACHE": str(module_cache),
        # Each asked in turn until one has the file.
        "GOPROXY": ",".join(proxies),
        # Writable module folders, so pytest can delete tmp_path.
        "GOFLAGS": "-modcacherw",
        # The checksum database knows no private module; every other hash is in go.sum, so the
        # database is never asked (offline, asking it would fail).
        "GONOSUMDB": "github.com/pop-provider/pop-provider",
        "GOTOOLCHAIN": "local",
        "GOCACHE": shared_go_env("GOCACHE"),
    }


def test_go_fetches_the_sdk_and_plugin_from_the_release_verifies_then_changes_nothing(
    emulator: EmulatorInfo,
    admin: AdminClient,
    mirror: StaticHost,
    release_dir: Path,
    tmp_path: Path,
) -> None:
    language_caches()
    project = tmp_path / "fleet-go"
    shutil.copytree(REPO / "examples" / "go", project, ignore=NOT_IN_A_CLONE)
    ca = make_ca("go release root")
    (project / "ca.pem").write_text(ca.certificate_pem)
    module_cache = tmp_path / "gomodcache"
    runner = TeamRunner(
        tmp_path / "runner",
        mirror.url,
        toolchain=GO_TOOLCHAIN,
        extra_env=release_go_env(release_dir, module_cache),
    )
    assert shutil.which("python3", path=str(runner.bin)) is None
    assert shutil.which("python", path=str(runner.bin)) is None
    configure(runner, project, emulator, ca.private_key_pem)

    # The Go host's InstallDependencies is `go mod tidy`: it downloads the modules and leaves a
    # committed go.mod and go.sum as they are (a stale go.sum fails here, checksum mismatch).
    runner.pulumi(project, "install")
    for manifest in ("go.mod", "go.sum"):
        committed = (REPO / "examples" / "go" / manifest).read_text()
        assert (project / manifest).read_text() == committed, f"`go mod tidy` changed {manifest}"
    downloaded = module_cache / "cache" / "download" / SDK_MODULE / "@v"
    assert (downloaded / f"v{version()}.zip").is_file()
    shared = Path(shared_go_env("GOMODCACHE")) / "cache" / "download" / SDK_MODULE
    assert not shared.exists(), f"{shared}: our module reached the shared module cache"
    assert (downloaded / f"v{version()}.zip").read_bytes() == (
        release_dir / "goproxy" / SDK_MODULE / "@v" / f"v{version()}.zip"
    ).read_bytes()

    first = runner.pulumi(project, "up", "--yes")
    assert f"GET {tarball_path()} 200" in mirror.requests
    assert runner.installed_plugins() == [f"resource-pop-v{version()}"]
    (certificate,) = hub_certificates(emulator).values()
    assert certificate.properties.is_verified is True
    outputs = json.loads(runner.pulumi(project, "stack", "output", "--json").stdout)
    assert outputs["isVerified"] is True
    assert outputs["certificateName"] == certificate.name
    assert outputs["armId"] == f"{hub_id(emulator)}/certificates/{certificate.name}"
    assert isinstance(outputs["daysUntilExpiry"], int) and outputs["daysUntilExpiry"] > 300

    runner.pulumi(project, "up", "--yes", "--expect-no-changes")
    calls = arm_calls(admin)
    assert (calls["Certificates_CreateOrUpdate"], calls["Certificates_Verify"]) == (1, 1)
    # Downloaded once: the second run found it in PULUMI_HOME.
    assert mirror.requests.count(f"GET {tarball_path()} 200") == 1

    runner.pulumi(project, "destroy", "--yes")
    assert hub_certificates(emulator) == {}
    assert "Traceback" not in first.stdout + first.stderr
    assert ca.private_key_pem.splitlines()[1] not in runner.state_text()
