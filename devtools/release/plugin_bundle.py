"""The executable plugin: `pulumi-resource-pop` and the Python it runs on, in one folder, so the
machine that runs it needs no Python. PyInstaller's one-folder mode (a one-file bundle unpacks
itself at every start: +0.6 s per plugin start); tarred with the executable at the root, as the
Pulumi CLI expects of `pulumi-resource-pop-v<version>-<os>-<arch>.tar.gz`."""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import sys
import tomllib
import venv
from pathlib import Path

from devtools.release.archives import write_tarball
from devtools.release.errors import ReleaseError
from devtools.release.steps import CACHE_ROOT, REPO, offline_pip_env, progress, run

NAME = "pulumi-resource-pop"
RELEASE_REQUIREMENTS = REPO / "devtools" / "release" / "requirements.txt"
# Imported by nothing the plugin runs, but pulled in by the analysis (setuptools comes with a
# runtime hook that imports it at every start: 0.1 s); left out, start-up equals a virtualenv's.
EXCLUDED_MODULES = ("setuptools", "pkg_resources", "distutils", "_distutils_hack", "tkinter")
# Tools of the build, not parts of the plugin: left out of the third-party notices.
BUILD_ONLY = {"pip", "setuptools", "wheel", "pyinstaller", "pyinstaller-hooks-contrib", "altgraph"}
_ENTRY = "from pop_provider.native.server import main\n\nmain()\n"
_NOTICES = """\
import importlib.metadata as m, json
rows = []
for d in m.distributions():
    meta = d.metadata
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    field = (meta.get("License") or "").strip().splitlines()
    short = field[0] if field and len(field[0]) <= 60 else ""
    license = (meta.get("License-Expression") or ", ".join(classifiers) or short
               or "see its metadata")
    rows.append([meta["Name"], d.version, license])
print(json.dumps(sorted(rows, key=lambda r: r[0].lower())))
"""


def platform_name() -> tuple[str, str]:
    """This machine as Pulumi names plugin platforms: (linux|darwin|windows, amd64|arm64)."""
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "windows"}.get(platform.system())
    machine = {"x86_64": "amd64", "AMD64": "amd64", "arm64": "arm64", "aarch64": "arm64"}.get(
        platform.machine()
    )
    if system is None or machine is None:
        raise ReleaseError(
            f"no Pulumi plugin platform for {platform.system()}/{platform.machine()}: "
            "release on linux, macOS or Windows, amd64 or arm64"
        )
    return system, machine


def tarball_name(version: str) -> str:
    system, machine = platform_name()
    return f"{NAME}-v{version}-{system}-{machine}.tar.gz"


def build_venv(wheelhouse: Path) -> Path:
    """The build's own virtualenv: PyInstaller and the provider's dependencies at their pinned
    versions (nothing else, so the notices list what the bundle can hold), from the wheelhouse;
    made once per content of what it holds; the provider's wheel goes in per build."""
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    want = hashlib.sha256(
        "\n".join(dependencies).encode()
        + (REPO / "requirements.txt").read_bytes()
        + RELEASE_REQUIREMENTS.read_bytes()
        + sys.version.encode()
    ).hexdigest()[:16]
    home = CACHE_ROOT / "release" / f"build-venv-{want}"
    python = home / ("Scripts/python.exe" if platform.system() == "Windows" else "bin/python")
    if (home / ".complete").is_file():
        return python
    progress(f"making the build's virtualenv {home} (first run: ~1 minute)")
    shutil.rmtree(home, ignore_errors=True)
    venv.create(home, with_pip=True)
    install: list[str | Path] = [python, "-m", "pip", "install", "--quiet"]
    install += ["-c", REPO / "requirements.txt", "-r", RELEASE_REQUIREMENTS, *dependencies]
    run("installing the build's requirements", install, env=offline_pip_env(wheelhouse))
    (home / ".complete").write_text(want + "\n")
    return python


def build(wheel: Path, wheelhouse: Path, work: Path, *, mtime: int) -> Path:
    """Bundle the provider's wheel; returns the folder holding the executable and its files."""
    python = build_venv(wheelhouse)
    run(
        "installing the provider's wheel into the build's virtualenv",
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", wheel],
        env=offline_pip_env(wheelhouse),
    )
    work.mkdir(parents=True, exist_ok=True)
    entry = work / "entry.py"
    entry.write_text(_ENTRY)
    progress("bundling the plugin with PyInstaller (~40 s)")
    strip: list[str | Path] = [] if platform.system() == "Windows" else ["--strip"]
    argv: list[str | Path] = [python, "-m", "PyInstaller", "--noconfirm", "--onedir"]
    argv += ["--name", NAME, "--copy-metadata", "pop-provider", "--noupx", "--log-level", "WARN"]
    argv += [*strip, *(f"--exclude-module={module}" for module in EXCLUDED_MODULES)]
    argv += ["--distpath", work / "dist", "--workpath", work / "build", "--specpath", work, entry]
    # Dated by the commit, hashed with a fixed seed: the same commit gives the same bundle.
    run("PyInstaller", argv, env={"SOURCE_DATE_EPOCH": str(mtime), "PYTHONHASHSEED": "0"})
    bundle = work / "dist" / NAME
    shutil.copy2(REPO / "LICENSE", bundle / "LICENSE")
    (bundle / "THIRD-PARTY-NOTICES.txt").write_text(notices(python))
    return bundle


def notices(python: Path) -> str:
    """What the bundle carries besides our code, with each distribution's licence."""
    rows = json.loads(run("listing the bundled distributions", [python, "-c", _NOTICES]))
    bundled = [row for row in rows if row[0].lower() not in BUILD_ONLY | {"pop-provider"}]
    lines = [f"{name} {version}: {license}\n" for name, version, license in bundled]
    return (
        "pulumi-resource-pop bundles the Python runtime (PSF License) and these distributions,\n"
        "each under its own licence (their licence texts ship in their distributions on PyPI):\n\n"
        + "".join(lines)
    )


def package(bundle: Path, out: Path, version: str, *, mtime: int) -> Path:
    tarball = out / tarball_name(version)
    write_tarball(bundle, tarball, mtime=mtime)
    return tarball
