"""Who may read a hub's registry: a Microsoft Entra token under the IoT Hub data roles, or a
shared-access signature of one of the hub's policies.

- Entra [doc: articles/iot-hub/authenticate-authorize-azure-ad.md]: a token for
  ``https://iothubs.azure.net`` of the hub subscription's tenant (entra_data.py, shared with the
  DPS service API), authorized by a role assignment at the hub or above whose ``dataActions``
  cover the operation's data action: ``Microsoft.Devices/IotHubs/devices/read`` (identities),
  ``…/twins/read`` (twins, and "Get Twins", the query), ``…/statistics/read`` [doc, same page,
  "Permissions for IoT Hub service APIs"]. A bad, expired or foreign token (an ARM token): 401
  ``IotHubUnauthorizedAccess``; a good token without the data action: 401 ``IotHubUnauthorized``
  (exceptions.py, [issue]).
- SAS [doc: articles/iot-hub/authenticate-authorize-sas.md]: ``SharedAccessSignature
  sr=&sig=&se=&skn=``, ``sig`` = base64 HMAC-SHA256 (key base64-decoded) of ``<sr>\\n<se>``,
  ``sr`` the hub's host name (URL-encoded) with an optional path prefix. azure-iot-hub 2.7.0 signs
  ``quote_plus(HostName)`` of its connection string [code: azure/iot/hub/sastoken.py, auth.py],
  so ``127.0.0.1:<port>`` arrives as ``127.0.0.1%3A<port>``; the SAS format and its checks are
  shared with the DPS service API (sas.py). The rights each read takes are in :data:`READ_DEVICES`
  and its siblings; a policy without them: 401 ``IotHubUnauthorizedAccess`` [guess: the status].
"""

from __future__ import annotations

from dataclasses import dataclass

from azure_iot_emulator.arm.models import ArmBackend, TrackedResource
from azure_iot_emulator.dps.models import SasKeys, SasPolicy
from azure_iot_emulator.entra_data import DataPlaneResource, EntraDataPlane, EntraRefused
from azure_iot_emulator.hub_registry.exceptions import PrincipalNotAuthorized, Unauthorized
from azure_iot_emulator.identity.models import IOTHUB_AUDIENCES, IdentityBackend, Principal
from azure_iot_emulator.sas import SasRefused, signing_policy

IOTHUB_RESOURCE = DataPlaneResource("https://iothubs.azure.net", IOTHUB_AUDIENCES, "hub")
_REGISTRY_RIGHTS = ("RegistryRead", "RegistryWrite")


@dataclass(frozen=True)
class Access:
    """What one registry read takes: its data action (Entra), or one of ``rights`` (SAS)."""

    data_action: str
    rights: tuple[str, ...]


# Identities: RegistryRead, or RegistryWrite, which iothubowner holds and which reads too [doc:
# authenticate-authorize-sas.md, "Read access to the identity registry"; iothubowner reads].
READ_DEVICES = Access("Microsoft.Devices/IotHubs/devices/read", _REGISTRY_RIGHTS)
# A twin: ServiceConnect "access twins" [doc: same page; device twins, "require the
# ServiceConnect permission"], or a registry right **[guess]** (the registry's own reads).
READ_TWIN = Access("Microsoft.Devices/IotHubs/twins/read", ("ServiceConnect", *_REGISTRY_RIGHTS))
# The twin query: a registry right. The docs list "run queries" under ServiceConnect, but a query
# signed by the ``service`` policy (ServiceConnect alone) is refused and iothubowner's passes
# [issue: MicrosoftLearning/AZ-220-Microsoft-Azure-IoT-Developer#26].
QUERY_TWINS = Access("Microsoft.Devices/IotHubs/twins/read", _REGISTRY_RIGHTS)
# Statistics [doc: "Read device and service statistics"]: registry rights for the registry's,
# ServiceConnect too for the service's **[guess]**.
READ_REGISTRY_STATISTICS = Access("Microsoft.Devices/IotHubs/statistics/read", _REGISTRY_RIGHTS)
READ_SERVICE_STATISTICS = Access(
    "Microsoft.Devices/IotHubs/statistics/read", ("ServiceConnect", *_REGISTRY_RIGHTS)
)


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: a principal (Entra) or a policy (SAS)."""

    principal: Principal | None = None
    policy: SasPolicy | None = None


class RegistryAuthenticator:
    """Authenticates and authorizes calls to a hub's registry API."""

    def __init__(self, keys: SasKeys, identity: IdentityBackend, arm: ArmBackend) -> None:
        self.keys = keys
        self.entra = EntraDataPlane(identity, arm, IOTHUB_RESOURCE)

    def authenticate(
        self, authorization: str | None, hub: TrackedResource, hosts: tuple[str, ...], path: str
    ) -> Caller:
        """The caller behind the Authorization header, or 401 ``IotHubUnauthorizedAccess``."""
        scheme, _, credential = (authorization or "").strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential:
            try:
                return Caller(principal=self.entra.principal(credential, hub.subscription_id))
            except EntraRefused as refused:
                raise Unauthorized(str(refused)) from None
        if scheme.lower() == "sharedaccesssignature" and credential:
            policies = self.keys.policies(hub.name, dict(hub.document))
            try:
                policy = signing_policy(credential, policies, hosts, path, "hub")
            except SasRefused as refused:
                raise Unauthorized(str(refused)) from None
            return Caller(policy=policy)
        raise Unauthorized(
            "The request carries no credential: send 'Authorization: Bearer <token for "
            "https://iothubs.azure.net>' or a SharedAccessSignature signed with a key of the "
            "hub's policies (ARM listKeys), as a connection string does."
        )

    def authorize(
        self, caller: Caller, access: Access, hub_id: str, method: str, path: str
    ) -> None:
        """401 unless the caller may perform the read."""
        if caller.principal is not None:
            if not self.entra.permits(caller.principal, access.data_action, hub_id):
                raise PrincipalNotAuthorized(
                    caller.principal.object_id, method, path, access.data_action
                )
            return
        assert caller.policy is not None
        held = {r.lower() for r in caller.policy.rights}
        if not any(r.lower() in held for r in access.rights):
            raise Unauthorized(
                f"The shared access policy '{caller.policy.key_name}' lacks the right "
                f"{' or '.join(access.rights)}."
            )
