"""Who may call a DPS's service API: a Microsoft Entra token under the data roles, or a
shared-access signature of one of the DPS's policies.

- Entra [doc: articles/iot-dps/concepts-control-access-dps-azure-ad.md]: a token for
  ``https://azure-devices-provisioning.net``; authorized by a role assignment at the DPS or above
  whose ``dataActions`` cover ``Microsoft.Devices/provisioningServices/enrollmentGroups/
  {read,write,delete}`` (Owner and Contributor grant none: data actions are apart from actions).
  A token for another audience (ARM's) is refused. The token checks are entra_data.py's, shared
  with the IoT hub registry API.
- SAS [doc: articles/iot-dps/how-to-control-access.md]: ``SharedAccessSignature sr=&sig=&se=&skn=``,
  ``sig`` = base64 HMAC-SHA256 (key base64-decoded) of ``<sr as sent>\\n<se>``; ``sr`` names the
  DPS host and, optionally, a path prefix (matched by segment). Both the host a client was
  given (``127.0.0.1:<port>``) and Azure's (``<dps>.azure-devices-provisioning.net``) name it;
  a leading ``https://`` is tolerated, since azure-iot-deviceprovisioning signs the endpoint it
  was given [code: _auth.py ``generate_sas_token(audience=endpoint)``]. ``EnrollmentRead`` reads,
  ``EnrollmentWrite`` writes and deletes (and reads) [doc, same page; reads by a write right
  **[guess]**].

Refusals: 401 for a missing, malformed, expired or foreign credential, and 401 too for a valid
one that lacks the right (the service documents no 403 [doc: how-to-troubleshoot-dps.md]; IoT
Hub answers 401 to a principal without a data role [issue: Azure/azure-iot-sdk-csharp#3344]),
in the service's error shape (exceptions.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from azure_iot_emulator.arm.models import ArmBackend
from azure_iot_emulator.dps.models import SasKeys, SasPolicy
from azure_iot_emulator.dps_service.exceptions import (
    PolicyNotAuthorized,
    PrincipalNotAuthorized,
    Unauthorized,
)
from azure_iot_emulator.dps_service.models import DpsInstance
from azure_iot_emulator.entra_data import DataPlaneResource, EntraDataPlane, EntraRefused
from azure_iot_emulator.identity.models import DPS_AUDIENCES, IdentityBackend, Principal
from azure_iot_emulator.sas import SasRefused, signing_policy

DATA_ACTION_PREFIX = "Microsoft.Devices/provisioningServices/"
DPS_RESOURCE = DataPlaneResource("https://azure-devices-provisioning.net", DPS_AUDIENCES, "DPS")


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: a principal (Entra) or a policy (SAS)."""

    principal: Principal | None = None
    policy: SasPolicy | None = None


class ServiceAuthenticator:
    """Authenticates and authorizes calls to one DPS's service API."""

    def __init__(self, identity: IdentityBackend, arm: ArmBackend, keys: SasKeys) -> None:
        self.entra = EntraDataPlane(identity, arm, DPS_RESOURCE)
        self.keys = keys

    def authenticate(
        self,
        authorization: str | None,
        dps: DpsInstance,
        document: dict[str, object],
        hosts: tuple[str, ...],
        path: str,
    ) -> Caller:
        """The caller behind the Authorization header, or 401."""
        scheme, _, credential = (authorization or "").strip().partition(" ")
        if scheme.lower() == "bearer" and credential.strip():
            return Caller(principal=self._entra(credential.strip(), dps))
        if scheme.lower() == "sharedaccesssignature" and credential.strip():
            return Caller(policy=self._sas(credential.strip(), dps, document, hosts, path))
        raise Unauthorized(
            "The request carries no credential: send 'Authorization: Bearer <token for "
            "https://azure-devices-provisioning.net>' or 'SharedAccessSignature sr=&sig=&se=&skn='."
        )

    def authorize(
        self, caller: Caller, dps: DpsInstance, data_action: str, method: str, path: str
    ) -> None:
        """401 unless the caller may perform ``data_action`` (``enrollmentGroups/read``...);
        the refusal names the request's ``method`` and ``path``."""
        action = DATA_ACTION_PREFIX + data_action
        if caller.principal is not None:
            if not self.entra.permits(caller.principal, action, dps.arm_id):
                raise PrincipalNotAuthorized(caller.principal.object_id, method, path)
            return
        assert caller.policy is not None
        needed = (
            ("EnrollmentRead", "EnrollmentWrite")
            if action.endswith("/read")
            else ("EnrollmentWrite",)
        )
        rights = {r.lower() for r in caller.policy.rights}
        if not any(n.lower() in rights for n in needed):
            raise PolicyNotAuthorized(caller.policy.key_name, method, path, needed)

    def _entra(self, token: str, dps: DpsInstance) -> Principal:
        try:
            return self.entra.principal(token, dps.subscription_id)
        except EntraRefused as refused:
            raise Unauthorized(str(refused)) from None

    def _sas(
        self,
        token: str,
        dps: DpsInstance,
        document: dict[str, object],
        hosts: tuple[str, ...],
        path: str,
    ) -> SasPolicy:
        try:
            return signing_policy(token, self.keys.policies(dps.name, document), hosts, path, "DPS")
        except SasRefused as refused:
            raise Unauthorized(str(refused)) from None
