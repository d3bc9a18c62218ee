"""The Python host: runs the program through the release's `pulumi-language-python-exec` script
exactly as the official host does, in the project's interpreter.

It reports no required plugins, because this project's program only uses the bundled
dynamic-provider plugin.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
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
        completed = subprocess.run(
            command, env=program_environment(request), cwd=request.pwd or program_dir, check=False
        )
        return run_response(completed.returncode)

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
