"""Pulumi language hosts for the CLI, for machines where the official ones are unavailable.

The official hosts (`pulumi-language-python`, `-nodejs`, `-go`) are Go modules that the module
proxy here does not serve, so the CLI built from source could run no program. Ours speak the same
LanguageRuntime protocol with Pulumi's own generated stubs and run programs as the official hosts
do (devtools/language_hosts/: one module per language, and what they share). This script starts
the one the launcher names; it imports only Pulumi's SDK and that package (copied beside it in the
toolchain's run directory by tools/build-pulumi.sh), so it serves any project, whatever that
project's virtualenv or node_modules hold.

    language_host.py [--language python|nodejs|go] [--codegen PATH] [--plugin-version V]
                     [--exec-script PATH] <engine's flags and address>
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pulumi.runtime.proto import language_pb2_grpc

from devtools.language_hosts.common import serve
from devtools.language_hosts.go import GoLanguageHost
from devtools.language_hosts.nodejs import NodejsLanguageHost
from devtools.language_hosts.python import PythonLanguageHost


def _make_host(
    engine_address: str, flags: argparse.Namespace
) -> language_pb2_grpc.LanguageRuntimeServicer:
    if flags.language == "python":
        if flags.exec_script is None:
            raise SystemExit("language_host.py: --exec-script is required for Python")
        return PythonLanguageHost(
            engine_address, flags.codegen, flags.plugin_version, flags.exec_script
        )
    host = {"nodejs": NodejsLanguageHost, "go": GoLanguageHost}[flags.language]
    return host(engine_address, flags.codegen, flags.plugin_version)


def main(argv: list[str] | None = None) -> None:
    """Serve the named language's host to the engine."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--language", choices=("python", "nodejs", "go"), default="python")
    parser.add_argument("--codegen", type=Path, help="our SDK generator (tools/pulumi-codegen)")
    parser.add_argument("--plugin-version", default="", help="the version the host reports")
    parser.add_argument("--exec-script", type=Path, help="the release's Python exec script")
    serve(_make_host, parser, argv)


if __name__ == "__main__":
    main()
