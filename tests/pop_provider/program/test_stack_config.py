"""The program's stack config: certificate files as users have them, errors in one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
from cryptography.hazmat.primitives import serialization

from pop_provider.program.stack_config import StackConfigError, parse_entries
from tests.pki import make_ca


def no_secrets(key: str) -> Any:
    raise AssertionError(f"no secret expected, asked for {key}")


def test_a_der_certificate_file_becomes_pem(tmp_path: Path) -> None:
    ca = make_ca("der")
    (tmp_path / "root.cer").write_bytes(ca.certificate.public_bytes(serialization.Encoding.DER))
    raw = [{"name": "root", "hubId": "x", "mode": "auto", "certificateFile": "root.cer"}]
    (entry,) = parse_entries(raw, tmp_path, no_secrets)
    assert entry.args.certificate_pem == ca.certificate_pem


def test_a_missing_file_is_one_line_naming_the_entry_the_key_and_the_path(
    tmp_path: Path,
) -> None:
    raw = [{"name": "root", "hubId": "x", "certificateFile": "certs/nope.pem"}]
    with pytest.raises(StackConfigError) as raised:
        parse_entries(raw, tmp_path, no_secrets)
    message = str(raised.value)
    assert message.startswith(
        "certificates[0] (root): certificateFile 'certs/nope.pem' does not exist (looked for "
        f"{tmp_path / 'certs' / 'nope.pem'})"
    )
    assert "\n" not in message
    # Pulumi's Python host prints a RunError as its message, with no traceback.
    assert isinstance(raised.value, pulumi.RunError)


def test_a_der_key_file_says_how_to_convert_it(tmp_path: Path) -> None:
    ca = make_ca("der key")
    (tmp_path / "root.pem").write_text(ca.certificate_pem)
    key = serialization.load_pem_private_key(ca.private_key_pem.encode(), None)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "root.der").write_bytes(der)
    raw = [
        {"name": "root", "hubId": "x", "certificateFile": "root.pem", "privateKeyFile": "root.der"}
    ]
    with pytest.raises(StackConfigError, match=r"is binary \(DER\); give the key as PEM: `openssl"):
        parse_entries(raw, tmp_path, no_secrets)


def test_targets_or_a_single_target_not_both_and_each_target_checked(tmp_path: Path) -> None:
    (tmp_path / "root.pem").write_text(make_ca("targets").certificate_pem)
    base = {"name": "root", "mode": "auto", "certificateFile": "root.pem"}
    (entry,) = parse_entries(
        [{**base, "targets": [{"hubId": "a"}, {"dpsName": "d", "resourceGroupName": "g"}]}],
        tmp_path,
        no_secrets,
    )
    assert entry.targets is not None and [t.hub_id for t in entry.targets] == ["a", None]
    assert entry.trusted_ca_args().targets == entry.targets
    with pytest.raises(StackConfigError, match=r"give `targets` or \['hubId'\], not both"):
        parse_entries([{**base, "hubId": "a", "targets": [{"hubId": "b"}]}], tmp_path, no_secrets)
    typo = r"targets\[0\]: unknown key 'hub' \(did you mean 'hubId'\?\)"
    with pytest.raises(StackConfigError, match=typo):
        parse_entries([{**base, "targets": [{"hub": "b"}]}], tmp_path, no_secrets)
