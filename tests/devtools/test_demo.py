"""`make demo`'s job (`python -m devtools.demo`, what the Makefile runs after bootstrap), as a new
user sees it: the two CAs Verified on the hub, the DPS's enrollment group, a device of the fleet
assigned and found in the hub's registry with the group's twin tags, a stranger refused; a
second run changes nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.pulumi_cli import REPO

pytestmark = pytest.mark.engine


def run_demo() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "devtools.demo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_demo_onboards_a_device_and_a_second_run_changes_nothing() -> None:
    first = run_demo()
    assert first.count(" Verified ") == 2
    assert "assigned to 127.0.0.1:" in first and "as 'demo-device-001'" in first
    assert "authentication certificateAuthority, twin tags {'fleet': 'demo'}" in first
    assert 'HTTP 401 401002 "CA certificate not found."' in first
    second = run_demo()
    assert "5 unchanged" in second
    assert not any(word in second for word in (" created", " updated", " deleted"))
