"""The pack under the real CLI, as a team runs it (`preview`/`up --policy-pack`), for both faces:
the dynamic one in a Python program, the native provider `pop` in a Pulumi YAML program. A
mandatory rule fails the command and leaves the hub as it was; an advisory one warns and lets it
proceed; `--policy-pack-config` changes levels and thresholds. And the pack's processes end with
the run, however it ends.

One emulator for the module, one copy of the pack (on the virtualenv `make bootstrap` makes with
tools/policy-venv.sh) for the session: every test is a stack of one of two projects.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo, stack_config
from tests import processes
from tests.caches import cached
from tests.conftest import azure_environment
from tests.pki import CertifiedKey, make_ca
from tests.policy.weak_pki import ca_expiring_in, rsa_1024_ca, sha1_ca
from tests.pop_provider.engine import arm_calls, hub_certificates, hub_id, make_thumbprint
from tests.pulumi_cli import PULUMI, REPO, PulumiStack

pytestmark = pytest.mark.engine

RULE_LINE = re.compile(r"^\s+((?:[a-z]+-)+[a-z]+: '.*)$")

DYNAMIC_PROGRAM = """\
import pulumi
from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs, read_pem

config = pulumi.Config()
VerifiedCaCertificate(
    "rootCa",
    VerifiedCaCertificateArgs(
        hub_id=config.require("hubId"),
        certificate_pem=read_pem(config.require("caCertificatePath")),
        mode=config.get("mode"),
        private_key_pem=config.get_secret("caKey"),
    ),
    opts=pulumi.ResourceOptions(protect=config.get_bool("protect") or False),
)
"""

NATIVE_PROGRAM = """\
name: pop-policy-native
runtime: yaml
config:
  hubId:
    type: string
  caCertificatePath:
    type: string
  mode:
    type: string
    default: proof
  caKey:
    type: string
    secret: true
resources:
  rootCa:
    type: pop:index:VerifiedCaCertificate
    properties:
      hubId: ${hubId}
      certificatePem:
        fn::readFile: ${caCertificatePath}
      mode: ${mode}
      privateKeyPem: ${caKey}
