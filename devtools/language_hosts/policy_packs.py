"""Running a Python policy pack for the engine (`RunPlugin`, kind `analyzer`), as the official
Python host does since Pulumi dropped `pulumi-analyzer-policy-python`.

The engine starts the pack through the language host, reads a port from its stdout, and talks to
it as an Analyzer: Handshake, then ConfigureStack (the stack's name, project and config), then the
analyses. The pack SDK (`pulumi-policy`) still expects that stack information in its environment
when it starts, so, as the Go SDK's `PolicyProxy` does (sdk/v3 `policy_proxy.go`), the host first
serves a proxy Analyzer, answers Handshake and ConfigureStack itself, then starts
`python -u -m pulumi.policy <engine's args> <pack dir>` in the pack's virtualenv with
PULUMI_ORGANIZATION/PROJECT/STACK/DRY_RUN/CONFIG set, reads the pack's own port and forwards every
other call to it, byte for byte.

The pack never outlives the run: it is stopped when the engine ends the call (the normal end of
`preview`/`up`, or an interrupt), when the host stops, and by the kernel if the host dies.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import analyzer_pb2, language_pb2

from devtools.language_hosts.common import fail, program_options

ANALYZER_SERVICE = "/pulumirpc.Analyzer/"
# How long a pack may take to print its port, and to stop once asked.
START_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 3.0

# `python -m pulumi.policy`, preceded by a request to the kernel: SIGTERM to the pack when the host
# thread that started it goes away, so a host killed outright leaves no orphan. Done in the pack's
# own process (not a preexec_fn, which would make the host fork while gRPC's threads run).
_PACK_MAIN = """\
import ctypes, os, runpy, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv.pop(1)):
    sys.exit("the language host that started this policy pack is gone")
sys.argv[0] = "pulumi.policy"
runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)
"""


class PackError(RuntimeError):
    """The pack cannot be started; the message says why and what to do, in one line."""


def pack_python(info: language_pb2.ProgramInfo) -> str:
    """The pack's interpreter: PulumiPolicy.yaml's `virtualenv` (relative to the pack), which
    must exist, since the host never installs into it; without that option, PULUMI_PYTHON_CMD
    or python3, as for a program."""
    venv = program_options(info).get("virtualenv")
    if isinstance(venv, str) and venv:
        root = Path(info.root_directory or info.program_directory or ".")
        candidate = root / venv / "bin" / "python"
        if not candidate.exists():
            requirements = root / "requirements.txt"
            raise PackError(
                f"the policy pack's virtualenv {root / venv} does not exist; make it with "
                f"`python3 -m venv {root / venv} && {root / venv}/bin/pip install -r "
                f"{requirements}`"
            )
        return str(candidate)
    return os.environ.get("PULUMI_PYTHON_CMD") or "python3"


def pack_environment(
    request: language_pb2.RunPluginRequest,
    config: analyzer_pb2.AnalyzerStackConfigureRequest | None,
) -> dict[str, str]:
    """The engine's environment for the plugin plus the stack, as `pulumi.policy` reads it."""
    env = dict(entry.split("=", 1) for entry in request.env if "=" in entry) or dict(os.environ)
    if config is not None:
        values = {
            "PULUMI_ORGANIZATION": config.organization,
            "PULUMI_PROJECT": config.project,
            "PULUMI_STACK": config.stack,
            "PULUMI_DRY_RUN": "true" if config.dry_run else "false",
            "PULUMI_CONFIG": json.dumps(dict(config.config)) if config.config else "",
        }
        env.update({key: value for key, value in values.items() if value})
    return env


