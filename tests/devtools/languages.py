"""Projects in each language the toolchain runs, at the versions tools/languages.env pins, and a
small hand-written package schema to generate SDKs from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

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
    argv = [*args, "--non-interactive", "--color", "never"]
    result = subprocess.run(
        [str(PULUMI), *argv],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise PulumiCommandError(argv, result)
    return result


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
