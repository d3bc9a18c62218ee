"""The two distributions as a user gets them: built as wheels, installed into fresh virtualenvs
outside the checkout, and an `examples/` project run from there under the real CLI.

The provider's project runs twice: on the pinned, tested set (requirements.txt) and on the lowest
versions pyproject.toml allows, so every declared lower bound is a tested one.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from packaging.version import Version

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, EmulatorProcess, stack_config
from tests.conftest import azure_environment, config_object_json
from tests.installed import (
    REPO,
    ImportTrace,
    Virtualenv,
    build_wheels,
    lowest_constraints,
    pyproject,
)
from tests.keyvault import import_key
from tests.pki import KeyType, make_ca
from tests.pop_provider.engine import dps_certificates, dps_id, hub_certificates, hub_id
from tests.pulumi_cli import PulumiStack

# Builds the wheels and installs them in fresh virtualenvs, then runs the CLI on them: slow.
pytestmark = pytest.mark.engine

EXAMPLE = REPO / "examples" / "trust-existing-hub"
STACK_CONFIG_EXAMPLE = REPO / "examples" / "stack-config"
PROVIDER_IMPORTS = ["pop_provider", "azure.keyvault.keys", "pyasn1", "azure.mgmt.iothub"]
# (PyJWT is not among them: msal, under azure-identity, needs it.)
NEVER_WITH_THE_PROVIDER = [
    "starlette",
    "uvicorn",
    "azure_iot_emulator",
    "devtools",
    "bench",
    "tests",
]


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_wheels(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(scope="module")
def emulator_venv(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Virtualenv:
    venv = Virtualenv.create(tmp_path_factory.mktemp("emulator-user") / "venv")
    venv.install(str(wheels["pop-provider-emulator"]))
    return venv


def _find_specs(venv: Virtualenv, modules: list[str], cwd: Path) -> dict[str, str | None]:
    code = (
        "import importlib.util, json\n"
        f"names = {modules!r}\n"
        "def origin(name):\n"
        "    try:\n"
        "        spec = importlib.util.find_spec(name)\n"
        "    except ModuleNotFoundError:\n"
        "        return None\n"
        "    return spec and (spec.origin or str(list(spec.submodule_search_locations)))\n"
        "print(json.dumps({name: origin(name) for name in names}))\n"
    )
    result: dict[str, str | None] = json.loads(venv.run(code, cwd))
    return result


def test_the_provider_wheel_installs_alone_with_every_dependency_it_imports(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    wheel = wheels["pop-provider"]
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert top_level == {"pop_provider", "pop_provider-0.2.0.dist-info"}, top_level

    venv = Virtualenv.create(tmp_path / "venv")
    venv.install(str(wheel))
    venv.pip("check")
    specs = _find_specs(venv, PROVIDER_IMPORTS + NEVER_WITH_THE_PROVIDER, tmp_path)
    for name in PROVIDER_IMPORTS:
        assert str(specs[name]).startswith(str(venv.path)), (name, specs[name])
    assert {name: specs[name] for name in NEVER_WITH_THE_PROVIDER} == dict.fromkeys(
        NEVER_WITH_THE_PROVIDER
    )
    # Every module of the package imports in the user's venv (the Key Vault signer included).
    venv.run(
        "import importlib, pkgutil, pop_provider\n"
        "for m in pkgutil.walk_packages(pop_provider.__path__, 'pop_provider.'):\n"
        "    importlib.import_module(m.name)\n",
        tmp_path,
    )

    metadata = venv.run(
        "import importlib.metadata as m, pathlib, pop_provider\n"
        "meta = m.metadata('pop-provider')\n"
        "print(pop_provider.__version__)\n"
        "print(meta['License-Expression'])\n"
        "print((pathlib.Path(pop_provider.__file__).parent / 'py.typed').is_file())\n"
        "print(sorted(m.files('pop-provider'), key=str)[0].parts[0])\n",
        tmp_path,
    ).split()
    assert metadata[:3] == [str(pyproject(REPO)["version"]), "Apache-2.0", "True"]
    license_text = venv.run(
        "import importlib.metadata as m\n"
        "files = [f for f in m.files('pop-provider') if f.name == 'LICENSE']\n"
        "print(files[0].read_text())\n",
        tmp_path,
    )
    assert "Apache License" in license_text and "Version 2.0" in license_text


def test_the_emulator_wheel_installs_alone_and_runs_from_any_directory(
    emulator_venv: Virtualenv, tmp_path: Path
) -> None:
    emulator_venv.pip("check")
    specs = _find_specs(emulator_venv, ["azure_iot_emulator", "pop_provider", "devtools"], tmp_path)
    assert str(specs["azure_iot_emulator"]).startswith(str(emulator_venv.path))
    assert specs["pop_provider"] is None and specs["devtools"] is None
    somewhere = tmp_path / "somewhere" / "else"
    somewhere.mkdir(parents=True)
    process = EmulatorProcess(somewhere / "state", python=str(emulator_venv.python))
    with process:
        info = process.info
        assert info.iot_hubs and info.dps
        assert AdminClient(info).requests() == []


@pytest.fixture
def trace(tmp_path: Path) -> ImportTrace:
    return ImportTrace.install(tmp_path / "trace")


@pytest.fixture
def installed_emulator(
    emulator_venv: Virtualenv, trace: ImportTrace, tmp_path: Path
) -> Iterator[EmulatorInfo]:
    """The emulator started from its installed package, traced like every other process."""
    process = EmulatorProcess(
        tmp_path / "emulator", python=str(emulator_venv.python), extra_env=trace.env()
    )
    with process:
        yield process.info


def _user_project(
    tmp_path: Path, wheel: Path, versions: str, example: Path = EXAMPLE
) -> tuple[Path, Virtualenv, dict[str, str]]:
    """An example (examples/trust-existing-hub by default) copied out, with its own venv made
    as its README says."""
    project = tmp_path / "my-fleet"
    shutil.copytree(example, project, ignore=shutil.ignore_patterns("venv", ".pulumi-local"))
    venv = Virtualenv.create(project / "venv")
    constraints = lowest_constraints(tmp_path / "lowest.txt") if versions == "lowest" else None
    requirements = [str(wheel), "-r", str(project / "requirements.txt")]
    if constraints is None:
        venv.install(*requirements)
    else:
        venv.install(*requirements, constraints=constraints)
    return project, venv, venv.versions()


def _user_stack(project: Path, info: EmulatorInfo, trace: ImportTrace) -> PulumiStack:
    """The copied project's own `dev` stack (state in its .pulumi-local, its own venv's Python),
    pointed at the emulator and traced."""
    stack = PulumiStack(
        project,
        None,
        stack="dev",
        python=None,
        extra_env={**azure_environment(info), **trace.env()},
    )
    return stack.init()


@pytest.mark.parametrize("versions", ["pinned", "lowest"])
def test_an_example_project_runs_on_the_installed_packages_alone(
    versions: str,
    wheels: dict[str, Path],
    installed_emulator: EmulatorInfo,
    trace: ImportTrace,
    tmp_path: Path,
) -> None:
    info = installed_emulator
    project, venv, installed = _user_project(tmp_path, wheels["pop-provider"], versions)
    if versions == "lowest":
        for line in lowest_constraints(tmp_path / "check.txt").read_text().split():
            name, version = line.split("==")
            assert Version(installed[name.lower()]) == Version(version), (name, installed)

    certs = project / "certs"
    certs.mkdir()
    root = make_ca("example fleet root", key_type=KeyType.EC_P384)
    partner = make_ca("example partner ca")
    issuing = make_ca("example issuing ca", key_type=KeyType.RSA_2048)
    for name, ca in {"root": root, "partner": partner, "issuing": issuing}.items():
        (certs / f"{name}.pem").write_text(ca.certificate_pem)
    import_key(info, "fleet-issuing-key", issuing.key)

    stack = _user_stack(project, info, trace)
    stack.set_configs(
        {
            "hubId": hub_id(info),
            "dpsId": dps_id(info),
            "rootCertificateFile": "certs/root.pem",
            "partnerCertificateFile": "certs/partner.pem",
            "issuingCertificateFile": "certs/issuing.pem",
            "keyVaultUrl": info.base_url,
            "keyVaultKeyName": "fleet-issuing-key",
        },
        {"rootKey": root.private_key_pem},
    )

    # The pair a fresh install gets: the SDK the wheel pulled in is never newer than the CLI.
    about = json.loads(stack.run("about", "--json").stdout)
    cli = about["cliAbout"]["version"]
    sdk = {dep["name"]: dep["version"] for dep in about["dependencies"]}["pulumi"]
    assert cli == (REPO / "PULUMI_VERSION").read_text().strip()
    assert Version(sdk) <= Version(cli) and sdk == installed["pulumi"], (sdk, cli)

    stack.up()
    outputs = stack.outputs()["certificates"]
    assert set(outputs) == {"fleet-root", "partner-ca", "fleet-issuing", "fleet-root-dps"}
    assert all(out["is_verified"] for out in outputs.values()), outputs
    on_hub = hub_certificates(info)
    for name in ("fleet-root", "partner-ca", "fleet-issuing"):
        assert on_hub[outputs[name]["certificate_name"]].properties.is_verified, name
    assert dps_certificates(info)[
        outputs["fleet-root-dps"]["certificate_name"]
    ].properties.is_verified

    stack.up("--expect-no-changes")
    stack.refresh("--expect-no-changes")
    # The project's own state, where tools/pulumi keeps it for any project.
    assert (project / ".pulumi-local" / "state" / ".pulumi" / "stacks").is_dir()
    stored = stack.state_files_text()
    assert not any(line in stored for line in root.private_key_pem.splitlines()[1:-1])
    stack.destroy()
    assert hub_certificates(info) == {}
    assert dps_certificates(info) == {}

    processes = trace.records()
    commands = [" ".join(argv) for argv, _ in processes]
    for role in ("pulumi.dynamic", "pulumi-language-python-exec", "azure_iot_emulator"):
        assert any(role in command for command in commands), (role, commands)
    touched = [(argv, hits) for argv, hits in processes if hits]
    assert touched == [], f"imports resolved into the checkout: {touched}"


def test_an_own_project_declares_and_rotates_its_certificates_in_its_stack_config(
    wheels: dict[str, Path],
    installed_emulator: EmulatorInfo,
    trace: ImportTrace,
    tmp_path: Path,
) -> None:
    """examples/stack-config: two lines of program, the list under the project's own name."""
    info = installed_emulator
    project, _, _ = _user_project(
        tmp_path, wheels["pop-provider"], "pinned", example=STACK_CONFIG_EXAMPLE
    )
    assert "name: stack-config\n" in (project / "Pulumi.yaml").read_text()
    certs = project / "certs"
    certs.mkdir()
    old, new = make_ca("fleet root 2026"), make_ca("fleet root 2027", key_type=KeyType.EC_P384)
    for name, ca in {"root-2026": old, "root-2027": new}.items():
        (certs / f"{name}.pem").write_text(ca.certificate_pem)
    (certs / "root-2027.key").write_text(new.private_key_pem)
    entries = {
        "fleet-root-2026": {
            "name": "fleet-root-2026",
            "hubId": hub_id(info),
            "mode": "proof",
            "certificateFile": "certs/root-2026.pem",
            "privateKeySecret": "rootKey2026",
        },
        "fleet-root-2027": {
            "name": "fleet-root-2027",
            "hubId": hub_id(info),
            "mode": "proof",
            "certificateFile": "certs/root-2027.pem",
            "privateKeyFile": "certs/root-2027.key",
        },
    }
    stack = _user_stack(project, info, trace)
    stack.set_config("rootKey2026", old.private_key_pem, secret=True)

    def trust(*names: str) -> dict[str, str]:
        """`up` with these entries listed; the hub's certificates, Verified, by thumbprint."""
        listed = [entries[name] for name in names]
        key = "stack-config:certificates"
        stack.run(
            "config", "set-all", "--stack", stack.stack, "--json", config_object_json(listed, key)
        )
        stack.up()
        outputs = stack.outputs()["certificates"]
        assert sorted(outputs) == sorted(names)
        assert all(out["is_verified"] for out in outputs.values()), outputs
        on_hub = hub_certificates(info)
        assert all(cert.properties.is_verified for cert in on_hub.values())
        return {cert.properties.thumbprint: name for name, cert in on_hub.items()}

    old_tp, new_tp = (ca.certificate.fingerprint(hashes.SHA1()).hex().upper() for ca in (old, new))
    assert set(trust("fleet-root-2026")) == {old_tp}
    # Rotation with overlap: the successor beside the old CA, then the old one removed.
    assert set(trust("fleet-root-2026", "fleet-root-2027")) == {old_tp, new_tp}
    assert set(trust("fleet-root-2027")) == {new_tp}

    touched = [(argv, hits) for argv, hits in trace.records() if hits]
    assert touched == [], f"imports resolved into the checkout: {touched}"


