"""The resource's inputs: names, validation and the typed `DesiredCertificate` they describe.

Every rule is checked in `check`, before any call to Azure, so a bad stack fails at preview with
a message a person can act on and zero ARM calls. The same parsing then runs in create/update to
turn the checked inputs into typed objects (certificates and keys are parsed once, at the edge).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pulumi.runtime.rpc import UNKNOWN

from pop_provider import certificates
from pop_provider.errors import InvalidInput
from pop_provider.signers import LocalKeySigner, ProofSigner
from pop_provider.target import Target, TargetError, TargetKind, make_target, parse_target_id

# Input property names, as they appear in the program, the state and every error message.
HUB_ID = "hub_id"
SUBSCRIPTION_ID = "subscription_id"
RESOURCE_GROUP_NAME = "resource_group_name"
HUB_NAME = "hub_name"
CERTIFICATE_PEM = "certificate_pem"
MODE = "mode"
PRIVATE_KEY_PEM = "private_key_pem"
PRIVATE_KEY_PASSWORD = "private_key_password"
CERTIFICATE_NAME = "certificate_name"
NAME_PREFIX = "name_prefix"
NAME_SCOPE = "name_scope"
# Set by check: whether certificate_name was generated (and so may change on replacement).
NAME_GENERATED = "certificate_name_generated"
# Set by check: the canonical ARM id of the target, however the user named it.
TARGET_ID = "target_id"
TARGET_INPUTS = (HUB_ID, SUBSCRIPTION_ID, RESOURCE_GROUP_NAME, HUB_NAME)

SECRET_INPUTS = (PRIVATE_KEY_PEM, PRIVATE_KEY_PASSWORD)

# Azure's rule for IoT Hub certificate names (azure-rest-api-specs iothub.json, certificateName).
_CERTIFICATE_NAME = re.compile(r"^[A-Za-z0-9-._]{1,64}$")
_NAME_SUFFIX_HEX = 8


class Mode(Enum):
    """How the certificate reaches Verified."""

    AUTO = "auto"  # verified on upload: Azure takes the uploader's word for it
    PROOF = "proof"  # proof of possession: a certificate signed by the CA's key


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

    @property
    def thumbprint(self) -> str:
        return certificates.thumbprint(self.certificate)

    @property
    def certificate_pem(self) -> str:
        return certificates.certificate_pem(self.certificate)


def _text(props: Mapping[str, Any], key: str) -> str | None:
    value = props.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(key, f"must be a string, got {type(value).__name__}")
    return value


def resolve_target(props: Mapping[str, Any], default_subscription: str | None) -> Target:
    """The hub named by `hub_id`, or by subscription, resource group and hub name."""
    hub_id = _text(props, HUB_ID)
    group, hub, subscription = (
        _text(props, RESOURCE_GROUP_NAME),
        _text(props, HUB_NAME),
        _text(props, SUBSCRIPTION_ID),
    )
    try:
        if hub_id:
            if group or hub or subscription:
                raise InvalidInput(
                    HUB_ID,
                    f"give either {HUB_ID} or {RESOURCE_GROUP_NAME}/{HUB_NAME}"
                    f"/{SUBSCRIPTION_ID}, not both",
                )
            target = parse_target_id(hub_id)
            if target.kind is not TargetKind.IOT_HUB:
                raise InvalidInput(
                    HUB_ID, f"'{hub_id}' is not an IoT hub (Microsoft.Devices/IotHubs)"
                )
            return target
        if not hub or not group:
            raise InvalidInput(
                HUB_ID,
                f"no target: set {HUB_ID} (for example an azure-native IotHubResource's id) or "
                f"both {RESOURCE_GROUP_NAME} and {HUB_NAME}",
            )
        subscription = subscription or default_subscription
        if not subscription:
            raise InvalidInput(
                SUBSCRIPTION_ID,
                f"no subscription: set {SUBSCRIPTION_ID}, the stack config "
                "azure-native:subscriptionId or the AZURE_SUBSCRIPTION_ID environment variable",
            )
        return make_target(TargetKind.IOT_HUB, subscription, group, hub)
    except TargetError as error:
        field = (
            HUB_ID if hub_id else (SUBSCRIPTION_ID if "subscription" in str(error) else HUB_NAME)
        )
        if "resource group" in str(error):
            field = RESOURCE_GROUP_NAME
        raise InvalidInput(field, str(error)) from None


def parse_mode(props: Mapping[str, Any]) -> Mode:
    raw = _text(props, MODE) or Mode.PROOF.value
    try:
        return Mode(raw)
    except ValueError:
        choices = ", ".join(f"'{mode.value}'" for mode in Mode)
        raise InvalidInput(MODE, f"'{raw}' is not a mode; use one of {choices}") from None


def parse_signer(props: Mapping[str, Any], mode: Mode) -> ProofSigner | None:
    """The signer proof mode needs; auto mode must not be handed a key it would not use."""
    key_pem = _text(props, PRIVATE_KEY_PEM)
    password = _text(props, PRIVATE_KEY_PASSWORD)
    if mode is Mode.AUTO:
        if key_pem or password:
            field = PRIVATE_KEY_PEM if key_pem else PRIVATE_KEY_PASSWORD
            raise InvalidInput(
                field,
                "mode 'auto' verifies on upload and never uses a private key; remove the key "
                "(keep CA keys out of stacks that do not need them) or use mode 'proof'",
            )
        return None
    if not key_pem:
        if password:
            raise InvalidInput(PRIVATE_KEY_PEM, "a password was given but no private key")
        raise InvalidInput(
            PRIVATE_KEY_PEM,
            "mode 'proof' needs the CA's private key to sign the proof of possession; set "
            f"{PRIVATE_KEY_PEM} (as a secret) or use mode 'auto'",
        )
    return LocalKeySigner.from_pem(key_pem, password, field=PRIVATE_KEY_PEM)


def parse_certificate_name(props: Mapping[str, Any]) -> str | None:
    name = _text(props, CERTIFICATE_NAME)
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


def certificate_problems(cert: x509.Certificate, now: datetime) -> None:
    problems = certificates.ca_problems(cert, now)
    if problems:
        raise InvalidInput(CERTIFICATE_PEM, "; ".join(problems))


def desired_certificate(
    props: Mapping[str, Any], default_subscription: str | None, now: datetime | None = None
) -> DesiredCertificate:
    """Typed objects from checked inputs; raises InvalidInput on the first problem."""
    now = now or datetime.now(UTC)
    checked_target = _text(props, TARGET_ID)
    target = (
        parse_target_id(checked_target)
        if checked_target
        else resolve_target(props, default_subscription)
    )
    certificate = certificates.parse_certificate(
        _text(props, CERTIFICATE_PEM) or "", CERTIFICATE_PEM
    )
    certificate_problems(certificate, now)
    mode = parse_mode(props)
    signer = parse_signer(props, mode)
    if signer is not None and not same_public_key(signer, certificate):
        raise InvalidInput(
            PRIVATE_KEY_PEM,
            "the private key does not belong to the certificate (their public keys differ); "
            "proof of possession needs the key of the CA being uploaded, not of its issuer",
        )
    name = parse_certificate_name(props)
    return DesiredCertificate(
        target=target,
        certificate=certificate,
        certificate_name=name or str(props.get(CERTIFICATE_NAME) or ""),
        name_generated=bool(props.get(NAME_GENERATED)),
        mode=mode,
        signer=signer,
    )
