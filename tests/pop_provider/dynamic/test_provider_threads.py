"""One provider instance serving concurrent calls, as the dynamic provider host does (4 at once),
against the emulator and without the engine."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from azure_iot_emulator.testing import AdminClient, EmulatorInfo
from pop_provider.dynamic.provider import VerifiedCaCertificateProvider
from tests.conftest import azure_environment
from tests.pki import make_ca
from tests.pop_provider.engine import arm_calls, hub_certificates, hub_id


def test_concurrent_creates_share_one_credential_and_all_verify(
    emulator: EmulatorInfo, admin: AdminClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in azure_environment(emulator).items():
        monkeypatch.setenv(key, value)
    provider = VerifiedCaCertificateProvider()
    cas = [make_ca(f"threaded {n}") for n in range(8)]

    def create(n: int) -> dict[str, object]:
        news = {
            "hub_id": hub_id(emulator),
            "certificate_pem": cas[n].certificate_pem,
            "private_key_pem": cas[n].private_key_pem,
            "name_prefix": f"threaded-{n}",
            "name_scope": "project/stack",
        }
        checked = provider.check({}, news)
        assert checked.failures == []
        return dict(provider.create(checked.inputs).outs or {})

    admin.clear_requests()
    with ThreadPoolExecutor(max_workers=4) as pool:
        outputs = list(pool.map(create, range(len(cas))))

    assert all(out["is_verified"] for out in outputs)
    assert arm_calls(admin) == Counter(
        {
            "Certificates_ListByIotHub": 1,  # one list per hub per run: a CA already there?
            "Certificates_CreateOrUpdate": 8,
            "Certificates_GenerateVerificationCode": 8,
            "Certificates_Verify": 8,
        }
    )
    tokens = [e for e in admin.requests() if e.get("operation") == "Token"]
    assert len(tokens) == 1  # one credential, one token, shared by the threads
    on_hub = hub_certificates(emulator)
    assert sorted(on_hub) == sorted(str(out["certificate_name"]) for out in outputs)
