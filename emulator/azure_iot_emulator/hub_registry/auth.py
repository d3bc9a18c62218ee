"""Who may read a hub's registry: a shared-access signature of one of the hub's policies.

[doc: articles/iot-hub/authenticate-authorize-sas.md] ``SharedAccessSignature sr=&sig=&se=&skn=``,
``sig`` = base64 HMAC-SHA256 (key base64-decoded) of ``<sr>\\n<se>``, ``sr`` the hub's host name
(URL-encoded) with an optional path prefix; reading a device takes ``RegistryRead`` (or
``RegistryWrite``, which ``iothubowner`` holds and which reads too [doc, same page: iothubowner
reads devices]). azure-iot-hub 2.7.0 signs ``quote_plus(HostName)`` of its connection string
[code: azure/iot/hub/sastoken.py, auth.py], so ``127.0.0.1:<port>`` arrives as
``127.0.0.1%3A<port>``; the SAS format and checks are the DPS service API's (dps_service/auth.py).

Microsoft Entra tokens for ``https://iothubs.azure.net`` are not accepted: the emulator's token
endpoint does not issue that audience (README "Knowingly different").
"""

from __future__ import annotations

import base64
import hmac
import time
from urllib.parse import quote_plus, unquote_plus

from azure_iot_emulator.dps.models import SasKeys, SasPolicy
from azure_iot_emulator.dps_service.auth import _resource_covers, _sas_fields, _signature
from azure_iot_emulator.dps_service.exceptions import DpsServiceError
from azure_iot_emulator.hub_registry.exceptions import Unauthorized

READ_RIGHTS = ("RegistryRead", "RegistryWrite")


class RegistryAuthenticator:
    """Authenticates calls to one hub's registry API by SAS."""

    def __init__(self, keys: SasKeys) -> None:
        self.keys = keys

    def authenticate(
        self,
        authorization: str | None,
        hub_name: str,
        document: dict[str, object],
        hosts: tuple[str, ...],
        path: str,
        rights: tuple[str, ...] = READ_RIGHTS,
    ) -> SasPolicy:
        """The policy whose key signed the request and that holds one of ``rights``, or 401."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "sharedaccesssignature" or not token.strip():
            raise Unauthorized(
                "The request carries no SharedAccessSignature: sign it with a key of the hub's "
                "policies (ARM listKeys), as a connection string does."
            )
        try:
            fields = _sas_fields(token.strip())
        except DpsServiceError as error:
            raise Unauthorized(error.message) from None
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
            raise Unauthorized(f"The SharedAccessSignature's sr '{resource}' is not this hub.")
        key_name = unquote_plus(fields["skn"])
        policy = next(
            (
                p
                for p in self.keys.policies(hub_name, dict(document))
                if p.key_name.lower() == key_name.lower()
            ),
            None,
        )
        if policy is None:
            raise Unauthorized(f"The hub has no shared access policy '{key_name}'.")
        try:
            sig = base64.b64decode(unquote_plus(fields["sig"]), validate=True)
        except ValueError:
            raise Unauthorized("The SharedAccessSignature's sig is not base64.") from None
        signed = {f"{raw_sr}\n{se}", f"{quote_plus(resource)}\n{se}"}
        if not any(
            hmac.compare_digest(_signature(key, s), sig)
            for key in (policy.primary_key, policy.secondary_key)
            for s in signed
        ):
            raise Unauthorized("The SharedAccessSignature's signature does not match the key.")
        held = {r.lower() for r in policy.rights}
        if not any(r.lower() in held for r in rights):
            raise Unauthorized(
                f"The shared access policy '{policy.key_name}' lacks the right "
                f"{' or '.join(rights)}."
            )
        return policy
