"""Every example says how to run it: a README.md beside its program, whose links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROJECTS = sorted(path.parent for path in EXAMPLES.glob("*/Pulumi.yaml"))


@pytest.mark.parametrize("project", PROJECTS, ids=[project.name for project in PROJECTS])
def test_each_example_project_has_a_readme_whose_links_resolve(project: Path) -> None:
    readme = project / "README.md"
    assert readme.is_file(), f"{project.name} has no README.md"
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme.read_text()):
        if "://" not in target:
            assert (project / target).exists(), f"{readme}: link to {target} resolves to nothing"
