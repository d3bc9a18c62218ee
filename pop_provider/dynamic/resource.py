"""`VerifiedCaCertificate`: the resource users declare, and its typed arguments."""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from pop_provider.core import certificates, inputs
from pop_provider.core import declaration as declared
from pop_provider.core.declaration import Group
from pop_provider.core.errors import InvalidInput
from pop_provider.core.expiry import DEFAULT_EXPIRY_WARNING_DAYS, days_until, expiry_warning
from pop_provider.core.state import ARM_ID, CODE, IS_VERIFIED, NOT_AFTER, SUBJECT, THUMBPRINT
from pop_provider.dynamic.declarations import gated_certificate
from pop_provider.dynamic.engine_shutdown import end_quietly_when_engine_stops
from pop_provider.dynamic.key_secrecy import warn_unless_secret
from pop_provider.dynamic.provider import VerifiedCaCertificateProvider

_CERTIFICATE = declared.VERIFIED_CA_CERTIFICATE
# The groups of inputs the program sends to the provider (the warning's days it reads itself).
_SENT = tuple(group for group in Group if group is not Group.WARNING)


@dataclass
class VerifiedCaCertificateArgs:
    """What to trust, where, and how to prove it.

    Target, one of: `hub_id` or `dps_id` (ARM ids, e.g. an azure-native `IotHubResource.id`),
    or `resource_group_name` with `hub_name` or `dps_name` (and `subscription_id`, or the
    stack's `azure-native:subscriptionId`, or `AZURE_SUBSCRIPTION_ID`).

    `mode`:
    - "proof" (default) proves possession of the CA's key: `private_key_pem` (optionally
      encrypted, with `private_key_password`; both always stored as secrets, and a warning when
      either is given in clear or set in config without `--secret`), or a key that never
      leaves Azure Key Vault (`key_vault_url`, `key_vault_key_name`, `key_vault_key_version`);
    - "offline": the first `up` uploads and exports `verification_code`; you sign it where the
      key lives and set `proof_certificate_pem`; the next `up` verifies;
    - "auto" uploads the certificate as verified and needs no key.

    `expiry_warning_days`: warn in `pulumi up` when the CA expires within this many days.
    """

    certificate_pem: pulumi.Input[str]
    hub_id: pulumi.Input[str] | None = None
    dps_id: pulumi.Input[str] | None = None
    resource_group_name: pulumi.Input[str] | None = None
    hub_name: pulumi.Input[str] | None = None
    dps_name: pulumi.Input[str] | None = None
    subscription_id: pulumi.Input[str] | None = None
    mode: pulumi.Input[str] | None = None
    private_key_pem: pulumi.Input[str] | None = None
    private_key_password: pulumi.Input[str] | None = None
    key_vault_url: pulumi.Input[str] | None = None
    key_vault_key_name: pulumi.Input[str] | None = None
    key_vault_key_version: pulumi.Input[str] | None = None
    proof_certificate_pem: pulumi.Input[str] | None = None
    certificate_name: pulumi.Input[str] | None = None
    expiry_warning_days: int | None = DEFAULT_EXPIRY_WARNING_DAYS


