"""The Python host: runs the program through the release's `pulumi-language-python-exec` script
exactly as the official host does, in the project's interpreter, and runs Python policy packs
(`--policy-pack`) through `RunPlugin` (policy_packs.py).

It reports no required plugins, because this project's program only uses the bundled
dynamic-provider plugin.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import language_pb2, plugin_pb2

from devtools.language_hosts.common import (
    LanguageHost,
    fail,
    program_environment,
    program_options,
    run_response,
)
from devtools.language_hosts.policy_packs import run_policy_pack, stop_policy_packs


def program_python(info: language_pb2.ProgramInfo) -> str:
    """The interpreter for the program, chosen as the official host chooses it: the project's
    virtualenv when Pulumi.yaml names one, else PULUMI_PYTHON_CMD, else python3 on PATH. Never
    this host's own interpreter: the host runs in the toolchain's virtualenv, not the project's."""
    venv = program_options(info).get("virtualenv")
    if isinstance(venv, str) and venv:
        candidate = Path(info.root_directory or ".", venv) / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return os.environ.get("PULUMI_PYTHON_CMD") or "python3"


class PythonLanguageHost(LanguageHost):
    """Runs Pulumi Python programs through the release's exec script."""

    language = "python"

    def __init__(
        self, engine_address: str, codegen: Path | None, plugin_version: str, exec_script: Path
    ) -> None:
        super().__init__(engine_address, codegen, plugin_version)
        self._exec_script = exec_script

    def GetPluginInfo(  # noqa: N802 - gRPC method names are fixed by the protocol
        self, request: Any, context: grpc.ServicerContext
    ) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=importlib.metadata.version("pulumi"))

    def About(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> language_pb2.AboutResponse:
        version = ".".join(str(part) for part in sys.version_info[:3])
        return language_pb2.AboutResponse(executable=sys.executable, version=version)

    def GetProgramDependencies(  # noqa: N802
        self, request: language_pb2.GetProgramDependenciesRequest, context: grpc.ServicerContext
    ) -> language_pb2.GetProgramDependenciesResponse:
        """What `pulumi about` lists: the packages of the program's interpreter, read as the
        official host reads them (`python -m pip list --format json`)."""
        listed = subprocess.run(
            [program_python(request.info), "-m", "pip", "list", "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
            cwd=request.info.root_directory or request.pwd or None,
        )
        if listed.returncode != 0:
            fail(context, grpc.StatusCode.UNKNOWN, f"pip list failed: {listed.stderr.strip()}")
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[
                language_pb2.DependencyInfo(name=package["name"], version=package["version"])
                for package in json.loads(listed.stdout)
            ]
        )

    def Run(  # noqa: N802
        self, request: language_pb2.RunRequest, context: grpc.ServicerContext
    ) -> language_pb2.RunResponse:
        info = request.info
        program_dir = info.program_directory or request.pwd
        program = os.path.join(program_dir, info.entry_point or ".")
        command = [
            program_python(info),
            "-u",
            str(self._exec_script),
            "--project",
            request.project,
            "--stack",
            request.stack,
            "--pwd",
            request.pwd or program_dir,
            "--monitor",
            request.monitor_address,
            "--engine",
            self.engine_address,
            "--parallel",
            str(request.parallel),
            "--dry_run",
            "true" if request.dryRun else "false",
            "--organization",
            request.organization or "organization",
            "--root_directory",
            info.root_directory or program_dir,
            program,
            *request.args,
        ]
        program_process = subprocess.Popen(
            command, env=program_environment(request), cwd=request.pwd or program_dir
        )
        # As the official host runs it (exec.CommandContext): the program ends with the call, so
        # an engine that goes away or is interrupted leaves no program behind.
        context.add_callback(lambda: _end(program_process))
        return run_response(program_process.wait())

    def RunPlugin(  # noqa: N802
        self, request: language_pb2.RunPluginRequest, context: grpc.ServicerContext
    ) -> Iterator[language_pb2.RunPluginResponse]:
        """A plugin written in Python; only policy packs (kind `analyzer`) so far: the provider
        `pop` is an executable of its own (pulumi-resource-pop)."""
        if request.kind != "analyzer":
            fail(
                context,
                grpc.StatusCode.UNIMPLEMENTED,
                f"this host runs Python policy packs, not {request.kind or 'unnamed'} plugins; "
                "install the plugin as an executable (pulumi-resource-<name>) instead",
            )
        yield from run_policy_pack(request, context)

    def shutdown(self) -> None:
        stop_policy_packs()

    def Link(  # noqa: N802
        self, request: language_pb2.LinkRequest, context: grpc.ServicerContext
    ) -> language_pb2.LinkResponse:
        """`pulumi package add`: the generated SDK's folder becomes a line of requirements.txt,
        as the official host does for a pip project."""
        root = Path(request.info.root_directory)
        requirements = root / "requirements.txt"
        lines = requirements.read_text().splitlines() if requirements.exists() else []
        names = []
        for dependency in request.packages:
            if dependency.path not in lines:
                lines.append(dependency.path)
            names.append(f"pulumi_{dependency.package.name.replace('-', '_')}")
        requirements.write_text("".join(f"{line}\n" for line in lines))
        return language_pb2.LinkResponse(
            import_instructions="\n".join(f"import {name}" for name in names)
        )


def _end(process: subprocess.Popen[bytes]) -> None:
    """Stop the program if it still runs when its call ends."""
    if process.poll() is None:
        process.terminate()
