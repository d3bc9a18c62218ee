"""How ARM authenticates a request: validate the bearer token, find its service principal."""

from __future__ import annotations

import jwt

from azure_iot_emulator.arm.exceptions import (
    AuthenticationFailed,
    InvalidAuthenticationToken,
    InvalidAuthenticationTokenAudience,
)
from azure_iot_emulator.identity.models import (
    ARM_AUDIENCES,
    IdentityBackend,
    Principal,
    own_arm_audiences,
)


class BearerAuthenticator:
    """Checks ``Authorization: Bearer <jwt>`` against the emulator's own signing key."""

    def __init__(self, identity: IdentityBackend) -> None:
        self.identity = identity

    def authenticate(self, authorization: str | None, authority: str) -> Principal:
        """The principal behind the token, or a 401 ARM error with a WWW-Authenticate challenge."""
        challenge_uri = f"{authority}/"
        if not authorization or not authorization.strip():
            raise AuthenticationFailed(challenge_uri)
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidAuthenticationToken(
                "Authentication failed. The 'Authorization' header is provided in an invalid "
                "format.",
                challenge_uri,
            )
        try:
            claims = self.identity.decode_token(token.strip())
        except jwt.ExpiredSignatureError:
            raise InvalidAuthenticationToken(
                "The access token has expired.", challenge_uri
            ) from None
        except jwt.PyJWTError:
            raise InvalidAuthenticationToken(
                "The access token is invalid.", challenge_uri
            ) from None
        audience = str(claims.get("aud", ""))
        if audience not in ARM_AUDIENCES + own_arm_audiences(authority):
            raise InvalidAuthenticationTokenAudience(audience, challenge_uri)
        issuer = str(claims.get("iss", ""))
        tenant = str(claims["tid"])
        if not issuer.lower().endswith(f"/{tenant.lower()}/"):
            raise InvalidAuthenticationToken(
                "The access token is from the wrong issuer.", challenge_uri
            )
        principal = self.identity.principal_by_object_id(str(claims["oid"]))
        if principal is None or principal.tenant_id.lower() != tenant.lower():
            raise InvalidAuthenticationToken(
                "The access token is invalid: its principal no longer exists.", challenge_uri
            )
        return principal
