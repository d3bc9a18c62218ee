"""What our stand-in language hosts share: serving the engine, the program's environment, the
exit-code contract, reading `pulumi-plugin.json`, streaming an install, and SDK generation.

The official hosts are Go modules the proxy here does not serve; ours speak the same
LanguageRuntime protocol with Pulumi's own generated stubs. Each host is run by a launcher in the
toolchain's run directory (tools/pulumi-language-*) with the toolchain's interpreter, so it
imports nothing but Pulumi's SDK and this package.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from pathlib import Path
from typing import Any, NoReturn

import grpc
from google.protobuf import json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

# The program's way of saying "the user has already seen an actionable message" (all languages).
EXIT_USER_ACTIONABLE = 32

_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+")


def fail(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    """End the call with a status and a one-line message the CLI shows."""
    context.abort(code, message)
    raise AssertionError("grpc's abort always raises")


def program_options(info: language_pb2.ProgramInfo) -> dict[str, Any]:
    """Pulumi.yaml's `runtime.options`, as plain values."""
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def program_directory(info: language_pb2.ProgramInfo, fallback: str = "") -> str:
    """Where the program's sources are (Pulumi.yaml's `main` is already folded in by the CLI)."""
    return info.program_directory or info.root_directory or fallback or os.getcwd()


def program_environment(request: language_pb2.RunRequest) -> dict[str, str]:
    """The host's environment plus the stack's config, as every language's SDK reads it."""
    env = dict(os.environ)
    env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
    env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
    return env


def run_response(returncode: int) -> language_pb2.RunResponse:
    """The engine's reading of a program's exit code: 0 ran, 32 bailed (already reported)."""
    if returncode == 0:
        return language_pb2.RunResponse()
    if returncode == EXIT_USER_ACTIONABLE:
        return language_pb2.RunResponse(bail=True)
    return language_pb2.RunResponse(error=f"Program exited with non-zero exit code: {returncode}")


def package_from_plugin_json(data: dict[str, Any]) -> plugin_pb2.PackageDependency | None:
    """A resource plugin a package declares, in `pulumi-plugin.json` or package.json's `pulumi`
    key (`resource`, `name`, `version`, `server`, `parameterization`); None if it declares none."""
    if not data.get("resource") or not data.get("name"):
        return None
    version = str(data.get("version") or "")
    package = plugin_pb2.PackageDependency(
        kind="resource",
        name=str(data["name"]),
        # An unreleased SDK's manifest says "${VERSION}": that is no version.
        version=version if _SEMVER.match(version) else "",
        server=str(data.get("server") or ""),
    )
    parameterization = data.get("parameterization")
    if isinstance(parameterization, dict):
        package.parameterization.CopyFrom(
            plugin_pb2.PackageParameterization(
                name=str(parameterization.get("name") or ""),
                version=str(parameterization.get("version") or ""),
                value=base64.b64decode(parameterization.get("value") or ""),
            )
        )
    return package