"""


@pytest.fixture(scope="session")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repo's pack, copied as a team copies it, on the cached virtualenv."""
    venv = cached("policy-venv.sh")
    copy = tmp_path_factory.mktemp("pack") / "policy"
    shutil.copytree(REPO / "policy", copy, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    (copy / "venv").symlink_to(venv)
    return copy


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The two programs, one folder each; every test adds its own stacks."""
    root = tmp_path_factory.mktemp("projects")
    dynamic, native = root / "dynamic", root / "native"
    dynamic.mkdir()
    (dynamic / "Pulumi.yaml").write_text(
        f"name: pop-policy-dynamic\nruntime:\n  name: python\n"
        f"  options:\n    virtualenv: {Path(sys.prefix)}\n"
    )
    (dynamic / "__main__.py").write_text(DYNAMIC_PROGRAM)
    native.mkdir()
    (native / "Pulumi.yaml").write_text(NATIVE_PROGRAM)
    return {"dynamic": dynamic, "native": native}


def make_stack(
    projects: dict[str, Path],
    info: EmulatorInfo,
    name: str,
    ca: CertifiedKey,
    *,
    face: str = "dynamic",
    key: bool = False,
    stack_config_entries: dict[str, str] | None = None,
    **config: str,
) -> PulumiStack:
    """A stack of one face's program trusting `ca` on the emulator's hub; `config` in the
    program's keys (mode, protect, ...), the CA key given as a secret when `key`, and any other
    entries (`namespace:key`) in `stack_config_entries`."""
    project = projects[face]
    (project / f"{name}.pem").write_text(ca.certificate_pem)
    env = {
        **azure_environment(info),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    stack = PulumiStack(project, project.parent / f"{face}-state", stack=name, extra_env=env)
    stack.init()
    plain = {
        "hubId": hub_id(info),
        "caCertificatePath": f"{name}.pem",
        **config,
        **(stack_config_entries or {}),
    }
    secret = {"caKey": ca.private_key_pem} if key else {}
    if face == "native":
        # A YAML program cannot leave a property out: no key is an empty (secret) one.
        secret["caKey"] = secret.get("caKey", "")
        provider_plain, provider_secret = stack_config(info, native=True)
        plain, secret = {**plain, **provider_plain}, {**secret, **provider_secret}
    args = ["config", "set-all", "--stack", name]
    for flag, values in (("--plaintext", plain), ("--secret", secret)):
        for item, value in values.items():
            args += [flag, f"{item}={value}"]
    stack.run(*args)
    return stack


def policy_config(tmp_path: Path, config: dict[str, object]) -> str:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    return str(path)


def rule_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The violations printed, one line each (`<rule>: '<resource>' ...; fix: ...`)."""
    return [match[1] for line in result.stdout.splitlines() if (match := RULE_LINE.match(line))]


def on_hub(info: EmulatorInfo, ca: CertifiedKey) -> bool:
    thumbprint = make_thumbprint(ca)
    return any(cert.properties.thumbprint == thumbprint for cert in hub_certificates(info).values())


def test_self_attested_ca_is_refused_in_production_and_up_changes_nothing(
    projects: dict[str, Path], module_emulator: EmulatorInfo, pack: Path
) -> None:
    ca = make_ca("Auto in prod")
    prod = make_stack(projects, module_emulator, "prod", ca, mode="auto")
    preview = prod.preview("--policy-pack", str(pack), check=False)
    assert preview.returncode != 0
    dynamic_type = "pulumi-python:dynamic/pop:VerifiedCaCertificate"
    assert f"[mandatory]  no-self-attested-ca  ({dynamic_type}: rootCa)" in preview.stdout
    assert rule_lines(preview) == [
        "no-self-attested-ca: 'rootCa' is Verified on upload (mode 'auto') in production stack "
        "'prod', so Azure takes its possession of the CA key on trust; fix: prove possession "
        "with mode 'proof' and a Key Vault key (key_vault_url, key_vault_key_name) or an "
        "offline proof (mode 'offline')",
        "ca-protected-in-production: 'rootCa' is not protected in production stack 'prod': a "
        f"destroy or a deleted line removes the CA from {module_emulator.iot_hubs[0]} and cuts "
        "off every device it issued; fix: set the resource option protect (protect: true)",
    ]

    admin = AdminClient(module_emulator)
    before = arm_calls(admin)["Certificates_CreateOrUpdate"]
    up = prod.up("--policy-pack", str(pack), check=False)
    assert up.returncode != 0 and "no-self-attested-ca: 'rootCa'" in up.stdout
    assert arm_calls(admin)["Certificates_CreateOrUpdate"] == before
    assert not on_hub(module_emulator, ca)

    # The same program in a development stack is the team's own business.
    dev = make_stack(projects, module_emulator, "dev", ca, mode="auto")
    assert rule_lines(dev.preview("--policy-pack", str(pack))) == []


def test_a_stack_flagged_production_is_production(
    projects: dict[str, Path], module_emulator: EmulatorInfo, pack: Path
) -> None:
    flagged = {"pop-guardrails:production": "true"}
    staging = make_stack(
        projects,
        module_emulator,
        "staging",
        make_ca("Flagged"),
        stack_config_entries=flagged,
        mode="auto",
    )
    preview = staging.preview("--policy-pack", str(pack), check=False)
    assert preview.returncode != 0
    assert any(
        line.startswith(
            "no-self-attested-ca: 'rootCa' is Verified on upload (mode 'auto') in stack "
            "'staging', marked production by pop-guardrails:production"
        )
        for line in rule_lines(preview)
    )


def test_a_compliant_production_program_passes_preview_and_up(
    projects: dict[str, Path], module_emulator: EmulatorInfo, pack: Path
) -> None:
    ca = make_ca("Offline in prod")
    stack = make_stack(projects, module_emulator, "prod-eu", ca, mode="offline", protect="true")
    preview = stack.preview("--policy-pack", str(pack))
    assert rule_lines(preview) == [] and "✅ pop-guardrails@v0.1.0" in preview.stdout
    stack.up("--policy-pack", str(pack))
    assert on_hub(module_emulator, ca)


def test_a_key_in_production_config_is_refused_unless_the_config_lowers_the_level(
    projects: dict[str, Path], module_emulator: EmulatorInfo, pack: Path, tmp_path: Path
) -> None:
    ca = make_ca("Key in prod")
    stack = make_stack(projects, module_emulator, "production", ca, key=True, protect="true")
    preview = stack.preview("--policy-pack", str(pack), check=False)
    assert preview.returncode != 0
    (line,) = rule_lines(preview)
    assert line.startswith(
        "ca-key-not-in-stack-config: 'rootCa' proves possession with private_key_pem in "
        "production stack 'production', so the CA key lives in stack config; fix: remove "
        "private_key_pem and use a Key Vault key (key_vault_url, key_vault_key_name)"
    )
    assert ca.private_key_pem.splitlines()[1] not in preview.stdout + preview.stderr

    advisory = policy_config(tmp_path, {"ca-key-not-in-stack-config": "advisory"})
    lowered = stack.preview("--policy-pack", str(pack), "--policy-pack-config", advisory)
    assert "[advisory]  ca-key-not-in-stack-config" in lowered.stdout
    assert rule_lines(lowered) == [line]


@pytest.mark.parametrize("weak", [rsa_1024_ca, sha1_ca], ids=["rsa-1024", "sha-1"])
def test_a_weak_ca_is_refused_in_any_stack(
    weak: object, projects: dict[str, Path], module_emulator: EmulatorInfo, pack: Path
) -> None:
    assert callable(weak)
    ca = weak()
    stack = make_stack(projects, module_emulator, f"weak-{ca.certificate.serial_number}", ca)
    preview = stack.preview("--policy-pack", str(pack), check=False)
    assert preview.returncode != 0
    (line,) = rule_lines(preview)
    assert line.startswith("strong-ca: 'rootCa' ")


def test_expiry_warns_and_proceeds_and_its_days_are_configurable(
    projects: dict[str, Path], module_emulator: EmulatorInfo, pack: Path, tmp_path: Path
) -> None:
    ca = ca_expiring_in(40, "Expiring soon")
    stack = make_stack(projects, module_emulator, "expiring", ca, key=True)
    up = stack.up("--policy-pack", str(pack))
    assert "[advisory]  ca-expiry" in up.stdout
    (line,) = rule_lines(up)
    assert line.startswith("ca-expiry: 'rootCa' expires in 40 days (")
    assert on_hub(module_emulator, ca)

    later = policy_config(tmp_path, {"ca-expiry": {"warnWithinDays": 30}})
    assert (
        rule_lines(stack.preview("--policy-pack", str(pack), "--policy-pack-config", later)) == []
    )


def test_a_ca_under_the_minimum_validity_is_refused_and_the_minimum_is_configurable(
    projects: dict[str, Path], module_emulator: EmulatorInfo, pack: Path, tmp_path: Path
) -> None:
    ca = ca_expiring_in(10, "Nearly expired")
    stack = make_stack(projects, module_emulator, "short", ca, key=True)
    up = stack.run("up", "--yes", "--policy-pack", str(pack), check=False)
    assert up.returncode != 0
    # A stack rule, reported on the certificate it is about.
    dynamic_type = "pulumi-python:dynamic/pop:VerifiedCaCertificate"
    assert f"[mandatory]  ca-minimum-validity  ({dynamic_type}: rootCa)" in up.stdout
    assert any(
        line.startswith("ca-minimum-validity: 'rootCa' has 10 days") for line in rule_lines(up)
    )
    assert not on_hub(module_emulator, ca)

    lower = policy_config(tmp_path, {"ca-minimum-validity": {"minimumDays": 7}})
    passed = stack.preview("--policy-pack", str(pack), "--policy-pack-config", lower)
    assert [line.split(":")[0] for line in rule_lines(passed)] == ["ca-expiry"]


def test_the_native_face_is_judged_in_its_own_spelling(
    projects: dict[str, Path], module_emulator: EmulatorInfo, pack: Path
) -> None:
    ca = make_ca("Native auto")
    auto = make_stack(projects, module_emulator, "prod", ca, face="native", mode="auto")
    up = auto.up("--policy-pack", str(pack), check=False)
    assert up.returncode != 0
    assert (
        "[mandatory]  no-self-attested-ca  (pop:index:VerifiedCaCertificate: rootCa)" in up.stdout
    )
    assert "fix: prove possession with mode 'proof' and a Key Vault key (keyVaultUrl, " in up.stdout
    assert not on_hub(module_emulator, ca)

    keyed = make_stack(projects, module_emulator, "prod-keyed", ca, face="native", key=True)
    preview = keyed.preview("--policy-pack", str(pack), check=False)
    assert preview.returncode != 0
    assert (
        "ca-key-not-in-stack-config: 'rootCa' proves possession with privateKeyPem"
        in preview.stdout
    )
    assert ca.private_key_pem.splitlines()[1] not in preview.stdout + preview.stderr


def test_a_key_set_in_clear_warns_outside_production_and_is_refused_in_it(
    projects: dict[str, Path], module_emulator: EmulatorInfo, pack: Path, tmp_path: Path
) -> None:
    """The program reads the key with `config.get_secret`, so the pack's inputs hold it as a
    secret either way: what the rule reads is the engine's list of secret config keys."""
    ca = make_ca("Key in clear")
    dev = make_stack(projects, module_emulator, "dev-clear-key", ca)
    dev.set_config("caKey", ca.private_key_pem)  # without --secret
    preview = dev.preview("--policy-pack", str(pack))
    assert "[advisory]  ca-key-secret" in preview.stdout
    assert rule_lines(preview) == [
        "ca-key-secret: 'rootCa' takes private_key_pem from config key 'caKey', which is not a "
        "secret: the CA key sits in clear in the stack's config and its history; fix: pulumi "
        "config set --secret caKey < root.key, or use a Key Vault key (key_vault_url, "
        "key_vault_key_name) or an offline proof (mode 'offline')"
    ]
    assert ca.private_key_pem.splitlines()[1] not in preview.stdout + preview.stderr
    dev.set_config("caKey", ca.private_key_pem, secret=True)
    assert rule_lines(dev.preview("--policy-pack", str(pack))) == []

    # A team that lets production prove with a key in config still wants it secret there.
    prod = make_stack(projects, module_emulator, "prod-clear-key", ca, protect="true")
    prod.set_config("caKey", ca.private_key_pem)
    allowed = policy_config(tmp_path, {"ca-key-not-in-stack-config": "advisory"})
    refused = prod.preview("--policy-pack", str(pack), "--policy-pack-config", allowed, check=False)
    assert refused.returncode != 0
    assert "[mandatory]  ca-key-secret" in refused.stdout
    assert sorted(line.split(":")[0] for line in rule_lines(refused)) == [
        "ca-key-not-in-stack-config",
        "ca-key-secret",
    ]


# --- the pack's processes end with the run ---


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if entry.name.isdigit() and text in cmdline and processes.alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def wait_until(condition: object, timeout: float) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


@pytest.fixture
def slow_stack(tmp_path: Path) -> Iterator[PulumiStack]:
    """A program that takes a minute: time to interrupt the run while the pack serves it."""
    project = tmp_path / "slow"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        f"name: pop-policy-slow\nruntime:\n  name: python\n"
        f"  options:\n    virtualenv: {Path(sys.prefix)}\n"
    )
    (project / "__main__.py").write_text("import time\n\ntime.sleep(60)\n")
    yield PulumiStack(project, tmp_path / "state", stack="dev").init()


