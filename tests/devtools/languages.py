"""Projects in each language the toolchain runs, at the versions tools/languages.env pins, and a
small hand-written package schema to generate SDKs from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests import processes
from tests.caches import OFFLINE_ENV, cached
from tests.pulumi_cli import PULUMI, REPO, TEST_PASSPHRASE, PulumiCommandError


def pinned_versions() -> dict[str, str]:
    """tools/languages.env: the one place the language toolchain's versions are stated."""
    versions = {}
    for line in (REPO / "tools" / "languages.env").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            versions[name.strip()] = value.strip()
    return versions


def pulumi(project: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """A pulumi command that names no stack (install, package, about) in `project`, with the
    project's own state and home (tools/pulumi's defaults); raises with its output on failure."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PULUMI_BACKEND_URL", "PULUMI_HOME")
    }
    env["PULUMI_CONFIG_PASSPHRASE"] = TEST_PASSPHRASE
    env.update(OFFLINE_ENV)
    argv = [*args, "--non-interactive", "--color", "never"]
    result = processes.run([str(PULUMI), *argv], cwd=project, env=env, timeout=timeout)
    if result.returncode != 0:
        raise PulumiCommandError(argv, result)
    return result


def language_caches() -> Path:
    """npm's and Go's caches warmed by `make bootstrap` (tools/language-caches.sh), which every
    `pulumi install` or `package add` of a TypeScript or Go project installs from, offline; the
    folder of the npm project that warmed npm's. A cold cache fails the test in one line."""
    return cached("language-caches.sh")


def seed_node_modules(project: Path) -> None:
    """Start `project`'s node_modules from the pinned packages bootstrap installed, so the
    `npm install` a test runs (under `pulumi package add`) only adds what this project has of
    its own: one install of the shared dependencies per cache, not one per test."""
    warmed = language_caches() / "node_modules"

    def not_shared(folder: str, names: list[str]) -> set[str]:
        # The warm project's own SDK link, and npm's record of that project's tree.
        if Path(folder) == warmed:
            return {".package-lock.json"} & set(names)
        if Path(folder) == warmed / "@pulumi":
            return {"warm"} & set(names)
        return set()

    shutil.copytree(warmed, project / "node_modules", symlinks=True, ignore=not_shared)


# Each program exports a plain output and a secret read from config (`greeting`), and declares no
# provider resources: what is under test is the language host, not a provider.
YAML_PROGRAM = """\
name: {name}
runtime: yaml
config:
  greeting:
    type: string
outputs:
  language: yaml
  greeting: ${{greeting}}
"""

TYPESCRIPT_PROGRAM = """\
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
export const language = "typescript";
export const greeting = config.requireSecret("greeting");
"""

GO_PROGRAM = """\
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		ctx.Export("language", pulumi.String("go"))
		ctx.Export("greeting", config.RequireSecret(ctx, "greeting"))
		return nil
	})
}
"""


def write_yaml_project(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(YAML_PROGRAM.format(name=directory.name))
    return directory


def node_package_json(name: str, **dependencies: str) -> str:
    """A package.json at the pinned @pulumi/pulumi, TypeScript and Node types."""
    versions = pinned_versions()
    manifest = {
        "name": name,
        "private": True,
        "main": "index.ts",
        "dependencies": {"@pulumi/pulumi": versions["PULUMI_NODEJS_VERSION"], **dependencies},
        "devDependencies": {
            "typescript": versions["TYPESCRIPT_VERSION"],
            "@types/node": versions["TYPES_NODE_VERSION"],
        },
    }
    return json.dumps(manifest, indent=2) + "\n"


def write_typescript_project(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {directory.name}\nruntime: nodejs\n")
    (directory / "package.json").write_text(node_package_json(directory.name))
    (directory / "index.ts").write_text(TYPESCRIPT_PROGRAM)
    return directory


def go_module(module: str, directory: Path) -> None:
    """A go.mod requiring the CLI's own sdk/v3, with the CLI's go.sum: the same pins, so the
    module cache already holds every module (and `go mod tidy` only trims)."""
    version = (REPO / "PULUMI_VERSION").read_text().strip()
    (directory / "go.mod").write_text(
        f"module {module}\n\ngo 1.26\n\nrequire github.com/pulumi/pulumi/sdk/v3 v{version}\n"
    )
    shutil.copy(REPO / "tools" / "pulumi-cli" / "go.sum", directory / "go.sum")


def write_go_project(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {directory.name}\nruntime: go\n")
    go_module(directory.name, directory)
    (directory / "main.go").write_text(GO_PROGRAM)
    return directory


# A package with one resource (a secret output among its properties) and one function: enough to
# exercise each generator's types, inputs, outputs and invokes.
TINY_SCHEMA: dict[str, Any] = {
    "name": "tiny",
    "version": "0.1.0",
    "language": {"go": {"importBasePath": "example.invalid/tiny/sdk/go/tiny"}},
    "resources": {
        "tiny:index:Thing": {
            "inputProperties": {"size": {"type": "integer"}},
            "requiredInputs": ["size"],
            "properties": {
                "size": {"type": "integer"},
                "label": {"type": "string", "secret": True},
            },
            "required": ["size", "label"],
        }
    },
    "functions": {
        "tiny:index:lookup": {
            "inputs": {"properties": {"key": {"type": "string"}}, "required": ["key"]},
            "outputs": {"properties": {"value": {"type": "string"}}, "required": ["value"]},
        }
    },
}


def write_schema(path: Path) -> Path:
    path.write_text(json.dumps(TINY_SCHEMA, indent=2))
    return path
