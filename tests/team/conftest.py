"""An Azurite per test module (the shared state store) and the test's background runners."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.azurite import AzuriteProcess
from tests.team.runners import Runners


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteProcess]:
    """Azurite over HTTPS with the state container made, from the cache `make bootstrap` fills
    (tools/azurite.sh); ended, with all it started, when the module's tests are done."""
    with AzuriteProcess(tmp_path_factory.mktemp("azurite")) as process:
        yield process


@pytest.fixture
def runners(tmp_path: Path) -> Iterator[Runners]:
    """Starts CLI runs in the background; kills what is left of them when the test ends."""
    started = Runners(tmp_path)
    try:
        yield started
    finally:
        started.kill_leftovers()
