"""The program's side of one owner per CA per target (`pop_provider.core.ownership`).

Two resources of one program that declare the same CA, or the same certificate name, on one hub
or DPS are refused here, in the program, before either one's inputs reach the engine: so in
`preview` and in `up --skip-preview` alike, and before any ARM call. Each resource's
`certificate_pem` input is released through a gate that compares its claim with every other
declaration of the program. A Pulumi program declares its resources before its event loop runs
the first gate, so two declarations with plain values (the common case) are both refused; a
declaration whose target is an Output (a hub created in the same program) is compared once its
values are known, with every declaration known by then.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pulumi

from pop_provider.core import certificates, inputs
from pop_provider.core.connection import default_subscription_id
from pop_provider.core.errors import InvalidInput
from pop_provider.core.ownership import Declaration, Declarations
from pop_provider.failures import ProgramError

# One per program process: the program is one run of one stack.
_DECLARED = Declarations()
# The conflicts already printed: each pair is one line, whichever of the two meets it first.
_REPORTED: set[str] = set()

# The inputs that say where the CA goes, in the order `claim_inputs` lists them.
_TARGET_KEYS = inputs.TARGET_INPUTS


class DuplicateDeclaration(ProgramError):
    """Two resources of this program declare one CA (or one certificate name) on one target.

    A `pulumi.RunError`: Pulumi's Python host prints the message alone, no traceback."""


def gated_certificate(
    owner: str,
    certificate_pem: pulumi.Input[str],
    target_inputs: Sequence[pulumi.Input[str] | None],
    certificate_name: pulumi.Input[str] | None,
) -> pulumi.Output[str]:
    """`certificate_pem`, released once no other resource of this program claims the same CA or
    certificate name on the same target; raises DuplicateDeclaration otherwise (the message names
    both resources). Plain values are recorded now, so every declaration of the program is seen
    by the first gate that runs."""
    pem = pulumi.Output.from_input(certificate_pem)
    claim_inputs = [certificate_pem, certificate_name, *target_inputs]
    if all(value is None or isinstance(value, str) for value in claim_inputs):
        declared = _declaration(owner, claim_inputs)
        if declared is not None:
            _DECLARED.add(declared)

    def release(values: list[Any]) -> pulumi.Output[str]:
        declared = _declaration(owner, values)
        if declared is not None:
            conflict = _DECLARED.add(declared)
            if conflict is not None:
                # Every pair is printed, not only the first the program fails on.
                if conflict.message not in _REPORTED:
                    _REPORTED.add(conflict.message)
                    pulumi.log.error(conflict.message)
                raise DuplicateDeclaration(
                    "this program declares a CA (or a certificate name) twice on one target "
                    "(each pair is named above); fix it and run again: nothing was sent to "
                    "Azure for the resources refused"
                )
        # The certificate as it was: with its own known-ness, so a preview of a hub still being
        # created shows the certificate's thumbprint, subject and expiry.
        return pem

    return pulumi.Output.all(*claim_inputs).apply(release, run_with_unknowns=True)


def _declaration(owner: str, values: Sequence[Any]) -> Declaration | None:
    """The claim these values make, or None while any is unknown or invalid (the provider's
    check reports invalid input, with the field and the fix)."""
    if any(inputs.is_unknown(value) or _is_output(value) for value in values):
        return None
    pem, name, *target_values = values
    props = dict(zip(_TARGET_KEYS, target_values, strict=True))
    try:
        target = inputs.resolve_target(props, _default_subscription())
        thumbprint = certificates.thumbprint(certificates.parse_certificate(str(pem or "")))
    except InvalidInput:
        return None
    return Declaration(
        owner=owner,
        target_id=target.arm_id,
        target_label=target.label,
        thumbprint=thumbprint,
        certificate_name=str(name) if name else None,
    )


def _default_subscription() -> str | None:
    """The subscription a target named without one goes to, as the provider resolves it."""

    def config(key: str) -> Any:
        namespace, _, name = key.partition(":")
        return pulumi.Config(namespace).get(name)

    return default_subscription_id(config, os.environ)


def _is_output(value: Any) -> bool:
    return isinstance(value, pulumi.Output)
