"""One version of a Go module as a GOPROXY directory (https://go.dev/ref/mod#goproxy-protocol).

A folder laid out this way is a module proxy as it stands: an air-gapped company serves the
release folder (or points GOPROXY=file://... at it), and our tests have `go` download the Go SDK
exactly as a user's `go get` would, hashes and all. The zip follows golang.org/x/mod/zip's rules,
simplified where our SDK never needs more: vendor/ directories are left out whole.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

# Canonical semver, as `go` requires of a proxy's versions (no build metadata).
_VERSION = re.compile(
    r"v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
)
_MAJOR_SUFFIX = re.compile(r"/v([2-9]|[1-9][0-9]+)$")
_MODULE_LINE = re.compile(r"""^\s*module\s+("(?P<quoted>[^"]+)"|`(?P<raw>[^`]+)`|(?P<bare>\S+))""")
# Left out of a module zip wherever they sit (version control data, vendored copies).
_SKIPPED_DIRS = frozenset({".bzr", ".git", ".hg", ".svn", "vendor"})
# A file name's allowed ASCII besides letters and digits (x/mod/module.fileNameOK).
_FILE_NAME_PUNCTUATION = frozenset("!#$%&()+,-.=@[]^_{}~ ")
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{name}{n}" for name in ("COM", "LPT") for n in range(1, 10)]
)
# Deflate at a fixed level, Unix attributes: the same tree gives the same bytes on any runner.
_COMPRESS_LEVEL = 9
_FILE_MODE = 0o644 << 16
_UNIX = 3


def write_module_proxy(
    module_dir: Path, version: str, proxy_root: Path, *, commit_time: datetime
) -> Path:
    """Write `proxy_root/<module>/@v/{list,<v>.info,<v>.mod,<v>.zip}` for the module in
    `module_dir` at `version` ("0.2.0" or "v0.2.0"); return the zip's path.

    `commit_time` (timezone-aware) is the version's time in .info and every zip entry's date,
    so two runs over the same tree write the same bytes."""
    version = _canonical_version(version)
    if commit_time.tzinfo is None:
        raise ValueError(f"commit time {commit_time} has no timezone: pass an aware datetime")
    go_mod = (module_dir / "go.mod").read_bytes()
    module_path = module_path_of(go_mod, module_dir / "go.mod")
    _check_major_version(module_path, version)

    archive = module_zip(module_dir, module_path, version, commit_time)

    folder = proxy_root / escape(module_path) / "@v"
    folder.mkdir(parents=True, exist_ok=True)
    stem = escape(version)
    zip_path = folder / f"{stem}.zip"
    zip_path.write_bytes(archive)
    (folder / f"{stem}.mod").write_bytes(go_mod)
    time = commit_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    (folder / f"{stem}.info").write_text(json.dumps({"Version": version, "Time": time}) + "\n")
    # Last: `list` is what offers the version, and by now all of its files are in place.
    _add_to_list(folder / "list", version)
    return zip_path


def go_sum_lines(module_dir: Path, version: str) -> list[str]:
    """The two go.sum lines a consumer records for this module version (golang.org/x/mod/sumdb/
    dirhash Hash1: the SHA-256 of "<sha256 of file>  <module>@<version>/<file>" lines, sorted),
    so `make sdk` keeps examples/go/go.sum in step with sdk/ without a download."""
    version = _canonical_version(version)
    go_mod = (module_dir / "go.mod").read_bytes()
    module_path = module_path_of(go_mod, module_dir / "go.mod")
    prefix = f"{module_path}@{version}/"
    files = {prefix + name: (module_dir / name).read_bytes() for name in module_files(module_dir)}
    return [
        f"{module_path} {version} {_hash1(files)}",
        f"{module_path} {version}/go.mod {_hash1({'go.mod': go_mod})}",
    ]


def _hash1(files: dict[str, bytes]) -> str:
    summary = "".join(
        f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files)
    )
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def module_path_of(go_mod: bytes, where: Path) -> str:
    """The path the `module` line of a go.mod declares."""
    for line in go_mod.decode("utf-8").splitlines():
        match = _MODULE_LINE.match(line.split("//", 1)[0])
        if match:
            return match.group("quoted") or match.group("raw") or match.group("bare")
    raise ValueError(f"{where}: no `module` line: start the file with `module <path>`")


def escape(path: str) -> str:
    """A module path or version as the proxy protocol spells it in URLs and file names: each
    upper-case letter becomes "!" and its lower case, so case-insensitive disks keep them apart."""
    return re.sub(r"[A-Z]", lambda upper: "!" + upper.group().lower(), path)


