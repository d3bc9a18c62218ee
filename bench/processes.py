"""The processes a command starts: when each began, and the provider host's peak memory.

The CLI starts the dynamic provider host (`python -u -m pulumi.dynamic`, behind a shell script)
as a grandchild of whatever runs the CLI, and kills it when the command ends, so it cannot be
waited for and its rusage never reaches us. The kernel keeps its high-water mark (`VmHWM` in
/proc/<pid>/status), so a sampler only has to find the process and read that value before the
process is gone; the sampling interval bounds only what can be missed in its last moments.
Start times come from /proc/<pid>/stat, exact to a clock tick, however late the sampler looks.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")
PROVIDER_HOST_MODULE = "pulumi.dynamic"
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Started:
    """A process below the root: what it runs and when it started (seconds since boot)."""

    pid: int
    started_at: float
    role: str


def _parents() -> dict[int, int]:
    """Every live process and its parent, from /proc/<pid>/stat."""
    parents: dict[int, int] = {}
    for entry in os.listdir(PROC):
        if not entry.isdigit():
            continue
        try:
            stat = (PROC / entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name (which may hold spaces); ppid is the 2nd.
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(pid: int) -> Iterator[int]:
    """Every live process below `pid` in the process tree.

    A full /proc scan: /proc/<pid>/task/*/children is documented to miss children of a process
    that is busy forking, which the CLI is.
    """
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    stack = list(children.get(pid, []))
    while stack:
        child = stack.pop()
        yield child
        stack.extend(children.get(child, []))


def role(argv: list[str]) -> str:
    """A short name for what a process of this project's Pulumi runs is."""
    module = argv[argv.index("-m") + 1] if "-m" in argv[:-1] else None
    if module == PROVIDER_HOST_MODULE:
        return "provider host"
    names = [Path(arg).name for arg in argv[:3]]
    for known, label in (
        ("language_host.py", "language host"),
        ("pulumi-language-python-exec", "program"),
        ("pulumi-resource-pulumi-python", "provider host script"),
        ("pulumi-resource-pop", "provider host"),  # the native provider `pop`
        ("pulumi-language-python", "language host script"),
        ("build-pulumi.sh", "CLI build check"),
        ("pulumi", "CLI"),
    ):
        if known in names:
            return label
    return " ".join(names) or "?"


def _argv(pid: int) -> list[str] | None:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def _started_at(pid: int) -> float | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name; starttime is field 22 overall.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[19]) / _TICKS


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time `pid` has used so far, None once it is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # utime and stime are fields 14 and 15 overall
    return (int(fields[11]) + int(fields[12])) / _TICKS


def high_water_kib(pid: int) -> int | None:
    """VmHWM of `pid` in KiB, None once the process is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class ProcessWatch:
    """Samples, in a thread, the processes below `root_pid` while a command runs.

    Use as a context manager around the command. `started` lists every process seen;
    `peak_kib` is the largest high-water mark of any provider host (None if none ran).
    """

    def __init__(self, root_pid: int, interval_s: float = 0.1) -> None:
        self.root_pid = root_pid
        self.interval_s = interval_s
        self.started: dict[int, Started] = {}
        self.peaks: dict[int, int] = {}
        self._before: dict[int, float] = {}
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="process-watch", daemon=True)

    @property
    def peak_kib(self) -> int | None:
        """The largest high-water mark of any provider host seen."""
        return max(self.peaks.values(), default=None)

    def _sample(self) -> None:
        for pid in descendants(self.root_pid):
            if pid in self._before:
                continue
            cpu = cpu_seconds(pid)
            if cpu is not None:
                self._cpu[pid] = cpu
            known = self.started.get(pid)
            # Re-read until it is the host: a child seen between fork and exec still shows its
            # parent's command line.
            if known is None or known.role != "provider host":
                argv, started_at = _argv(pid), _started_at(pid)
                if not argv or started_at is None:  # gone, or a zombie (empty cmdline)
                    continue
                self.started[pid] = Started(pid, started_at, role(argv))
            if self.started[pid].role == "provider host":
                value = high_water_kib(pid)
                if value is not None:
                    self.peaks[pid] = max(value, self.peaks.get(pid, 0))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval_s)

    def __enter__(self) -> ProcessWatch:
        # Already running (the emulator): not the command's; only their CPU use is followed.
        self._before = {pid: cpu_seconds(pid) or 0.0 for pid in descendants(self.root_pid)}
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        for pid, before in self._before.items():
            after = cpu_seconds(pid)
            if after is not None:
                self._cpu[pid] = after - before

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds used during the command, by role; processes that were already running
        count as "already running" (what they used in the meantime). Exact to the last sample
        of each process, so a process's final 100 ms may be missing."""
        totals: dict[str, float] = {}
        for pid, seconds in self._cpu.items():
            known = self.started.get(pid)
            name = known.role if known else "already running"
            totals[name] = totals.get(name, 0.0) + seconds
        return totals