YAML_EXAMPLE = REPO / "examples" / "yaml"


@pytest.fixture(scope="module")
def plugin_venv(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Virtualenv:
    """The wheel alone in a virtualenv of its own: where a YAML or TypeScript team gets the
    plugin `pulumi-resource-pop` (no Python program of theirs runs in it)."""
    venv = Virtualenv.create(tmp_path_factory.mktemp("pop-user") / "venv")
    venv.install(str(wheels["pop-provider"]))
    return venv


def test_a_yaml_program_uses_the_plugin_installed_from_the_wheel(
    plugin_venv: Virtualenv,
    installed_emulator: EmulatorInfo,
    trace: ImportTrace,
    tmp_path: Path,
) -> None:
    """Pulumi YAML, no Python program: the wheel in a virtualenv of its own, its
    `pulumi-resource-pop` installed as the plugin `pop` (`pulumi plugin install --file`), the
    examples/yaml project copied out. The venv is not on PATH, so the CLI has no ambient plugin
    to warn about."""
    info = installed_emulator
    venv = plugin_venv
    version = venv.versions()["pop-provider"]
    project = tmp_path / "fleet-yaml"
    shutil.copytree(YAML_EXAMPLE, project, ignore=shutil.ignore_patterns(".pulumi-local"))
    ca = make_ca("yaml fleet root", key_type=KeyType.EC_P384)
    (project / "ca.pem").write_text(ca.certificate_pem)

    stack = PulumiStack(project, None, stack="dev", python=None, extra_env=trace.env()).init()
    plugin = venv.python.parent / "pulumi-resource-pop"
    stack.run("plugin", "install", "resource", "pop", version, "--file", str(plugin))
    plain, secret = stack_config(info, native=True)
    stack.set_configs({**plain, "hubId": hub_id(info)}, {**secret, "caKey": ca.private_key_pem})

    up = stack.up()
    assert "from $PATH" not in up.stdout + up.stderr
    outputs = stack.outputs()
    assert outputs["isVerified"] is True
    assert hub_certificates(info)[outputs["certificateName"]].properties.is_verified
    stack.up("--expect-no-changes")
    stack.refresh("--expect-no-changes")
    stored = stack.state_files_text()
    assert not any(line in stored for line in ca.private_key_pem.splitlines()[1:-1])
    stack.destroy()
    assert hub_certificates(info) == {}

    commands = [" ".join(argv) for argv, _ in trace.records()]
    assert any("pulumi-resource-pop" in command for command in commands), commands
    touched = [(argv, hits) for argv, hits in trace.records() if hits]
    assert touched == [], f"imports resolved into the checkout: {touched}"
