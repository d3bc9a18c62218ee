"""The products as a user gets them: wheels built from this checkout, installed into fresh
virtualenvs outside it, and a trace proving that nothing a run imports comes from the checkout.

The trace is a `sitecustomize` put on PYTHONPATH of every process under test (program, provider
host, language host, emulator): an audit hook that records each file Python opens inside the
checkout (imports open their files through `io.open_code`, which raises the `open` event), and
each `sys.path` entry inside it, one file per process, written as it happens.

pip installs from the wheelhouse alone (`--no-index`): `wheelhouse_sets` states what it serves,
tools/wheelhouse.py (run by `make bootstrap`) fills it, and a test finds it missing in one line.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tests import processes
from tests.caches import CACHE_ROOT, OFFLINE_ENV, missing

REPO = Path(__file__).resolve().parents[1]
PINNED_REQUIREMENTS = REPO / "requirements.txt"
# Each distribution's project directory (the folder holding its pyproject.toml).
DISTRIBUTIONS = {"pop-provider": REPO, "pop-provider-emulator": REPO / "emulator"}
# The examples a test installs beside the provider's wheel, each with its requirements.txt.
EXAMPLES = ("trust-existing-hub", "stack-config")
POLICY_REQUIREMENTS = REPO / "policy" / "requirements.txt"
AZURE_CLI_REQUIREMENTS = REPO / "tools" / "azure-cli-requirements.txt"
# What `make release` bundles the plugin with, beside the pinned requirements.
RELEASE_REQUIREMENTS = REPO / "devtools" / "release" / "requirements.txt"
# Building a wheel (sdist, venv, pip) takes seconds; an install from the wheelhouse a minute at
# most: past these something waits on what it will never get.
BUILD_TIMEOUT_S = 300
PIP_TIMEOUT_S = 600

_TRACER = """
import os, sys
_root = os.environ["POP_TRACE_FORBIDDEN_ROOT"].rstrip("/") + "/"
_log = open(os.path.join(os.environ["POP_TRACE_DIR"], f"{os.getpid()}.jsonl"), "a", buffering=1)
_log.write(__import__("json").dumps({"process": sys.orig_argv}) + "\\n")
for _entry in sys.path:
    if (os.path.abspath(_entry or ".") + "/").startswith(_root):
        _log.write(__import__("json").dumps({"sys_path": _entry}) + "\\n")

def _hook(event, args):
    if event == "open" and isinstance(args[0], str) and os.path.abspath(args[0]).startswith(_root):
        _log.write(__import__("json").dumps({"opened": args[0]}) + "\\n")

sys.addaudithook(_hook)
"""


def pyproject(directory: Path) -> dict[str, object]:
    """The `[project]` table of a distribution's pyproject.toml."""
    data = tomllib.loads((directory / "pyproject.toml").read_text())
    project: dict[str, object] = data["project"]
    return project


def build_wheels(out_dir: Path) -> dict[str, Path]:
    """Both distributions, as `python -m build` makes them: an sdist, then the wheel from it,
    each in an isolated environment whose build backend pip takes from the wheelhouse."""
    env = {**os.environ, **OFFLINE_ENV, "PIP_FIND_LINKS": str(wheelhouse())}
    wheels = {}
    for name, source in DISTRIBUTIONS.items():
        target = out_dir / name
        argv = [sys.executable, "-m", "build", "--outdir", str(target), str(source)]
        built = processes.run(argv, env=env, timeout=BUILD_TIMEOUT_S)
        if built.returncode != 0:
            raise AssertionError(f"python -m build {source} failed:\n{built.stdout}{built.stderr}")
        (wheel,) = target.glob("*.whl")
        wheels[name] = wheel
    return wheels


def lowest_pins() -> str:
    """Every direct dependency of the provider at its declared lower bound (pip constraints):
    the oldest environment pyproject.toml allows."""
    lines = []
    for requirement in dependencies(REPO):
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", requirement)
        assert match, requirement
        name, specifiers = match.groups()
        lower = re.search(r">=\s*([0-9][^,\s]*)", specifiers)
        assert lower, f"{name} declares no lower bound ({requirement}); declare one"
        lines.append(f"{name}=={lower.group(1)}")
    return "\n".join(lines) + "\n"


def lowest_constraints(out_file: Path) -> Path:
    """`lowest_pins` as a pip constraints file."""
    out_file.write_text(lowest_pins())
    return out_file


def dependencies(directory: Path) -> list[str]:
    """The requirements a distribution's wheel declares (pyproject.toml's `dependencies`)."""
    declared = pyproject(directory)["dependencies"]
    assert isinstance(declared, list), directory
    return [str(requirement) for requirement in declared]


def requirement_lines(path: Path) -> list[str]:
    """A requirements file's requirements, without its comments and blank lines."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def example_requirements(example: str) -> list[str]:
    """An example's requirements.txt less its pop-provider line, which the wheel answers."""
    lines = requirement_lines(REPO / "examples" / example / "requirements.txt")
    return [line for line in lines if not line.startswith("pop-provider")]


