"""Commands a test starts, each in a session of its own that ends with the command.

The Pulumi CLI starts every plugin (language host, provider, policy pack) in a process group of
its own, and those start npm, go, node and Python programs in turn: killing the CLI alone, as
`subprocess.run(timeout=...)` does, leaves them running, orphaned. Every one of them stays in the
session the command leads, though, so `run` and `Session` end the whole session: on a timeout, a
failure or an interrupt, and after a normal exit too (whatever the command left behind).

Output goes to files, not pipes: a leftover that inherited the pipe would keep `communicate`
waiting for an end of file that never comes.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

# How long killed processes may take to be gone, and how often /proc is read meanwhile.
END_TIMEOUT_S = 30.0
_POLL_S = 0.05


def session_members(session: int) -> list[int]:
    """Live (not zombie) processes of `session`, from /proc (Linux)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # "pid (comm) state ppid pgrp session ...": comm may hold spaces, so split after it.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == session:
            members.append(int(entry))
    return members


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie has ended: only its exit status waits to be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def wait_exit(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Whether `process` exits within `timeout` seconds; it is not reaped (see end_session)."""
    if process.returncode is not None:
        return True
    pidfd = os.pidfd_open(process.pid)
    try:
        # A pidfd turns readable when its process exits.
        readable, _, _ = select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
    return bool(readable)


def end_session(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL every process of the session `process` leads, then reap `process`.

    The session's id is the leader's pid, which the kernel does not hand out again while the
    leader is unreaped (a zombie at worst) or any process of the session lives, so nothing
    outside the session can be hit: hence the leader is reaped last, and a leader someone else
    reaped already (`returncode` set) is left alone."""
    if process.returncode is not None:
        return
    session = process.pid
    deadline = time.monotonic() + END_TIMEOUT_S
    with contextlib.suppress(ProcessLookupError):
        os.killpg(session, signal.SIGKILL)
    while members := session_members(session):
        for pid in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            raise AssertionError(f"processes {members} of session {session} outlived SIGKILL")
        time.sleep(_POLL_S)  # the kernel tears down a killed process asynchronously
    process.wait(END_TIMEOUT_S)


class Session:
    """One command leading its own session, its output in files; the session ends when the block
    does, however it ends. For a command a test starts and then interacts with (signals it, waits
    for what it starts); `run` is for one that is simply waited on."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | str | None = None,
    ) -> None:
        self.argv = [str(arg) for arg in argv]
        self.env = None if env is None else dict(env)
        self.cwd = cwd
        self._stdout: IO[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def process(self) -> subprocess.Popen[bytes]:
        assert self._process is not None, "start the session first (a with-block)"
        return self._process

    def __enter__(self) -> Session:
        # Kept open until the session ends (closed by __exit__): not with-blocks.
        self._stdout = tempfile.TemporaryFile()  # noqa: SIM115
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
            start_new_session=True,
        )
        return self

    def output(self) -> tuple[str, str]:
        """What the command printed so far: stdout, stderr."""
        texts = []
        for sink in (self._stdout, self._stderr):
            assert sink is not None
            sink.seek(0)
            texts.append(sink.read().decode("utf-8", errors="replace"))
        return texts[0], texts[1]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._process is not None:
                end_session(self._process)
        finally:
            for sink in (self._stdout, self._stderr):
                if sink is not None:
                    sink.close()


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`subprocess.run(argv, capture_output=True, text=True)`, in a session of its own that is
    ended, every process of it, when the command exits or `timeout` seconds pass (then
    `subprocess.TimeoutExpired` is raised, with what the command printed)."""
    with Session(argv, env=env, cwd=cwd) as session:
        process = session.process
        exited = wait_exit(process, timeout)
        end_session(process)  # on a timeout all of it; else whatever the command left running
        stdout, stderr = session.output()
        if not exited:
            raise subprocess.TimeoutExpired(session.argv, timeout, stdout, stderr)
    assert process.returncode is not None
    result = subprocess.CompletedProcess(session.argv, process.returncode, stdout, stderr)
    if check:
        result.check_returncode()
    return result