def module_zip(module_dir: Path, module_path: str, version: str, commit_time: datetime) -> bytes:
    """The module zip: every file `go` would take from `module_dir`, under `<path>@<version>/`,
    in path order, each dated `commit_time` (UTC; a zip date has two-second steps)."""
    files = module_files(module_dir)
    date = commit_time.astimezone(UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for relative in files:
            entry = zipfile.ZipInfo(f"{module_path}@{version}/{relative}", date_time=date)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = _UNIX
            entry.external_attr = _FILE_MODE
            data = (module_dir / relative).read_bytes()
            archive.writestr(entry, data, compresslevel=_COMPRESS_LEVEL)
    return buffer.getvalue()


def module_files(module_dir: Path) -> list[str]:
    """The module's files, as slash paths relative to `module_dir`, sorted: regular files only
    (symbolic links are left out, as `go` does), none under a directory holding a go.mod of its
    own (another module) or a skipped one (version control, vendor)."""
    files: list[str] = []
    for top, subdirs, names in os.walk(module_dir):
        directory = Path(top)
        subdirs[:] = [
            name
            for name in subdirs
            if name not in _SKIPPED_DIRS and not (directory / name / "go.mod").is_file()
        ]
        for name in names:
            path = directory / name
            if path.is_symlink() or not path.is_file():
                continue
            files.append(path.relative_to(module_dir).as_posix())
    files = [name for name in files if name != ".hg_archival.txt"]
    for name in files:
        _check_file_path(name, module_dir)
    _check_case_collisions(files, module_dir)
    return sorted(files)


def _canonical_version(version: str) -> str:
    version = version if version.startswith("v") else f"v{version}"
    if not _VERSION.fullmatch(version):
        raise ValueError(f"version {version!r} is not semver: give MAJOR.MINOR.PATCH[-PRERELEASE]")
    return version


def _check_major_version(module_path: str, version: str) -> None:
    """`go` takes v2 and later only from a path ending in /vN, and such a path only at vN."""
    major = int(version[1:].split(".", 1)[0])
    suffix = _MAJOR_SUFFIX.search(module_path)
    expected = int(suffix.group(1)) if suffix else None
    if (major >= 2 or expected is not None) and major != expected:
        fix = f"end the module path in /v{major}" if major >= 2 else "release it as v0 or v1"
        raise ValueError(f"version {version} does not fit module path {module_path}: {fix}")


def _check_file_path(name: str, module_dir: Path) -> None:
    """Refuse a file name `go` would reject in a module zip (x/mod/module.CheckFilePath)."""
    if name.lower() == "go.mod" and name != "go.mod":
        raise ValueError(f"{module_dir / name}: `go` reads only go.mod: rename it to go.mod")
    for element in name.split("/"):
        if (
            element.strip(".") == ""
            or element.endswith(".")
            or not all(_file_name_char_ok(char) for char in element)
            or element.split(".", 1)[0].upper() in _WINDOWS_RESERVED
        ):
            raise ValueError(
                f"{module_dir / name}: `go` refuses this file name in a module: rename it"
                " (letters, digits, !#$%&()+,-.=@[]^_{}~ and spaces; no trailing dot;"
                " no Windows device name such as CON or NUL)"
            )


def _file_name_char_ok(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char in _FILE_NAME_PUNCTUATION
    return char.isalpha()


def _check_case_collisions(files: list[str], module_dir: Path) -> None:
    """Two files whose paths differ only in case would overwrite each other on macOS and
    Windows, so `go` refuses the module."""
    seen: dict[str, str] = {}
    for name in files:
        other = seen.setdefault(name.casefold(), name)
        if other != name:
            raise ValueError(
                f"{module_dir}: {other} and {name} differ only in case: rename one of them"
            )


def _add_to_list(list_path: Path, version: str) -> None:
    """Offer `version` beside any the proxy already lists (a mirror keeps every release)."""
    versions = list_path.read_text().split() if list_path.exists() else []
    if version not in versions:
        versions.append(version)
    list_path.write_text("".join(f"{listed}\n" for listed in versions))


def main(argv: list[str] | None = None) -> None:
    """`python -m devtools.release.go_module MODULE_DIR VERSION PROXY_ROOT --time ISO8601`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module_dir", type=Path)
    parser.add_argument("version")
    parser.add_argument("proxy_root", type=Path)
    parser.add_argument(
        "--time",
        required=True,
        type=datetime.fromisoformat,
        help="the version's commit time, with its offset (2025-01-31T12:00:00+00:00)",
    )
    args = parser.parse_args(argv)
    try:
        zip_path = write_module_proxy(
            args.module_dir, args.version, args.proxy_root, commit_time=args.time
        )
    except (ValueError, OSError) as error:
        raise SystemExit(f"go_module: {error}") from None
    print(zip_path)


if __name__ == "__main__":
    main()
