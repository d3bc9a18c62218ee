"""The Node.js host: runs a JavaScript or TypeScript program through the project's own
`@pulumi/pulumi/cmd/run`, with the arguments and environment the official host passes.

Not carried over from the official host: its monitor proxy and `--sync` pipes, which serve only
the deprecated synchronous invokes.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import language_pb2, plugin_pb2

from devtools.language_hosts.common import (
    LanguageHost,
    fail,
    package_from_plugin_json,
    program_directory,
    program_environment,
    program_options,
    read_plugin_json,
    run_response,
    stream_command,
    unique_packages,
)

# Resolved by Node itself from the program's directory, so a workspace's hoisted node_modules
# works as it does for `node`.
_RESOLVE_RUNNER = (
    "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run', {paths: [process.argv[1]]}))"
)


def _node_version() -> str:
    try:
        completed = subprocess.run(["node", "--version"], capture_output=True, text=True)
    except OSError:
        return ""
    return completed.stdout.strip().removeprefix("v")


def _installed_packages(root: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every package.json under root's node_modules (scoped ones too), with its folder."""
    modules = root / "node_modules"
    if not modules.is_dir():
        return
    for entry in sorted(modules.iterdir()):
        folders = sorted(entry.iterdir()) if entry.name.startswith("@") else [entry]
        for folder in folders:
            try:
                data = json.loads((folder / "package.json").read_text())
            except (OSError, ValueError):
                continue
            if isinstance(data, dict):
                yield folder, data


class NodejsLanguageHost(LanguageHost):
    """Runs Pulumi Node.js programs; reads the plugins packages declare as the official host."""

    language = "nodejs"

    def GetPluginInfo(  # noqa: N802 - gRPC method names are fixed by the protocol
        self, request: Any, context: grpc.ServicerContext
    ) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=self.plugin_version)

    def About(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> language_pb2.AboutResponse:
        return language_pb2.AboutResponse(executable="node", version=_node_version())

    def required_packages(
        self, info: language_pb2.ProgramInfo, context: grpc.ServicerContext
    ) -> list[plugin_pb2.PackageDependency]:
        """Packages in node_modules whose package.json has `"pulumi": {"resource": true, ...}`
        (a generated SDK), or a `pulumi-plugin.json` beside it."""
        root = Path(info.root_directory or program_directory(info))
        found: list[plugin_pb2.PackageDependency | None] = []
        for folder, data in _installed_packages(root):
            declared = data.get("pulumi")
            if isinstance(declared, dict):
                found.append(package_from_plugin_json({"version": data.get("version"), **declared}))
            found.append(read_plugin_json(folder / "pulumi-plugin.json"))
        return unique_packages(found)

    def GetProgramDependencies(  # noqa: N802
        self, request: language_pb2.GetProgramDependenciesRequest, context: grpc.ServicerContext
    ) -> language_pb2.GetProgramDependenciesResponse:
        """The package.json dependencies, at the versions installed in node_modules."""
        root = Path(request.info.root_directory or program_directory(request.info, request.pwd))
        try:
            manifest = json.loads((root / "package.json").read_text())
        except (OSError, ValueError) as error:
            fail(context, grpc.StatusCode.FAILED_PRECONDITION, f"{root}/package.json: {error}")
        wanted = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
        installed = {data.get("name"): data.get("version") for _, data in _installed_packages(root)}
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[
                language_pb2.DependencyInfo(name=name, version=str(installed.get(name) or spec))
                for name, spec in sorted(wanted.items())
            ]
        )

    def InstallDependencies(  # noqa: N802
        self, request: language_pb2.InstallDependenciesRequest, context: grpc.ServicerContext
    ) -> Iterator[language_pb2.InstallDependenciesResponse]:
        directory = request.info.root_directory or request.directory
        yield from stream_command(["npm", "install", "--no-audit", "--no-fund"], directory, context)

    def Run(  # noqa: N802
        self, request: language_pb2.RunRequest, context: grpc.ServicerContext
    ) -> language_pb2.RunResponse:
        info = request.info
        program_dir = program_directory(info, request.pwd)
        options = program_options(info)
        resolved = subprocess.run(
            ["node", "-e", _RESOLVE_RUNNER, program_dir], capture_output=True, text=True
        )
        if resolved.returncode != 0:
            return language_pb2.RunResponse(
                error=f"@pulumi/pulumi is not installed in {program_dir}: run `pulumi install` "
                "(or `npm install`) there first"
            )
        command = [
            "node",
            *shlex.split(str(options.get("nodeargs") or "")),
            resolved.stdout,
            "--monitor",
            request.monitor_address,
            "--engine",
            self.engine_address,
            "--organization",
            request.organization,
            "--project",
            request.project,
            "--root-directory",
            info.root_directory or program_dir,
            "--stack",
            request.stack,
            "--pwd",
            request.pwd or program_dir,
            *(["--dry-run"] if request.dryRun else []),
            "--parallel",
            str(request.parallel),
            info.entry_point or ".",
            *request.args,
        ]
        env = program_environment(request)
        env["PULUMI_NODEJS_TYPESCRIPT"] = "false" if options.get("typescript") is False else "true"
        if options.get("tsconfig"):
            env["PULUMI_NODEJS_TSCONFIG_PATH"] = str(options["tsconfig"])
        completed = subprocess.run(command, env=env, cwd=request.pwd or program_dir, check=False)
        return run_response(completed.returncode)

    def Link(  # noqa: N802
        self, request: language_pb2.LinkRequest, context: grpc.ServicerContext
    ) -> language_pb2.LinkResponse:
        """`pulumi package add`: the generated SDK becomes a `file:` dependency in package.json
        (installed next, by InstallDependencies)."""
        root = Path(request.info.root_directory)
        manifest_path = root / "package.json"
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        instructions = []
        for dependency in request.packages:
            try:
                name = json.loads((root / dependency.path / "package.json").read_text())["name"]
            except (OSError, ValueError, KeyError):
                name = f"@pulumi/{dependency.package.name}"
            manifest.setdefault("dependencies", {})[name] = f"file:{dependency.path}"
            alias = dependency.package.name.replace("-", "")
            instructions.append(f'import * as {alias} from "{name}";')
        manifest_path.write_text(json.dumps(manifest, indent=4) + "\n")
        return language_pb2.LinkResponse(import_instructions="\n".join(instructions))
