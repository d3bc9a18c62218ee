"""Who calls Microsoft Graph: a bearer token the emulator signed, for Graph's own URL (the
``microsoftGraphResourceId`` its cloud metadata announces; a token for ARM is refused), of a
principal of the token's tenant. Graph answers from that tenant's directory."""

from __future__ import annotations

import jwt

from azure_iot_emulator.graph.exceptions import InvalidAuthenticationToken
from azure_iot_emulator.identity.models import IdentityBackend, Principal, own_audiences


class GraphAuthenticator:
    """Checks ``Authorization: Bearer <jwt>`` for the Graph addressed at ``authority``."""

    def __init__(self, identity: IdentityBackend) -> None:
        self.identity = identity

    def authenticate(self, authorization: str | None, authority: str) -> Principal:
        """The principal behind the token, or Graph's 401 InvalidAuthenticationToken."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidAuthenticationToken("Access token is empty.")
        try:
            claims = self.identity.decode_token(token.strip())
        except jwt.ExpiredSignatureError:
            raise InvalidAuthenticationToken(
                "Lifetime validation failed, the token is expired."
            ) from None
        except jwt.PyJWTError:
            raise InvalidAuthenticationToken("Access token validation failure.") from None
        if str(claims.get("aud", "")) not in own_audiences(authority):
            raise InvalidAuthenticationToken("Access token validation failure. Invalid audience.")
        principal = self.identity.principal_by_object_id(str(claims["oid"]))
        if principal is None or principal.tenant_id.lower() != str(claims["tid"]).lower():
            raise InvalidAuthenticationToken("Access token validation failure.")
        return principal
