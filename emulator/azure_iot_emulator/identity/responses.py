"""The wire of the token service: discovery documents, JWKS and the token endpoint."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.identity.exceptions import TenantNotFound
from azure_iot_emulator.identity.models import IdentityBackend
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response

# Entra's tenant-independent authorities; only discovery answers for them, never a token.
MULTI_TENANT_ALIASES = ("common", "organizations", "consumers")


def authority_of(ctx: RequestContext) -> str:
    """``https://host:port`` as the client addressed us (the authority host)."""
    return str(ctx.request.base_url).rstrip("/")


class IdentityResponses:
    """Handlers for the endpoints MSAL (inside azure-identity) calls."""

    def __init__(self, backend: IdentityBackend) -> None:
        self.backend = backend

    def _openid_document(self, authority: str, tenant: str, v2: bool) -> dict[str, Any]:
        prefix = f"{authority}/{tenant}"
        oauth = f"{prefix}/oauth2/v2.0" if v2 else f"{prefix}/oauth2"
        return {
            "token_endpoint": f"{oauth}/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{prefix}/discovery/v2.0/keys" if v2 else f"{prefix}/discovery/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{prefix}/v2.0" if v2 else f"{prefix}/",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{authority}/oidc/userinfo",
            "authorization_endpoint": f"{oauth}/authorize",
            "device_authorization_endpoint": f"{oauth}/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{oauth}/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "nbf",
                "tid",
                "oid",
                "appid",
                "ver",
            ],
            "tenant_region_scope": None,
            "cloud_instance_name": urlparse(authority).netloc,
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }

    async def openid_configuration_v2(self, ctx: RequestContext) -> Response:
        """``/{tenant}/v2.0/.well-known/openid-configuration``: what MSAL reads first."""
        return await self._openid(ctx, v2=True)

    async def openid_configuration_v1(self, ctx: RequestContext) -> Response:
        """``/{tenant}/.well-known/openid-configuration`` (v1 clients)."""
        return await self._openid(ctx, v2=False)

    async def _openid(self, ctx: RequestContext, v2: bool) -> Response:
        tenant = ctx.params["tenant"]
        if tenant.lower() in MULTI_TENANT_ALIASES:
            # Entra answers the aliases too, with the issuer templated on `{tenantid}` [doc:
            # Microsoft identity platform OpenID Connect]. The az CLI's `logout` and `account
            # clear` build an MSAL app on `<authority>/organizations` and read this first.
            tenant = tenant.lower()
        elif not await run_in_threadpool(self.backend.tenant_exists, tenant):
            raise TenantNotFound(tenant)
        document = self._openid_document(authority_of(ctx), tenant, v2)
        if tenant in MULTI_TENANT_ALIASES:
            prefix = f"{authority_of(ctx)}/{{tenantid}}"
            document["issuer"] = f"{prefix}/v2.0" if v2 else f"{prefix}/"
        return json_response(200, document)

    async def instance_discovery(self, ctx: RequestContext) -> Response:
        """``/common/discovery/instance``: answers for this host only.

        MSAL sends instance discovery to login.microsoftonline.com for any host it does not know
        (msal/authority.py ``_get_instance_discovery_endpoint``), never to a custom authority, so
        this endpoint only serves clients given its URL explicitly.
        """
        authority = authority_of(ctx)
        host = urlparse(authority).netloc
        endpoint = ctx.query("authorization_endpoint") or ""
        parts = [p for p in urlparse(endpoint).path.split("/") if p]
        tenant = parts[0] if parts else "common"
        return json_response(
            200,
            {
                "tenant_discovery_endpoint": (
                    f"{authority}/{tenant}/v2.0/.well-known/openid-configuration"
                ),
                "api-version": "1.1",
                "metadata": [
                    {"preferred_network": host, "preferred_cache": host, "aliases": [host]}
                ],
            },
        )

    async def keys(self, ctx: RequestContext) -> Response:
        """The JWKS with the token-signing key."""
        return json_response(200, self.backend.key.jwks())

    async def token(self, ctx: RequestContext) -> Response:
        """``POST /{tenant}/oauth2/v2.0/token``, client-credentials grant only, with a secret
        (post or basic) or a federated ``client_assertion``."""
        form = {k: v[-1] for k, v in parse_qs(ctx.body.decode("utf-8", "replace")).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = _basic_credentials(ctx.header("authorization"))
        if basic is not None:
            client_id, client_secret = client_id or basic[0], client_secret or basic[1]
        issued = await run_in_threadpool(
            self.backend.issue_client_credentials_token,
            ctx.params["tenant"],
            form.get("grant_type"),
            client_id,
            client_secret,
            form.get("scope"),
            authority_of(ctx),
            form.get("client_assertion_type"),
            form.get("client_assertion"),
        )
        ctx.extras["client_id"] = client_id
        return json_response(
            200,
            {
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "ext_expires_in": issued.expires_in,
                "access_token": issued.access_token,
            },
            {"cache-control": "no-store, no-cache"},
        )


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """client_secret_basic: ``Authorization: Basic base64(id:secret)``."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return unquote(user), unquote(password)
