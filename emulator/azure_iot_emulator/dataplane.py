"""Data-plane endpoints: one HTTPS port per service instance, kept in the state dir.

Azure gives each instance its own host (``<dps>.azure-devices-provisioning.net``, a hub's
``<hub>.azure-devices.net``), and a client finds it in the ARM resource
(``properties.serviceOperationsHostName``, ``hostName``) and connects there, with the host alone
as its base URL. On these machines no name but ``localhost``/``127.0.0.1`` resolves, so the
emulator cannot hand out a name per instance; a port per instance identifies it as well, and
``127.0.0.1:<port>`` is a host a client can put after ``https://`` unchanged.

The ports are served by the emulator's own process and TLS certificate: the server listens on
the main socket and on every data-plane socket (uvicorn serves several sockets), and the app
tells them apart by the local port a request arrived on. Like the main port (address.py), each
instance's port is recorded in ``<state-dir>/dataplane.json`` at first use, so a restart binds
it again and a stack's saved endpoints stay right. An instance created while the emulator runs
gets its port at once: the socket is bound and listening before the ARM answer that reports it
leaves, and handed to the running server (see :meth:`DataPlanes.attach`).

A port is keyed by ``<kind>/<name>`` (``dps/my-dps``): Azure's data-plane host names carry the
instance's name alone (names are globally unique), so the key needs nothing else.

A few ports are *reserved* rather than opened (:meth:`DataPlanes.reserve`): recorded and bound the
same way, but served by a listener of their own, not uvicorn. The DPS device API is one: it must
read the client's TLS certificate chain, which uvicorn's stdlib ``ssl`` never hands the app
(device_api/listener.py).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from azure_iot_emulator.address import AddressError, _bind

DATAPLANE_FILE = "dataplane.json"


@dataclass(frozen=True)
class Binding:
    """What a data-plane port serves: the kind of service (``dps``) and the instance's name."""

    kind: str
    name: str


def _key(kind: str, name: str) -> str:
    return f"{kind}/{name.lower()}"


class DataPlanes:
    """The data-plane ports of one emulator: recorded, bound, and looked up by port."""

    def __init__(self, state_dir: Path, host: str) -> None:
        self.state_dir = state_dir
        self.host = host
        self._lock = threading.Lock()
        self._ports: dict[str, int] = self._load()
        self._sockets: dict[str, socket.socket] = {}
        # Reserved ports (bound and recorded, served by their own listener, not uvicorn).
        self._reserved: dict[str, socket.socket] = {}
        self._by_port: dict[int, Binding] = {}
        # Set once the server runs: hands it a socket bound after start.
        self._serve: Callable[[socket.socket], None] | None = None

    # -- persistence -----------------------------------------------------------------------

    def _path(self) -> Path:
        return self.state_dir / DATAPLANE_FILE

    def _load(self) -> dict[str, int]:
        try:
            data = json.loads(self._path().read_text())
        except FileNotFoundError:
            return {}
        except ValueError:
            raise AddressError(
                f"{self._path()} is not JSON; delete it (free ports are then picked and "
                "recorded) and update the data-plane endpoints in the stack config"
            ) from None
        ports = data.get("ports") if isinstance(data, dict) else None
        if not isinstance(ports, dict) or not all(
            isinstance(p, int) and 0 < p < 65536 for p in ports.values()
        ):
            raise AddressError(
                f'{self._path()} does not hold {{"ports": {{"<kind>/<name>": <port>}}}}; delete it'
            )
        return {str(k): int(v) for k, v in ports.items()}

    def _save(self) -> None:
        path = self._path()
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps({"ports": self._ports}, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)

    # -- binding -----------------------------------------------------------------------------

    def open(self, kind: str, name: str) -> int:
        """The port of instance ``name`` of ``kind``, bound (and recorded) on first use.

        Called at start for every instance in the state, and by the ARM answer that reports a
        new one. Raises AddressError when its recorded port is taken by another process.
        """
        key = _key(kind, name)
        with self._lock:
            for held in (self._sockets, self._reserved):
                if key in held:
                    bound: int = held[key].getsockname()[1]
                    return bound
            sock = self._bind(key)
            self._sockets[key] = sock
            self._by_port[sock.getsockname()[1]] = Binding(kind, name.lower())
            serve = self._serve
        if serve is not None:
            serve(sock)
        port: int = sock.getsockname()[1]
        return port

    def reserve(self, kind: str, name: str) -> socket.socket:
        """The listening socket of ``kind``/``name``, bound (and recorded) like :meth:`open`'s
        but never handed to uvicorn: the caller serves it (a listener that needs the TLS layer
        uvicorn hides). Call it before the server starts."""
        key = _key(kind, name)
        with self._lock:
            if key not in self._reserved:
                sock = self._bind(key)
                self._reserved[key] = sock
                self._by_port[sock.getsockname()[1]] = Binding(kind, name.lower())
            return self._reserved[key]

    def _bind(self, key: str) -> socket.socket:
        """Bind the port recorded for ``key`` (a free one, then recorded, the first time)."""
        kept = self._ports.get(key)
        try:
            sock = _bind(self.host, kept or 0)
        except OSError as exc:
            raise AddressError(
                f"data-plane port {kept} of {key} (state dir {self.state_dir}) cannot be "
                f"bound: {exc.strerror or exc}; stop the process holding it "
                f"(`lsof -iTCP:{kept} -sTCP:LISTEN`) and start again"
            ) from None
        port: int = sock.getsockname()[1]
        if kept != port:
            self._ports[key] = port
            self._save()
        return sock

    def host_of(self, kind: str, name: str) -> str:
        """``127.0.0.1:<port>``: the host a client puts after ``https://``."""
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"{shown}:{self.open(kind, name)}"

    def binding(self, port: int) -> Binding | None:
        """Which instance a local port serves; None for the main port."""
        return self._by_port.get(port)

    def sockets(self) -> list[socket.socket]:
        """Every data-plane socket bound so far (handed to the server at start)."""
        with self._lock:
            return list(self._sockets.values())

    def attach(self, serve: Callable[[socket.socket], None]) -> list[socket.socket]:
        """From now on, a socket bound for a new instance is handed to ``serve``; returns the
        sockets bound so far (the server serves them from its start): none is missed."""
        with self._lock:
            self._serve = serve
            return list(self._sockets.values())

    def close(self) -> None:
        """Close every socket (the server has stopped)."""
        with self._lock:
            for sock in [*self._sockets.values(), *self._reserved.values()]:
                sock.close()
            self._sockets.clear()
            self._reserved.clear()
