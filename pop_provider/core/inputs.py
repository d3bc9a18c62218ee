"""The resource's inputs: names, validation and the typed `DesiredCertificate` they describe.

Every rule is checked in `check`, before any call to Azure, so a bad stack fails at preview with
a message a person can act on and zero ARM calls. The same parsing then runs in create/update to
turn the checked inputs into typed objects (certificates and keys are parsed once, at the edge).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from pulumi.runtime.rpc import UNKNOWN

from pop_provider.core import certificates
from pop_provider.core import declaration as declared
from pop_provider.core.declaration import Group, Mode
from pop_provider.core.errors import InvalidInput
from pop_provider.core.keyvault_reference import validate_key_reference
from pop_provider.core.signers import LocalKeySigner, ProofSigner
from pop_provider.core.target import Target, TargetError, TargetKind, make_target, parse_target_id

# Input property names, as they appear in the program, the state and every error message
# (declared, with everything else about them, in pop_provider.core.declaration).
HUB_ID = declared.HUB_ID.name
SUBSCRIPTION_ID = declared.SUBSCRIPTION_ID.name
RESOURCE_GROUP_NAME = declared.RESOURCE_GROUP_NAME.name
HUB_NAME = declared.HUB_NAME.name
DPS_ID = declared.DPS_ID.name
DPS_NAME = declared.DPS_NAME.name
CERTIFICATE_PEM = declared.CERTIFICATE_PEM.name
MODE = declared.MODE.name
PRIVATE_KEY_PEM = declared.PRIVATE_KEY_PEM.name
PRIVATE_KEY_PASSWORD = declared.PRIVATE_KEY_PASSWORD.name
CERTIFICATE_NAME = declared.CERTIFICATE_NAME.name
KEY_VAULT_URL = declared.KEY_VAULT_URL.name
KEY_VAULT_KEY_NAME = declared.KEY_VAULT_KEY_NAME.name
KEY_VAULT_KEY_VERSION = declared.KEY_VAULT_KEY_VERSION.name
PROOF_CERTIFICATE_PEM = declared.PROOF_CERTIFICATE_PEM.name
NAME_PREFIX = declared.NAME_PREFIX.name
NAME_SCOPE = declared.NAME_SCOPE.name
NAME_GENERATED = declared.NAME_GENERATED.name
TARGET_ID = declared.TARGET_ID.name

_CERTIFICATE = declared.VERIFIED_CA_CERTIFICATE
TARGET_INPUTS = _CERTIFICATE.names(Group.TARGET)
SECRET_INPUTS = _CERTIFICATE.secrets()
SIGNER_INPUTS = _CERTIFICATE.names(Group.KEY)
# What a program declares and the core reads (the faces read the warning's days themselves).
CORE_INPUTS = frozenset(_CERTIFICATE.names()) - set(_CERTIFICATE.names(Group.WARNING))

# Azure's rule for IoT Hub certificate names (azure-rest-api-specs iothub.json, certificateName).
_CERTIFICATE_NAME = re.compile(r"^[A-Za-z0-9-._]{1,64}$")
_NAME_SUFFIX_HEX = 8


def is_unknown(value: Any) -> bool:
    """A value the engine does not know yet (preview of a stack whose hub is being created)."""
    return isinstance(value, str) and value == UNKNOWN


@dataclass(frozen=True)
class DesiredCertificate:
    """What the checked inputs ask for, as typed objects."""

    target: Target
    certificate: x509.Certificate
    certificate_name: str
    name_generated: bool
    mode: Mode
    signer: ProofSigner | None
    proof: x509.Certificate | None = None
    # The declaring resource's name and its stack (project/stack): who owns the certificate.
    owner: str = ""
    scope: str = ""

    @property
    def thumbprint(self) -> str:
        return certificates.thumbprint(self.certificate)

    @property
    def certificate_pem(self) -> str:
        return certificates.certificate_pem(self.certificate)


def text(props: Mapping[str, Any], key: str) -> str | None:
    value = props.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(key, f"must be a string, got {type(value).__name__}")
    return value


def resolve_target(props: Mapping[str, Any], default_subscription: str | None) -> Target:
    """The hub or DPS named by its ARM id, or by subscription, resource group and name."""
    hub_id, dps_id = text(props, HUB_ID), text(props, DPS_ID)
    group, hub, dps = (
        text(props, RESOURCE_GROUP_NAME),
        text(props, HUB_NAME),
        text(props, DPS_NAME),
    )
    subscription = text(props, SUBSCRIPTION_ID)
    given = [
        key
        for key, value in ((HUB_ID, hub_id), (DPS_ID, dps_id), (HUB_NAME, hub), (DPS_NAME, dps))
        if value
    ]
    if len(given) > 1:
        raise InvalidInput(given[0], f"give one target, not {' and '.join(given)}")
    field_for = {
        "id": given[0] if given else HUB_ID,
        "subscription": SUBSCRIPTION_ID,
        "resource_group": RESOURCE_GROUP_NAME,
        "name": given[0] if given else HUB_NAME,
    }
    try:
        arm_id = hub_id or dps_id
        if arm_id:
            if group or subscription:
                raise InvalidInput(
                    given[0],
                    f"give either {given[0]} or {RESOURCE_GROUP_NAME}/{SUBSCRIPTION_ID} "
                    "with a name, not both",
                )
            target = parse_target_id(arm_id)
            expected = TargetKind.IOT_HUB if hub_id else TargetKind.DPS
            if target.kind is not expected:
                what = (
                    "an IoT hub (Microsoft.Devices/IotHubs)"
                    if hub_id
                    else ("a DPS (Microsoft.Devices/provisioningServices)")
                )
                raise InvalidInput(given[0], f"'{arm_id}' is not {what}")
            return target
        if not (hub or dps) or not group:
            raise InvalidInput(
                HUB_ID,
                f"no target: set {HUB_ID} (for example an azure-native IotHubResource's id) or "
                f"{DPS_ID}, or {RESOURCE_GROUP_NAME} with {HUB_NAME} or {DPS_NAME}",
            )
        subscription = subscription or default_subscription
        if not subscription:
            raise InvalidInput(
                SUBSCRIPTION_ID,
                f"no subscription: set {SUBSCRIPTION_ID}, the stack config "
                "azure-native:subscriptionId or the AZURE_SUBSCRIPTION_ID environment variable",
            )
        kind = TargetKind.IOT_HUB if hub else TargetKind.DPS
        return make_target(kind, subscription, group, str(hub or dps))
    except TargetError as error:
        raise InvalidInput(field_for[error.part], str(error)) from None


def parse_mode(props: Mapping[str, Any]) -> Mode:
    raw = text(props, MODE) or Mode.PROOF.value
    try:
        return Mode(raw)
    except ValueError:
        choices = ", ".join(f"'{mode.value}'" for mode in Mode)
        raise InvalidInput(MODE, f"'{raw}' is not a mode; use one of {choices}") from None


@dataclass(frozen=True)
class KeyVaultKey:
    """A CA key held in Azure Key Vault: the proof is signed there, the key never leaves."""

    vault_url: str
    key_name: str
    key_version: str | None


# Builds a signer for a Key Vault key; the provider supplies one with its credential.
KeyVaultSignerFactory = Callable[[KeyVaultKey], ProofSigner]


def parse_key_vault_key(props: Mapping[str, Any]) -> KeyVaultKey | None:
    """The Key Vault key named by the inputs, syntax-checked, or None if none is named."""
    url, name, version = (
        text(props, KEY_VAULT_URL),
        text(props, KEY_VAULT_KEY_NAME),
        text(props, KEY_VAULT_KEY_VERSION),
    )
    if not (url or name or version):
        return None
    if not url or not name:
        missing = KEY_VAULT_URL if not url else KEY_VAULT_KEY_NAME
        raise InvalidInput(
            missing, f"a Key Vault key needs both {KEY_VAULT_URL} and {KEY_VAULT_KEY_NAME}"
        )
    return KeyVaultKey(*validate_key_reference(url, name, version))


def parse_signer(
    props: Mapping[str, Any], mode: Mode, key_vault: KeyVaultSignerFactory | None = None
) -> ProofSigner | None:
    """The signer proof mode needs: a local key or a Key Vault key, exactly one. Other modes
    must not be handed a key they would not use. Without `key_vault` (in check, before any
    call) a Key Vault key is syntax-checked only and None is returned."""
    key_pem = text(props, PRIVATE_KEY_PEM)
    password = text(props, PRIVATE_KEY_PASSWORD)
    vault_key = parse_key_vault_key(props)
    if mode is not Mode.PROOF:
        if key_pem or password or vault_key:
            field = (
                PRIVATE_KEY_PEM
                if key_pem
                else (PRIVATE_KEY_PASSWORD if password else KEY_VAULT_KEY_NAME)
            )
            why = (
                "verifies on upload"
                if mode is Mode.AUTO
                else f"is proved by a certificate you sign offline ({PROOF_CERTIFICATE_PEM})"
            )
            raise InvalidInput(
                field,
                f"mode '{mode.value}' {why} and never uses a private key; remove the key "
                "(keep CA keys out of stacks that do not need them) or use mode 'proof'",
            )
        return None
    if vault_key is not None:
        if key_pem or password:
            raise InvalidInput(
                PRIVATE_KEY_PEM,
                f"give the CA key either as {PRIVATE_KEY_PEM} or as a Key Vault key "
                f"({KEY_VAULT_URL}, {KEY_VAULT_KEY_NAME}), not both",
            )
        return key_vault(vault_key) if key_vault else None
    if not key_pem:
        if password:
            raise InvalidInput(PRIVATE_KEY_PEM, "a password was given but no private key")
        raise InvalidInput(
            PRIVATE_KEY_PEM,
            "mode 'proof' needs the CA's private key to sign the proof of possession; set "
            f"{PRIVATE_KEY_PEM} (as a secret), or {KEY_VAULT_URL} and {KEY_VAULT_KEY_NAME}, "
            "or use mode 'auto' or 'offline'",
        )
    return LocalKeySigner.from_pem(key_pem, password, field=PRIVATE_KEY_PEM)


def parse_proof_certificate(
    props: Mapping[str, Any], mode: Mode, ca: x509.Certificate | None
) -> x509.Certificate | None:
    """The offline-signed proof, checked against the CA here, before Azure sees it."""
    proof_text = text(props, PROOF_CERTIFICATE_PEM)
    if proof_text is None:
        return None
    if mode is not Mode.OFFLINE:
        raise InvalidInput(
            PROOF_CERTIFICATE_PEM, "is only used in mode 'offline'; remove it or switch mode"
        )
    proof = certificates.parse_certificate(proof_text, PROOF_CERTIFICATE_PEM)
    if ca is not None:
        try:
            proof.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            raise InvalidInput(
                PROOF_CERTIFICATE_PEM,
                "is not signed by this CA's key (its issuer or signature does not match the "
                "certificate in certificate_pem); sign the verification code with the CA's key",
            ) from None
    return proof


def parse_certificate_name(props: Mapping[str, Any]) -> str | None:
    name = text(props, CERTIFICATE_NAME)
    if name is not None and not _CERTIFICATE_NAME.match(name):
        raise InvalidInput(
            CERTIFICATE_NAME,
            f"'{name}' is not a valid certificate name: 1-64 letters, digits, '-', '.' or '_'",
        )
    return name


def generate_certificate_name(prefix: str, scope: str, target_id: str, thumbprint: str) -> str:
    """`<resource name>-<8 hex>`, the suffix a digest of what the certificate is and where.

    It looks random and differs for a new certificate or hub, so a replacement can be created
    beside the old one; yet it is the same on every run for the same inputs, so a create retried
    after a crash finds the certificate it uploaded. `scope` (project/stack) keeps two stacks
    trusting the same CA on the same hub from sharing a certificate.
    """
    cleaned = re.sub(r"[^A-Za-z0-9-._]", "-", prefix or "ca")
    seed = "\n".join((scope, prefix, target_id.lower(), thumbprint.upper()))
    suffix = hashlib.sha256(seed.encode()).hexdigest()[:_NAME_SUFFIX_HEX]
    return f"{cleaned[: 64 - _NAME_SUFFIX_HEX - 1]}-{suffix}"


def same_public_key(signer: ProofSigner, certificate: x509.Certificate) -> bool:
    """Whether the signer holds the key of this certificate (what Azure's proof check needs)."""
    encoding, form = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return bool(
        signer.public_key().public_bytes(encoding, form)
        == certificate.public_key().public_bytes(encoding, form)
    )


def parse_ca_certificate(props: Mapping[str, Any], now: datetime) -> x509.Certificate:
    """The one CA certificate given, fit to be trusted on a hub now."""
    certificate = certificates.parse_certificate(
        text(props, CERTIFICATE_PEM) or "", CERTIFICATE_PEM
    )
    problems = certificates.ca_problems(certificate, now)
    if problems:
        raise InvalidInput(CERTIFICATE_PEM, "; ".join(problems))
    return certificate


def desired_certificate(
    props: Mapping[str, Any],
    default_subscription: str | None,
    now: datetime | None = None,
    key_vault: KeyVaultSignerFactory | None = None,
) -> DesiredCertificate:
    """Typed objects from checked inputs; raises InvalidInput on the first problem."""
    now = now or datetime.now(UTC)
    checked_target = text(props, TARGET_ID)
    target = (
        parse_target_id(checked_target)
        if checked_target
        else resolve_target(props, default_subscription)
    )
    certificate = parse_ca_certificate(props, now)
    mode = parse_mode(props)
    signer = parse_signer(props, mode, key_vault)
    if signer is not None and not same_public_key(signer, certificate):
        raise key_mismatch(KEY_VAULT_KEY_NAME if parse_key_vault_key(props) else PRIVATE_KEY_PEM)
    proof = parse_proof_certificate(props, mode, certificate)
    name = parse_certificate_name(props)
    return DesiredCertificate(
        target=target,
        certificate=certificate,
        certificate_name=name or str(props.get(CERTIFICATE_NAME) or ""),
        name_generated=bool(props.get(NAME_GENERATED)),
        mode=mode,
        signer=signer,
        proof=proof,
        owner=str(props.get(NAME_PREFIX) or ""),
        scope=str(props.get(NAME_SCOPE) or ""),
    )


def key_mismatch(field: str) -> InvalidInput:
    """The key given is not the certificate's: Azure would reject the proof."""
    return InvalidInput(
        field,
        "the private key does not belong to the certificate (their public keys differ); "
        "proof of possession needs the key of the CA being uploaded, not of its issuer",
    )
