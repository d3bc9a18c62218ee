"""`pulumi package gen-sdk` and `pulumi package add` through our hosts' GeneratePackage and Link
(tools/pulumi-codegen: Pulumi's own generators), and the generated SDKs build."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests import processes
from tests.caches import OFFLINE_ENV
from tests.devtools.languages import (
    go_module,
    language_caches,
    node_package_json,
    pulumi,
    seed_node_modules,
    write_go_project,
    write_schema,
)

pytestmark = pytest.mark.engine
# A compiler run over a generated SDK: seconds, with the build caches warm.
COMPILE_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_schema(tmp_path_factory.mktemp("schema") / "tiny.json")


def gen_sdk(schema: Path, language: str, out: Path) -> Path:
    pulumi(
        schema.parent, "package", "gen-sdk", str(schema), "--language", language, "--out", str(out)
    )
    return out / language


def test_the_typescript_sdk_compiles(
    schema: Path, tmp_path: Path, typescript_project: Path
) -> None:
    sdk = gen_sdk(schema, "nodejs", tmp_path / "sdk")
    manifest = json.loads((sdk / "package.json").read_text())
    assert manifest["pulumi"] == {"resource": True, "name": "tiny"}
    # The pinned @pulumi/pulumi, TypeScript and Node types, as the TypeScript program has them.
    (sdk / "node_modules").symlink_to(typescript_project / "node_modules")
    tsc = typescript_project / "node_modules" / ".bin" / "tsc"
    compiled = processes.run([str(tsc), "-p", str(sdk)], timeout=COMPILE_TIMEOUT_S)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    assert (sdk / "bin" / "thing.js").exists() and (sdk / "bin" / "thing.d.ts").exists()


def test_the_go_sdk_builds(schema: Path, tmp_path: Path, go_project: Path) -> None:
    sdk = gen_sdk(schema, "go", tmp_path / "sdk") / "tiny"
    # What the Go host reads (GetRequiredPackages) once a program depends on this module.
    plugin = json.loads((sdk / "pulumi-plugin.json").read_text())
    assert (plugin["resource"], plugin["name"]) == (True, "tiny")
    go_module("example.invalid/tiny/sdk/go/tiny", sdk)
    # -trimpath, as the Go host builds programs: the packages the Go program built are cached.
    built = processes.run(
        ["go", "build", "-trimpath", "./..."],
        cwd=sdk,
        env={**os.environ, **OFFLINE_ENV, "GOFLAGS": "-mod=mod"},
        timeout=COMPILE_TIMEOUT_S,
    )
    assert built.returncode == 0, built.stderr


def test_the_python_sdk_compiles(schema: Path, tmp_path: Path) -> None:
    sdk = gen_sdk(schema, "python", tmp_path / "sdk")
    assert json.loads((sdk / "pulumi_tiny" / "pulumi-plugin.json").read_text())["name"] == "tiny"
    compiled = processes.run(
        [sys.executable, "-m", "compileall", "-q", str(sdk)], timeout=COMPILE_TIMEOUT_S
    )
    assert compiled.returncode == 0, compiled.stdout


def plugins_of(project: Path) -> dict[tuple[str, str], str]:
    """The plugins `pulumi about` lists: what the host's GetRequiredPackages reports."""
    about = json.loads(pulumi(project, "about", "--json").stdout)
    return {(plugin["kind"], plugin["name"]): plugin["version"] for plugin in about["plugins"]}


def test_package_add_links_the_sdk_into_a_typescript_project(schema: Path, tmp_path: Path) -> None:
    """Link puts the SDK in package.json, InstallDependencies installs it, and
    GetRequiredPackages finds its plugin in node_modules (what `pulumi about` lists)."""
    project = tmp_path / "ts-add"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: ts-add\nruntime: nodejs\n")
    (project / "package.json").write_text(node_package_json("ts-add"))
    seed_node_modules(project)

    added = pulumi(project, "package", "add", str(schema))
    assert 'import * as tiny from "@pulumi/tiny";' in added.stdout
    manifest = json.loads((project / "package.json").read_text())
    assert manifest["dependencies"]["@pulumi/tiny"] == "file:sdks/tiny"
    assert (project / "node_modules" / "@pulumi" / "tiny" / "package.json").exists()

    assert plugins_of(project)[("resource", "tiny")] == "0.1.0"


def test_package_add_links_the_sdk_into_a_go_project(schema: Path, tmp_path: Path) -> None:
    """Link replaces the SDK's module by its folder in go.mod; once the program imports it,
    GetRequiredPackages finds its pulumi-plugin.json through `go list -m all`."""
    language_caches()
    project = write_go_project(tmp_path / "go-add")
    added = pulumi(project, "package", "add", str(schema))
    assert 'import "example.invalid/tiny/sdk/go/tiny"' in added.stdout
    assert "example.invalid/tiny/sdk/go => ./sdks/tiny" in (project / "go.mod").read_text()

    (project / "tiny.go").write_text(
        'package main\n\nimport _ "example.invalid/tiny/sdk/go/tiny"\n'
    )
    pulumi(project, "install", "--no-plugins")
    assert plugins_of(project)[("resource", "tiny")] == "0.1.0"
