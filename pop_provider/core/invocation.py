"""Which `pulumi` command this provider process serves, for messages that must name it.

The engine does not tell a provider which command runs, yet a failure during a refresh or a
destroy must say what the user ran and the whole command that gets them out. The provider is a
child of the CLI, so the CLI's own arguments say it (read on Linux from /proc; elsewhere the
messages fall back to naming the operation). Only the subcommand and the flags that change where
the configuration comes from are kept: other arguments (`--config k=v`, say) may hold secrets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_SUBCOMMANDS = ("up", "update", "preview", "refresh", "destroy", "import")
_KEPT_FLAGS = ("--refresh", "--run-program", "-r")


@dataclass(frozen=True)
class PulumiCommand:
    """A `pulumi` command line, reduced to what messages may show."""

    subcommand: str
    flags: tuple[str, ...] = ()

    def __str__(self) -> str:
        return " ".join(("pulumi", self.subcommand, *self.flags))

    @property
    def runs_program(self) -> bool:
        return "--run-program" in self.flags


def parse_command(argv: list[str]) -> PulumiCommand | None:
    """The command in a CLI's arguments (`["pulumi", "up", "--yes", "--refresh"]`), if any."""
    if not argv or Path(argv[0]).name not in ("pulumi", "pulumi.exe"):
        return None
    subcommand = next((arg for arg in argv[1:] if arg in _SUBCOMMANDS), None)
    if subcommand is None:
        return None
    flags = []
    for arg in argv[1:]:
        name = arg.split("=", 1)[0]
        value = arg.split("=", 1)[1].lower() if "=" in arg else "true"
        if name in _KEPT_FLAGS and value == "true":
            flag = "--refresh" if name == "-r" else name
            if flag not in flags:
                flags.append(flag)
    return PulumiCommand("up" if subcommand == "update" else subcommand, tuple(flags))


def current_command(pid: int | None = None) -> PulumiCommand | None:
    """The command of the CLI that started this process, where the OS says it: the parent, or
    an ancestor when a launcher script (a dynamic provider's) sits in between."""
    process = os.getppid() if pid is None else pid
    for _ in range(3):
        try:
            raw = Path(f"/proc/{process}/cmdline").read_bytes()
            stat = Path(f"/proc/{process}/stat").read_text()
        except OSError:
            return None
        command = parse_command(
            [part.decode(errors="replace") for part in raw.split(b"\0") if part]
        )
        if command is not None:
            return command
        # The parent's id is the second field after the command name, which may hold spaces.
        process = int(stat.rsplit(")", 1)[1].split()[1])
        if process <= 1:
            return None
    return None
