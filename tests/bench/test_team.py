"""`python -m bench team` end to end, at a size that only proves it runs: 2 stacks × 2
certificates at once on Azurite, then one stack of 4, each table row printed and every
certificate Verified. Timings are printed by the bench and never judged here."""

from __future__ import annotations

import re
import sys

import pytest

from tests import processes
from tests.pulumi_cli import REPO

pytestmark = pytest.mark.engine


def test_team_mode_prints_both_layouts_with_every_certificate_verified() -> None:
    result = processes.run(
        [sys.executable, "-m", "bench", "team", "--stacks", "2", "--per-stack", "2"],
        cwd=REPO,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    def rows(*cells: str) -> list[str]:
        prefix = "| " + " | ".join(cells) + " |"
        return [line for line in lines if line.startswith(prefix)]

    for layout, shape in (("team", "2 × 2"), ("single", "1 × 4")):
        [up] = rows(layout, "up", shape)
        # 3 calls per certificate, plus the lists, and no other call.
        assert re.search(r"\| PUT 4, gvc 4, verify 4, list \d+ \|", up), up
        assert up.endswith(f"| 4/4 | 0/{shape[0]} |")  # Verified on hubs, failed stacks
        assert len(rows(layout, "destroy", shape)) == 1
        # The main table's row and the per-process CPU table's.
        assert len(rows(layout, "up")) == 2, result.stdout
        assert len(rows(layout, "destroy")) == 2, result.stdout
        verdict = f"{layout}: 4 of 4 certificates Verified on their hubs (all Verified)"
        assert any(line.startswith(verdict) for line in lines), result.stdout
    # The ratio table: team over single for each command.
    assert len(rows("up")) == 1, result.stdout
    assert len(rows("destroy")) == 1, result.stdout
