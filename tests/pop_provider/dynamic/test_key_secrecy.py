"""A CA key a Python program passes in clear, or reads from a config key set without `--secret`:
one warning naming the property, the config key when there is one, and the fix; nothing for a
key that is a secret all the way. Under Pulumi's mocks (their engine logs to `logging`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import mocks

from pop_provider.core.key_secrecy import WarnedKeys
from pop_provider.dynamic import key_secrecy
from tests.pki import make_ca

HUB_ID = (
    "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg-fleet"
    "/providers/Microsoft.Devices/IotHubs/hub-fleet"
)
CA = make_ca("dynamic clear key")


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture(autouse=True)
def program(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A program of project `project` whose stack config holds `caKey` in clear."""
    mocks.set_mocks(Mocks(), project="project", preview=False)
    monkeypatch.setattr(key_secrecy, "_WARNED", WarnedKeys())
    pulumi.runtime.set_all_config({"project:caKey": CA.private_key_pem}, [])
    yield
    pulumi.runtime.set_all_config({}, [])


def warnings_from(caplog: pytest.LogCaptureFixture, key: Any, **extra: Any) -> list[str]:
    from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs

    @pulumi.runtime.test
    def declare() -> Any:
        cert = VerifiedCaCertificate(
            "root",
            VerifiedCaCertificateArgs(
                hub_id=HUB_ID, certificate_pem=CA.certificate_pem, private_key_pem=key, **extra
            ),
        )
        return cert.urn

    caplog.clear()
    declare()
    return [r.getMessage() for r in caplog.records if "not a secret" in r.getMessage()]


def test_a_secret_read_from_a_config_key_set_in_clear_names_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    (line,) = warnings_from(caplog, pulumi.Output.secret(CA.private_key_pem))
    assert line == (
        "private_key_pem comes from config key 'caKey', which is not a secret: the CA key sits in "
        "clear in the stack's config and in its history; fix: `pulumi config set --secret caKey "
        "< root.key` (or use a Key Vault key: key_vault_url, key_vault_key_name)"
    )


def test_a_key_in_clear_says_how_to_read_it_as_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    (line,) = warnings_from(caplog, CA.private_key_pem)  # config.require("caKey")
    assert 'and read it with `config.require_secret("caKey")`' in line
    other = make_ca("from a file")
    (line,) = warnings_from(caplog, other.private_key_pem)
    assert line.startswith("private_key_pem is not a secret: if it comes from stack config")
    assert other.private_key_pem.splitlines()[1] not in line


def test_a_secret_that_no_config_key_holds_in_clear_is_no_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pulumi.runtime.set_all_config({"project:caKey": CA.private_key_pem}, ["project:caKey"])
    assert warnings_from(caplog, pulumi.Output.secret(CA.private_key_pem)) == []
    assert warnings_from(caplog, pulumi.Output.secret(make_ca("elsewhere").private_key_pem)) == []


def test_a_trusted_ca_warns_once_for_all_its_children(caplog: pytest.LogCaptureFixture) -> None:
    from pop_provider import CaTarget, TrustedCa, TrustedCaArgs

    @pulumi.runtime.test
    def declare() -> Any:
        component = TrustedCa(
            "fleet",
            TrustedCaArgs(
                certificate_pem=CA.certificate_pem,
                private_key_pem=CA.private_key_pem,
                private_key_password="in-clear",
                targets=[CaTarget(hub_id=HUB_ID), CaTarget(hub_id=HUB_ID.replace("fleet", "b"))],
            ),
        )
        return pulumi.Output.all(*(c.urn for c in component.certificates.values()))

    declare()
    lines = [r.getMessage() for r in caplog.records if "not a secret" in r.getMessage()]
    assert [line.split(" ", 1)[0] for line in lines] == ["private_key_pem", "private_key_password"]
