"""Check for `VerifiedCaCertificate`: every input judged before any call to Azure, every
failure collected (not only the first), and the certificate's name settled.

A failure is data (`Failure`): each face reports it its own way, per property where the engine
can show it. The claim that makes one owner per CA per target is recorded here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from pop_provider.core import certificates, inputs
from pop_provider.core.errors import InvalidInput
from pop_provider.core.ownership import Declaration, Declarations
from pop_provider.core.state import THUMBPRINT, local_outputs, same_target, thumbprint_of
from pop_provider.core.target import parse_target_id


@dataclass(frozen=True)
class Failure:
    """One input check failed: the property (or "" when the reason names it) and the reason."""

    property: str
    reason: str


@dataclass
class Checked:
    """The checked inputs (with what check derives) and every failure found."""

    inputs: dict[str, Any]
    failures: list[Failure] = field(default_factory=list)


def check(
    olds: Mapping[str, Any], news: Mapping[str, Any], default_subscription: str | None
) -> Checked:
    """Validate every input, collecting all failures, and settle the certificate name."""
    checked = dict(news)
    failures: list[Failure] = []

    def attempt(step: Callable[[], Any], *depends_on: str) -> Any:
        if any(inputs.is_unknown(news.get(key)) for key in depends_on):
            return None
        try:
            return step()
        except InvalidInput as error:
            failures.append(_failure(error))
            return None

    now = datetime.now(UTC)
    checked.pop(inputs.TARGET_ID, None)
    target = attempt(
        lambda: inputs.resolve_target(news, default_subscription), *inputs.TARGET_INPUTS
    )
    if target is not None:
        checked[inputs.TARGET_ID] = target.arm_id
    elif any(inputs.is_unknown(news.get(key)) for key in inputs.TARGET_INPUTS):
        checked[inputs.TARGET_ID] = UNKNOWN

    certificate = attempt(lambda: inputs.parse_ca_certificate(news, now), inputs.CERTIFICATE_PEM)
    if certificate is not None:
        checked.update(local_outputs(certificate))
    mode = attempt(lambda: inputs.parse_mode(news), inputs.MODE)
    signer = None
    if mode is not None:
        checked[inputs.MODE] = mode.value
        signer = attempt(lambda: inputs.parse_signer(news, mode), *inputs.SIGNER_INPUTS)
        attempt(
            lambda: inputs.parse_proof_certificate(news, mode, certificate),
            inputs.PROOF_CERTIFICATE_PEM,
            inputs.CERTIFICATE_PEM,
        )
    if (
        signer is not None
        and certificate is not None
        and not inputs.same_public_key(signer, certificate)
    ):
        failures.append(_failure(inputs.key_mismatch(inputs.PRIVATE_KEY_PEM)))
    name = attempt(lambda: inputs.parse_certificate_name(news), inputs.CERTIFICATE_NAME)
    if name is not None:
        checked[inputs.NAME_GENERATED] = False
    elif not failures and not inputs.is_unknown(news.get(inputs.CERTIFICATE_NAME)):
        # Only once everything checked: a name left unknown beside a failure would make a
        # non-preview run (`up --skip-preview`) stop at "unexpected unknown property value"
        # instead of printing the failure.
        checked[inputs.CERTIFICATE_NAME] = _generated_name(olds, checked, certificate)
        checked[inputs.NAME_GENERATED] = True
    return Checked(checked, failures)


def claim(declared: Declarations, checked: Mapping[str, Any]) -> list[Failure]:
    """Record this resource's claim (CA and certificate name on its target); a failure naming
    both resources when another resource of this deployment claims the same. Any face's
    programs meet this, Python's also in the program itself (pop_provider.dynamic.declarations)."""
    target_id, name = checked.get(inputs.TARGET_ID), checked.get(inputs.CERTIFICATE_NAME)
    owner, thumbprint = checked.get(inputs.NAME_PREFIX), checked.get(THUMBPRINT)
    if not all(
        isinstance(v, str) and v and not inputs.is_unknown(v)
        for v in (target_id, owner, thumbprint)
    ):
        return []
    declaration = Declaration(
        owner=str(owner),
        target_id=str(target_id),
        target_label=parse_target_id(str(target_id)).label,
        thumbprint=str(thumbprint),
        certificate_name=None if inputs.is_unknown(name) or not name else str(name),
    )
    conflict = declared.add(declaration)
    return [] if conflict is None else [Failure("", conflict.message)]


def _failure(error: InvalidInput) -> Failure:
    """The engine prints a failing property's value beside the reason, and it does not reliably
    mask secrets there (a key read from a file was printed in clear). A certificate may also
    hold a pasted private key. So failures of these properties name the property in the reason
    and leave the engine nothing to print."""
    if error.field in (inputs.CERTIFICATE_PEM, *inputs.SECRET_INPUTS):
        return Failure("", f"{error.field}: {error.reason}")
    return Failure(error.field, error.reason)


def _generated_name(olds: Mapping[str, Any], checked: Mapping[str, Any], certificate: Any) -> str:
    """The name for this certificate on this hub (see inputs.generate_certificate_name); while
    the certificate or the hub is not known yet (preview), the recorded name or unknown."""
    target_id = checked.get(inputs.TARGET_ID)
    previous = olds.get(inputs.CERTIFICATE_NAME)
    kept = str(previous) if previous and olds.get(inputs.NAME_GENERATED) else None
    if certificate is None or not isinstance(target_id, str) or inputs.is_unknown(target_id):
        return kept or UNKNOWN
    # The recorded inputs carry the thumbprint check derived (parsed again only for old states).
    recorded = olds.get(THUMBPRINT) or thumbprint_of(olds) if kept else None
    if kept and same_target(olds, checked) and recorded == checked.get(THUMBPRINT):
        # The same CA on the same target keeps its name, also when the resource is renamed
        # (with an alias): a new name would replace, deleting the certificate before its copy.
        return kept
    return inputs.generate_certificate_name(
        str(checked.get(inputs.NAME_PREFIX) or "ca"),
        str(checked.get(inputs.NAME_SCOPE) or ""),
        target_id,
        certificates.thumbprint(certificate),
    )
