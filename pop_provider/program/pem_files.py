"""Certificate and key files a Pulumi program names by path, read into the PEM text the resources
take; a file that cannot be read is one line naming the path and the fix, not a traceback."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pop_provider.failures import ProgramError

_FIX_PATH = (
    "fix the path (relative to the project directory, where Pulumi runs the program) "
    "or create the file"
)


class PemFileError(ProgramError):
    """A certificate or key file cannot be read as PEM; the message names the path and the fix.

    A `pulumi.RunError`: Pulumi's Python host prints it as the message alone, without the
    program's traceback.
    """


def read_pem(path: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None = None) -> str:
    """The PEM text of the certificate or key file at `path`, for `certificate_pem`,
    `private_key_pem` and the like.

    A relative `path` is taken from `base_dir`, by default the working directory: in a Pulumi
    program, the project directory (where `Pulumi.yaml` is). A DER certificate (`.cer`, `.der`)
    comes back as PEM. A missing, unreadable or binary file raises `PemFileError`, printed by
    `pulumi up` as one line: the path, where it was looked for, and what to do.
    """
    what = f"PEM file '{os.fspath(path)}'"
    full = Path(base_dir if base_dir is not None else Path.cwd()) / path
    data = read_file(full, what)
    if not is_der(data):
        return decode_text(data, what)
    pem = _der_certificate_as_pem(data)
    if pem is None:
        raise PemFileError(
            f"{what} is binary (DER) and not a certificate; give it as PEM "
            "(a key: `openssl pkey -inform DER -in key.der -out key.pem`)"
        )
    return pem


def read_certificate_file(path: Path, what: str) -> str:
    """A certificate file's PEM text as it is; a binary (DER, `.der`/`.cer`) certificate as PEM.
    Binary that is not a certificate goes on as base64, so the resource's check names what it is
    (PKCS#12, a key). `what` starts every error message (the config entry and key, say)."""
    data = read_file(path, what)
    if not is_der(data):
        return decode_text(data, what)
    return _der_certificate_as_pem(data) or base64.b64encode(data).decode("ascii")


def read_key_file(path: Path, what: str) -> str:
    """A private key file's PEM text; a binary (DER) key is refused with the command that
    converts it."""
    data = read_file(path, what)
    if is_der(data):
        raise PemFileError(
            f"{what} is binary (DER); give the key as PEM: "
            "`openssl pkey -inform DER -in key.der -out key.pem`"
        )
    return decode_text(data, what)


def read_file(path: Path, what: str) -> bytes:
    """The file's bytes; a missing, unreadable or non-regular file is a `PemFileError`."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PemFileError(f"{what} does not exist (looked for {path}); {_FIX_PATH}") from None
    except IsADirectoryError:
        raise PemFileError(
            f"{what} is a directory ({path}); name the certificate or key file in it"
        ) from None
    except OSError as error:
        raise PemFileError(
            f"{what} cannot be read ({path}: {error.strerror or error}); give the user who "
            "runs `pulumi` read access to it, or fix the path"
        ) from None


def decode_text(data: bytes, what: str) -> str:
    """The file as UTF-8 text, or a one-line error for anything else."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PemFileError(
            f"{what} is neither PEM text nor a DER certificate; give the PEM file"
        ) from None


def _der_certificate_as_pem(data: bytes) -> str | None:
    """A DER certificate as PEM; None when the bytes are not a certificate."""
    try:
        certificate = x509.load_der_x509_certificate(data)
    except ValueError:
        return None
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def is_der(data: bytes) -> bool:
    """An ASN.1 SEQUENCE (0x30) with a long-form length, as every DER certificate and key
    starts; text never has a byte of 0x80 or more there."""
    return len(data) > 2 and data[0] == 0x30 and data[1] >= 0x80
