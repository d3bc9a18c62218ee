"""The wire of ARM's cloud metadata: no token needed, like public ARM's."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.arm.exceptions import MissingApiVersionParameter
from azure_iot_emulator.cloud.exceptions import InvalidMetadataApiVersion
from azure_iot_emulator.cloud.models import API_VERSIONS, metadata_answer
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response


class CloudResponses:
    """``GET /metadata/endpoints?api-version=...``."""

    def __init__(self, graph_url: Callable[[], str] | None = None) -> None:
        # The emulator's Microsoft Graph URL (its port is bound on first use).
        self.graph_url = graph_url

    async def endpoints(self, ctx: RequestContext) -> Response:
        """The cloud's endpoints, built from the URL the client addressed."""
        api_version = ctx.query("api-version")
        if not api_version:
            raise MissingApiVersionParameter()
        if api_version not in API_VERSIONS:
            raise InvalidMetadataApiVersion(api_version, sorted(API_VERSIONS))
        base_url = str(ctx.request.base_url)
        graph = await run_in_threadpool(self.graph_url) if self.graph_url else None
        return json_response(200, metadata_answer(base_url, API_VERSIONS[api_version], graph))
