"""Each language host under the real CLI: a program that reads a secret from config and exports
it goes up, previews with no changes and is destroyed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devtools.languages import write_typescript_project, write_yaml_project
from tests.pulumi_cli import PulumiStack


@pytest.fixture
def yaml_project(tmp_path: Path) -> Path:
    return write_yaml_project(tmp_path / "yaml-program")


@pytest.mark.engine
@pytest.mark.parametrize(
    ("project_fixture", "language"),
    [("yaml_project", "yaml"), ("typescript_project", "typescript"), ("go_project", "go")],
)
def test_a_program_goes_up_and_comes_down(
    project_fixture: str, language: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    project: Path = request.getfixturevalue(project_fixture)
    stack = PulumiStack(project, tmp_path / "pulumi", stack=f"test-{tmp_path.name}").init()
    stack.set_config("greeting", "hello", secret=True)

    stack.up()
    assert stack.outputs(show_secrets=True) == {"language": language, "greeting": "hello"}
    assert stack.outputs()["greeting"] == "[secret]"
    assert "hello" not in stack.state_files_text()

    stack.preview("--expect-no-changes")
    stack.destroy()
    assert stack.outputs() == {}


@pytest.mark.engine
def test_a_typescript_program_without_its_dependencies_says_what_to_run(tmp_path: Path) -> None:
    project = write_typescript_project(tmp_path / "not-installed")
    stack = PulumiStack(project, tmp_path / "pulumi").init()
    result = stack.preview(check=False)
    assert result.returncode != 0
    assert "run `pulumi install`" in result.stdout + result.stderr