@dataclass(eq=False)
class PolicyPackRun:
    """One pack, from the proxy's port to the pack's exit code (one `RunPlugin` call)."""

    request: language_pb2.RunPluginRequest
    context: grpc.ServicerContext
    outputs: queue.Queue[language_pb2.RunPluginResponse | None] = field(default_factory=queue.Queue)
    configured: threading.Event = field(default_factory=threading.Event)
    attached: threading.Event = field(default_factory=threading.Event)
    stack_config: analyzer_pb2.AnalyzerStackConfigureRequest | None = None
    python: str = ""
    start_error: str = ""
    process: subprocess.Popen[bytes] | None = None
    channel: grpc.Channel | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the proxy's side: what the engine calls ---

    def handshake(self, request: Any, context: grpc.ServicerContext) -> Any:
        return analyzer_pb2.AnalyzerHandshakeResponse()

    def configure_stack(
        self, request: analyzer_pb2.AnalyzerStackConfigureRequest, context: grpc.ServicerContext
    ) -> analyzer_pb2.AnalyzerStackConfigureResponse:
        with self._lock:
            if not self.configured.is_set():
                self.stack_config = request
                self.configured.set()
        return analyzer_pb2.AnalyzerStackConfigureResponse()

    def forward(self, method: str) -> Callable[[bytes, grpc.ServicerContext], bytes]:
        """A handler passing `method`'s request to the pack and its answer back, unparsed."""

        def call(request: bytes, context: grpc.ServicerContext) -> bytes:
            # The engine may ask before configuring (`pulumi policy publish`): start without.
            self.configured.set()
            if not self.attached.wait(START_TIMEOUT_SECONDS) or self.channel is None:
                fail(
                    context,
                    grpc.StatusCode.UNAVAILABLE,
                    f"policy pack failed to start: {self.start_error or 'no port in time'}",
                )
            try:
                answer: bytes = self.channel.unary_unary(method)(request)
            except grpc.RpcError as error:
                fail(context, error.code(), error.details() or str(error))
            return answer

        return call

    # --- the host's side: the pack's process ---

    def start(self) -> None:
        """Start the pack with the stack's settings; a thread reads its port, then attaches."""
        info = self.request.info
        directory = info.program_directory or info.root_directory
        command = [
            self.python,
            "-u",
            "-c",
            _PACK_MAIN,
            str(os.getpid()),
            *self.request.args,
            directory,
        ]
        self.process = subprocess.Popen(
            command,
            cwd=self.request.pwd or directory,
            env=pack_environment(self.request, self.stack_config),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        threading.Thread(target=self._attach, daemon=True).start()
        threading.Thread(target=self._pump, args=("stderr",), daemon=True).start()

    def _attach(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        try:
            port = int(line.strip())
        except ValueError:
            self.start_error = (
                "it exited before printing its port (see its output above)"
                if not line
                else f"it printed {line[:80]!r} instead of its port"
            )
        else:
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            try:
                if self.stack_config is not None:
                    # The stack's tags reach the pack this way (the rest by its environment).
                    channel.unary_unary(
                        ANALYZER_SERVICE + "ConfigureStack",
                        request_serializer=(
                            analyzer_pb2.AnalyzerStackConfigureRequest.SerializeToString
                        ),
                        response_deserializer=(
                            analyzer_pb2.AnalyzerStackConfigureResponse.FromString
                        ),
                    )(self.stack_config, wait_for_ready=True, timeout=START_TIMEOUT_SECONDS)
                self.channel = channel
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.UNIMPLEMENTED:  # an older pack SDK
                    self.channel = channel
                else:
                    self.start_error = f"its ConfigureStack failed: {error.details()}"
                    channel.close()
        self.attached.set()
        self._pump("stdout")

    def _pump(self, stream: str) -> None:
        """Pass one of the pack's streams on to the engine, line by line, until it closes."""
        assert self.process is not None
        pipe = self.process.stdout if stream == "stdout" else self.process.stderr
        assert pipe is not None
        for line in pipe:
            self.outputs.put(
                language_pb2.RunPluginResponse(stdout=line)
                if stream == "stdout"
                else language_pb2.RunPluginResponse(stderr=line)
            )
        self.outputs.put(None)

    def stop(self) -> None:
        """Ask the pack to stop (SIGINT, as the engine would), then kill it; idempotent."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def responses(self) -> Iterator[language_pb2.RunPluginResponse]:
        """The call's stream: the proxy's port, then the pack's output, then its exit code."""
        try:
            self.python = pack_python(self.request.info)
        except PackError as error:
            fail(self.context, grpc.StatusCode.FAILED_PRECONDITION, str(error))
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        server.add_generic_rpc_handlers((_proxy_handler(self),))
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self.context.add_callback(self.stop)
        with _LIVE_LOCK:
            _LIVE.add(self)
        try:
            yield language_pb2.RunPluginResponse(stdout=f"{port}\n".encode())
            while not self.configured.wait(0.5):
                if not self.context.is_active():
                    return
            try:
                self.start()
            except OSError as error:
                self.start_error = f"cannot run {self.python}: {error}"
                self.attached.set()
                yield language_pb2.RunPluginResponse(stderr=f"{error}\n".encode())
                yield language_pb2.RunPluginResponse(exitcode=1)
                return
            yield from self._drain()
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(self)
            self.stop()
            server.stop(grace=None)
            if self.channel is not None:
                self.channel.close()

    def _drain(self) -> Iterator[language_pb2.RunPluginResponse]:
        assert self.process is not None
        open_streams = 2
        while open_streams:
            try:
                item = self.outputs.get(timeout=0.5)
            except queue.Empty:
                if not self.context.is_active():
                    return
                continue
            if item is None:
                open_streams -= 1
            else:
                yield item
        yield language_pb2.RunPluginResponse(exitcode=self.process.wait())


def _proxy_handler(run: PolicyPackRun) -> Any:
    """The Analyzer service the engine sees: Handshake and ConfigureStack answered here, every
    other method forwarded to the pack."""
    service = analyzer_pb2.DESCRIPTOR.services_by_name["Analyzer"]
    handlers = {
        method.name: grpc.unary_unary_rpc_method_handler(
            run.forward(ANALYZER_SERVICE + method.name)
        )
        for method in service.methods
    }
    handlers["Handshake"] = grpc.unary_unary_rpc_method_handler(
        run.handshake,
        request_deserializer=analyzer_pb2.AnalyzerHandshakeRequest.FromString,
        response_serializer=analyzer_pb2.AnalyzerHandshakeResponse.SerializeToString,
    )
    handlers["ConfigureStack"] = grpc.unary_unary_rpc_method_handler(
        run.configure_stack,
        request_deserializer=analyzer_pb2.AnalyzerStackConfigureRequest.FromString,
        response_serializer=analyzer_pb2.AnalyzerStackConfigureResponse.SerializeToString,
    )
    return grpc.method_handlers_generic_handler(service.full_name, handlers)


# The packs running now, stopped if the host is told to stop while a run is under way.
_LIVE: set[PolicyPackRun] = set()
_LIVE_LOCK = threading.Lock()


def stop_policy_packs() -> None:
    """Stop every pack this host started that is still running."""
    with _LIVE_LOCK:
        runs = list(_LIVE)
    for run in runs:
        run.stop()


def run_policy_pack(
    request: language_pb2.RunPluginRequest, context: grpc.ServicerContext
) -> Iterator[language_pb2.RunPluginResponse]:
    """`RunPlugin` for kind `analyzer`: the pack in `request.info`'s folder."""
    yield from PolicyPackRun(request, context).responses()
