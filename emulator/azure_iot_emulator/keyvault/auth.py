"""How the vault authenticates a request: a bearer token for Key Vault from the vault's tenant.

Any principal of the vault's tenant may use its keys: the emulator has no Key Vault access
policies or data-plane RBAC (README, "Knowingly different from Azure").
"""

from __future__ import annotations

import jwt

from azure_iot_emulator.identity.models import KEY_VAULT_AUDIENCES, IdentityBackend, Principal
from azure_iot_emulator.keyvault.exceptions import KEY_VAULT_RESOURCE, Unauthorized


class VaultAuthenticator:
    """Checks ``Authorization: Bearer <jwt>`` and answers anything else with the challenge."""

    def __init__(self, identity: IdentityBackend, tenant_id: str) -> None:
        self.identity = identity
        self.tenant_id = tenant_id

    def authenticate(self, authorization: str | None, authority: str) -> Principal:
        """The principal behind the token, or 401 Unauthorized carrying the challenge."""
        challenge = f"{authority}/{self.tenant_id}"
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("AKV10000: Request is missing a Bearer or PoP token.", challenge)
        try:
            claims = self.identity.decode_token(token.strip())
        except jwt.ExpiredSignatureError:
            raise Unauthorized("AKV10020: The access token has expired.", challenge) from None
        except jwt.PyJWTError:
            raise Unauthorized("AKV10020: Invalid token signature.", challenge) from None
        audience = str(claims.get("aud", ""))
        if audience not in KEY_VAULT_AUDIENCES:
            raise Unauthorized(
                f"AKV10022: Invalid audience. Expected {KEY_VAULT_RESOURCE}, found: {audience}.",
                challenge,
            )
        tenant = str(claims["tid"])
        if tenant.lower() != self.tenant_id.lower():
            raise Unauthorized(
                f"AKV10032: Invalid issuer. Expected a token of tenant {self.tenant_id}, found "
                f"one of tenant {tenant}.",
                challenge,
            )
        principal = self.identity.principal_by_object_id(str(claims["oid"]))
        if principal is None:
            raise Unauthorized("AKV10020: The token's principal no longer exists.", challenge)
        return principal
