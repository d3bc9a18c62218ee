"""Pulumi runs as separate CI runners make them: stacks on one shared azblob:// backend, each run
its own process with its own PULUMI_HOME, started in the background and waited on."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from azure_iot_emulator.testing import EmulatorInfo
from tests import processes
from tests.azurite import AzuriteProcess
from tests.conftest import azure_environment
from tests.pulumi_cli import PULUMI, PulumiStack

_POLL_S = 0.05


def azblob_stack(
    project: Path, stack: str, azurite: AzuriteProcess, info: EmulatorInfo, home: Path
) -> PulumiStack:
    """`stack` of `project` with its state in Azurite's container, configured for the emulator
    the way a pipeline is (AZURE_* variables), and a PULUMI_HOME of its own, as a runner has."""
    return PulumiStack(
        project,
        None,
        stack=stack,
        extra_env={
            **azure_environment(info),
            **azurite.cli_env(),
            "PULUMI_BACKEND_URL": azurite.backend_url,
            "PULUMI_HOME": str(home),
        },
    )


def project_name(project: Path) -> str:
    """The `name:` of a project's Pulumi.yaml: the folder its stacks get in the backend."""
    found = re.search(r"^name:\s*(\S+)", (project / "Pulumi.yaml").read_text(), re.MULTILINE)
    assert found, f"no name in {project / 'Pulumi.yaml'}"
    return found.group(1)


def state_blob(stack: PulumiStack) -> str:
    """Where the DIY backend keeps a stack's checkpoint."""
    return f".pulumi/stacks/{project_name(stack.project_dir)}/{stack.stack}.json"


def lock_prefix(stack: PulumiStack) -> str:
    """The folder of a stack's lock blobs (one `<uuid>.json` per run holding the stack)."""
    return f".pulumi/locks/organization/{project_name(stack.project_dir)}/{stack.stack}/"


@dataclass
class BackgroundRun:
    """One CLI run leading its own session, its output in a file (no pipe to fill up)."""

    process: subprocess.Popen[bytes]
    output: Path

    def wait(self, timeout: float = 600) -> int:
        """The exit code, once the run ends."""
        return self.process.wait(timeout)

    def text(self) -> str:
        """Everything it printed so far, stdout and stderr interleaved."""
        return self.output.read_text(errors="replace")

    def kill_runner(self) -> None:
        """SIGKILL everything the run started, as when its runner's machine dies, then reap it.

        Killing the CLI's process group is not enough: Pulumi starts each plugin (the language
        host and the program, the provider host) in a process group of its own, and those would
        live on, orphaned, and could even finish the provider's work. They all stay in the
        session the run leads (started with start_new_session), so the session is what dies."""
        processes.end_session(self.process)


class Runners:
    """The background runs of one test; whatever is still alive at teardown is killed."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.runs: list[BackgroundRun] = []

    def start(self, stack: PulumiStack, *args: str, name: str) -> BackgroundRun:
        """`pulumi <args>` for `stack`, as PulumiStack.run builds it, started and not waited on.

        The run leads a new session, so a test can kill all of it at once; `tools/pulumi` execs
        the CLI, so the process's pid is the CLI's (the one a lock names). Its output goes to
        `<log_dir>/<name>.log`."""
        flags = ["--cwd", str(stack.project_dir), "--non-interactive", "--color", "never"]
        flags += ["--stack", stack.stack]
        output = self.log_dir / f"{name}.log"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                [str(PULUMI), *args, *flags],
                env=stack.env(),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        run = BackgroundRun(process, output)
        self.runs.append(run)
        return run

    def kill_leftovers(self) -> None:
        """A failed test leaves no run (nor any of its plugins) behind."""
        for run in self.runs:
            run.kill_runner()


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` once `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(_POLL_S)  # polling a condition, bounded by the deadline
