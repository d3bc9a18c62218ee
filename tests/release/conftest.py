"""The release, built once a session by the README's command (`make release`), and served from
127.0.0.1 as a mirror of the release host."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import processes
from tests.pulumi_cli import REPO
from tests.release.registries import StaticHost

# A cold build (the build's virtualenv, PyInstaller's first analysis) takes ~2 minutes.
RELEASE_TIMEOUT_S = 900


def version() -> str:
    return str(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"])


@pytest.fixture(scope="session")
def release_dir() -> Path:
    """dist/release/v<version>/ from `make release`, run as the README writes it."""
    result = processes.run(["make", "release"], cwd=REPO, timeout=RELEASE_TIMEOUT_S)
    assert result.returncode == 0, f"make release failed:\n{result.stdout}\n{result.stderr}"
    return REPO / "dist" / "release" / f"v{version()}"


@pytest.fixture
def mirror(release_dir: Path) -> Iterator[StaticHost]:
    """A company's mirror: an HTTP server holding a copy of dist/release/."""
    with StaticHost(release_dir.parent) as host:
        yield host
