"""How long `pulumi-resource-pop` takes to start, from exec to the port it prints (what the CLI
waits for before its first call, once per plugin start): the release's self-contained bundle
against the virtualenv's script it replaces. Samples alternate, so load on the machine falls
on both alike."""

from __future__ import annotations

import statistics
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

# The engine address the plugin is given; it prints its port before it ever dials it.
_ENGINE = "127.0.0.1:9"


@dataclass(frozen=True)
class StartTimes:
    name: str
    samples: tuple[float, ...]

    @property
    def median_s(self) -> float:
        return statistics.median(self.samples)


def time_to_port(executable: Path) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(executable), _ENGINE], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.kill()
    process.wait()
    if not line.strip().isdigit():
        raise RuntimeError(f"{executable} printed {line!r}, not its port")
    return elapsed


def unpack(tarball: Path, into: Path) -> Path:
    """The bundle as the CLI installs it: the tarball unpacked into a plugin folder."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(into, filter="tar")
    return into / "pulumi-resource-pop"


def compare(executables: dict[str, Path], rounds: int) -> list[StartTimes]:
    for executable in executables.values():
        time_to_port(executable)  # warm the page cache
    samples: dict[str, list[float]] = {name: [] for name in executables}
    for _ in range(rounds):
        for name, executable in executables.items():
            samples[name].append(time_to_port(executable))
    return [StartTimes(name, tuple(times)) for name, times in samples.items()]


def table(results: list[StartTimes]) -> str:
    base = results[-1].median_s
    rows = [
        f"| {r.name} | {r.median_s * 1000:.0f} ms | {min(r.samples) * 1000:.0f} ms | "
        f"{r.median_s / base:.2f}x |"
        for r in results
    ]
    return "\n".join(
        ["| plugin | median start | fastest | vs the virtualenv's script |", "|---|---|---|---|"]
        + rows
    )