def wheelhouse_sets() -> dict[str, tuple[str, list[str]]]:
    """Every set of distributions pip installs for these tests, and for the virtualenvs of the
    tools the suite drives (the policy pack's, the Azure CLI's), by name: (the constraints, the
    requirements), each of this checkout's wheels standing as the dependencies it declares.
    tools/wheelhouse.py downloads each set as pip resolves it; pip resolves it the same way
    from the wheelhouse, so an install there picks what it would pick from the index."""
    pinned = "\n".join(requirement_lines(PINNED_REQUIREMENTS)) + "\n"
    provider = dependencies(REPO)
    build_backends = sorted(
        {str(req) for source in DISTRIBUTIONS.values() for req in build_requires(source)}
    )
    return {
        "provider": (pinned, provider),
        "provider with the examples": (
            pinned,
            [*provider, *(line for example in EXAMPLES for line in example_requirements(example))],
        ),
        "provider at its lowest, with its example": (
            lowest_pins(),
            [*provider, *example_requirements(EXAMPLES[0])],
        ),
        "emulator": (pinned, dependencies(REPO / "emulator")),
        "build backends": ("", build_backends),
        "policy pack": ("", requirement_lines(POLICY_REQUIREMENTS)),
        "azure cli": ("", requirement_lines(AZURE_CLI_REQUIREMENTS)),
        "release build": (pinned, [*provider, *requirement_lines(RELEASE_REQUIREMENTS)]),
    }


def build_requires(directory: Path) -> list[str]:
    """pyproject.toml's `[build-system] requires`: what an isolated build installs."""
    data = tomllib.loads((directory / "pyproject.toml").read_text())
    return [str(requirement) for requirement in data["build-system"]["requires"]]


def wheelhouse_path() -> Path:
    """Where the wheelhouse for the current sets lives: named by a hash of what it serves (and
    the interpreter it serves), so a change to any set is a new wheelhouse."""
    served = {
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "platform": f"{platform.system()}-{platform.machine()}",
        "sets": wheelhouse_sets(),
    }
    digest = hashlib.sha256(json.dumps(served, sort_keys=True).encode()).hexdigest()[:16]
    return CACHE_ROOT / "wheelhouse" / digest


def wheelhouse() -> Path:
    """The complete wheelhouse (tools/wheelhouse.py wrote its stamp last), or the test fails
    with one line."""
    path = wheelhouse_path()
    if not (path / ".complete").is_file():
        missing(f"the wheelhouse {path} is missing or incomplete: run `make bootstrap`")
    return path


@dataclass(frozen=True)
class Virtualenv:
    """A fresh virtualenv made with the base interpreter (not this repo's .venv)."""

    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @classmethod
    def create(cls, path: Path) -> Virtualenv:
        base = Path(sys.base_prefix) / "bin" / "python3"
        processes.run([str(base), "-m", "venv", str(path)], timeout=BUILD_TIMEOUT_S, check=True)
        return cls(path)

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        """pip in this venv, reading no index; raises with pip's output on failure."""
        result = processes.run(
            [str(self.python), "-m", "pip", "--disable-pip-version-check", *args],
            env={**os.environ, **OFFLINE_ENV},
            timeout=PIP_TIMEOUT_S,
        )
        if result.returncode != 0:
            raise AssertionError(f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def install(self, *requirements: str, constraints: Path = PINNED_REQUIREMENTS) -> None:
        """`pip install` as a user would (no editable install, nothing of the checkout on the
        path), held to the given constraints so the run is reproducible, from the wheelhouse."""
        where = ["--no-index", "--find-links", str(wheelhouse())]
        self.pip("install", "--quiet", *where, "-c", str(constraints), *requirements)

    def versions(self) -> dict[str, str]:
        """Every installed distribution and its version (names lower-cased)."""
        listing = json.loads(self.pip("list", "--format", "json").stdout)
        return {item["name"].lower(): item["version"] for item in listing}

    def run(self, code: str, cwd: Path) -> str:
        """Python code in this venv, from `cwd`, with no PYTHONPATH: its stdout."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
        result = processes.run(
            [str(self.python), "-c", code], cwd=cwd, env=env, timeout=BUILD_TIMEOUT_S
        )
        if result.returncode != 0:
            raise AssertionError(f"python -c failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout


@dataclass(frozen=True)
class ImportTrace:
    """Where the trace's `sitecustomize` lives and what it recorded."""

    directory: Path

    @classmethod
    def install(cls, directory: Path) -> ImportTrace:
        (directory / "hook").mkdir(parents=True)
        (directory / "hook" / "sitecustomize.py").write_text(_TRACER)
        (directory / "log").mkdir()
        return cls(directory)

    def env(self) -> dict[str, str]:
        """The variables that put the trace in every Python process started with them."""
        return {
            "PYTHONPATH": str(self.directory / "hook"),
            "POP_TRACE_DIR": str(self.directory / "log"),
            "POP_TRACE_FORBIDDEN_ROOT": str(REPO),
        }

    def records(self) -> list[tuple[list[str], list[dict[str, str]]]]:
        """Per traced process: its command line and what it touched inside the checkout."""
        processes = []
        for log in sorted((self.directory / "log").glob("*.jsonl")):
            lines = [json.loads(line) for line in log.read_text().splitlines() if line]
            argv: list[str] = []
            touched = []
            for line in lines:
                if "process" in line:
                    argv = line["process"]
                else:
                    touched.append(line)
            processes.append((argv, touched))
        return processes
