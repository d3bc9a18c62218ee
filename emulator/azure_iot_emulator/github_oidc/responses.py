"""The wire of the GitHub Actions token service stand-in, and the admin API's token mint."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from azure_iot_emulator.admin.exceptions import AdminBadRequest
from azure_iot_emulator.github_oidc.exceptions import RequestTokenRejected
from azure_iot_emulator.github_oidc.models import ID_TOKEN_LIFETIME_S, GithubActionsIssuer
from azure_iot_emulator.identity.federation import TOKEN_EXCHANGE_AUDIENCE
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response

MINT_FIELDS = {"subject", "audience", "lifetime_s", "issuer"}


class GithubOidcResponses:
    """Handlers of ``/_emulator/oidc/...``."""

    def __init__(self, issuer: GithubActionsIssuer, jwks_path: str) -> None:
        self.issuer = issuer
        self.jwks_path = jwks_path

    async def token(self, ctx: RequestContext) -> Response:
        """GET ``...?api-version=2.0&audience=<aud>`` with the request token as bearer:
        ``{"count": 1, "value": "<jwt>"}``, as ACTIONS_ID_TOKEN_REQUEST_URL answers."""
        scheme, _, presented = (ctx.header("authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not self.issuer.accepts(presented.strip()):
            raise RequestTokenRejected()
        token = self.issuer.id_token(ctx.query("audience"))
        return json_response(200, {"count": 1, "value": token})

    async def openid_configuration(self, ctx: RequestContext) -> Response:
        """The issuer's discovery document, ``jwks_uri`` pointing at this emulator."""
        base = str(ctx.request.base_url).rstrip("/")
        return json_response(200, self.issuer.discovery(base + self.jwks_path))

    async def jwks(self, ctx: RequestContext) -> Response:
        """The issuer's public key."""
        return json_response(200, self.issuer.key.jwks())

    async def mint(self, ctx: RequestContext) -> Response:
        """Admin: ``{"subject", "audience"?, "lifetime_s"?, "issuer"?}`` -> ``{"value": jwt}``,
        signed with the issuer's key whatever ``issuer`` says (so tests can present expired
        tokens, other subjects and audiences, or an issuer whose keys are unknown)."""
        body = _json_object(ctx.body)
        unknown = set(body) - MINT_FIELDS
        subject = body.get("subject")
        if unknown or not isinstance(subject, str) or not subject:
            raise AdminBadRequest(
                f"expected a non-empty 'subject'; allowed fields {sorted(MINT_FIELDS)}, "
                f"unknown: {sorted(unknown)}"
            )
        audience = body.get("audience", TOKEN_EXCHANGE_AUDIENCE)
        lifetime = body.get("lifetime_s", ID_TOKEN_LIFETIME_S)
        issuer = body.get("issuer")
        if not isinstance(audience, str) or not audience:
            raise AdminBadRequest("'audience' must be a non-empty string")
        if not isinstance(lifetime, int) or isinstance(lifetime, bool):
            raise AdminBadRequest("'lifetime_s' must be an integer (negative: already expired)")
        if issuer is not None and (not isinstance(issuer, str) or not issuer):
            raise AdminBadRequest("'issuer' must be a non-empty string")
        token = self.issuer.mint(subject, audience, lifetime, issuer)
        return json_response(200, {"value": token})


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError as exc:
        raise AdminBadRequest(f"invalid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise AdminBadRequest("expected a JSON object")
    return value
