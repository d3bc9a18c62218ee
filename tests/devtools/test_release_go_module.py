"""A Go module written as a GOPROXY directory is what `go` itself downloads and builds."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from devtools.release.go_module import write_module_proxy
from tests import processes

COMMIT_TIME = datetime(2025, 1, 31, 13, 0, 1, tzinfo=timezone(timedelta(hours=1)))
PREFIX = "example.com/Tiny/sdk@v0.2.0/"
GO_TIMEOUT_S = 300


def tiny_module(directory: Path) -> Path:
    """A module with one package, plus what its zip must leave out: a nested module, version
    control data and a vendor folder."""
    files = {
        "go.mod": "module example.com/Tiny/sdk\n\ngo 1.21\n",
        "go/tiny/tiny.go": 'package tiny\n\nfunc Hello() string { return "hi" }\n',
        # After go/ in path order, before it in a walk (root files come first).
        "version.txt": "0.2.0\n",
        "nested/go.mod": "module example.com/Tiny/sdk/nested\n\ngo 1.21\n",
        "nested/nested.go": "package nested\n",
        ".git/HEAD": "ref: refs/heads/main\n",
        "vendor/example.com/dep/dep.go": "package dep\n",
    }
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)
    return directory


def consumer_module(directory: Path) -> Path:
    directory.mkdir()
    (directory / "go.mod").write_text(
        "module example.com/consumer\n\ngo 1.21\n\nrequire example.com/Tiny/sdk v0.2.0\n"
    )
    (directory / "main.go").write_text(
        'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/Tiny/sdk/go/tiny"\n)\n\n'
        "func main() { fmt.Println(tiny.Hello()) }\n"
    )
    return directory


def go_env(proxy_root: Path, mod_cache: Path) -> dict[str, str]:
    """Only the proxy under test, no checksum database, and an empty module cache, so the
    module is downloaded for real; the default build cache keeps the compile quick."""
    return {
        **os.environ,
        "GOPROXY": proxy_root.as_uri(),
        "GOSUMDB": "off",
        "GONOSUMDB": "*",
        "GOFLAGS": "-mod=mod -modcacherw",
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
        "GOMODCACHE": str(mod_cache),
    }


def test_go_downloads_builds_and_runs_the_module_from_the_proxy(tmp_path: Path) -> None:
    module = tiny_module(tmp_path / "sdk")
    write_module_proxy(module, "0.2.0", tmp_path / "proxy", commit_time=COMMIT_TIME)
    consumer = consumer_module(tmp_path / "consumer")

    env = go_env(tmp_path / "proxy", tmp_path / "modcache")
    result = processes.run(["go", "run", "."], cwd=consumer, env=env, timeout=GO_TIMEOUT_S)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "hi\n"
    assert "go: downloading example.com/Tiny/sdk v0.2.0" in result.stderr
    # Upper case escaped, as `go` asked for it.
    downloaded = tmp_path / "modcache/cache/download/example.com/!tiny/sdk/@v/v0.2.0.zip"
    assert downloaded.is_file()


def test_the_proxy_files_say_the_version_its_time_and_the_go_mod(tmp_path: Path) -> None:
    module = tiny_module(tmp_path / "sdk")
    zip_path = write_module_proxy(module, "v0.2.0", tmp_path / "proxy", commit_time=COMMIT_TIME)

    folder = tmp_path / "proxy/example.com/!tiny/sdk/@v"
    assert zip_path == folder / "v0.2.0.zip"
    assert (folder / "list").read_text() == "v0.2.0\n"
    info = json.loads((folder / "v0.2.0.info").read_text())
    assert info == {"Version": "v0.2.0", "Time": "2025-01-31T12:00:01Z"}
    assert (folder / "v0.2.0.mod").read_bytes() == (module / "go.mod").read_bytes()


def test_the_zip_holds_the_module_files_only_in_path_order(tmp_path: Path) -> None:
    module = tiny_module(tmp_path / "sdk")
    zip_path = write_module_proxy(module, "0.2.0", tmp_path / "proxy", commit_time=COMMIT_TIME)

    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        dates = {entry.date_time for entry in archive.infolist()}
    assert names == [PREFIX + "go.mod", PREFIX + "go/tiny/tiny.go", PREFIX + "version.txt"]
    assert dates == {(2025, 1, 31, 12, 0, 0)}  # UTC, in the zip format's two-second steps


def test_two_writes_of_one_tree_are_byte_identical(tmp_path: Path) -> None:
    module = tiny_module(tmp_path / "sdk")
    first = write_module_proxy(module, "0.2.0", tmp_path / "one", commit_time=COMMIT_TIME)
    # Files touched since (a fresh checkout, say): the zip's dates come from the commit.
    later = datetime(2030, 6, 1, tzinfo=UTC).timestamp()
    for path in module.rglob("*"):
        os.utime(path, (later, later))
    second = write_module_proxy(module, "v0.2.0", tmp_path / "two", commit_time=COMMIT_TIME)

    assert first.read_bytes() == second.read_bytes()


def test_a_second_version_joins_the_list(tmp_path: Path) -> None:
    module = tiny_module(tmp_path / "sdk")
    write_module_proxy(module, "0.2.0", tmp_path / "proxy", commit_time=COMMIT_TIME)
    write_module_proxy(module, "0.3.0-rc.1", tmp_path / "proxy", commit_time=COMMIT_TIME)
    write_module_proxy(module, "0.2.0", tmp_path / "proxy", commit_time=COMMIT_TIME)

    listed = (tmp_path / "proxy/example.com/!tiny/sdk/@v/list").read_text()
    assert listed == "v0.2.0\nv0.3.0-rc.1\n"


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("0.2", "is not semver"),
        ("2.0.0", "end the module path in /v2"),
    ],
)
def test_a_version_go_would_refuse_is_refused(tmp_path: Path, version: str, message: str) -> None:
    module = tiny_module(tmp_path / "sdk")
    with pytest.raises(ValueError, match=message):
        write_module_proxy(module, version, tmp_path / "proxy", commit_time=COMMIT_TIME)
    assert not (tmp_path / "proxy").exists()


@pytest.mark.parametrize("name", ["go/tiny/notes?.txt", "go/tiny/aux.go", "GO.MOD"])
def test_a_file_name_go_would_refuse_is_named(tmp_path: Path, name: str) -> None:
    module = tiny_module(tmp_path / "sdk")
    (module / name).write_text("x\n")
    with pytest.raises(ValueError, match="rename"):
        write_module_proxy(module, "0.2.0", tmp_path / "proxy", commit_time=COMMIT_TIME)
    assert not (tmp_path / "proxy").exists()
