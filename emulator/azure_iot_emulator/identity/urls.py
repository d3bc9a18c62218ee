"""Paths of the token service (all outside ``/subscriptions``)."""

from __future__ import annotations

from azure_iot_emulator.identity.responses import IdentityResponses
from azure_iot_emulator.routing import Route, param

TENANT = param("tenant")


def routes(responses: IdentityResponses) -> list[Route]:
    """Discovery, keys and token routes, with the operation names the request log uses."""
    return [
        Route(
            "GET", "/common/discovery/instance", "InstanceDiscovery", responses.instance_discovery
        ),
        Route(
            "GET",
            f"/{TENANT}/v2\\.0/\\.well-known/openid-configuration",
            "OpenIdConfiguration",
            responses.openid_configuration_v2,
        ),
        Route(
            "GET",
            f"/{TENANT}/\\.well-known/openid-configuration",
            "OpenIdConfiguration",
            responses.openid_configuration_v1,
        ),
        Route("GET", f"/{TENANT}/discovery/v2\\.0/keys", "Keys", responses.keys),
        Route("GET", f"/{TENANT}/discovery/keys", "Keys", responses.keys),
        Route("POST", f"/{TENANT}/oauth2/v2\\.0/token", "Token", responses.token),
    ]