def read_plugin_json(path: Path) -> plugin_pb2.PackageDependency | None:
    """`package_from_plugin_json` of a file, or None if it is missing or not JSON."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return package_from_plugin_json(data) if isinstance(data, dict) else None


def unique_packages(
    packages: Iterable[plugin_pb2.PackageDependency | None],
) -> list[plugin_pb2.PackageDependency]:
    """Each package once (by name, version and parameterization), in the order first seen."""
    seen: dict[bytes, plugin_pb2.PackageDependency] = {}
    for package in packages:
        if package is not None:
            seen.setdefault(package.SerializeToString(deterministic=True), package)
    return list(seen.values())


def stream_command(
    command: list[str], cwd: str, context: grpc.ServicerContext
) -> Iterator[language_pb2.InstallDependenciesResponse]:
    """Run an installer, passing its output on as the CLI shows it, and fail the call if it
    fails (the message names the command and the directory)."""
    try:
        process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
    except OSError as error:
        fail(context, grpc.StatusCode.FAILED_PRECONDITION, f"cannot run {command[0]}: {error}")
    assert process.stdout is not None
    for line in process.stdout:
        yield language_pb2.InstallDependenciesResponse(stdout=line)
    if process.wait() != 0:
        fail(
            context,
            grpc.StatusCode.UNKNOWN,
            f"`{' '.join(command)}` failed in {cwd} (exit {process.returncode})",
        )


def generate_package(
    codegen: Path, language: str, request: language_pb2.GeneratePackageRequest
) -> language_pb2.GeneratePackageResponse:
    """Write the SDK for `language` into the request's directory with our codegen program
    (tools/pulumi-codegen: Pulumi's own generators), resolving referenced packages through the
    engine's schema loader."""
    with tempfile.TemporaryDirectory(prefix="pulumi-codegen-") as scratch:
        schema = Path(scratch, "schema.json")
        schema.write_text(request.schema)
        command = [
            str(codegen),
            "-language",
            language,
            "-schema",
            str(schema),
            "-out",
            request.directory,
        ]
        if request.loader_target:
            command += ["-loader", request.loader_target]
        if request.local:
            command.append("-local")
        if request.extra_files:
            extra = Path(scratch, "extra")
            for name, content in request.extra_files.items():
                target = extra / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            command += ["-extra-files", str(extra)]
        for name, path in sorted(request.local_dependencies.items()):
            command += ["-local-dependency", f"{name}={path}"]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        message = completed.stderr.strip() or f"{codegen} exited {completed.returncode}"
        raise GenerationError(message)
    return language_pb2.GeneratePackageResponse()


class GenerationError(RuntimeError):
    """The codegen program refused the schema; the message is its own one-line diagnosis."""


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The calls every host answers the same way; a language's host adds Run and the rest."""

    #: The language name the codegen program knows (nodejs, go, python).
    language = ""

    def __init__(self, engine_address: str, codegen: Path | None, plugin_version: str = "") -> None:
        self.engine_address = engine_address
        self.codegen = codegen
        # The official hosts are released with the CLI, so they report its version.
        self.plugin_version = plugin_version

    def Handshake(  # noqa: N802 - gRPC method names are fixed by the protocol
        self, request: language_pb2.LanguageHandshakeRequest, context: grpc.ServicerContext
    ) -> language_pb2.LanguageHandshakeResponse:
        if request.engine_address:
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetRequiredPlugins(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPluginsResponse:
        """The older form of GetRequiredPackages, which the engine still asks for."""
        packages = self.required_packages(request.info, context)
        return language_pb2.GetRequiredPluginsResponse(
            plugins=[
                plugin_pb2.PluginDependency(
                    name=package.name,
                    kind=package.kind,
                    version=package.version,
                    server=package.server,
                )
                for package in packages
                if not package.HasField("parameterization")
            ]
        )

    def GetRequiredPackages(  # noqa: N802
        self, request: language_pb2.GetRequiredPackagesRequest, context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPackagesResponse:
        return language_pb2.GetRequiredPackagesResponse(
            packages=self.required_packages(request.info, context)
        )

    def required_packages(
        self, info: language_pb2.ProgramInfo, context: grpc.ServicerContext
    ) -> list[plugin_pb2.PackageDependency]:
        """The resource plugins the program's dependencies declare; none unless a host says."""
        return []

    def GeneratePackage(  # noqa: N802
        self, request: language_pb2.GeneratePackageRequest, context: grpc.ServicerContext
    ) -> language_pb2.GeneratePackageResponse:
        if self.codegen is None or not self.language:
            fail(context, grpc.StatusCode.UNIMPLEMENTED, "this host has no SDK generator")
        try:
            return generate_package(self.codegen, self.language, request)
        except GenerationError as error:
            fail(context, grpc.StatusCode.INVALID_ARGUMENT, str(error))

    def shutdown(self) -> None:
        """Stop whatever the host started that outlives a call (none unless a host says)."""


def serve(
    make_host: Callable[[str, argparse.Namespace], language_pb2_grpc.LanguageRuntimeServicer],
    parser: argparse.ArgumentParser,
    argv: list[str] | None = None,
) -> None:
    """Start a host the way the engine expects: print the port, serve until told to stop.

    The engine passes Go-style flags (-root=..., -virtualenv=...) and then its own address;
    `parser` holds the launcher's own flags, the rest is the engine's."""
    known, rest = parser.parse_known_args(argv)
    positional = [arg for arg in rest if not arg.startswith("-")]
    engine_address = positional[-1] if positional else ""

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    host = make_host(engine_address, known)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)

    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    threading.Thread(target=_stop_when_orphaned, args=(stopped,), daemon=True).start()
    stopped.wait()
    stopping = server.stop(grace=2)
    if isinstance(host, LanguageHost):
        host.shutdown()
    stopping.wait()


def _stop_when_orphaned(stopped: threading.Event, interval: float = 1.0) -> None:
    """Set `stopped` once the engine that started this host is gone (killed outright, it sends
    no signal): the host then stops, and with it what it started."""
    engine = os.getppid()
    while not stopped.wait(interval):
        if os.getppid() != engine:
            stopped.set()
