"""`TrustedCa`: one CA trusted on many hubs and DPS instances, each Verified by its own proof.

A fleet's root usually has to be trusted everywhere its devices connect. The component makes one
`VerifiedCaCertificate` per target, as its children, so each target gets its own upload,
verification code and proof, and a failure on one hub is reported on that hub's child.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from pop_provider.core import declaration as declared
from pop_provider.core import inputs
from pop_provider.core.expiry import DEFAULT_EXPIRY_WARNING_DAYS
from pop_provider.core.trust_targets import TargetsError, check_labels, label_of
from pop_provider.dynamic.key_secrecy import warn_unless_secret
from pop_provider.dynamic.resource import VerifiedCaCertificate, VerifiedCaCertificateArgs
from pop_provider.failures import ProgramError


class TrustedCaError(ProgramError):
    """A TrustedCa that cannot be declared; Pulumi prints it without the program's traceback."""


@dataclass
class CaTarget:
    """One hub or DPS: an ARM id (`hub_id`, `dps_id`: e.g. an azure-native resource's `.id`), or
    `resource_group_name` with `hub_name` or `dps_name` (and optionally `subscription_id`).

    `name` labels the child resource (`<component>-<name>`); it defaults to the hub's or DPS's
    name when that is known in the program, and is required when the id is an Output.
    """

    hub_id: pulumi.Input[str] | None = None
    dps_id: pulumi.Input[str] | None = None
    resource_group_name: pulumi.Input[str] | None = None
    hub_name: pulumi.Input[str] | None = None
    dps_name: pulumi.Input[str] | None = None
    subscription_id: pulumi.Input[str] | None = None
    certificate_name: pulumi.Input[str] | None = None
    name: str | None = None

    def label(self, index: int) -> str:
        try:
            return label_of(
                index, self.name, (self.hub_name, self.dps_name), (self.hub_id, self.dps_id)
            )
        except TargetsError as error:
            raise TrustedCaError(str(error)) from None


@dataclass
class TrustedCaArgs:
    """The CA, how to prove it, and where: everything of VerifiedCaCertificateArgs but the
    target, plus the list of targets."""

    certificate_pem: pulumi.Input[str]
    targets: Sequence[CaTarget]
    mode: pulumi.Input[str] | None = None
    private_key_pem: pulumi.Input[str] | None = None
    private_key_password: pulumi.Input[str] | None = None
    key_vault_url: pulumi.Input[str] | None = None
    key_vault_key_name: pulumi.Input[str] | None = None
    key_vault_key_version: pulumi.Input[str] | None = None
    expiry_warning_days: int | None = DEFAULT_EXPIRY_WARNING_DAYS


class TrustedCa(pulumi.ComponentResource):
    """One CA, Verified on every target; `certificates` maps each target's label to its child."""

    certificates: dict[str, VerifiedCaCertificate]

    def __init__(
        self,
        resource_name: str,
        args: TrustedCaArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pop:index:TrustedCa", resource_name, None, opts)
        labels = [target.label(index) for index, target in enumerate(args.targets)]
        try:
            check_labels(resource_name, labels)
        except TargetsError as error:
            raise TrustedCaError(str(error)) from None
        # Before the children, so a key given in clear is one warning, on the component.
        warn_unless_secret(self, inputs.PRIVATE_KEY_PEM, args.private_key_pem)
        warn_unless_secret(self, inputs.PRIVATE_KEY_PASSWORD, args.private_key_password)
        child = pulumi.ResourceOptions(parent=self)
        self.certificates = {
            label: VerifiedCaCertificate(
                f"{resource_name}-{label}", _child_args(args, target), child
            )
            for label, target in zip(labels, args.targets, strict=True)
        }
        self.register_outputs({label: cert.arm_id for label, cert in self.certificates.items()})


def _child_args(args: TrustedCaArgs, target: CaTarget) -> VerifiedCaCertificateArgs:
    """A child's arguments: the CA and its proof from the component, where from its target."""
    shared = {prop.name: getattr(args, prop.name) for prop in declared.TRUSTED_CA_SHARED}
    where = {prop.name: getattr(target, prop.name) for prop in declared.CA_TARGET_FIELDS}
    return VerifiedCaCertificateArgs(**shared, **where)