def test_a_pack_without_its_virtualenv_says_how_to_make_it(
    pack: Path, slow_stack: PulumiStack, tmp_path: Path
) -> None:
    bare = tmp_path / "bare-pack"
    shutil.copytree(pack, bare, ignore=shutil.ignore_patterns("venv"))
    failed = slow_stack.preview("--policy-pack", str(bare), check=False)
    assert failed.returncode != 0
    assert (
        f"the policy pack's virtualenv {bare / 'venv'} does not exist; make it with "
        f"`python3 -m venv {bare / 'venv'} && {bare / 'venv'}/bin/pip install -r "
        f"{bare / 'requirements.txt'}`"
    ) in failed.stderr


@pytest.fixture
def gated_stack(tmp_path: Path) -> tuple[PulumiStack, Path]:
    """A program that runs until the test opens its gate (a FIFO it reads): time to see the
    pack serve it; then it ends, and so does the run, normally."""
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    project = tmp_path / "gated"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        f"name: pop-policy-gated\nruntime:\n  name: python\n"
        f"  options:\n    virtualenv: {Path(sys.prefix)}\n"
    )
    (project / "__main__.py").write_text(f"open({str(gate)!r}).read()\n")
    return PulumiStack(project, tmp_path / "state", stack="dev").init(), gate


