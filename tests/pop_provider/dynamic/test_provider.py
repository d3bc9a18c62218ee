"""The dynamic face's provider: how it travels in the state (by reference, with no state)."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pop_provider.dynamic.provider import VerifiedCaCertificateProvider
from tests import processes


def test_the_provider_pickles_by_reference_with_no_state() -> None:
    raw = base64.b64decode(serialize_provider(VerifiedCaCertificateProvider()))
    assert b"pop_provider.dynamic.provider" in raw
    assert len(raw) < 200
    assert isinstance(dill.loads(raw), VerifiedCaCertificateProvider)


def test_the_provider_unpickles_in_a_fresh_process_from_another_directory(tmp_path: Path) -> None:
    encoded = serialize_provider(VerifiedCaCertificateProvider())
    script = (
        "import base64, dill, sys\n"
        "p = dill.loads(base64.b64decode(sys.argv[1]))\n"
        "print(type(p).__module__, type(p).__name__)\n"
    )
    result = processes.run([sys.executable, "-c", script, encoded], cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "pop_provider.dynamic.provider",
        "VerifiedCaCertificateProvider",
    ]


def test_credentials_in_use_never_enter_the_pickle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "a-client-secret-value-123")
    monkeypatch.setenv("AZURE_TENANT_ID", "tenant")
    monkeypatch.setenv("AZURE_CLIENT_ID", "client")
    provider = VerifiedCaCertificateProvider()
    assert provider.verbs.runtime.settings.client_secret == "a-client-secret-value-123"
    raw = base64.b64decode(serialize_provider(provider))
    assert b"a-client-secret-value-123" not in raw
    assert raw == base64.b64decode(serialize_provider(VerifiedCaCertificateProvider()))


def test_a_state_written_before_the_core_faces_layout_still_finds_its_provider() -> None:
    """States written by 0.1-0.3 name `pop_provider.provider`; they must load, or a refresh or
    destroy of an existing stack would fail."""
    # Protocol 0 names a class as text, so the module path can be rewritten in place.
    old = dill.dumps(VerifiedCaCertificateProvider(), protocol=0).replace(
        b"pop_provider.dynamic.provider", b"pop_provider.provider"
    )
    assert b"pop_provider.provider" in old
    assert isinstance(dill.loads(old), VerifiedCaCertificateProvider)
