"""`python -m bench plugin-start` runs on the release's tarball: the bundle, unpacked as the CLI
unpacks it, starts with no Python beside it and prints its port; the table names both plugins.
(How fast is the bench's to print, never a test's to assert.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import plugin_start
from tests.release.conftest import version

pytestmark = pytest.mark.engine


def test_the_bundle_starts_and_the_bench_compares_it_with_the_script(
    release_dir: Path, tmp_path: Path
) -> None:
    tarball = release_dir / f"pulumi-resource-pop-v{version()}-linux-amd64.tar.gz"
    bundle = plugin_start.unpack(tarball, tmp_path / "plugin")
    script = Path(sys.executable).parent / "pulumi-resource-pop"
    results = plugin_start.compare({"bundle": bundle, "script": script}, rounds=1)
    assert [len(result.samples) for result in results] == [1, 1]
    printed = plugin_start.table(results)
    assert "| bundle |" in printed and "| script |" in printed and "1.00x" in printed
