"""Paths of the role API: ``{scope}/providers/Microsoft.Authorization/roleDefinitions[/{id}]`` and
``.../roleAssignments[/{name}]``, the scope a subscription, a resource group or a resource
(nested types too) [spec] 2022-04-01 ``/{scope}/providers/Microsoft.Authorization/...``; the
spec's ``ListForSubscription``/``ListForResourceGroup``/``ListForResource`` are this path at those
scopes, ``GetById``/``CreateById``/``DeleteById`` the item paths. No tenant-root (``/``) or
management-group scope."""

from __future__ import annotations

from azure_iot_emulator.authorization.responses import RoleResponses
from azure_iot_emulator.routing import Route, param

SCOPE = (
    f"/subscriptions/{param('subscriptionId')}"
    f"(?:/resourcegroups/{param('resourceGroupName')}"
    r"(?:/providers/[^/]+(?:/[^/]+/[^/]+)+)?)?"
)
AUTHORIZATION = f"{SCOPE}/providers/Microsoft\\.Authorization"
DEFINITIONS = f"{AUTHORIZATION}/roleDefinitions"
ASSIGNMENTS = f"{AUTHORIZATION}/roleAssignments"


def routes(responses: RoleResponses) -> list[Route]:
    """Routes named by the spec's operationIds."""
    definition = f"{DEFINITIONS}/{param('roleDefinitionId')}"
    assignment = f"{ASSIGNMENTS}/{param('roleAssignmentName')}"
    return [
        Route("GET", DEFINITIONS, "RoleDefinitions_List", responses.list_definitions),
        Route("GET", definition, "RoleDefinitions_Get", responses.get_definition),
        Route("PUT", definition, "RoleDefinitions_CreateOrUpdate", responses.put_definition),
        Route("DELETE", definition, "RoleDefinitions_Delete", responses.delete_definition),
        Route("GET", ASSIGNMENTS, "RoleAssignments_ListForScope", responses.list_assignments),
        Route("GET", assignment, "RoleAssignments_Get", responses.get_assignment),
        Route("PUT", assignment, "RoleAssignments_Create", responses.put_assignment),
        Route("DELETE", assignment, "RoleAssignments_Delete", responses.delete_assignment),
    ]
