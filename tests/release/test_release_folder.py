"""What `make release` writes, as a team (or a mirror) receives it: every artifact named as
Pulumi's conventions name them, one version in all of them, the plugin's executable at the
tarball's root, and SHA256SUMS that `sha256sum -c` accepts."""

from __future__ import annotations

import json
import stat
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from devtools.release import sdks
from devtools.release.errors import ReleaseError
from pop_provider.native import distribution
from tests.release.conftest import version

pytestmark = pytest.mark.engine


def test_the_release_folder_holds_each_artifact_once_at_one_version(release_dir: Path) -> None:
    v = version()
    top = sorted(path.name for path in release_dir.iterdir())
    assert top == sorted(
        [
            "SHA256SUMS",
            "goproxy",
            f"pop-provider-pop-{v}.tgz",
            f"pulumi-resource-pop-v{v}-linux-amd64.tar.gz",
            f"pulumi_pop-{v}-py3-none-any.whl",
            f"pulumi_pop-{v}.tar.gz",
            "schema.json",
        ]
    )
    schema = json.loads((release_dir / "schema.json").read_text())
    assert (schema["version"], schema["pluginDownloadURL"]) == (v, distribution.PLUGIN_DOWNLOAD_URL)

    with tarfile.open(release_dir / f"pop-provider-pop-{v}.tgz") as npm:
        manifest = json.load(npm.extractfile("package/package.json"))  # type: ignore[arg-type]
        assert "package/index.d.ts" in npm.getnames()
    assert (manifest["name"], manifest["version"]) == (distribution.NPM_PACKAGE, v)
    assert manifest["pulumi"]["server"] == distribution.PLUGIN_DOWNLOAD_URL

    with zipfile.ZipFile(release_dir / f"pulumi_pop-{v}-py3-none-any.whl") as wheel:
        metadata = wheel.read(f"pulumi_pop-{v}.dist-info/METADATA").decode()
        plugin_json = json.loads(wheel.read("pulumi_pop/pulumi-plugin.json"))
    assert f"\nVersion: {v}\n" in metadata
    assert plugin_json == {
        "resource": True,
        "name": "pop",
        "version": v,
        "server": distribution.PLUGIN_DOWNLOAD_URL,
    }

    info = release_dir / "goproxy" / distribution.GO_MODULE / "@v" / f"v{v}.info"
    assert json.loads(info.read_text())["Version"] == f"v{v}"


def test_the_plugin_tarball_has_its_executable_at_the_root_and_its_notices(
    release_dir: Path,
) -> None:
    with tarfile.open(release_dir / f"pulumi-resource-pop-v{version()}-linux-amd64.tar.gz") as t:
        members = {member.name: member for member in t.getmembers()}
        notices = t.extractfile("THIRD-PARTY-NOTICES.txt").read().decode()  # type: ignore[union-attr]
    executable = members["pulumi-resource-pop"]
    assert executable.isfile() and executable.mode & stat.S_IXUSR
    assert "LICENSE" in members and "_internal" in members
    assert not [name for name in members if name.startswith(("/", "..")) or "/../" in name]
    # The Python runtime and the Microsoft clients are inside; the build's tools are not.
    assert "azure-mgmt-iothub " in notices and "cryptography " in notices
    assert "pyinstaller " not in notices.lower() and "pytest" not in notices


def test_sha256sums_verifies_every_file(release_dir: Path) -> None:
    listed = (release_dir / "SHA256SUMS").read_text().splitlines()
    files = sorted(
        p.relative_to(release_dir).as_posix()
        for p in release_dir.rglob("*")
        if p.is_file() and p.name != "SHA256SUMS"
    )
    assert sorted(line.split("  ", 1)[1] for line in listed) == files
    checked = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=release_dir, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_go_sdk_that_is_not_what_the_schema_generates_stops_the_release(tmp_path: Path) -> None:
    generated = tmp_path / "generated"
    (generated / "go" / "pop").mkdir(parents=True)
    (generated / "go.mod").write_text("module x\n")
    (generated / "go" / "pop" / "doc.go").write_text("package pop\n")
    assert sdks.differences(generated, generated) == []
    with pytest.raises(ReleaseError, match=r"^sdk/ is not what the schema generates .*make sdk"):
        sdks.check_go_sdk(generated)
