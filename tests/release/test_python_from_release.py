"""Python on a team's runner: a program of the native provider `pop` through its Python SDK, the
wheel `pulumi_pop` installed by pip from the release folder (standing in for PyPI or a company's
index), in the project's own virtualenv. The plugin is not in that wheel: the first `up`
downloads it from the mirror (the README's override), the bundled, self-contained one, and takes
the CA to Verified; a second `up` changes nothing; `destroy` removes it. On PATH: the CLI, the
basic tools and the project's virtualenv (activated, as a Python team's job does).

The project needs no `pulumi install`: our stand-in Python host installs no dependencies (it has
no InstallDependencies); pip is run as the team's job would, before the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from tests.installed import PINNED_REQUIREMENTS, Virtualenv, wheelhouse
from tests.pki import make_ca
from tests.pop_provider.engine import arm_calls, hub_certificates, hub_client
from tests.release.conftest import version
from tests.release.registries import StaticHost
from tests.release.runner import TeamRunner, configure, tarball_path

pytestmark = pytest.mark.engine

TOKEN = "pop:index:VerifiedCaCertificate"

# The interpreter comes from Pulumi.yaml's `virtualenv` (the host looks there before
# PULUMI_PYTHON_CMD and PATH).
PULUMI_YAML = """\
name: fleet-python
runtime:
  name: python
  options:
    virtualenv: venv
"""
PROGRAM = """\
import pulumi
import pulumi_pop as pop

config = pulumi.Config()
root_ca = pop.VerifiedCaCertificate(
    "rootCa",
    hub_id=config.require("hubId"),
    certificate_pem=open("ca.pem").read(),
    private_key_pem=config.require_secret("caKey"),
)
pulumi.export("isVerified", root_ca.is_verified)
pulumi.export("certificateName", root_ca.certificate_name)
"""


def python_project(directory: Path, certificate_pem: str) -> Path:
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(PULUMI_YAML)
    (directory / "requirements.txt").write_text(f"pulumi-pop=={version()}\n")
    (directory / "__main__.py").write_text(PROGRAM)
    (directory / "ca.pem").write_text(certificate_pem)
    return directory


def record_rows(text: str) -> set[tuple[str, ...]]:
    """A wheel's RECORD (path, hash, size), less the files pip writes or rewrites itself."""
    return {
        tuple(row)
        for row in csv.reader(io.StringIO(text))
        if row and ".dist-info/" not in row[0] and not row[0].endswith(".pyc")
    }


def installed_from(venv: Virtualenv, wheel: Path) -> bool:
    """Whether every file of `wheel` is installed in `venv` as the wheel holds it (by the
    hashes of the RECORD pip writes), and the distribution's version is the wheel's."""
    (dist_info,) = venv.path.glob(f"lib/python*/site-packages/pulumi_pop-{version()}.dist-info")
    with zipfile.ZipFile(wheel) as archive:
        packed = archive.read(f"pulumi_pop-{version()}.dist-info/RECORD").decode()
    return record_rows(packed) <= record_rows((dist_info / "RECORD").read_text())


def test_python_installs_the_sdk_and_fetches_the_plugin_from_the_release_then_changes_nothing(
    emulator: EmulatorInfo,
    admin: AdminClient,
    mirror: StaticHost,
    release_dir: Path,
    tmp_path: Path,
) -> None:
    ca = make_ca("python release root")
    project = python_project(tmp_path / "fleet-python", ca.certificate_pem)
    venv = Virtualenv.create(project / "venv")
    venv.pip(
        "install", "--quiet", "--no-index",
        "--find-links", str(release_dir), "--find-links", str(wheelhouse()),
        "-c", str(PINNED_REQUIREMENTS), "-r", str(project / "requirements.txt"),
    )  # fmt: skip
    versions = {str(canonicalize_name(name)): v for name, v in venv.versions().items()}
    assert versions["pulumi-pop"] == version()
    assert installed_from(venv, release_dir / f"pulumi_pop-{version()}-py3-none-any.whl")
    # The native face needs no dynamic-provider package, and brings no plugin of its own.
    found = venv.run(
        "import importlib.util, json\n"
        "names = ('pulumi_pop', 'pop_provider')\n"
        "print(json.dumps([bool(importlib.util.find_spec(name)) for name in names]))",
        cwd=tmp_path,
    )
    assert json.loads(found) == [True, False]
    assert not list((venv.path / "bin").glob("pulumi-resource-*"))

    runner = TeamRunner(tmp_path / "runner", mirror.url)
    runner.extra_env.update(
        PATH=os.pathsep.join([str(venv.path / "bin"), str(runner.bin)]),
        VIRTUAL_ENV=str(venv.path),
    )
    on_path = runner.env()["PATH"]
    assert shutil.which("python3", path=on_path) == str(venv.path / "bin" / "python3")
    configure(runner, project, emulator, ca.private_key_pem)

    first = runner.pulumi(project, "up", "--yes")
    assert f"GET {tarball_path()} 200" in mirror.requests
    assert runner.installed_plugins() == [f"resource-pop-v{version()}"]
    (certificate,) = hub_certificates(emulator).values()
    assert certificate.properties.is_verified is True
    outputs = json.loads(runner.pulumi(project, "stack", "output", "--json").stdout)
    assert outputs == {"isVerified": True, "certificateName": certificate.name}

    runner.pulumi(project, "up", "--yes", "--expect-no-changes")
    calls = arm_calls(admin)
    assert (calls["Certificates_CreateOrUpdate"], calls["Certificates_Verify"]) == (1, 1)
    # Downloaded once: the second run found it in PULUMI_HOME.
    assert mirror.requests.count(f"GET {tarball_path()} 200") == 1

    # `pulumi import` from a Python project, through the plugin: a CA uploaded out of band.
    adopted = make_ca("python adopted root")
    created = hub_client(emulator).certificates.create_or_update(
        emulator.resource_group,
        emulator.iot_hubs[0],
        "adopted-root",
        {"properties": {"certificate": adopted.certificate_pem}},
    )
    imported = runner.pulumi(
        project,
        "import",
        TOKEN,
        "adoptedRoot",
        created.id,
        "--yes",
        "--generate-code=false",
        "--protect=false",
    )
    assert "= 1 imported" in imported.stdout, imported.stdout
    exported = runner.pulumi(project, "stack", "export").stdout
    assert exported.count(f'"type": "{TOKEN}"') == 2
    # The native face keeps no pickled provider in the state, as the dynamic face must.
    assert "__provider" not in exported

    runner.pulumi(project, "destroy", "--yes")
    assert hub_certificates(emulator) == {}
    assert "Traceback" not in first.stdout + first.stderr
    assert ca.private_key_pem.splitlines()[1] not in runner.state_text()
