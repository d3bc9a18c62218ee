"""The device port's own HTTPS server: pyOpenSSL, so every client chain reaches the app.

Azure completes the TLS handshake whatever chain a device sends, and refuses at the HTTP layer
(401002 [issue: Azure/azure-iot-sdk-c#1900]). uvicorn's stdlib ``ssl`` can neither accept an
unknown chain without failing the handshake nor hand the chain to the app (ref §2.5; the ASGI TLS
extension is unmerged in uvicorn [issue: Kludex/uvicorn#3043]). pyOpenSSL can: a verify callback
that accepts everything, and ``get_peer_cert_chain()`` afterwards.

The listener speaks just enough HTTP/1.1 (``Content-Length`` bodies, keep-alive) for a device
client, and hands each request to the emulator's own ASGI app with the chain in the standard ASGI
``tls`` extension (``client_cert_chain``, PEM, leaf first), so routing, faults and the request log
are the other ports'. Requests run on one event loop of the listener's own (a thread), each
connection in a thread of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Coroutine, MutableMapping
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL

log = logging.getLogger("azure_iot_emulator")

Scope = MutableMapping[str, Any]
App = Callable[[Scope, Any, Any], Coroutine[Any, Any, None]]
MAX_HEAD = 64 * 1024
MAX_BODY = 4 * 1024 * 1024


class _Closed(Exception):
    """The client went away (or sent what this small server does not speak)."""


def _accept_any(*_args: Any) -> bool:
    """Every chain completes the handshake; the app judges it (Azure's behaviour)."""
    return True


def tls_context(cert_file: Path, key_file: Path) -> SSL.Context:
    """The server side: the emulator's certificate, and a client certificate asked for,
    never required, never judged by OpenSSL."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.use_certificate_chain_file(str(cert_file))
    context.use_privatekey_file(str(key_file))
    context.set_verify(SSL.VERIFY_PEER, _accept_any)
    # Required by OpenSSL for session resumption once client certificates are asked for.
    context.set_session_id(b"azure-iot-emulator-device")
    return context


def peer_chain(connection: SSL.Connection) -> list[str]:
    """The client's certificates as PEM, leaf first (OpenSSL's server-side chain omits the
    leaf; some builds include it: it is never repeated)."""
    leaf = connection.get_peer_certificate(as_cryptography=True)
    rest = connection.get_peer_cert_chain(as_cryptography=True) or []
    certs = ([leaf] if leaf is not None else []) + [c for c in rest if c != leaf]
    return [c.public_bytes(Encoding.PEM).decode("ascii") for c in certs]


class _Transport:
    """What the app's ``_drop_connection`` aborts (send.__self__.transport.abort())."""

    def __init__(self) -> None:
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True


class _Exchange:
    """One request's ASGI ``receive``/``send`` pair, collecting the answer."""

    def __init__(self, body: bytes) -> None:
        self.transport = _Transport()
        self._body: bytes | None = body
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def receive(self) -> dict[str, Any]:
        if self._body is not None:
            body, self._body = self._body, None
            return {"type": "http.request", "body": body, "more_body": False}
        # Nothing more comes: a held request waits for its release, not for a disconnect.
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = list(message.get("headers") or [])
        elif message["type"] == "http.response.body":
            self.chunks.append(bytes(message.get("body") or b""))


class DeviceListener:
    """Serves one listening socket with pyOpenSSL and the emulator's ASGI app."""

    def __init__(self, sock: socket.socket, app: App, cert_file: Path, key_file: Path) -> None:
        self.sock = sock
        self.app = app
        self.context = tls_context(cert_file, key_file)
        self._stopping = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Accept connections from now on (two daemon threads: the loop and the acceptor)."""
        self.sock.settimeout(0.2)
        for target in (self._loop.run_forever, self._accept):
            thread = threading.Thread(target=target, name="device-listener", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop accepting, cut open connections, stop the loop."""
        self._stopping.set()
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._loop.call_soon_threadsafe(self._loop.stop)
        for thread in self._threads:
            thread.join(timeout=2)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, address = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setblocking(True)
            threading.Thread(
                target=self._serve, args=(conn, address), name="device-conn", daemon=True
            ).start()

    # -- one connection --------------------------------------------------------------------------

    def _serve(self, conn: socket.socket, address: Any) -> None:
        with self._lock:
            self._open.add(conn)
        tls = SSL.Connection(self.context, conn)
        tls.set_accept_state()
        try:
            tls.do_handshake()
            chain = peer_chain(tls)
            info = {
                "server_cert": None,
                "client_cert_chain": chain,
                "client_cert_name": None,
                "client_cert_error": None,
                "tls_version": None,
                "cipher_suite": None,
            }
            buffer = b""
            while not self._stopping.is_set():
                request, buffer = self._read_request(tls, buffer)
                keep = self._answer(tls, request, address, info)
                if not keep:
                    break
            tls.shutdown()
        except (_Closed, SSL.Error, OSError):
            pass
        finally:
            with self._lock:
                self._open.discard(conn)
            conn.close()

    @staticmethod
    def _recv(tls: SSL.Connection) -> bytes:
        try:
            data: bytes = tls.recv(65536)
        except SSL.ZeroReturnError:
            raise _Closed() from None
        if not data:
            raise _Closed()
        return data

    def _read_request(
        self, tls: SSL.Connection, buffer: bytes
    ) -> tuple[tuple[str, str, list[tuple[str, str]], bytes], bytes]:
        while b"\r\n\r\n" not in buffer:
            if len(buffer) > MAX_HEAD:
                raise _Closed()
            buffer += self._recv(tls)
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise _Closed()
        method, target, _version = parts
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers.append((name.strip(), value.strip()))
        lowered = {k.lower(): v for k, v in headers}
        if "chunked" in lowered.get("transfer-encoding", "").lower():
            raise _Closed()  # device clients send Content-Length; chunked is not spoken here
        length = int(lowered.get("content-length") or 0)
        if length > MAX_BODY:
            raise _Closed()
        while len(buffer) < length:
            buffer += self._recv(tls)
        return (method, target, headers, buffer[:length]), buffer[length:]

    def _answer(
        self,
        tls: SSL.Connection,
        request: tuple[str, str, list[tuple[str, str]], bytes],
        address: Any,
        info: dict[str, Any],
    ) -> bool:
        """Run the app on the request and write its answer; whether to keep the connection."""
        method, target, headers, body = request
        path, _, query = target.partition("?")
        local = self.sock.getsockname()
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method.upper(),
            "scheme": "https",
            "path": unquote(path),
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            "client": (address[0], address[1]),
            "server": (local[0], local[1]),
            "extensions": {"tls": info},
        }
        exchange = _Exchange(body)
        future: concurrent.futures.Future[None] = asyncio.run_coroutine_threadsafe(
            self.app(scope, exchange.receive, exchange.send), self._loop
        )
        future.result()
        if exchange.transport.aborted:
            return False
        content = b"".join(exchange.chunks)
        close = any(k.lower() == "connection" and v.lower() == "close" for k, v in headers)
        try:
            reason = HTTPStatus(exchange.status).phrase
        except ValueError:
            reason = ""
        lines = [f"HTTP/1.1 {exchange.status} {reason}".encode("latin-1")]
        names = set()
        for name, value in exchange.headers:
            names.add(name.lower())
            lines.append(name + b": " + value)
        if b"content-length" not in names:
            lines.append(f"content-length: {len(content)}".encode("latin-1"))
        lines.append(f"date: {formatdate(usegmt=True)}".encode("latin-1"))
        lines.append(b"connection: close" if close else b"connection: keep-alive")
        tls.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + content)
        return not close
