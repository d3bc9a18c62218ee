"""Paths of the emulator's Microsoft Graph, relative to its own port (as Graph's host)."""

from __future__ import annotations

from azure_iot_emulator.graph.responses import GraphResponses
from azure_iot_emulator.routing import Route, param


def routes(responses: GraphResponses) -> list[Route]:
    """Logged under Graph's resource and method names."""
    return [
        Route(
            "GET",
            "/v1\\.0/servicePrincipals",
            "ServicePrincipals_List",
            responses.list_service_principals,
        ),
        Route(
            "GET",
            f"/v1\\.0/servicePrincipals/{param('id')}",
            "ServicePrincipals_Get",
            responses.get_service_principal,
        ),
        Route(
            "POST",
            "/v1\\.0/directoryObjects/getByIds",
            "DirectoryObjects_GetByIds",
            responses.get_by_ids,
        ),
    ]
