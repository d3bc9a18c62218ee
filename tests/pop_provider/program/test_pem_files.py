"""`read_pem`: certificate and key files as a program names them, errors in one line."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
from cryptography.hazmat.primitives import serialization

from pop_provider import PemFileError, read_pem
from tests.pki import make_ca


def test_a_pem_file_relative_to_the_project_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = make_ca("read pem")
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "root.pem").write_text(ca.certificate_pem)
    (tmp_path / "certs" / "root.key").write_text(ca.private_key_pem)
    monkeypatch.chdir(tmp_path)  # where Pulumi runs a program: its project directory
    assert read_pem("certs/root.pem") == ca.certificate_pem
    assert read_pem(Path("certs/root.key")) == ca.private_key_pem
    assert read_pem("root.pem", base_dir=tmp_path / "certs") == ca.certificate_pem


def test_a_der_certificate_comes_back_as_pem(tmp_path: Path) -> None:
    ca = make_ca("der")
    (tmp_path / "root.cer").write_bytes(ca.certificate.public_bytes(serialization.Encoding.DER))
    assert read_pem(tmp_path / "root.cer") == ca.certificate_pem


def test_a_missing_file_is_one_line_with_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PemFileError) as raised:
        read_pem("certs/nope.pem", base_dir=tmp_path)
    assert str(raised.value) == (
        f"PEM file 'certs/nope.pem' does not exist (looked for {tmp_path / 'certs/nope.pem'}); "
        "fix the path (relative to the project directory, where Pulumi runs the program) "
        "or create the file"
    )
    # Pulumi's Python host prints a RunError as its message, with no traceback.
    assert isinstance(raised.value, pulumi.RunError)


def test_a_directory_or_an_unreadable_path_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "root.pem").write_text("a file where a folder should be")
    with pytest.raises(PemFileError) as raised:
        read_pem("certs", base_dir=tmp_path)
    assert str(raised.value) == (
        f"PEM file 'certs' is a directory ({tmp_path / 'certs'}); "
        "name the certificate or key file in it"
    )
    with pytest.raises(PemFileError) as raised:
        read_pem("root.pem/root.pem", base_dir=tmp_path)
    assert str(raised.value) == (
        f"PEM file 'root.pem/root.pem' cannot be read ({tmp_path / 'root.pem/root.pem'}: "
        "Not a directory); give the user who runs `pulumi` read access to it, or fix the path"
    )


def test_binary_that_is_not_a_certificate_and_text_that_is_not_utf8(tmp_path: Path) -> None:
    ca = make_ca("der key")
    key = serialization.load_pem_private_key(ca.private_key_pem.encode(), None)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "root.der").write_bytes(der)
    with pytest.raises(PemFileError, match=r"is binary \(DER\) and not a certificate; give it as"):
        read_pem(tmp_path / "root.der")
    (tmp_path / "latin1.pem").write_bytes(b"caf\xe9")
    with pytest.raises(PemFileError, match="is neither PEM text nor a DER certificate"):
        read_pem(tmp_path / "latin1.pem")
