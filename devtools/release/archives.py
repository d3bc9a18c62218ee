"""Byte-for-byte repeatable archives and the checksum list: the same commit gives the same
tarball on a rebuild, so a mirror can compare what it serves with what was released."""

from __future__ import annotations

import gzip
import hashlib
import tarfile
from pathlib import Path


def write_tarball(source: Path, tarball: Path, *, mtime: int) -> None:
    """`source`'s contents at the archive root (the Pulumi CLI runs the executable it finds
    there), sorted, owned by root, dated `mtime`, gzip without a name or a date."""
    with (
        tarball.open("wb") as out,
        gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for path in sorted(source.rglob("*"), key=lambda p: p.relative_to(source).as_posix()):
            info = archive.gettarinfo(str(path), arcname=path.relative_to(source).as_posix())
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.isfile():
                with path.open("rb") as content:
                    archive.addfile(info, content)
            else:
                archive.addfile(info)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as content:
        for block in iter(lambda: content.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(folder: Path) -> Path:
    """SHA256SUMS over every file under `folder`, in `sha256sum -c`'s format."""
    sums = folder / "SHA256SUMS"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p != sums)
    lines = [f"{sha256(path)}  {path.relative_to(folder).as_posix()}\n" for path in files]
    sums.write_text("".join(lines))
    return sums
