"""Where the emulator listens: a port kept in the state dir, so a restart comes back on it.

A stack's config holds the emulator's URL (``https://127.0.0.1:<port>``), and Pulumi refreshes
with the config saved at the last update: an emulator that moved to a new port on every start
would break the next ``pulumi up``. So the first start on a state dir picks a free port and
records it in ``<state-dir>/address.json``; later starts bind that port again, and refuse to
start (one line, with the fix) rather than move when another process holds it.

The bind is the check: nothing probes the port first, so no other process can take it between a
probe and the bind.
"""

from __future__ import annotations

import errno
import json
import os
import socket
from pathlib import Path

ADDRESS_FILE = "address.json"


class AddressError(Exception):
    """The emulator cannot listen where it must; ``str()`` is the one line a user sees."""


def recorded_port(state_dir: Path) -> int | None:
    """The port a previous run on ``state_dir`` listened on; None on a first start."""
    path = state_dir / ADDRESS_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        port = json.loads(text)["port"]
    except (ValueError, KeyError, TypeError):
        port = None
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise AddressError(
            f'{path} does not hold {{"port": <1-65535>}}; delete it (a free port is then '
            "picked and recorded) or pass --port N"
        )
    return port


def record_port(state_dir: Path, port: int) -> None:
    """Keep ``port`` for the next start; written whole or not at all (rename)."""
    path = state_dir / ADDRESS_FILE
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({"port": port}) + "\n")
    os.replace(tmp, path)


def listen(host: str, port: int, state_dir: Path) -> socket.socket:
    """A listening socket on ``port``, or (``port`` 0) on the port ``state_dir`` recorded, or on
    a free one when it recorded none; the port bound is recorded. Raises AddressError."""
    kept = recorded_port(state_dir) if port == 0 else None
    try:
        sock = _bind(host, port or kept or 0)
    except OSError as exc:
        raise AddressError(_refusal(host, port, kept, state_dir, exc)) from None
    record_port(state_dir, sock.getsockname()[1])
    return sock


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Lets a restart bind while the previous run's connections sit in TIME_WAIT; on Linux
        # and macOS it never lets two sockets listen on one port, so "in use" stays detected.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _refusal(host: str, port: int, kept: int | None, state_dir: Path, exc: OSError) -> str:
    """The one line for a failed bind: what, where, and the fix."""
    shown = f"[{host}]" if ":" in host else host
    if exc.errno != errno.EADDRINUSE:
        return f"cannot listen on {shown}:{port or kept or 0}: {exc.strerror or exc}"
    if kept is not None:
        return (
            f"port {kept} of state dir {state_dir} is in use by another process; stop that "
            f"process (`lsof -iTCP:{kept} -sTCP:LISTEN` names it) and start again, or start "
            "with --port N or a new --state-dir and update the endpoints in the stack config"
        )
    return (
        f"port {port} (--port) is in use by another process; stop that process "
        f"(`lsof -iTCP:{port} -sTCP:LISTEN` names it) or pass another --port"
    )
