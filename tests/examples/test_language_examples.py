"""examples/typescript and examples/go, run as their READMEs say: a copy of the project, the
plugin installed from the provider executable, the typed SDK generated and linked by
`pulumi package add`, then `up`, a no-change `up`, `refresh` and `destroy` against the emulator.

What is checked is what a user of either language sees: the hub holds the CA Verified and the
stack's outputs say so, a second `up` neither uploads nor proves again, a missing certificate
file is one line naming it and the fix, nothing prints a stack trace or a warning, and the CA
key never reaches the state in the clear.

From the caches `make bootstrap` warms (npm's, Go's module and build caches) each language
takes 20-30 s, offline.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import sys
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, stack_config
from tests.devtools.languages import language_caches, seed_node_modules
from tests.pki import make_ca
from tests.pop_provider.engine import arm_calls, hub_certificates, hub_id
from tests.pulumi_cli import REPO, PulumiStack

pytestmark = pytest.mark.engine

# The executable `pip install pop-provider` puts on the virtualenv's bin/ (here: the editable
# install's), and the version its wheel carries: what a user passes to `pulumi plugin install`.
PLUGIN = Path(sys.executable).parent / "pulumi-resource-pop"
PLUGIN_VERSION = importlib.metadata.version("pop-provider")
LANGUAGES = ["typescript", "go"]
# What `pulumi package add` leaves behind in a user's copy; skipped in case someone ran the
# example in place.
GENERATED = shutil.ignore_patterns("node_modules", "bin", "sdks", ".pulumi-local", "ca.pem")


def example_stack(
    language: str,
    tmp_path: Path,
    info: EmulatorInfo,
    plugin: Path = PLUGIN,
    version: str = PLUGIN_VERSION,
) -> PulumiStack:
    """The example copied as a user copies it, set up with its README's commands: the plugin
    installed from the executable, the SDK generated and linked (`package add` also installs
    the dependencies: npm install, go mod tidy, from the caches bootstrap warmed), the stack's
    config pointing at the emulator."""
    language_caches()
    project = tmp_path / f"pop-{language}"
    shutil.copytree(REPO / "examples" / language, project, ignore=GENERATED)
    if language == "typescript":
        seed_node_modules(project)
    stack = PulumiStack(project, tmp_path / "pulumi")
    stack.run("plugin", "install", "resource", "pop", version, "--file", str(plugin))
    added = stack.run("package", "add", str(plugin))
    assert "Traceback" not in shown(added)
    stack.init()

    plain, secret = stack_config(info, native=True)
    stack.set_configs({**plain, "hubId": hub_id(info)}, secret)
    return stack


def manifests_linked(language: str, project: Path) -> None:
    """The manifests the example ships already name the SDK where `package add` puts it, so a
    user's copy compiles against the same dependency the README's command links; and
    Pulumi.yaml records the package, from which `pulumi install` regenerates `sdks/`."""
    assert f"packages:\n  pop: pop@{PLUGIN_VERSION}\n" in (project / "Pulumi.yaml").read_text()
    if language == "typescript":
        manifest = json.loads((project / "package.json").read_text())
        assert manifest["dependencies"]["@pop-provider/pop"] == "file:sdks/pop"
        assert (project / "node_modules" / "@pop-provider" / "pop" / "bin" / "index.js").exists()
    else:
        for name in ("go.mod", "go.sum"):
            assert (project / name).read_text() == (REPO / "examples" / "go" / name).read_text()
        assert "example.com/pop-provider/sdk/go => ./sdks/pop" in (project / "go.mod").read_text()


def shown(result: object) -> str:
    return str(getattr(result, "stdout", "")) + str(getattr(result, "stderr", ""))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_example_verifies_its_ca_then_changes_nothing_then_comes_down(
    language: str, emulator: EmulatorInfo, admin: AdminClient, tmp_path: Path
) -> None:
    ca = make_ca(f"{language} example root")
    stack = example_stack(language, tmp_path, emulator)
    manifests_linked(language, stack.project_dir)
    (stack.project_dir / "ca.pem").write_text(ca.certificate_pem)
    stack.set_config("caKey", ca.private_key_pem, secret=True)

    first = stack.up()
    (certificate,) = hub_certificates(emulator).values()
    assert certificate.properties.is_verified is True
    outputs = stack.outputs()
    assert outputs["isVerified"] is True
    assert outputs["certificateName"] == certificate.name
    assert outputs["armId"] == f"{hub_id(emulator)}/certificates/{certificate.name}"
    assert isinstance(outputs["daysUntilExpiry"], int) and outputs["daysUntilExpiry"] > 300

    again = stack.up("--expect-no-changes")
    calls = arm_calls(admin)
    assert (calls["Certificates_CreateOrUpdate"], calls["Certificates_Verify"]) == (1, 1)

    # The README's one error: a certificate file that is not there, named with the fix.
    stack.set_config("caCertificatePath", "certs/missing.pem")
    failed = stack.up(check=False)
    assert failed.returncode != 0
    assert "caCertificatePath: " in failed.stdout and "certs/missing.pem" in failed.stdout
    assert "put the CA's PEM certificate there or set caCertificatePath" in failed.stdout
    assert "Traceback" not in shown(failed) and "    at " not in failed.stdout
    assert hub_certificates(emulator)[certificate.name].properties.is_verified is True

    refreshed = stack.refresh()
    destroyed = stack.destroy()
    assert hub_certificates(emulator) == {}

    for result in (first, again, refreshed, destroyed):
        assert "Traceback" not in shown(result)
        assert "warning" not in shown(result), shown(result)
    key_line = ca.private_key_pem.splitlines()[1]
    assert key_line not in stack.state_files_text()
