"""Workload identity federation: an external issuer's JWT accepted in place of a client secret.

The rules Entra ID applies to a ``client_assertion`` checked against an app's federated identity
credentials, in Entra's order: the assertion is a JWT; its issuer is one of the app's credentials
and an issuer whose keys are known; its signature verifies (RS256); it is within its validity
(clock skew allowed); its subject matches a credential of that issuer exactly (case-sensitive);
its audience is one of that credential's audiences. No HTTP and no network here: an issuer's keys
are the emulator's own (its GitHub Actions stand-in) or given inline in the seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from azure_iot_emulator.identity.exceptions import (
    AssertionOutsideValidity,
    AssertionSignatureInvalid,
    MalformedClientAssertion,
    NoMatchingAudience,
    NoMatchingIssuer,
    NoMatchingSubject,
    SubjectCaseMismatch,
)

# The audience Entra ID recommends for (and defaults in) federated credentials of public Azure.
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


@dataclass(frozen=True)
class FederatedCredential:
    """One federated identity credential of an app: whose tokens it trusts."""

    name: str
    issuer: str
    subject: str
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class TrustedIssuer:
    """An OIDC issuer and its public keys (``kid`` may be absent in a JWKS)."""

    issuer: str
    keys: tuple[tuple[str | None, rsa.RSAPublicKey], ...]

    def keys_for(self, kid: str | None) -> list[rsa.RSAPublicKey]:
        """The keys an assertion with this ``kid`` may be signed with: by id, or all if no id."""
        if kid is None:
            return [key for _, key in self.keys]
        return [key for key_id, key in self.keys if key_id == kid]


def trusted_issuer(issuer: str, jwks: Any) -> TrustedIssuer:
    """Parse an inline JWKS (``{"keys": [RSA JWK, ...]}``); raises ValueError naming the problem."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise ValueError("'jwks' must be an object with a non-empty 'keys' list")
    keys: list[tuple[str | None, rsa.RSAPublicKey]] = []
    for i, jwk in enumerate(jwks["keys"]):
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
            raise ValueError(f"jwks.keys[{i}] must be an RSA JWK (kty RSA): only RS256 is checked")
        try:
            key = RSAAlgorithm.from_jwk(jwk)
        except (jwt.InvalidKeyError, ValueError, KeyError) as exc:
            raise ValueError(f"jwks.keys[{i}] is not a usable RSA JWK: {exc}") from None
        public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
        kid = jwk.get("kid")
        keys.append((str(kid) if kid is not None else None, public))
    return TrustedIssuer(issuer, tuple(keys))


def check_assertion(
    assertion: str,
    credentials: list[FederatedCredential],
    issuers: Mapping[str, TrustedIssuer],
    now: datetime,
    skew_seconds: int,
) -> FederatedCredential:
    """The credential that accepts ``assertion``, or the OAuthError Entra ID answers with."""
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise MalformedClientAssertion() from None
    if not isinstance(claims, dict):
        raise MalformedClientAssertion()
    issuer = claims.get("iss")
    issuer = issuer if isinstance(issuer, str) else ""
    trusted = issuers.get(issuer)
    of_issuer = [c for c in credentials if c.issuer == issuer]
    if trusted is None or not of_issuer:
        raise NoMatchingIssuer(issuer)
    kid = header.get("kid")
    _verify_signature(assertion, trusted, kid if isinstance(kid, str) else None)
    _check_validity(claims, now, skew_seconds)
    subject = claims.get("sub")
    subject = subject if isinstance(subject, str) else ""
    exact = [c for c in of_issuer if c.subject == subject]
    if not exact:
        if any(c.subject.lower() == subject.lower() for c in of_issuer):
            raise SubjectCaseMismatch(subject)
        raise NoMatchingSubject(subject)
    raw_audience = claims.get("aud")
    presented = [raw_audience] if isinstance(raw_audience, str) else list(raw_audience or [])
    for credential in exact:
        if any(audience in credential.audiences for audience in presented):
            return credential
    raise NoMatchingAudience(", ".join(str(a) for a in presented))


def _verify_signature(assertion: str, issuer: TrustedIssuer, kid: str | None) -> None:
    for key in issuer.keys_for(kid):
        try:
            jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_sub": False,
                    "verify_jti": False,
                },
            )
            return
        except jwt.PyJWTError:
            continue
    raise AssertionSignatureInvalid(issuer.issuer, kid)


def _check_validity(claims: dict[str, Any], now: datetime, skew_seconds: int) -> None:
    """exp and nbf against ``now`` give or take the skew; no ``exp`` counts as long expired."""
    nbf, exp = _number(claims.get("nbf")), _number(claims.get("exp"))
    current = now.timestamp()
    if (exp or 0) + skew_seconds < current or (nbf is not None and nbf - skew_seconds > current):
        raise AssertionOutsideValidity(_dotnet_time(current), _dotnet_time(nbf), _dotnet_time(exp))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _dotnet_time(timestamp: float | None) -> str:
    """``2024-10-02T22:05:03.6755165Z``: .NET's round-trip format, 7 fractional digits, as Entra
    prints times (a missing claim prints as the epoch)."""
    moment = datetime.fromtimestamp(timestamp or 0, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"
