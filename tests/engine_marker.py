"""The `engine` marker, enforced: a test that drives the Pulumi CLI without it fails at once.

`pytest -m "not engine"` is the quick loop; it stays quick only if every test that starts the
CLI says so. Unmarked tests run with POP_TEST_WITHOUT_ENGINE_MARK set, which `tools/pulumi`
(the only way the suite starts the CLI) refuses with a line naming the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _forbid_cli_unless_marked(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    if request.node.get_closest_marker("engine") is None:
        monkeypatch.setenv("POP_TEST_WITHOUT_ENGINE_MARK", request.node.nodeid)
    else:
        monkeypatch.delenv("POP_TEST_WITHOUT_ENGINE_MARK", raising=False)
    yield
