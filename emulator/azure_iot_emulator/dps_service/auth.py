"""Who may call a DPS's service API: a Microsoft Entra token under the data roles, or a
shared-access signature of one of the DPS's policies.

- Entra [doc: articles/iot-dps/concepts-control-access-dps-azure-ad.md]: a token for
  ``https://azure-devices-provisioning.net``; authorized by a role assignment at the DPS or above
  whose ``dataActions`` cover ``Microsoft.Devices/provisioningServices/enrollmentGroups/
  {read,write,delete}`` (Owner and Contributor grant none: data actions are apart from actions).
  A token for another audience (ARM's) is refused.
- SAS [doc: articles/iot-dps/how-to-control-access.md]: ``SharedAccessSignature sr=&sig=&se=&skn=``,
  ``sig`` = base64 HMAC-SHA256 (key base64-decoded) of ``<sr as sent>\\n<se>``; ``sr`` names the
  DPS host and, optionally, a path prefix (matched by segment). Both the host a client was
  given (``127.0.0.1:<port>``) and Azure's (``<dps>.azure-devices-provisioning.net``) name it;
  a leading ``https://`` is tolerated, since azure-iot-deviceprovisioning signs the endpoint it
  was given [code: _auth.py ``generate_sas_token(audience=endpoint)``]. ``EnrollmentRead`` reads,
  ``EnrollmentWrite`` writes and deletes (and reads) [doc, same page; reads by a write right
  **[guess]**].

Refusals: 401 for a missing, malformed, expired or foreign credential, 403 for a valid one that
lacks the right; both in the service's error shape (exceptions.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import quote_plus, unquote_plus

import jwt

from azure_iot_emulator.arm.models import ArmBackend
from azure_iot_emulator.dps.models import SasKeys, SasPolicy
from azure_iot_emulator.dps_service.exceptions import Forbidden, Unauthorized
from azure_iot_emulator.dps_service.models import DpsInstance
from azure_iot_emulator.identity.models import DPS_AUDIENCES, IdentityBackend, Principal

DATA_ACTION_PREFIX = "Microsoft.Devices/provisioningServices/"


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: a principal (Entra) or a policy (SAS)."""

    principal: Principal | None = None
    policy: SasPolicy | None = None


def _sas_fields(token: str) -> dict[str, str]:
    """The raw (still URL-encoded) ``k=v`` fields of a SAS."""
    fields: dict[str, str] = {}
    for part in token.split("&"):
        name, sep, value = part.partition("=")
        if not sep:
            raise Unauthorized("The SharedAccessSignature is malformed.")
        fields[name.strip().lower()] = value.strip()
    return fields


def _signature(key: str, signed: str) -> bytes:
    return hmac.new(base64.b64decode(key), signed.encode("utf-8"), hashlib.sha256).digest()


def _resource_covers(resource: str, hosts: tuple[str, ...], path: str) -> bool:
    """Whether ``sr`` names this DPS (and a segment prefix of the request path)."""
    text = resource.lower()
    for scheme in ("https://", "http://"):
        if text.startswith(scheme):
            text = text[len(scheme) :]
    host, _, prefix = text.partition("/")
    if host not in hosts:
        return False
    wanted = [s for s in prefix.split("/") if s]
    have = [s for s in path.lower().split("/") if s]
    return have[: len(wanted)] == wanted


class ServiceAuthenticator:
    """Authenticates and authorizes calls to one DPS's service API."""

    def __init__(self, identity: IdentityBackend, arm: ArmBackend, keys: SasKeys) -> None:
        self.identity = identity
        self.arm = arm
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

    def authorize(self, caller: Caller, dps: DpsInstance, data_action: str) -> None:
        """403 unless the caller may perform ``data_action`` (``enrollmentGroups/read``...)."""
        action = DATA_ACTION_PREFIX + data_action
        if caller.principal is not None:
            if not self.arm.is_data_authorized(caller.principal, action, dps.arm_id):
                raise Forbidden(
                    f"The principal '{caller.principal.object_id}' does not have authorization "
                    f"to perform data action '{action}' over scope '{dps.arm_id}'; assign it "
                    "'Device Provisioning Service Data Contributor' (or Data Reader to read) "
                    "at the DPS or above."
                )
            return
        assert caller.policy is not None
        needed = (
            ("EnrollmentRead", "EnrollmentWrite")
            if action.endswith("/read")
            else ("EnrollmentWrite",)
        )
        rights = {r.lower() for r in caller.policy.rights}
        if not any(n.lower() in rights for n in needed):
            raise Forbidden(
                f"The shared access policy '{caller.policy.key_name}' lacks the right "
                f"{' or '.join(needed)} for '{action}'."
            )

    def _entra(self, token: str, dps: DpsInstance) -> Principal:
        try:
            claims = self.identity.decode_token(token)
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The access token has expired.") from None
        except jwt.PyJWTError:
            raise Unauthorized("The access token is invalid.") from None
        audience = str(claims.get("aud", ""))
        if audience not in DPS_AUDIENCES:
            raise Unauthorized(
                f"The access token's audience '{audience}' is not "
                "https://azure-devices-provisioning.net: ask for the scope "
                "https://azure-devices-provisioning.net/.default."
            )
        principal = self.identity.principal_by_object_id(str(claims["oid"]))
        subscription = self.arm.subscription(dps.subscription_id)
        if (
            principal is None
            or principal.tenant_id.lower() != str(claims["tid"]).lower()
            or subscription is None
            or subscription.tenant_id.lower() != principal.tenant_id.lower()
        ):
            raise Unauthorized("The access token is not of the DPS's tenant.")
        return principal

    def _sas(
        self,
        token: str,
        dps: DpsInstance,
        document: dict[str, object],
        hosts: tuple[str, ...],
        path: str,
    ) -> SasPolicy:
        fields = _sas_fields(token)
        missing = [f for f in ("sr", "sig", "se", "skn") if not fields.get(f)]
        if missing:
            raise Unauthorized(f"The SharedAccessSignature lacks {', '.join(missing)}.")
        raw_sr, se = fields["sr"], unquote_plus(fields["se"])
        try:
            expiry = int(se)
        except ValueError:
            raise Unauthorized("The SharedAccessSignature's se is not a number.") from None
        if expiry < time.time():
            raise Unauthorized("The SharedAccessSignature has expired.")
        resource = unquote_plus(raw_sr)
        if not _resource_covers(resource, hosts, path):
            raise Unauthorized(f"The SharedAccessSignature's sr '{resource}' is not this DPS.")
        key_name = unquote_plus(fields["skn"])
        policy = next(
            (
                p
                for p in self.keys.policies(dps.name, document)
                if p.key_name.lower() == key_name.lower()
            ),
            None,
        )
        if policy is None:
            raise Unauthorized(f"The DPS has no shared access policy '{key_name}'.")
        try:
            sig = base64.b64decode(unquote_plus(fields["sig"]), validate=True)
        except ValueError:
            raise Unauthorized("The SharedAccessSignature's sig is not base64.") from None
        # Signed over sr as sent; a client that sent it unencoded signed its encoded form.
        signed = {f"{raw_sr}\n{se}", f"{quote_plus(resource)}\n{se}"}
        for key in (policy.primary_key, policy.secondary_key):
            if any(hmac.compare_digest(_signature(key, s), sig) for s in signed):
                return policy
        raise Unauthorized("The SharedAccessSignature's signature does not match the key.")
