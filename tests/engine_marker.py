"""The `engine` marker, enforced: a test that drives the Pulumi CLI without it fails at once.

`pytest -m "not engine"` is the quick loop; it stays quick only if every test that starts the
CLI says so. Unmarked tests run with POP_TEST_WITHOUT_ENGINE_MARK set, which `tools/pulumi`
(the only way the suite starts the CLI) refuses with a line naming the test. A marked test
first finds the CLI in the cache `make bootstrap` filled, or fails in that one line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests import processes
from tests.caches import OFFLINE_ENV, TOOLS, missing


@pytest.fixture(scope="session")
def _pulumi_cli_cached() -> None:
    """The pinned CLI and its language hosts are in the cache (never built by a test)."""
    env = {**os.environ, **OFFLINE_ENV}
    result = processes.run([str(TOOLS / "build-pulumi.sh")], timeout=120, env=env)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["the Pulumi CLI: run `make bootstrap`"]
        missing(lines[-1])


@pytest.fixture(autouse=True)
def _forbid_cli_unless_marked(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    if request.node.get_closest_marker("engine") is None:
        monkeypatch.setenv("POP_TEST_WITHOUT_ENGINE_MARK", request.node.nodeid)
    else:
        request.getfixturevalue("_pulumi_cli_cached")
        monkeypatch.delenv("POP_TEST_WITHOUT_ENGINE_MARK", raising=False)
    yield
