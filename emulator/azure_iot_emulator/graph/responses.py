"""The wire of the emulator's Microsoft Graph (v1.0), served on a data-plane port of its own as
Graph has its own host (README "Microsoft Graph").

Shapes [doc] learn.microsoft.com/graph/api/serviceprincipal-list, serviceprincipal-get and
directoryobject-getbyids: a collection is ``{"@odata.context": "<graph>/v1.0/$metadata#…",
"value": [...]}``; getByIds tags each object with ``@odata.type`` (the az CLI reads it to tell a
service principal from a user).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.graph.auth import GraphAuthenticator
from azure_iot_emulator.graph.exceptions import GraphError, ResourceNotFound
from azure_iot_emulator.graph.filters import service_principal_filter
from azure_iot_emulator.graph.models import Directory, service_principal_names
from azure_iot_emulator.identity.models import Principal
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response

KIND = "graph"
# One Graph per emulator, as Azure's one graph.microsoft.com.
INSTANCE = "global"
SERVICE_PRINCIPAL_TYPE = "#microsoft.graph.servicePrincipal"


def service_principal_json(principal: Principal) -> dict[str, Any]:
    """A servicePrincipal [doc] resources/serviceprincipal (the properties the emulator has)."""
    return {
        "id": principal.object_id,
        "accountEnabled": True,
        "appDisplayName": principal.display_name,
        "appId": principal.client_id,
        "appOwnerOrganizationId": principal.tenant_id,
        "displayName": principal.display_name,
        "servicePrincipalNames": service_principal_names(principal),
        "servicePrincipalType": "Application",
    }


def _base(ctx: RequestContext) -> str:
    return str(ctx.request.base_url).rstrip("/")


class GraphResponses:
    """Handlers of the Graph routes."""

    def __init__(self, directory: Directory, authenticator: GraphAuthenticator) -> None:
        self.directory = directory
        self.authenticator = authenticator

    async def _caller(self, ctx: RequestContext) -> Principal:
        return await run_in_threadpool(
            self.authenticator.authenticate, ctx.header("authorization"), _base(ctx)
        )

    async def list_service_principals(self, ctx: RequestContext) -> Response:
        """``GET /v1.0/servicePrincipals[?$filter=…]``: the caller's tenant's, single page."""
        caller = await self._caller(ctx)
        wanted = service_principal_filter(ctx.query("$filter"))
        found = await run_in_threadpool(self.directory.service_principals, caller.tenant_id, wanted)
        return json_response(
            200,
            {
                "@odata.context": f"{_base(ctx)}/v1.0/$metadata#servicePrincipals",
                "value": [service_principal_json(p) for p in found],
            },
        )

    async def get_service_principal(self, ctx: RequestContext) -> Response:
        """``GET /v1.0/servicePrincipals/{id}`` by object id."""
        caller = await self._caller(ctx)
        object_id = ctx.params["id"]
        found = await run_in_threadpool(self.directory.by_object_ids, caller.tenant_id, [object_id])
        if not found:
            raise ResourceNotFound(object_id)
        body = {
            "@odata.context": f"{_base(ctx)}/v1.0/$metadata#servicePrincipals/$entity",
            **service_principal_json(found[0]),
        }
        return json_response(200, body)

    async def get_by_ids(self, ctx: RequestContext) -> Response:
        """``POST /v1.0/directoryObjects/getByIds`` ``{"ids": [...], "types": [...]}``: the
        service principals among the ids (the directory holds nothing else); ids it does not
        hold are left out [doc]."""
        caller = await self._caller(ctx)
        try:
            body = json.loads(ctx.body or b"{}")
        except ValueError:
            raise GraphError("The request body is not JSON.") from None
        ids = body.get("ids") if isinstance(body, dict) else None
        types = body.get("types") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise GraphError("'ids' must be a list of object ids.")
        if types is not None and "serviceprincipal" not in {str(t).lower() for t in types}:
            ids = []
        found = await run_in_threadpool(self.directory.by_object_ids, caller.tenant_id, ids)
        return json_response(
            200,
            {
                "@odata.context": f"{_base(ctx)}/v1.0/$metadata#directoryObjects",
                "value": [
                    {"@odata.type": SERVICE_PRINCIPAL_TYPE, **service_principal_json(p)}
                    for p in found
                ],
            },
        )
