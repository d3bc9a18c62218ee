"""The Go host: builds the program with `go build` as the official host does and runs the binary
with the engine's settings in the environment the Go SDK reads (sdk/v3 go/pulumi/run.go)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import language_pb2, plugin_pb2

from devtools.language_hosts.common import (
    LanguageHost,
    fail,
    program_directory,
    program_environment,
    program_options,
    read_plugin_json,
    run_response,
    stream_command,
    unique_packages,
)

# Where a Go SDK's module keeps its pulumi-plugin.json, relative to the module's root: the
# official host looks in these places.
_PLUGIN_JSON_PLACES = (
    "pulumi-plugin.json",
    "go/pulumi-plugin.json",
    "go/*/pulumi-plugin.json",
    "*/pulumi-plugin.json",
)


def _go_version() -> str:
    try:
        completed = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True)
    except OSError:
        return ""
    return completed.stdout.strip().removeprefix("go")


def _modules(directory: str, context: grpc.ServicerContext) -> list[dict[str, Any]]:
    """`go list -m -json all` in the program's module: every module of its build, with the
    folder each sits in."""
    listed = subprocess.run(
        ["go", "list", "-m", "-json", "all"], cwd=directory, capture_output=True, text=True
    )
    if listed.returncode != 0:
        fail(
            context,
            grpc.StatusCode.FAILED_PRECONDITION,
            f"`go list -m all` failed in {directory}: {listed.stderr.strip()}; "
            "run `pulumi install` (go mod tidy) there first",
        )
    decoder, text, position, modules = json.JSONDecoder(), listed.stdout, 0, []
    while position < len(text.rstrip()):
        while text[position].isspace():
            position += 1
        module, position = decoder.raw_decode(text, position)
        modules.append(module)
    return modules


class GoLanguageHost(LanguageHost):
    """Runs Pulumi Go programs; reads the plugins modules declare as the official host does."""

    language = "go"

    def GetPluginInfo(  # noqa: N802 - gRPC method names are fixed by the protocol
        self, request: Any, context: grpc.ServicerContext
    ) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=self.plugin_version)

    def About(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> language_pb2.AboutResponse:
        return language_pb2.AboutResponse(executable="go", version=_go_version())

    def required_packages(
        self, info: language_pb2.ProgramInfo, context: grpc.ServicerContext
    ) -> list[plugin_pb2.PackageDependency]:
        found: list[plugin_pb2.PackageDependency | None] = []
        for module in _modules(program_directory(info), context):
            if module.get("Main") or not module.get("Dir"):
                continue
            root = Path(module["Dir"])
            for place in _PLUGIN_JSON_PLACES:
                found.extend(read_plugin_json(path) for path in sorted(root.glob(place)))
        return unique_packages(found)

    def GetProgramDependencies(  # noqa: N802
        self, request: language_pb2.GetProgramDependenciesRequest, context: grpc.ServicerContext
    ) -> language_pb2.GetProgramDependenciesResponse:
        modules = _modules(program_directory(request.info, request.pwd), context)
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[
                language_pb2.DependencyInfo(name=module["Path"], version=module.get("Version", ""))
                for module in modules
                if not module.get("Main")
                and (request.transitiveDependencies or not module.get("Indirect"))
            ]
        )

    def InstallDependencies(  # noqa: N802
        self, request: language_pb2.InstallDependenciesRequest, context: grpc.ServicerContext
    ) -> Iterator[language_pb2.InstallDependenciesResponse]:
        directory = program_directory(request.info, request.directory)
        yield from stream_command(["go", "mod", "tidy"], directory, context)

    def Run(  # noqa: N802
        self, request: language_pb2.RunRequest, context: grpc.ServicerContext
    ) -> language_pb2.RunResponse:
        info = request.info
        program_dir = program_directory(info, request.pwd)
        options = program_options(info)
        env = program_environment(request)
        env.update(
            PULUMI_ORGANIZATION=request.organization,
            PULUMI_PROJECT=request.project,
            PULUMI_ROOT_DIRECTORY=info.root_directory or program_dir,
            PULUMI_STACK=request.stack,
            PULUMI_DRY_RUN="true" if request.dryRun else "false",
            PULUMI_PARALLEL=str(request.parallel),
            PULUMI_MONITOR=request.monitor_address,
            PULUMI_ENGINE=self.engine_address,
        )
        cwd = request.pwd or program_dir
        prebuilt = options.get("binary")
        if prebuilt:
            binary = os.path.join(program_dir, str(prebuilt))
            ran = subprocess.run([binary, *request.args], env=env, cwd=cwd)
            return run_response(ran.returncode)
        with tempfile.TemporaryDirectory(prefix="pulumi-go-") as scratch:
            binary = os.path.join(scratch, "program")
            target = str(options.get("buildTarget") or ".")
            built = subprocess.run(
                [
                    "go",
                    "build",
                    "-buildvcs=false",
                    "-trimpath",
                    "-ldflags",
                    "-w -s",
                    "-o",
                    binary,
                    target,
                ],
                cwd=program_dir,
                capture_output=True,
                text=True,
            )
            if built.returncode != 0:
                return language_pb2.RunResponse(
                    error=f"`go build` failed in {program_dir}:\n{built.stderr.strip()}"
                )
            ran = subprocess.run([binary, *request.args], env=env, cwd=cwd)
            return run_response(ran.returncode)

    def Link(  # noqa: N802
        self, request: language_pb2.LinkRequest, context: grpc.ServicerContext
    ) -> language_pb2.LinkResponse:
        """`pulumi package add`: the generated SDK's module is required and replaced by its local
        folder in go.mod (`go mod tidy` follows, by InstallDependencies)."""
        root = request.info.root_directory
        instructions = []
        for dependency in request.packages:
            sdk = Path(root, dependency.path)
            module = _module_path(sdk / "go.mod")
            if module is None:
                fail(
                    context,
                    grpc.StatusCode.FAILED_PRECONDITION,
                    f"{dependency.path} has no go.mod: cannot link it into {root}/go.mod",
                )
            local = "./" + dependency.path.removeprefix("./")
            for edit in (f"-replace={module}={local}", f"-require={module}@v0.0.0"):
                edited = subprocess.run(
                    ["go", "mod", "edit", edit], cwd=root, capture_output=True, text=True
                )
                if edited.returncode != 0:
                    fail(context, grpc.StatusCode.UNKNOWN, edited.stderr.strip())
            for manifest in sorted(sdk.glob("**/pulumi-plugin.json")):
                folder = manifest.parent.relative_to(sdk).as_posix()
                instructions.append(f'import "{module if folder == "." else f"{module}/{folder}"}"')
        return language_pb2.LinkResponse(import_instructions="\n".join(instructions))


def _module_path(go_mod: Path) -> str | None:
    try:
        lines = go_mod.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("module "):
            return line.split()[1]
    return None
