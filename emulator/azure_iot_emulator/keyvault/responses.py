"""The wire of the Key Vault keys data plane: authenticate, parse, call the backend, serialize.

Every handler authenticates before reading anything else: azure-keyvault-keys' first request to
a vault carries no token and no body, and expects the 401 challenge back.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.identity.responses import authority_of
from azure_iot_emulator.keyvault.auth import VaultAuthenticator
from azure_iot_emulator.keyvault.exceptions import (
    BadParameter,
    MissingApiVersion,
    UnsupportedApiVersion,
)
from azure_iot_emulator.keyvault.models import (
    KeyVaultBackend,
    StoredKey,
    b64url_decode,
    b64url_encode,
)
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response

# 7.4-7.6 [doc] Key Vault REST versions; 2025-07-01 is azure-keyvault-keys 4.11's default [sdk].
API_VERSIONS = ("7.4", "7.5", "7.6", "2025-07-01")
LATEST_API_VERSION = "2025-07-01"


def key_bundle(ctx: RequestContext, stored: StoredKey) -> dict[str, Any]:
    """The KeyBundle of one version: public JWK, attributes, tags."""
    kid = f"{authority_of(ctx)}/keys/{stored.name}/{stored.version}"
    bundle: dict[str, Any] = {
        "key": stored.public_jwk(kid),
        "attributes": {
            "enabled": stored.enabled,
            "created": stored.created,
            "updated": stored.updated,
            "recoveryLevel": "Recoverable+Purgeable",
            "recoverableDays": 90,
            "exportable": False,
        },
    }
    if stored.tags:
        bundle["tags"] = dict(stored.tags)
    return bundle


class KeyVaultResponses:
    """Handlers for GetKey, ImportKey, CreateKey and Sign."""

    def __init__(self, backend: KeyVaultBackend, authenticator: VaultAuthenticator) -> None:
        self.backend = backend
        self.authenticator = authenticator

    async def _admit(self, ctx: RequestContext) -> None:
        """Authentication first, then the api-version (as the challenge flow needs)."""
        await run_in_threadpool(
            self.authenticator.authenticate, ctx.header("authorization"), authority_of(ctx)
        )
        version = ctx.query("api-version")
        if not version:
            raise MissingApiVersion()
        if version not in API_VERSIONS:
            raise UnsupportedApiVersion(version, LATEST_API_VERSION)

    async def get_key(self, ctx: RequestContext) -> Response:
        """``GET /keys/{name}[/{version}]``: the public half only."""
        await self._admit(ctx)
        stored = await run_in_threadpool(
            self.backend.get_key, ctx.params["keyName"], ctx.params.get("keyVersion")
        )
        return json_response(200, key_bundle(ctx, stored))

    async def import_key(self, ctx: RequestContext) -> Response:
        """``PUT /keys/{name}``: body ``{"key": JWK with private parts, "attributes", "tags"}``."""
        await self._admit(ctx)
        body = _json_object(ctx.body)
        stored = await run_in_threadpool(
            self.backend.import_key,
            ctx.params["keyName"],
            body.get("key"),
            _enabled(body),
            _tags(body),
        )
        return json_response(200, key_bundle(ctx, stored))

    async def create_key(self, ctx: RequestContext) -> Response:
        """``POST /keys/{name}/create``: body ``{"kty", "key_size"?, "crv"?, "key_ops"?}``."""
        await self._admit(ctx)
        body = _json_object(ctx.body)
        key_size = body.get("key_size")
        key_ops = body.get("key_ops")
        stored = await run_in_threadpool(
            self.backend.create_key,
            ctx.params["keyName"],
            str(body.get("kty")),
            int(key_size) if isinstance(key_size, int) else None,
            str(body["crv"]) if body.get("crv") else None,
            [str(op) for op in key_ops] if isinstance(key_ops, list) else None,
            _enabled(body),
            _tags(body),
        )
        return json_response(200, key_bundle(ctx, stored))

    async def sign(self, ctx: RequestContext) -> Response:
        """``POST /keys/{name}/{version}/sign``: ``{"alg", "value"}`` -> ``{"kid", "value"}``."""
        await self._admit(ctx)
        body = _json_object(ctx.body)
        algorithm = body.get("alg")
        if not isinstance(algorithm, str) or not algorithm:
            raise BadParameter("The parameter 'alg' is required.")
        digest = b64url_decode(body.get("value"), "value")
        name = ctx.params["keyName"]
        version, signature = await run_in_threadpool(
            self.backend.sign, name, ctx.params.get("keyVersion") or None, algorithm, digest
        )
        return json_response(
            200,
            {
                "kid": f"{authority_of(ctx)}/keys/{name}/{version}",
                "value": b64url_encode(signature),
            },
        )


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadParameter("The request body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise BadParameter("The request body must be a JSON object.")
    return document


def _enabled(body: dict[str, Any]) -> bool:
    attributes = body.get("attributes") or {}
    return bool(attributes.get("enabled", True))


def _tags(body: dict[str, Any]) -> dict[str, str]:
    tags = body.get("tags") or {}
    if not isinstance(tags, dict):
        raise BadParameter("The parameter 'tags' must be an object.")
    return {str(k): str(v) for k, v in tags.items()}
