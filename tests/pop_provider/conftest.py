"""Session-wide keys and CA factories for the pop_provider tests.

Keys come from one KeyPool per session, so each key type is generated once (RSA 4096 costs
about a second on a busy machine); certificates are cheap and are made fresh per test.
"""

from __future__ import annotations

from typing import Literal

import pytest

from tests.pki import (
    CertifiedKey,
    KeyPool,
    KeyType,
    make_ca,
    make_intermediate_ca,
)

Role = Literal["root", "intermediate"]


@pytest.fixture(scope="session")
def key_pool() -> KeyPool:
    """One key per (type, n) for the whole session."""
    return KeyPool()


class CaFactory:
    """Builds test CAs on pooled keys: `ca_factory(KeyType.RSA_4096, "intermediate")`.

    A root uses the pool's first key of its type. An intermediate uses that same key and is
    signed by an EC P-256 root on another pool key: the chain's two keys differ (a test cannot
    pass by signing with the wrong one) and no second slow RSA key is generated.
    """

    def __init__(self, pool: KeyPool) -> None:
        self.pool = pool

    def __call__(self, key_type: KeyType = KeyType.EC_P256, role: Role = "root") -> CertifiedKey:
        key = self.pool.get(key_type)
        if role == "root":
            return make_ca(f"{key_type.value} Root", key=key)
        parent = make_ca("Intermediate's Root", key=self.pool.get(KeyType.EC_P256, n=1))
        return make_intermediate_ca(parent, f"{key_type.value} Intermediate", key=key)


@pytest.fixture(scope="session")
def ca_factory(key_pool: KeyPool) -> CaFactory:
    """Root or intermediate test CAs of any key type, keys shared across the session."""
    return CaFactory(key_pool)


@pytest.fixture(autouse=True)
def fresh_declarations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test is its own run: what earlier tests declared (in the provider process, or in a
    program under Pulumi's mocks) is not this test's."""
    from pop_provider.core.ownership import Declarations
    from pop_provider.dynamic import declarations, provider

    monkeypatch.setattr(provider, "_DECLARED", Declarations())
    monkeypatch.setattr(declarations, "_DECLARED", Declarations())
    monkeypatch.setattr(declarations, "_REPORTED", set())
