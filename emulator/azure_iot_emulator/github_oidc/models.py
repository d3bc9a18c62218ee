"""The GitHub Actions OIDC issuer's rules: which request token it wants, what its tokens say.

A job with ``permissions: id-token: write`` gets ``ACTIONS_ID_TOKEN_REQUEST_URL`` and
``ACTIONS_ID_TOKEN_REQUEST_TOKEN``; GET on the URL with ``&audience=...`` and the request token as
bearer answers ``{"count": 1, "value": "<jwt>"}`` ([doc] GitHub "OpenID Connect" and the actions
toolkit's ``getIDToken`` for the request and ``value``; ``count`` [guess]). The JWT is RS256 with
``iss`` = the issuer, ``sub`` = ``repo:<owner>/<repo>:...`` and claims describing the run [doc].
Here the signing key lives in the state dir and the subject is the seed's, so the emulator's own
token endpoint can trust these tokens with no network.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt

from azure_iot_emulator.identity.federation import TOKEN_EXCHANGE_AUDIENCE, TrustedIssuer
from azure_iot_emulator.identity.keys import SigningKey
from azure_iot_emulator.wire import utcnow

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
DEFAULT_REQUEST_TOKEN = "emulator-actions-request-token"
DEFAULT_SUBJECT = "repo:contoso/fleet:environment:production"
# GitHub's ID tokens are short-lived; ten minutes here [guess: GitHub documents no number].
ID_TOKEN_LIFETIME_S = 600


def run_claims(subject: str, run_id: str) -> dict[str, str]:
    """The claims GitHub adds about the run, derived from a ``repo:`` subject (none otherwise).

    ``repo:o/r:environment:e`` gives ``environment``; ``repo:o/r:ref:<ref>`` the ref;
    ``repo:o/r:pull_request`` a pull-request event. Claim names: [doc] GitHub's OIDC token
    reference; values are the emulator's own.
    """
    parts = subject.split(":")
    if len(parts) < 2 or parts[0] != "repo" or "/" not in parts[1]:
        return {}
    repository = parts[1]
    kind, value = (parts[2], ":".join(parts[3:])) if len(parts) > 2 else ("", "")
    claims: dict[str, str] = {}
    ref, event = "refs/heads/main", "push"
    if kind == "environment":
        claims["environment"] = value
    elif kind == "ref":
        ref = value
    elif kind == "pull_request":
        ref, event = "refs/pull/1/merge", "pull_request"
    workflow_ref = f"{repository}/.github/workflows/deploy.yml@{ref}"
    claims.update(
        {
            "ref": ref,
            "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
            "sha": hashlib.sha1(subject.encode(), usedforsecurity=False).hexdigest(),
            "repository": repository,
            "repository_owner": repository.split("/", 1)[0],
            "repository_visibility": "private",
            "actor": "emulator",
            "workflow": "deploy",
            "workflow_ref": workflow_ref,
            "job_workflow_ref": workflow_ref,
            "event_name": event,
            "run_id": run_id,
            "run_number": "1",
            "run_attempt": "1",
            "runner_environment": "github-hosted",
        }
    )
    return claims


class GithubActionsIssuer:
    """Checks request tokens and mints ID tokens with the state-dir key."""

    def __init__(
        self,
        key: SigningKey,
        request_token: str = DEFAULT_REQUEST_TOKEN,
        subject: str = DEFAULT_SUBJECT,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.key = key
        self.request_token = request_token
        self.subject = subject
        self.clock = clock
        # One emulator process plays one workflow run.
        self.run_id = str(1_000_000_000 + secrets.randbelow(9_000_000_000))

    def trusted(self) -> TrustedIssuer:
        """This issuer as the token endpoint trusts it: its URL and public key."""
        return TrustedIssuer(GITHUB_ISSUER, ((self.key.kid, self.key.public_key),))

    def accepts(self, request_token: str | None) -> bool:
        """Whether a presented request token is the job's (constant-time compare)."""
        return request_token is not None and hmac.compare_digest(
            request_token.encode(), self.request_token.encode()
        )

    def id_token(self, audience: str | None) -> str:
        """The job's ID token for ``audience`` (GitHub's default audience is the repository
        owner's URL; Azure's login steps always ask for the token-exchange audience)."""
        return self.mint(self.subject, audience or TOKEN_EXCHANGE_AUDIENCE)

    def mint(
        self,
        subject: str,
        audience: str = TOKEN_EXCHANGE_AUDIENCE,
        lifetime_s: int = ID_TOKEN_LIFETIME_S,
        issuer: str | None = None,
    ) -> str:
        """A signed ID token; a lifetime ≤ 0 gives one that expired ``-lifetime_s`` ago (its
        validity window then ends in the past), and ``issuer`` may name another issuer."""
        now = int(self.clock().timestamp())
        expiry = now + lifetime_s
        issued = now if lifetime_s > 0 else expiry - ID_TOKEN_LIFETIME_S
        claims: dict[str, Any] = {
            "jti": str(uuid.uuid4()),
            "sub": subject,
            "aud": audience,
            **run_claims(subject, self.run_id),
            "iss": issuer or GITHUB_ISSUER,
            "nbf": issued,
            "iat": issued,
            "exp": expiry,
        }
        return jwt.encode(
            claims,
            self.key.private_key,
            algorithm="RS256",
            headers={"kid": self.key.kid, "typ": "JWT"},
        )

    def discovery(self, jwks_uri: str) -> dict[str, Any]:
        """The issuer's OpenID configuration (informational: nothing here fetches it)."""
        return {
            "issuer": GITHUB_ISSUER,
            "jwks_uri": jwks_uri,
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"]
            + sorted(run_claims("repo:o/r:environment:e", "0")),
        }
