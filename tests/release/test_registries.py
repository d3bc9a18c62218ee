"""The stand-in hosts answer real clients: urllib for the release host, npm for the registry."""

from __future__ import annotations

import io
import json
import os
import socket
import tarfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests import processes
from tests.release.registries import NpmScopeRegistry, StaticHost
from tests.sockets import refusing_port

NPM_TIMEOUT_S = 120


def fetch(url: str, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def raw_head(url: str, path: str) -> bytes:
    """A HEAD's whole answer, as sent: a client library would drop a body sent by mistake."""
    address = urlsplit(url)
    assert address.hostname is not None and address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(f"HEAD {path} HTTP/1.0\r\n\r\n".encode())
        chunks = []
        while chunk := connection.recv(65536):  # the server closes after one answer
            chunks.append(chunk)
    return b"".join(chunks)


def test_the_static_host_serves_the_files_under_its_root_and_logs_each_request(
    tmp_path: Path,
) -> None:
    root = tmp_path / "release"
    (root / "v0.2.0").mkdir(parents=True)
    (root / "v0.2.0/SHA256SUMS").write_text("abc  pop.tar.gz\n")
    (tmp_path / "outside.txt").write_text("not served\n")

    with StaticHost(root) as host:
        assert fetch(f"{host.url}/v0.2.0/SHA256SUMS") == (200, b"abc  pop.tar.gz\n")
        head = raw_head(host.url, "/v0.2.0/SHA256SUMS")
        assert head.startswith(b"HTTP/1.0 200 ") and b"\r\nContent-Length: 16\r\n" in head
        assert head.endswith(b"\r\n\r\n")  # the headers, and no body
        assert fetch(f"{host.url}/v0.2.0/missing.tar.gz")[0] == 404
        assert fetch(f"{host.url}/v0.2.0")[0] == 404  # a folder is no file
        assert fetch(f"{host.url}/%2e%2e/outside.txt")[0] == 404

    assert host.requests == [
        "GET /v0.2.0/SHA256SUMS 200",
        "HEAD /v0.2.0/SHA256SUMS 200",
        "GET /v0.2.0/missing.tar.gz 404",
        "GET /v0.2.0 404",
        "GET /%2e%2e/outside.txt 404",
    ]


def test_a_stopped_host_no_longer_listens(tmp_path: Path) -> None:
    with StaticHost(tmp_path) as host:
        url = host.url
    with pytest.raises(urllib.error.URLError):
        fetch(url)


def npm_env(cache: Path, registry_port: int) -> dict[str, str]:
    """npm with its own cache, and a default registry that refuses every connection: only the
    scope's registry can answer, and nothing reaches the internet."""
    return {
        **os.environ,
        "npm_config_cache": str(cache),
        "npm_config_registry": f"http://127.0.0.1:{registry_port}/",
        "npm_config_noproxy": "127.0.0.1",  # a runner's proxy must not stand in between
        "npm_config_update_notifier": "false",
    }


def npm_pack_tiny(directory: Path, env: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    """`@demo/tiny` 1.0.0 as `npm pack` makes it, and what npm says of the tarball."""
    source = directory / "tiny"
    source.mkdir(parents=True)
    (source / "package.json").write_text(
        json.dumps({"name": "@demo/tiny", "version": "1.0.0", "main": "index.js"})
    )
    (source / "index.js").write_text('module.exports = () => "hi";\n')
    argv = ["npm", "pack", "--json", "--pack-destination", str(directory)]
    packed = processes.run(argv, cwd=source, env=env, timeout=NPM_TIMEOUT_S, check=True)
    report: dict[str, Any] = json.loads(packed.stdout)[0]
    return directory / report["filename"], report


def test_npm_installs_a_scoped_package_from_the_registry(tmp_path: Path) -> None:
    with refusing_port() as nothing_listens:
        # Apart: `npm pack` leaves the tarball in its cache, where install would find it.
        pack_env = npm_env(tmp_path / "pack-cache", nothing_listens)
        tarball, _ = npm_pack_tiny(tmp_path / "packed", pack_env)
        env = npm_env(tmp_path / "npm-cache", nothing_listens)
        project = tmp_path / "project"
        project.mkdir()
        (project / "package.json").write_text(
            json.dumps(
                {"name": "consumer", "version": "0.0.0", "dependencies": {"@demo/tiny": "1.0.0"}}
            )
        )

        with NpmScopeRegistry([tarball]) as registry:
            (project / ".npmrc").write_text(f"@demo:registry={registry.url}/\n")
            argv = ["npm", "install", "--no-audit", "--no-fund"]
            result = processes.run(argv, cwd=project, env=env, timeout=NPM_TIMEOUT_S)

    assert result.returncode == 0, result.stderr
    installed = project / "node_modules/@demo/tiny"
    assert (installed / "index.js").read_bytes() == (tmp_path / "packed/tiny/index.js").read_bytes()
    assert registry.requests == ["GET /@demo%2ftiny 200", "GET /-/demo-tiny-1.0.0.tgz 200"]


def test_the_packument_carries_the_manifest_and_the_tarball_hashes(tmp_path: Path) -> None:
    with refusing_port() as nothing_listens:
        env = npm_env(tmp_path / "npm-cache", nothing_listens)
        tarball, packed = npm_pack_tiny(tmp_path, env)

    with NpmScopeRegistry([tarball]) as registry:
        status, body = fetch(f"{registry.url}/@demo/tiny")
        assert fetch(f"{registry.url}/@demo%2fother")[0] == 404
        assert fetch(f"{registry.url}/-/other-1.0.0.tgz")[0] == 404

    assert status == 200
    packument = json.loads(body)
    assert packument["dist-tags"] == {"latest": "1.0.0"}
    version = packument["versions"]["1.0.0"]
    assert (version["name"], version["main"]) == ("@demo/tiny", "index.js")
    assert version["dist"] == {
        "tarball": f"{registry.url}/-/demo-tiny-1.0.0.tgz",
        # What `npm pack` reported: npm checks a download against these.
        "shasum": packed["shasum"],
        "integrity": packed["integrity"],
    }


def tarball(directory: Path, manifest: dict[str, str]) -> Path:
    """A package tarball as the registry reads it (package/package.json), without npm."""
    data = json.dumps(manifest).encode()
    member = tarfile.TarInfo("package/package.json")
    member.size = len(data)
    path = directory / f"{manifest['name'].lstrip('@').replace('/', '-')}-{manifest['version']}.tgz"
    with tarfile.open(path, "w:gz") as archive:
        archive.addfile(member, io.BytesIO(data))
    return path


def test_each_package_lists_its_versions_and_the_last_given_is_latest(tmp_path: Path) -> None:
    tarballs = [
        tarball(tmp_path, {"name": "@demo/tiny", "version": "1.1.0"}),
        tarball(tmp_path, {"name": "@demo/other", "version": "3.0.0"}),
        tarball(tmp_path, {"name": "@demo/tiny", "version": "1.0.1"}),  # a backport, published last
    ]
    with NpmScopeRegistry(tarballs) as registry:
        _, body = fetch(f"{registry.url}/@demo%2Ftiny")
        status, tgz = fetch(f"{registry.url}/-/demo-other-3.0.0.tgz")

    packument = json.loads(body)
    assert packument["name"] == "@demo/tiny"
    assert packument["dist-tags"] == {"latest": "1.0.1"}
    assert sorted(packument["versions"]) == ["1.0.1", "1.1.0"]
    assert (status, tgz) == (200, tarballs[1].read_bytes())
