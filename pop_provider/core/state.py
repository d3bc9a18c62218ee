"""What the state of a `VerifiedCaCertificate` holds: the outputs Azure reports, the outputs a
verb returns, and what a program declares for a certificate it adopts (`pulumi import`).

Output names are declared in pop_provider.core.declaration; these are their core spellings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from pop_provider.core import certificates, inputs
from pop_provider.core import declaration as declared
from pop_provider.core.declaration import Mode
from pop_provider.core.errors import InvalidInput
from pop_provider.core.inputs import DesiredCertificate
from pop_provider.core.lifecycle import Outcome
from pop_provider.core.remote import RemoteCertificate
from pop_provider.core.target import Target, TargetError, TargetKind, parse_target_id

ARM_ID = declared.ARM_ID.name
SUBJECT = declared.SUBJECT.name
THUMBPRINT = declared.THUMBPRINT.name
NOT_AFTER = declared.NOT_AFTER.name
IS_VERIFIED = declared.IS_VERIFIED.name
CODE = declared.VERIFICATION_CODE.name
# Outputs that are absent from the state read as unknown in a preview, and the engine drops
# null outputs: "no code outstanding" is stored as this, and read back as None.
NO_CODE = ""
# Counted by the faces when they record the state; recorded by the core before 0.3, and
# dropped from the state the core returns.
STALE_DAYS_UNTIL_EXPIRY = declared.DAYS_UNTIL_EXPIRY.name


def local_outputs(certificate: Any) -> dict[str, Any]:
    """What Azure will report about this certificate, known from the certificate itself: a
    preview of a replacement then shows `thumbprint: OLD => NEW`, subject and expiry."""
    return {
        THUMBPRINT: certificates.thumbprint(certificate),
        SUBJECT: certificates.common_name(certificate),
        NOT_AFTER: certificates.not_after(certificate).astimezone(UTC).isoformat(),
    }


def remote_outputs(remote: RemoteCertificate) -> dict[str, Any]:
    """What Azure reports. (Days until expiry are counted by the program on every run, from
    the certificate it holds: a count stored here would go stale between runs.)"""
    expiry = remote.expiry.astimezone(UTC) if remote.expiry else None
    outputs: dict[str, Any] = {
        ARM_ID: remote.arm_id,
        SUBJECT: remote.subject,
        THUMBPRINT: remote.thumbprint,
        IS_VERIFIED: remote.is_verified,
    }
    if expiry is not None:
        outputs[NOT_AFTER] = expiry.isoformat()
    return outputs


def outputs(
    props: Mapping[str, Any], desired: DesiredCertificate, outcome: Outcome
) -> dict[str, Any]:
    """Every output, always: an update that returned fewer would wipe the rest (pulumi#7809).
    The key and its password are inputs only; they never become outputs."""
    outs = {
        key: value
        for key, value in props.items()
        if key not in (*inputs.SECRET_INPUTS, STALE_DAYS_UNTIL_EXPIRY)
    }
    outs.update(
        {
            inputs.TARGET_ID: desired.target.arm_id,
            inputs.MODE: desired.mode.value,
            inputs.CERTIFICATE_NAME: desired.certificate_name,
            inputs.NAME_GENERATED: desired.name_generated,
            CODE: NO_CODE if outcome.remote.is_verified else outcome.verification_code or NO_CODE,
        }
    )
    outs.update(remote_outputs(outcome.remote))
    return outs


def imported_inputs(target: Target, remote: RemoteCertificate) -> dict[str, Any]:
    """What a program declares for a certificate it adopts: its target, the certificate Azure
    holds (as PEM) and its name, in offline mode: the one mode that needs no key and never
    self-attests. The user adds the key (or Key Vault key) and `mode: proof` to let `up` prove
    possession again by itself; neither changes anything on Azure."""
    declared_inputs: dict[str, Any] = {
        (inputs.HUB_ID if target.kind is TargetKind.IOT_HUB else inputs.DPS_ID): target.arm_id,
        inputs.CERTIFICATE_NAME: remote.name,
        inputs.MODE: Mode.OFFLINE.value,
    }
    if remote.certificate_pem:
        try:
            parsed = certificates.parse_certificate(remote.certificate_pem)
            declared_inputs[inputs.CERTIFICATE_PEM] = certificates.certificate_pem(parsed)
        except InvalidInput:
            declared_inputs[inputs.CERTIFICATE_PEM] = remote.certificate_pem
    return declared_inputs


def recorded_location(id_: str, props: Mapping[str, Any]) -> tuple[Target, str]:
    """Target and name of a certificate in the state (the id is its ARM id)."""
    target_id, _, name = id_.rpartition("/certificates/")
    return (
        parse_target_id(str(props.get(inputs.TARGET_ID) or target_id)),
        str(props.get(inputs.CERTIFICATE_NAME) or name),
    )


def same_target(recorded: Mapping[str, Any], checked: Mapping[str, Any]) -> bool:
    """Whether both name the same hub or DPS; a target not known yet (preview) counts as the
    same, so a preview shows no replacement that the update would not make."""
    first, second = recorded.get(inputs.TARGET_ID), checked.get(inputs.TARGET_ID)
    if inputs.is_unknown(second):
        return True
    if not (isinstance(first, str) and isinstance(second, str)):
        return False
    try:
        return parse_target_id(first).same_resource(parse_target_id(second))
    except TargetError:
        return first.lower() == second.lower()


def thumbprint_of(props: Mapping[str, Any]) -> str | None:
    """The thumbprint of the recorded certificate (states before check recorded it)."""
    try:
        return certificates.thumbprint(
            certificates.parse_certificate(str(props.get(inputs.CERTIFICATE_PEM) or ""))
        )
    except InvalidInput:
        return None
