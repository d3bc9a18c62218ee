"""Running the tools a release calls (pip, PyInstaller, go, npm, the Pulumi CLI), so that a
failure is one line naming the step, with the tool's own last lines beneath it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from devtools.release.errors import ReleaseError

REPO = Path(__file__).resolve().parents[2]
CACHE_ROOT = Path(
    os.environ.get("POP_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pop-provider"
)
# A step that takes longer waits on something it will never get (a registry, a lock).
STEP_TIMEOUT_S = 900


def progress(message: str) -> None:
    print(f"release: {message}", file=sys.stderr, flush=True)


def run(
    step: str,
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run one tool; its stdout is returned. On failure: ReleaseError naming the step, followed
    by the last lines the tool printed (what a maintainer needs to see, nothing more)."""
    merged = {**os.environ, **(env or {})}
    try:
        result = subprocess.run(
            [str(arg) for arg in argv],
            cwd=cwd,
            env=merged,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as error:
        raise ReleaseError(f"{step}: {error.filename} is not installed (see README.md)") from None
    except subprocess.TimeoutExpired:
        raise ReleaseError(f"{step}: no answer after {STEP_TIMEOUT_S} s") from None
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise ReleaseError(f"{step} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


def offline_pip_env(wheelhouse: Path) -> dict[str, str]:
    """pip, and the isolated builds it starts, install from the wheelhouse alone."""
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def wheelhouse() -> Path:
    """The wheelhouse `make bootstrap` filled (tools/wheelhouse.py names it)."""
    out = run(
        "finding the wheelhouse", [sys.executable, REPO / "tools" / "wheelhouse.py", "--check"]
    )
    return Path(out.strip())


def toolchain_bin() -> Path:
    """The pinned Pulumi CLI's folder, beside our SDK generator (tools/build-pulumi.sh)."""
    out = run("finding the Pulumi CLI", [REPO / "tools" / "build-pulumi.sh"])
    return Path(out.strip().splitlines()[-1])


def npm_toolchain() -> Path:
    """A folder whose node_modules holds the pinned TypeScript, Node types and @pulumi/pulumi
    (tools/language-caches.sh keeps it): what the npm SDK compiles against, offline."""
    out = run("finding the npm toolchain", [REPO / "tools" / "language-caches.sh", "--check"])
    return Path(out.strip().splitlines()[-1])
