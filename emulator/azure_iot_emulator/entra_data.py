"""Microsoft Entra tokens on a data plane: who the bearer is, and whether a data role lets it act.

The DPS service API and an IoT hub's registry API check a token the same way: the emulator signed
it, it has not expired, its ``aud`` is the service's resource (a token for ARM is refused), and
its principal belongs to the tenant of the instance's subscription. Authorization then asks ARM
for a role assignment at the instance or above whose ``dataActions`` grant the data action
(``actions``, even Owner's ``*``, grant none) [doc: learn.microsoft.com/azure/
role-based-access-control/role-definitions, "DataActions";
articles/iot-dps/concepts-control-access-dps-azure-ad.md;
articles/iot-hub/authenticate-authorize-azure-ad.md]. Each service answers a refusal in its own
wire (exceptions.py of dps_service/ and hub_registry/), both with 401 for a principal without the
data role as for a bad token (IoT Hub's answer [issue: Azure/azure-iot-sdk-csharp#3344]; DPS's by
analogy): this module raises :class:`EntraRefused`.
"""

from __future__ import annotations

from dataclasses import dataclass

import jwt

from azure_iot_emulator.arm.models import ArmBackend
from azure_iot_emulator.identity.models import IdentityBackend, Principal


class EntraRefused(Exception):
    """A bearer token the data plane does not accept; the text says why and what to do."""


@dataclass(frozen=True)
class DataPlaneResource:
    """What a data plane expects of a token: the resource a client asks a token for (its scope
    is ``<resource>/.default``), the ``aud`` values that name it, the service's name in
    refusals."""

    resource: str
    audiences: tuple[str, ...]
    service: str


class EntraDataPlane:
    """Checks bearer tokens for one data plane and the data roles of their principals."""

    def __init__(self, identity: IdentityBackend, arm: ArmBackend, target: DataPlaneResource):
        self.identity = identity
        self.arm = arm
        self.target = target

    def principal(self, token: str, subscription_id: str) -> Principal:
        """The principal behind ``token``, of the tenant of ``subscription_id``; else
        :class:`EntraRefused` (expired, not the emulator's, another audience, another tenant)."""
        try:
            claims = self.identity.decode_token(token)
        except jwt.ExpiredSignatureError:
            raise EntraRefused("The access token has expired.") from None
        except jwt.PyJWTError:
            raise EntraRefused("The access token is invalid.") from None
        audience = str(claims.get("aud", ""))
        if audience not in self.target.audiences:
            raise EntraRefused(
                f"The access token's audience '{audience}' is not {self.target.resource}: ask "
                f"for the scope {self.target.resource}/.default."
            )
        principal = self.identity.principal_by_object_id(str(claims["oid"]))
        subscription = self.arm.subscription(subscription_id)
        if (
            principal is None
            or principal.tenant_id.lower() != str(claims["tid"]).lower()
            or subscription is None
            or subscription.tenant_id.lower() != principal.tenant_id.lower()
        ):
            raise EntraRefused(f"The access token is not of the {self.target.service}'s tenant.")
        return principal

    def permits(self, principal: Principal, data_action: str, scope: str) -> bool:
        """Whether a role assignment of ``principal`` at ``scope`` or above grants the data
        action (the roles' ``dataActions``; their ``actions`` do not count)."""
        return self.arm.is_data_authorized(principal, data_action, scope)
