"""`VerifiedCaCertificate`: the resource users declare, and its typed arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from pop_provider import inputs
from pop_provider.provider import (
    ARM_ID,
    IS_VERIFIED,
    NOT_AFTER,
    SUBJECT,
    THUMBPRINT,
    VerifiedCaCertificateProvider,
)


@dataclass
class VerifiedCaCertificateArgs:
    """What to trust, where, and how to prove it.

    Target: `hub_id` (an ARM id, e.g. an azure-native `IotHubResource.id`) or `resource_group_name`
    and `hub_name` (with `subscription_id`, or the stack's `azure-native:subscriptionId`, or
    `AZURE_SUBSCRIPTION_ID`).

    `mode`: "proof" (default) proves possession of the CA's private key, given in
    `private_key_pem` (optionally encrypted, with `private_key_password`); "auto" uploads the
    certificate as verified and needs no key. Key and password are always stored as secrets.
    """

    certificate_pem: pulumi.Input[str]
    hub_id: pulumi.Input[str] | None = None
    resource_group_name: pulumi.Input[str] | None = None
    hub_name: pulumi.Input[str] | None = None
    subscription_id: pulumi.Input[str] | None = None
    mode: pulumi.Input[str] | None = None
    private_key_pem: pulumi.Input[str] | None = None
    private_key_password: pulumi.Input[str] | None = None
    certificate_name: pulumi.Input[str] | None = None


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
    target_id: pulumi.Output[str]
    """The ARM id of the hub trusting the certificate."""

    def __init__(
        self,
        resource_name: str,
        args: VerifiedCaCertificateArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            inputs.HUB_ID: args.hub_id,
            inputs.SUBSCRIPTION_ID: args.subscription_id,
            inputs.RESOURCE_GROUP_NAME: args.resource_group_name,
            inputs.HUB_NAME: args.hub_name,
            inputs.CERTIFICATE_PEM: args.certificate_pem,
            inputs.MODE: args.mode,
            inputs.CERTIFICATE_NAME: args.certificate_name,
            inputs.NAME_PREFIX: resource_name,
            inputs.NAME_SCOPE: f"{pulumi.get_project()}/{pulumi.get_stack()}",
            # Secret from the moment they enter the program, whatever the caller passed: the
            # engine then encrypts them in the state and masks them in every display.
            inputs.PRIVATE_KEY_PEM: _secret(args.private_key_pem),
            inputs.PRIVATE_KEY_PASSWORD: _secret(args.private_key_password),
            # Outputs only; listed so they become attributes of this resource.
            ARM_ID: None,
            SUBJECT: None,
            THUMBPRINT: None,
            NOT_AFTER: None,
            IS_VERIFIED: None,
            inputs.TARGET_ID: None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=list(inputs.SECRET_INPUTS))
        super().__init__(
            VerifiedCaCertificateProvider(),
            resource_name,
            props,
            pulumi.ResourceOptions.merge(secret_opts, opts),
        )


def _secret(value: pulumi.Input[str] | None) -> pulumi.Output[str] | None:
    return None if value is None else pulumi.Output.secret(value)