def open_gate(gate: Path) -> bool:
    """Open and close the gate's writing end, which ends the program reading it; False while
    no one reads it yet (opening without waiting then fails with ENXIO)."""
    try:
        os.close(os.open(gate, os.O_WRONLY | os.O_NONBLOCK))
    except OSError as error:
        if error.errno == errno.ENXIO:
            return False
        raise
    return True


def preview_command(stack: PulumiStack, pack: Path) -> list[str]:
    return [
        str(PULUMI),
        "preview",
        "--policy-pack",
        str(pack),
        "--cwd",
        str(stack.project_dir),
        "--stack",
        stack.stack,
        "--non-interactive",
    ]


def test_no_pack_process_outlives_a_run(gated_stack: tuple[PulumiStack, Path], pack: Path) -> None:
    """A preview that ends normally leaves none of the pack's processes: seen while the program
    runs, gone once the CLI has exited (before the test ends the run's session itself)."""
    stack, gate = gated_stack
    interpreter = str(pack / "venv" / "bin" / "python")
    program = f"--pwd {stack.project_dir}"
    with processes.Session(preview_command(stack, pack), env=stack.env()) as run:
        assert wait_until(lambda: processes_mentioning(interpreter), 60), "no pack started"
        assert wait_until(lambda: processes_mentioning(program), 60), "no program started"
        served = processes_mentioning(interpreter)
        assert wait_until(lambda: open_gate(gate), 60), "the program never read its gate"
        assert processes.wait_exit(run.process, 120), "the preview did not end"

        def left() -> list[int]:
            return [pid for pid in served if processes.alive(pid)]

        assert wait_until(lambda: not left(), 10), f"the pack lives on after the run: {left()}"
    assert run.process.returncode == 0, run.output()


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["interrupted", "killed"])
def test_the_pack_stops_when_the_run_is_interrupted_or_the_engine_dies(
    how: signal.Signals, slow_stack: PulumiStack, pack: Path
) -> None:
    interpreter = str(pack / "venv" / "bin" / "python")
    # Whatever the assertions leave running ends with the session.
    with processes.Session(preview_command(slow_stack, pack), env=slow_stack.env()) as run:
        assert wait_until(lambda: processes_mentioning(interpreter), 30), "no pack started"
        program = f"--pwd {slow_stack.project_dir}"
        assert wait_until(lambda: processes_mentioning(program), 30), "no program started"
        (pack_process,) = processes_mentioning(interpreter)
        host = parent(pack_process)
        run.process.send_signal(how)
        assert processes.wait_exit(run.process, 30), "the CLI did not stop"
        assert wait_until(lambda: not processes_mentioning(interpreter), 10), "the pack lives on"
        assert wait_until(lambda: not processes.alive(host), 10), "its language host lives on"
        assert wait_until(lambda: not processes_mentioning(program), 10), "the program lives on"
