"""Projects whose dependencies take a while to install: installed once per session, through
`pulumi install` (the language host's InstallDependencies), from the caches `make bootstrap`
warmed, and shared by the tests that read them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devtools.languages import (
    language_caches,
    pulumi,
    write_go_project,
    write_typescript_project,
)


@pytest.fixture(scope="session")
def typescript_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TypeScript project after `pulumi install` (npm install from npm's cache: ~10 s)."""
    language_caches()
    project = write_typescript_project(tmp_path_factory.mktemp("projects") / "ts-program")
    # --no-plugins: the CLI would try to download any plugin the project names.
    pulumi(project, "install", "--no-plugins")
    return project


@pytest.fixture(scope="session")
def go_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Go project after `pulumi install` (go mod tidy, from the module cache)."""
    language_caches()
    project = write_go_project(tmp_path_factory.mktemp("projects") / "go-program")
    pulumi(project, "install", "--no-plugins")
    return project
