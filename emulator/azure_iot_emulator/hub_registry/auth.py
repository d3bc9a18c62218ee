"""Who may read a hub's registry: a shared-access signature of one of the hub's policies.

[doc: articles/iot-hub/authenticate-authorize-sas.md] ``SharedAccessSignature sr=&sig=&se=&skn=``,
``sig`` = base64 HMAC-SHA256 (key base64-decoded) of ``<sr>\\n<se>``, ``sr`` the hub's host name
(URL-encoded) with an optional path prefix; reading a device takes ``RegistryRead`` (or
``RegistryWrite``, which ``iothubowner`` holds and which reads too [doc, same page: iothubowner
reads devices]). azure-iot-hub 2.7.0 signs ``quote_plus(HostName)`` of its connection string
[code: azure/iot/hub/sastoken.py, auth.py], so ``127.0.0.1:<port>`` arrives as
``127.0.0.1%3A<port>``; the SAS format and its checks are shared with the DPS service API (sas.py).

Microsoft Entra tokens for ``https://iothubs.azure.net`` are not accepted: the emulator's token
endpoint does not issue that audience (README "Knowingly different").
"""

from __future__ import annotations

from azure_iot_emulator.dps.models import SasKeys, SasPolicy
from azure_iot_emulator.hub_registry.exceptions import Unauthorized
from azure_iot_emulator.sas import SasRefused, signing_policy

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
        policies = self.keys.policies(hub_name, dict(document))
        try:
            policy = signing_policy(token.strip(), policies, hosts, path, "hub")
        except SasRefused as refused:
            raise Unauthorized(str(refused)) from None
        held = {r.lower() for r in policy.rights}
        if not any(r.lower() in held for r in rights):
            raise Unauthorized(
                f"The shared access policy '{policy.key_name}' lacks the right "
                f"{' or '.join(rights)}."
            )
        return policy
