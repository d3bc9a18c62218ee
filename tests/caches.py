"""The caches `make bootstrap` fills (tools/bootstrap.sh), as the tests find them.

A lookup never fetches: each asks the installer that fills a cache (`tools/<script> --check`)
where it is, and a cache that is missing or incomplete fails the test with the installer's one
line, which names what is missing and says to run `make bootstrap`. And every command a test
starts gets `OFFLINE_ENV`, so the installers inside the CLI (npm, go, pip) take what the caches
hold and never wait on a registry.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import processes

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / "tools"
CACHE_ROOT = Path(
    os.environ.get("POP_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pop-provider"
)
# npm takes packages from its cache only (bootstrap warmed it with every one a test installs);
# `go` takes modules from its module cache only; pip reads no index; tools/build-pulumi.sh
# builds nothing (a cold CLI cache is one line: run `make bootstrap`).
OFFLINE_ENV = {
    "npm_config_offline": "true",
    "npm_config_update_notifier": "false",
    "GOPROXY": "off",
    "PIP_NO_INDEX": "1",
    "POP_NO_FETCH": "1",
}
CHECK_TIMEOUT_S = 120


def missing(message: str) -> None:
    """Fail the test with one line: what is missing, and `make bootstrap`."""
    pytest.fail(message, pytrace=False)


def cached(script: str, *args: str) -> Path:
    """The path `tools/<script> --check` prints for a cache bootstrap filled; if the cache is
    missing, the test fails with the line the script gives."""
    argv = [str(TOOLS / script), "--check", *args]
    result = processes.run(argv, timeout=CHECK_TIMEOUT_S, env={**os.environ, **OFFLINE_ENV})
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"{script} --check failed"]
        missing(lines[-1])
    return Path(result.stdout.strip().splitlines()[-1])
