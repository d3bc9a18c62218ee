"""The products as a user gets them: wheels built from this checkout, installed into fresh
virtualenvs outside it, and a trace proving that nothing a run imports comes from the checkout.

The trace is a `sitecustomize` put on PYTHONPATH of every process under test (program, provider
host, language host, emulator): an audit hook that records each file Python opens inside the
checkout (imports open their files through `io.open_code`, which raises the `open` event), and
each `sys.path` entry inside it, one file per process, written as it happens.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PINNED_REQUIREMENTS = REPO / "requirements.txt"
# Each distribution's project directory (the folder holding its pyproject.toml).
DISTRIBUTIONS = {"pop-provider": REPO, "pop-provider-emulator": REPO / "emulator"}

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
    """Both distributions, as `python -m build` makes them: an sdist, then the wheel from it."""
    wheels = {}
    for name, source in DISTRIBUTIONS.items():
        target = out_dir / name
        subprocess.run(
            [sys.executable, "-m", "build", "--outdir", str(target), str(source)],
            check=True,
            capture_output=True,
            text=True,
        )
        (wheel,) = target.glob("*.whl")
        wheels[name] = wheel
    return wheels


def lowest_constraints(out_file: Path) -> Path:
    """A pip constraints file pinning every direct dependency of the provider at its declared
    lower bound: the oldest environment pyproject.toml allows."""
    lines = []
    for requirement in pyproject(REPO)["dependencies"]:  # type: ignore[attr-defined]
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", str(requirement))
        assert match, requirement
        name, specifiers = match.groups()
        lower = re.search(r">=\s*([0-9][^,\s]*)", specifiers)
        assert lower, f"{name} declares no lower bound ({requirement}); declare one"
        lines.append(f"{name}=={lower.group(1)}")
    out_file.write_text("\n".join(lines) + "\n")
    return out_file


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
        subprocess.run([str(base), "-m", "venv", str(path)], check=True)
        return cls(path)

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        """pip in this venv; raises with pip's output on failure."""
        result = subprocess.run(
            [str(self.python), "-m", "pip", "--disable-pip-version-check", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def install(self, *requirements: str, constraints: Path = PINNED_REQUIREMENTS) -> None:
        """`pip install` as a user would (no editable install, nothing of the checkout on the
        path), held to the given constraints so the run is reproducible."""
        self.pip("install", "--quiet", "-c", str(constraints), *requirements)

    def versions(self) -> dict[str, str]:
        """Every installed distribution and its version (names lower-cased)."""
        listing = json.loads(self.pip("list", "--format", "json").stdout)
        return {item["name"].lower(): item["version"] for item in listing}

    def run(self, code: str, cwd: Path) -> str:
        """Python code in this venv, from `cwd`, with no PYTHONPATH: its stdout."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
        result = subprocess.run(
            [str(self.python), "-c", code], cwd=cwd, env=env, capture_output=True, text=True
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
