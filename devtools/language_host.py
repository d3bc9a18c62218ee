"""A Python language host for the Pulumi CLI, for machines where the official one is unavailable.

The official host (`pulumi-language-python`) is a Go module that the module proxy here does not
serve, so the CLI built from source has no way to run a Python program. This host speaks the same
LanguageRuntime gRPC protocol with Pulumi's own generated stubs and runs the program exactly as the
official host does: it spawns the release's `pulumi-language-python-exec` script with the same
arguments and the stack config in `PULUMI_CONFIG`. It is a standalone script (it imports only
Pulumi's SDK, from the toolchain's own virtualenv), so it serves any project, whatever that
project's virtualenv holds. It supports what `up`, `preview`, `refresh`, `destroy` and `about`
need; it reports no required plugins, because this project's program only uses the bundled
dynamic-provider plugin.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

# The exec script's way of saying "the user has already seen an actionable message".
_EXIT_USER_ACTIONABLE = 32


def _program_python(info: language_pb2.ProgramInfo) -> str:
    """The interpreter for the program, chosen as the official host chooses it: the project's
    virtualenv when Pulumi.yaml names one, else PULUMI_PYTHON_CMD, else python3 on PATH. Never
    this host's own interpreter: the host runs in the toolchain's virtualenv, not the project's."""
    options = json_format.MessageToDict(info.options) if info.HasField("options") else {}
    venv = options.get("virtualenv")
    if isinstance(venv, str) and venv:
        candidate = Path(info.root_directory or ".", venv) / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return os.environ.get("PULUMI_PYTHON_CMD") or "python3"


class PythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """Runs Pulumi Python programs through the release's exec script."""

    def __init__(self, engine_address: str, exec_script: Path) -> None:
        self._engine_address = engine_address
        self._exec_script = exec_script

    def Handshake(  # noqa: N802 - gRPC method names are fixed by the protocol
        self, request: language_pb2.LanguageHandshakeRequest, context: grpc.ServicerContext
    ) -> language_pb2.LanguageHandshakeResponse:
        if request.engine_address:
            self._engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=importlib.metadata.version("pulumi"))

    def GetRequiredPlugins(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPluginsResponse:
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPackagesResponse:
        return language_pb2.GetRequiredPackagesResponse()

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
            [_program_python(request.info), "-m", "pip", "list", "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
            cwd=request.info.root_directory or request.pwd or None,
        )
        if listed.returncode != 0:
            context.abort(grpc.StatusCode.UNKNOWN, f"pip list failed: {listed.stderr.strip()}")
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
            _program_python(info),
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
            self._engine_address,
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
        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        completed = subprocess.run(command, env=env, cwd=request.pwd or program_dir, check=False)
        if completed.returncode == 0:
            return language_pb2.RunResponse()
        if completed.returncode == _EXIT_USER_ACTIONABLE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(
            error=f"Program exited with non-zero exit code: {completed.returncode}"
        )


def main(argv: list[str] | None = None) -> None:
    """Start the host the way the engine expects: print the port, serve until told to stop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exec-script", type=Path, required=True)
    known, rest = parser.parse_known_args(argv)
    # The engine passes Go-style flags (-root=..., -virtualenv=...) and then its own address.
    positional = [arg for arg in rest if not arg.startswith("-")]
    engine_address = positional[-1] if positional else ""

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        PythonLanguageHost(engine_address, known.exec_script), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)

    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.stop(grace=2)


if __name__ == "__main__":
    main()
