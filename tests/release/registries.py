"""Stand-ins for the hosts a team's runner downloads a release from, each an HTTP server on
127.0.0.1 in this process: a release host (or a company's mirror of `dist/release/`), and an
npm registry for one scope. Each records what it was asked for, so a test can say what a real
client fetched, and from where.

What a host answers (`respond`) is kept apart from the HTTP around it (`_Handler`): a host is a
lookup from path to file, and the wire is the same for all of them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tarfile
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Response:
    """What a host serves at one path."""

    body: bytes
    content_type: str = "application/octet-stream"


_SHUTDOWN_POLL_S = 0.02
_NOT_FOUND = Response(b"not found\n", "text/plain")


class Host:
    """An HTTP server on a free loopback port for as long as the with-block lasts.

    `requests` is the access log, one "METHOD /path STATUS" a request, in arrival order. A
    request is logged before its answer is sent, so once a client has its answer, the log
    holds the request: a test reads it without waiting."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, no trailing slash."""
        assert self._server is not None, "start the host first (a with-block)"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond(self, path: str) -> Response | None:
        """The answer at `path` (unquoted, no query), or None for a 404."""
        raise NotImplementedError

    def __enter__(self) -> Host:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # How long `shutdown` may wait for the loop to notice (0.5 s by default).
            kwargs={"poll_interval": _SHUTDOWN_POLL_S},
            name=f"{type(self).__name__} {self.url}",
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()  # serve_forever returns, and with it the thread
        self._thread.join()
        self._server.server_close()


class StaticHost(Host):
    """The files under `root`, each at its relative path: a GitHub release's download host,
    or a company mirror serving a copy of `dist/release/`."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root.resolve()

    def __enter__(self) -> StaticHost:
        super().__enter__()
        return self

    def respond(self, path: str) -> Response | None:
        file = (self.root / path.lstrip("/")).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            return None
        return Response(file.read_bytes())


@dataclass(frozen=True)
class NpmPackage:
    """One `npm pack` tarball: its package.json and its bytes."""

    manifest: dict[str, Any]
    file_name: str
    tarball: bytes

    @classmethod
    def read(cls, tarball: Path) -> NpmPackage:
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/package.json")
            assert member is not None, f"{tarball}: package/package.json is not a file"
            manifest = json.loads(member.read())
        return cls(manifest, tarball.name, tarball.read_bytes())

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    def dist(self, registry_url: str) -> dict[str, str]:
        """Where npm downloads the tarball, and the hashes it checks it against."""
        sha512 = base64.b64encode(hashlib.sha512(self.tarball).digest()).decode()
        return {
            "tarball": f"{registry_url}/-/{self.file_name}",
            "shasum": hashlib.sha1(self.tarball).hexdigest(),
            "integrity": f"sha512-{sha512}",
        }


class NpmScopeRegistry(Host):
    """An npm registry holding only the packages of the given `npm pack` tarballs: each
    package's packument at `/@scope%2fname` (npm's form) or `/@scope/name`, each tarball at
    `/-/<file name>`. A project reaches it with the `.npmrc` line `@scope:registry=<url>/`.

    A package's `latest` is the version given last, as the last `npm publish` sets it."""

    def __init__(self, tarballs: list[Path]) -> None:
        super().__init__()
        self.packages = [NpmPackage.read(tarball) for tarball in tarballs]

    def __enter__(self) -> NpmScopeRegistry:
        super().__enter__()
        return self

    def respond(self, path: str) -> Response | None:
        if path.startswith("/-/"):
            file_name = path.removeprefix("/-/")
            for package in self.packages:
                if package.file_name == file_name:
                    return Response(package.tarball)
            return None
        packument = self.packument(path.removeprefix("/"))
        if packument is None:
            return None
        return Response(json.dumps(packument).encode(), "application/json")

    def packument(self, name: str) -> dict[str, Any] | None:
        """The registry's document for package `name`: every version it holds, with the
        package.json fields of each and where to download it."""
        versions = [package for package in self.packages if package.name == name]
        if not versions:
            return None
        return {
            "name": name,
            "dist-tags": {"latest": versions[-1].version},
            "versions": {
                package.version: {**package.manifest, "dist": package.dist(self.url)}
                for package in versions
            },
        }


class _Server(ThreadingHTTPServer):
    def __init__(self, host: Host) -> None:
        self.host = host
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    """The wire: the host's answer as an HTTP response, GET with a body and HEAD without."""

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        host = cast(_Server, self.server).host
        response = host.respond(unquote(urlsplit(self.path).path))
        status = HTTPStatus.OK
        if response is None:
            status, response = HTTPStatus.NOT_FOUND, _NOT_FOUND
        host.requests.append(f"{self.command} {self.path} {status.value}")
        self.send_response(status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the host's `requests` is the log a test reads."""
