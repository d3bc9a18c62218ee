"""Paths of ARM's cloud metadata (outside ``/subscriptions``: no ARM faults, no budget)."""

from __future__ import annotations

from azure_iot_emulator.cloud.responses import CloudResponses
from azure_iot_emulator.routing import Route


def routes(responses: CloudResponses) -> list[Route]:
    """The one metadata route, logged as ``CloudMetadata_Endpoints``."""
    return [
        Route("GET", "/metadata/endpoints", "CloudMetadata_Endpoints", responses.endpoints),
    ]
