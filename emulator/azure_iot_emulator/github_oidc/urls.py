"""Paths of the GitHub Actions token service stand-in, under the admin prefix (loopback only)."""

from __future__ import annotations

import re

from azure_iot_emulator.github_oidc.responses import GithubOidcResponses
from azure_iot_emulator.routing import Route

PREFIX = "/_emulator/oidc"
GITHUB = f"{PREFIX}/github"
# The path of ACTIONS_ID_TOKEN_REQUEST_URL; the announced URL adds ``?api-version=2.0``.
TOKEN_PATH = f"{GITHUB}/token"
JWKS_PATH = f"{GITHUB}/.well-known/jwks"
DISCOVERY_PATH = f"{GITHUB}/.well-known/openid-configuration"
MINT_PATH = f"{PREFIX}/tokens"


def routes(responses: GithubOidcResponses) -> list[Route]:
    """The token, discovery and JWKS endpoints, and the admin mint."""
    return [
        Route("GET", re.escape(TOKEN_PATH), "GithubOidc_Token", responses.token),
        Route(
            "GET",
            re.escape(DISCOVERY_PATH),
            "GithubOidc_OpenIdConfiguration",
            responses.openid_configuration,
        ),
        Route("GET", re.escape(JWKS_PATH), "GithubOidc_Keys", responses.jwks),
        Route("POST", re.escape(MINT_PATH), "Admin_MintOidcToken", responses.mint),
    ]
