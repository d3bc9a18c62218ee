"""Each rule on its own, for either face's spelling: what it refuses, what it lets through, what
its config changes, and the one line it prints (rule, resource, fix; never a key)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes

from policy.guardrails import rules
from policy.guardrails.resources import (
    UNKNOWN,
    CaDeclaration,
    Face,
    GroupDeclaration,
    GroupFace,
    camel,
    declaration,
    group_declaration,
)
from policy.guardrails.stacks import PRODUCTION_FLAG, Stack
from tests.pki import KeyType, make_ca
from tests.policy.weak_pki import ca_expiring_in, rsa_1024_ca, sha1_ca

HUB = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/IotHubs/fleet-hub"
OTHER_HUB = HUB.replace("fleet-hub", "other-hub")
CA = make_ca("Policy Test CA")
KEY = CA.private_key_pem
PROD, DEV = Stack("prod", {}), Stack("dev", {})


def ca(face: Face = Face.DYNAMIC, name: str = "rootCa", **given: Any) -> CaDeclaration:
    """A declaration as the face spells it; `given` in snake_case."""
    inputs = {"hub_id": HUB, "certificate_pem": CA.certificate_pem, **given}
    if face is Face.NATIVE:
        inputs = {CaDeclaration(name, face, {}).field(key): value for key, value in inputs.items()}
    found = declaration(face.value, name, inputs)
    assert found is not None
    return found


def context(
    stack: Stack = DEV, config: Mapping[str, Any] | None = None, protected: bool = False
) -> rules.Context:
    return rules.Context(stack, config or {}, datetime.now(UTC), protected)


def test_other_resources_are_not_judged() -> None:
    assert declaration("pop:index:TrustedCa", "fleet", {"mode": "auto"}) is None
    assert declaration("azure-native:devices:IotHubResource", "hub", {}) is None


@pytest.mark.parametrize("face", list(Face))
def test_self_attested_ca_is_refused_in_production_only(face: Face) -> None:
    auto = ca(face, mode="auto")
    (line,) = rules.no_self_attested_ca(auto, context(PROD))
    vault = "keyVaultUrl, keyVaultKeyName" if face is Face.NATIVE else "key_vault_url"
    assert line.startswith(
        "no-self-attested-ca: 'rootCa' is Verified on upload (mode 'auto') in production "
        "stack 'prod'"
    )
    assert "fix: prove possession with mode 'proof'" in line and vault in line
    assert list(rules.no_self_attested_ca(auto, context(DEV))) == []
    for mode in ("proof", "offline", None, UNKNOWN):
        assert list(rules.no_self_attested_ca(ca(face, mode=mode), context(PROD))) == []


def test_production_is_a_name_pattern_or_a_stack_flag() -> None:
    auto = ca(mode="auto")
    flagged = Stack("staging", {PRODUCTION_FLAG: "true"})
    (line,) = rules.no_self_attested_ca(auto, context(flagged))
    assert "in stack 'staging', marked production by pop-guardrails:production" in line
    assert list(rules.no_self_attested_ca(auto, context(Stack("staging", {})))) == []
    by_pattern = context(Stack("staging", {}), {"productionStacks": "staging|prod"})
    assert len(list(rules.no_self_attested_ca(auto, by_pattern))) == 1
    # The flag only adds: a production name cannot opt out.
    opted_out = Stack("prod-eu", {PRODUCTION_FLAG: "false"})
    assert len(list(rules.no_self_attested_ca(auto, context(opted_out)))) == 1


@pytest.mark.parametrize("face", list(Face))
def test_a_key_in_a_production_stack_is_refused_without_being_quoted(face: Face) -> None:
    field = "privateKeyPem" if face is Face.NATIVE else "private_key_pem"
    for key in (KEY, UNKNOWN):
        (line,) = rules.ca_key_not_in_stack_config(ca(face, private_key_pem=key), context(PROD))
        assert line.startswith(
            f"ca-key-not-in-stack-config: 'rootCa' proves possession with {field}"
        )
        assert f"fix: remove {field}" in line and KEY.splitlines()[1] not in line
    assert list(rules.ca_key_not_in_stack_config(ca(face, private_key_pem=KEY), context())) == []
    vault = ca(face, key_vault_url="https://v.vault.azure.net", key_vault_key_name="ca")
    assert list(rules.ca_key_not_in_stack_config(vault, context(PROD))) == []


@pytest.mark.parametrize("face", list(Face))
def test_a_key_or_password_a_config_key_holds_in_clear_is_named_by_its_config_key(
    face: Face,
) -> None:
    config = {"fleet:caKey": KEY, "fleet:caKeyPassword": "hunter2", "fleet:hubId": HUB}
    clear = Stack("dev", config, frozenset(), "fleet")
    declared = ca(face, private_key_pem=KEY, private_key_password="hunter2")
    key, password = rules.ca_key_secret(declared, context(clear))
    field = "privateKeyPem" if face is Face.NATIVE else "private_key_pem"
    assert key.startswith(
        f"ca-key-secret: 'rootCa' takes {field} from config key 'caKey', which is not a secret: "
        "the CA key sits in clear in the stack's config and its history; fix: pulumi config set "
        "--secret caKey < root.key, or use a Key Vault key ("
    )
    assert password.startswith("ca-key-secret: 'rootCa' takes ") and (
        "from config key 'caKeyPassword'" in password
    )
    assert "fix: pulumi config set --secret caKeyPassword, or use" in password
    assert KEY.splitlines()[1] not in key and "hunter2" not in password


def test_a_key_set_as_a_secret_or_not_from_config_passes_and_unknown_secrets_judge_nothing() -> (
    None
):
    declared = ca(private_key_pem=KEY)
    secret = Stack("dev", {"fleet:caKey": KEY}, frozenset({"fleet:caKey"}), "fleet")
    assert list(rules.ca_key_secret(declared, context(secret))) == []
    elsewhere = Stack("dev", {"fleet:hubId": HUB}, frozenset(), "fleet")
    assert list(rules.ca_key_secret(declared, context(elsewhere))) == []
    # Without the engine's list of secret keys (an SDK that drops it), nothing can be told.
    assert list(rules.ca_key_secret(declared, context(Stack("dev", {"fleet:caKey": KEY})))) == []
    assert list(rules.ca_key_secret(ca(private_key_pem=UNKNOWN), context(elsewhere))) == []


def test_strong_ca_refuses_short_rsa_odd_curves_and_sha1() -> None:
    def lines(certified: Any, config: Mapping[str, Any] | None = None) -> list[str]:
        declared = ca(certificate_pem=certified.certificate_pem)
        return list(rules.strong_ca(declared, context(config=config)))

    (short,) = lines(rsa_1024_ca())
    assert short == (
        "strong-ca: 'rootCa' has an RSA 1024 key (RSA needs at least 2048 bits); fix: issue the "
        "CA with an RSA key of at least 2048 bits or an EC key on P-256, P-384 or P-521"
    )
    (sha1,) = lines(sha1_ca())
    assert sha1.startswith("strong-ca: 'rootCa' is signed with SHA-1, which collisions")
    (curve,) = lines(make_ca("k1", key_type=KeyType.EC_SECP256K1))
    assert "has an EC secp256k1 key (not RSA, nor EC on P-256, P-384 or P-521)" in curve
    for strong in (KeyType.RSA_2048, KeyType.EC_P256, KeyType.EC_P384, KeyType.EC_P521):
        assert lines(make_ca("ok", key_type=strong)) == []
    assert len(lines(make_ca("rsa", key_type=KeyType.RSA_2048), {"minimumRsaBits": 3072})) == 1


def test_expiry_warns_within_the_configured_days() -> None:
    soon = ca(certificate_pem=ca_expiring_in(40).certificate_pem)
    (line,) = rules.ca_expiry(soon, context())
    assert line.startswith("ca-expiry: 'rootCa' expires in 40 days (")
    assert "fix: rotate it before then: trust its successor beside it on fleet-hub" in line
    assert list(rules.ca_expiry(soon, context(config={"warnWithinDays": 30}))) == []
    assert list(rules.ca_expiry(ca(), context())) == []  # a year left


def test_minimum_validity_refuses_a_short_lived_ca_without_a_successor() -> None:
    short = ca(certificate_pem=ca_expiring_in(10).certificate_pem)
    ((about, line),) = rules.ca_minimum_validity([short], context())
    assert about is short
    assert line.startswith(
        "ca-minimum-validity: 'rootCa' has 10 days of validity left (until "
    ) and line.endswith(
        "under the minimum of 30, and no successor is trusted beside it on fleet-hub; fix: "
        "declare a CA valid for at least 30 days on fleet-hub in this stack, then remove this one"
    )
    successor = ca(name="nextCa")
    assert list(rules.ca_minimum_validity([short, successor], context())) == []
    elsewhere = ca(name="nextCa", hub_id=OTHER_HUB)
    assert len(list(rules.ca_minimum_validity([short, elsewhere], context()))) == 1
    assert list(rules.ca_minimum_validity([short], context(config={"minimumDays": 7}))) == []


def test_production_cas_should_be_protected() -> None:
    (line,) = rules.ca_protected_in_production(ca(), context(PROD))
    assert line.endswith("fix: set the resource option protect (protect: true)")
    assert list(rules.ca_protected_in_production(ca(), context(PROD, protected=True))) == []
    assert list(rules.ca_protected_in_production(ca(), context(DEV))) == []


def test_allowlist_is_inert_until_set_then_names_the_fingerprint() -> None:
    assert list(rules.ca_allowlist(ca(), context())) == []
    fingerprint = CA.certificate.fingerprint(hashes.SHA256()).hex()
    colons = ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2))
    assert list(rules.ca_allowlist(ca(), context(config={"sha256Fingerprints": [colons]}))) == []
    (line,) = rules.ca_allowlist(ca(), context(config={"sha256Fingerprints": ["00" * 32]}))
    assert line.startswith(f"ca-allowlist: 'rootCa' (SHA-256 {fingerprint.upper()}) is not")


def test_every_rule_is_named_once_with_a_default_level() -> None:
    names = [rule.name for rule in rules.RULES]
    assert len(set(names)) == len(names) == 9
    levels = {rule.name: rule.level for rule in rules.RULES}
    assert levels["no-self-attested-ca"] == levels["strong-ca"] == rules.MANDATORY
    assert levels["group-references-proved-ca"] == rules.MANDATORY
    assert levels["ca-expiry"] == rules.ADVISORY


DPS = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Devices/provisioningServices/fleet-dps"
)


def group(face: GroupFace = GroupFace.DYNAMIC, **given: Any) -> GroupDeclaration:
    """An enrollment group on fleet-dps as the face spells it; `given` in snake_case."""
    inputs = {"dps_id": DPS, "enrollment_group_id": "fleet", **given}
    if face is GroupFace.NATIVE:
        inputs = {camel(key): value for key, value in inputs.items()}
    found = group_declaration(face.value, "fleetGroup", inputs)
    assert found is not None
    return found


@pytest.mark.parametrize("face", list(GroupFace))
def test_a_production_group_references_only_cas_proved_by_possession(face: GroupFace) -> None:
    """In production a group may not admit the devices of a self-attested CA, nor of a CA the
    stack does not declare; a CA proved by possession passes, and so does any CA elsewhere."""
    proved = ca(hub_id=None, dps_id=DPS, mode="proof", certificate_name="root-2026")
    attested = ca(name="attested", hub_id=None, dps_id=DPS, mode="auto", certificate_name="auto-1")
    on_hub = ca(name="onHub", mode="proof", certificate_name="elsewhere")
    cas = [proved, attested, on_hub]

    def lines(*references: str, stack: Stack = PROD) -> list[str]:
        primary, *secondary = references
        declared = group(
            face,
            ca_reference_primary=primary,
            ca_reference_secondary=secondary[0] if secondary else None,
        )
        found = rules.group_references_proved_ca(cas, [declared], context(stack))
        return [line for _, line in found]

    assert lines("root-2026") == []
    assert lines("ROOT-2026") == []  # certificate names are case-insensitive on Azure
    (line,) = lines("root-2026", "auto-1")
    assert line.startswith(
        "group-references-proved-ca: 'fleetGroup' on DPS 'fleet-dps' references 'auto-1', "
        "which 'attested' trusts on upload (mode 'auto') in production stack 'prod'"
    )
    assert line.endswith("fix: prove 'attested' by possession (mode 'proof' or 'offline') first")
    # The same name on a hub is not the DPS's certificate.
    (undeclared,) = lines("elsewhere")
    assert "a CA certificate this stack does not declare" in undeclared
    assert lines("auto-1", stack=DEV) == []
    # A reference not known yet (preview of a first up) is judged at up.
    unknown = group(face, ca_reference_primary=UNKNOWN)
    assert list(rules.group_references_proved_ca(cas, [unknown], context(PROD))) == []