class VerifiedCaCertificate(Resource, module="pop", name="VerifiedCaCertificate"):
    """A CA certificate trusted by an IoT hub and Verified, by proof of possession or on upload."""

    arm_id: pulumi.Output[str]
    """The certificate's ARM id (also the resource id)."""
    certificate_name: pulumi.Output[str]
    subject: pulumi.Output[str]
    """The certificate's subject common name, as Azure reports it."""
    thumbprint: pulumi.Output[str]
    """Uppercase hex SHA-1 of the certificate, as Azure reports it."""
    not_after: pulumi.Output[str]
    """Expiry, ISO 8601 UTC."""
    is_verified: pulumi.Output[bool]
    days_until_expiry: pulumi.Output[int | None]
    """Whole days until not_after, counted by the program on every run (preview, up)."""
    verification_code: pulumi.Output[str | None]
    """Offline mode: the code to sign, while the certificate awaits its proof; else None."""
    target_id: pulumi.Output[str]
    """The ARM id of the hub trusting the certificate."""

    def __init__(
        self,
        resource_name: str,
        args: VerifiedCaCertificateArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        declared_inputs = _CERTIFICATE.inputs(*_SENT)
        given: dict[str, Any] = {prop.name: getattr(args, prop.name) for prop in declared_inputs}
        # Released only if no other resource of this program declares the same CA (or
        # certificate name) on the same target: one owner per CA per target.
        given[inputs.CERTIFICATE_PEM] = gated_certificate(
            resource_name,
            args.certificate_pem,
            [getattr(args, name) for name in inputs.TARGET_INPUTS],
            args.certificate_name,
        )
        # Secret from the moment they enter the program, whatever the caller passed: the
        # engine then encrypts them in the state and masks them in every display.
        given.update({name: _secret(given[name]) for name in inputs.SECRET_INPUTS})
        props: dict[str, Any] = {
            # Unset inputs are left out: the engine drops a null input anyway, and every property
            # listed costs the program an Output that it tracks until the resource is created;
            # inputs that are outputs too (the mode in force, the generated name) are listed
            # set or not.
            **{
                prop.name: given[prop.name]
                for prop in declared_inputs
                if given[prop.name] is not None or prop.always_output
            },
            inputs.NAME_PREFIX: resource_name,
            inputs.NAME_SCOPE: f"{pulumi.get_project()}/{pulumi.get_stack()}",
            # Outputs only; listed so they become attributes of this resource.
            ARM_ID: None,
            SUBJECT: None,
            THUMBPRINT: None,
            NOT_AFTER: None,
            IS_VERIFIED: None,
            CODE: None,
            inputs.TARGET_ID: None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=list(inputs.SECRET_INPUTS))
        end_quietly_when_engine_stops()
        with _no_pickler_wrapper_left_behind():
            super().__init__(
                VerifiedCaCertificateProvider(),
                resource_name,
                props,
                pulumi.ResourceOptions.merge(secret_opts, opts),
            )
        # Known to the program without asking Azure, so right on every run, preview included.
        expiry = pulumi.Output.from_input(args.certificate_pem).apply(_expiry)
        self.days_until_expiry = expiry.apply(days_until)
        # The engine drops null outputs, so "no code" is stored as "" (core.state.NO_CODE).
        self.verification_code = self.verification_code.apply(lambda code: code or None)
        if args.expiry_warning_days is not None:
            self._warn_before_expiry(expiry, int(args.expiry_warning_days))
        warn_unless_secret(self, inputs.PRIVATE_KEY_PEM, args.private_key_pem)
        warn_unless_secret(self, inputs.PRIVATE_KEY_PASSWORD, args.private_key_password)

    def _warn_before_expiry(self, expiry: pulumi.Output[datetime | None], within: int) -> None:
        """A warning on this resource in every `pulumi preview` and `pulumi up` while the CA is
        close to expiry. (An expired CA fails the resource's check: an error, not a warning.)"""

        def warn(not_after: datetime | None) -> None:
            warning = expiry_warning(not_after, within)
            if warning is not None:
                pulumi.log.warn(warning, resource=self)

        expiry.apply(warn)


@contextlib.contextmanager
def _no_pickler_wrapper_left_behind() -> Iterator[None]:
    """Pulumi's `serialize_provider` (pulumi/dynamic/dynamic.py, through SDK 3.272 at least)
    wraps `pickle._Pickler._batch_setitems` for every dynamic resource and never unwraps it, so
    the wrappers nest: a program declaring about 970 of them died with RecursionError (a fleet
    of 1,000 CAs, `python -m bench fleet`; pulumi/pulumi#17803). Restoring it after each
    declaration keeps the nesting at one."""
    before = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    try:
        yield
    finally:
        pickle._Pickler._batch_setitems = before  # type: ignore[attr-defined]


def _expiry(certificate_pem: str | None) -> datetime | None:
    """The certificate's not-after, or None when it does not parse (check reports why)."""
    try:
        return certificates.not_after(certificates.parse_certificate(certificate_pem or ""))
    except InvalidInput:
        return None


def _secret(value: pulumi.Input[str] | None) -> pulumi.Output[str] | None:
    return None if value is None else pulumi.Output.secret(value)
