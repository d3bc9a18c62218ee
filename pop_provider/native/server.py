"""`pulumi-resource-pop`: the executable the Pulumi CLI starts for the provider `pop`.

Pulumi's experimental server serves the protocol; two things are ours. A failure reaches the
user as the message alone (the server would append a Python stack to every error), its
property names as the program spells them. And warnings (a CA close to expiry) go to the
engine's log, attached to the resource, as the dynamic face's program prints them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc

from pop_provider.failures import DeploymentError
from pop_provider.native.names import in_camel_case
from pop_provider.native.provider import PopProvider
from pop_provider.version import __version__

_VERBS = (
    "CheckConfig",
    "Configure",
    "Check",
    "Diff",
    "Create",
    "Read",
    "Update",
    "Delete",
    "Construct",
)
_GRPC_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]


def _one_line_errors(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def serve(self: ProviderServicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except Exception as error:
            # The server re-raises with its stack appended; ours is the exception it handled.
            cause = error if isinstance(error, DeploymentError) else error.__context__
            if isinstance(cause, DeploymentError):
                await context.abort(grpc.StatusCode.UNKNOWN, in_camel_case(str(cause)))
            raise

    return serve


class PopServicer(ProviderServicer):
    """Pulumi's servicer, reporting our failures as their message."""


for _verb in _VERBS:
    setattr(PopServicer, _verb, _one_line_errors(getattr(ProviderServicer, _verb)))


class EngineLog:
    """Warnings to the engine's log (what `pulumi up` prints under the resource)."""

    def __init__(self, engine_address: str) -> None:
        self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(engine_address))

    def warn(self, urn: str, message: str) -> None:
        with contextlib.suppress(grpc.RpcError):  # a warning never fails a deployment
            self._stub.Log(
                engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=message, urn=urn)
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="pulumi-resource-pop",
        description="The pop provider plugin; the Pulumi CLI starts it, not a person.",
    )
    parser.add_argument("engine", help="address of the Pulumi engine")
    parser.add_argument("--logflow", action="store_true")
    parser.add_argument("--logtostderr", action="store_true")
    parser.add_argument("-v", dest="verbosity", default=None)
    parser.add_argument("--tracing", default=None)
    args, _ = parser.parse_known_args(argv)
    # The Azure SDK's own warnings (a failed token request) are already in our messages.
    logging.getLogger("azure").addHandler(logging.NullHandler())
    logging.getLogger("azure").propagate = False
    provider = PopProvider(__version__, warn=EngineLog(args.engine).warn)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.engine, provider))


async def _serve(engine: str, provider: PopProvider) -> None:
    server = grpc.aio.server(options=_GRPC_OPTIONS)
    servicer = PopServicer(sys.argv[1:], __version__, provider, engine_address=engine)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    # The engine reads the port from the first line of stdout.
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    await server.wait_for_termination()


if __name__ == "__main__":
    main()
