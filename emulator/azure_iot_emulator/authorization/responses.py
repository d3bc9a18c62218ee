"""The wire of the role API: role definitions and role assignments at any ARM scope.

Shapes: [spec] 2022-04-01 ``RoleDefinition`` / ``RoleAssignment`` and their examples; what a
real answer adds (``createdOn``/``updatedOn``/``createdBy``/``updatedBy``, a role PUT answering
201 for a create and for an update, ``createdBy`` null in that answer) [rec] azure-cli
``role/tests/latest/recordings/test_custom_role_definition_scenario.yaml`` at
``34ef4d60f630a63c93334ee6113f931dc43e15db``.

Actions checked ([doc] learn.microsoft.com/azure/role-based-access-control/permissions/
management-and-governance, Microsoft.Authorization): ``roleDefinitions/read|write|delete`` and
``roleAssignments/read|write|delete``, at the request's path (ARM names the assignment's own id
as the scope of a denied write [issue] a Terraform log quoting "...perform action
'Microsoft.Authorization/roleAssignments/write' over scope '/subscriptions/…/providers/
Microsoft.Authorization/roleAssignments/<guid>'"). Creating or updating a custom role also needs
``roleDefinitions/write`` at every one of its assignable scopes [doc]
learn.microsoft.com/azure/role-based-access-control/custom-roles ("Who can create, delete,
update, or view a custom role").
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.arm.apiversions import ROLE_API_VERSIONS
from azure_iot_emulator.arm.exceptions import AuthorizationFailed, InvalidRequestContent
from azure_iot_emulator.arm.models import ArmBackend, RoleDefinition
from azure_iot_emulator.arm.pipeline import ArmGate, OperationSpec, read_json
from azure_iot_emulator.authorization.exceptions import (
    InvalidRoleDefinition,
    RoleAssignmentNotFound,
    RoleDefinitionDoesNotExist,
)
from azure_iot_emulator.authorization.filters import assignment_filter, definition_filter
from azure_iot_emulator.authorization.models import (
    BUILTIN_TYPE,
    CUSTOM_TYPE,
    RoleAssignment,
    RoleBackend,
    RoleDefinitionInput,
    definition_id,
    subscription_of,
)
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response

PROVIDER = "/providers/microsoft.authorization/"
DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"
ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"


def _spec(kind: str, verb: str) -> OperationSpec:
    return OperationSpec(f"Microsoft.Authorization/{kind}/{verb}", ROLE_API_VERSIONS, kind)


DEFINITIONS_READ = _spec("roleDefinitions", "read")
DEFINITIONS_WRITE = _spec("roleDefinitions", "write")
DEFINITIONS_DELETE = _spec("roleDefinitions", "delete")
ASSIGNMENTS_READ = _spec("roleAssignments", "read")
ASSIGNMENTS_WRITE = _spec("roleAssignments", "write")
ASSIGNMENTS_DELETE = _spec("roleAssignments", "delete")


def scope_of(ctx: RequestContext) -> str:
    """The scope a role API path names: everything before its last
    ``/providers/Microsoft.Authorization/``."""
    path = ctx.request.url.path
    return path[: path.lower().rindex(PROVIDER)]


def definition_json(
    subscription_id: str, role: RoleDefinition, created_by: bool = True
) -> dict[str, Any]:
    """A role definition as ARM answers it at a scope of ``subscription_id``."""
    return {
        "properties": {
            "roleName": role.name,
            "type": BUILTIN_TYPE if role.is_builtin else CUSTOM_TYPE,
            "description": role.description,
            "assignableScopes": list(role.assignable_scopes),
            "permissions": [
                {
                    "actions": list(role.actions),
                    "notActions": list(role.not_actions),
                    "dataActions": list(role.data_actions),
                    "notDataActions": list(role.not_data_actions),
                }
            ],
            "createdOn": role.created_on or None,
            "updatedOn": role.updated_on or None,
            "createdBy": (role.created_by or None) if created_by else None,
            "updatedBy": role.updated_by or None,
        },
        "id": definition_id(subscription_id, role),
        "type": DEFINITION_TYPE,
        "name": role.guid,
    }


def assignment_json(assignment: RoleAssignment) -> dict[str, Any]:
    """A role assignment [spec] RoleAssignment; an assignment is never updated in place here,
    so its update fields are its creation's."""
    return {
        "properties": {
            "roleDefinitionId": definition_id(subscription_of(assignment.scope), assignment.role),
            "principalId": assignment.principal_id,
            "principalType": assignment.principal_type,
            "scope": assignment.scope,
            "condition": None,
            "conditionVersion": None,
            "createdOn": assignment.created_on,
            "updatedOn": assignment.created_on,
            "createdBy": assignment.created_by,
            "updatedBy": assignment.created_by,
            "delegatedManagedIdentityResourceId": None,
            "description": None,
        },
        "id": f"{assignment.scope}/providers/{ASSIGNMENT_TYPE}/{assignment.name}",
        "type": ASSIGNMENT_TYPE,
        "name": assignment.name,
    }


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidRoleDefinition(f"'{where}' must be a list of non-empty strings.")
    return tuple(v.strip() for v in value)


def definition_input(body: dict[str, Any]) -> RoleDefinitionInput:
    """The ``properties`` of a role definition PUT: one permissions block (what the az CLI and
    the portal send) [guess: Azure's limit on blocks]."""
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise InvalidRoleDefinition("The role definition needs 'properties'.")
    role_type = properties.get("type")
    if role_type not in (None, CUSTOM_TYPE):
        raise InvalidRoleDefinition(f"Only a '{CUSTOM_TYPE}' can be created, not '{role_type}'.")
    permissions = properties.get("permissions")
    if not isinstance(permissions, list) or len(permissions) != 1:
        raise InvalidRoleDefinition("The role definition needs exactly one 'permissions' block.")
    (block,) = permissions
    if not isinstance(block, dict):
        raise InvalidRoleDefinition("A 'permissions' block must be an object.")
    name, description = properties.get("roleName"), properties.get("description") or ""
    if not isinstance(name, str) or not isinstance(description, str):
        raise InvalidRoleDefinition("'roleName' and 'description' must be strings.")
    return RoleDefinitionInput(
        name.strip(),
        description,
        _strings(block.get("actions"), "actions"),
        _strings(block.get("notActions"), "notActions"),
        _strings(block.get("dataActions"), "dataActions"),
        _strings(block.get("notDataActions"), "notDataActions"),
        _strings(properties.get("assignableScopes"), "assignableScopes"),
    )


class RoleResponses:
    """Handlers of RoleDefinitions_* and RoleAssignments_*."""

    def __init__(self, roles: RoleBackend, arm: ArmBackend, gate: ArmGate) -> None:
        self.roles = roles
        self.arm = arm
        self.gate = gate

    # -- role definitions --------------------------------------------------------------------

    async def list_definitions(self, ctx: RequestContext) -> Response:
        """RoleDefinitions_List: the roles available at the scope, single page."""
        call = await self.gate.admit(ctx, DEFINITIONS_READ)
        wanted = definition_filter(ctx.query("$filter"))
        found = await run_in_threadpool(self.roles.definitions_at, scope_of(ctx), wanted)
        subscription = call.subscription.subscription_id
        return json_response(200, {"value": [definition_json(subscription, r) for r in found]})

    async def get_definition(self, ctx: RequestContext) -> Response:
        """RoleDefinitions_Get (and GetById, the same path)."""
        call = await self.gate.admit(ctx, DEFINITIONS_READ)
        role_id = ctx.params["roleDefinitionId"]
        role = await run_in_threadpool(self.roles.definition, role_id)
        if role is None:
            raise RoleDefinitionDoesNotExist(role_id)
        return json_response(200, definition_json(call.subscription.subscription_id, role))

    async def put_definition(self, ctx: RequestContext) -> Response:
        """RoleDefinitions_CreateOrUpdate: 201 for a create and for an update [rec]."""
        call = await self.gate.admit(ctx, DEFINITIONS_WRITE)
        wanted = definition_input(read_json(ctx))
        for scope in wanted.assignable_scopes:
            allowed = await run_in_threadpool(
                self.arm.is_authorized, call.principal, DEFINITIONS_WRITE.action, scope
            )
            if not allowed:
                raise AuthorizationFailed(call.principal.object_id, DEFINITIONS_WRITE.action, scope)
        role, _ = await run_in_threadpool(
            self.roles.put_definition, ctx.params["roleDefinitionId"], wanted, call.principal
        )
        subscription = call.subscription.subscription_id
        return json_response(201, definition_json(subscription, role, created_by=False))

    async def delete_definition(self, ctx: RequestContext) -> Response:
        """RoleDefinitions_Delete: 200 with the deleted role, 204 when there was none [spec]."""
        call = await self.gate.admit(ctx, DEFINITIONS_DELETE)
        role_id = ctx.params["roleDefinitionId"]
        existing = await run_in_threadpool(self.roles.definition, role_id)
        if existing is not None and existing.is_builtin:
            raise InvalidRoleDefinition(f"The role definition '{role_id}' is a built-in role.")
        role = await run_in_threadpool(self.roles.delete_definition, role_id)
        if role is None:
            return json_response(204, None)
        return json_response(200, definition_json(call.subscription.subscription_id, role))

    # -- role assignments --------------------------------------------------------------------

    async def list_assignments(self, ctx: RequestContext) -> Response:
        """RoleAssignments_ListForScope (and ListForSubscription / ListForResourceGroup /
        ListForResource, the same path at those scopes): single page."""
        await self.gate.admit(ctx, ASSIGNMENTS_READ)
        wanted = assignment_filter(ctx.query("$filter"))
        found = await run_in_threadpool(self.roles.assignments_at, scope_of(ctx), wanted)
        return json_response(200, {"value": [assignment_json(a) for a in found]})

    async def get_assignment(self, ctx: RequestContext) -> Response:
        """RoleAssignments_Get (and GetById)."""
        await self.gate.admit(ctx, ASSIGNMENTS_READ)
        name = ctx.params["roleAssignmentName"]
        found = await run_in_threadpool(self.roles.assignment, scope_of(ctx), name)
        if found is None:
            raise RoleAssignmentNotFound(name)
        return json_response(200, assignment_json(found))

    async def put_assignment(self, ctx: RequestContext) -> Response:
        """RoleAssignments_Create (and CreateById): 201 created, 200 when that name already
        grants the same [spec]."""
        call = await self.gate.admit(ctx, ASSIGNMENTS_WRITE)
        properties = read_json(ctx).get("properties")
        if not isinstance(properties, dict):
            raise InvalidRequestContent("The role assignment needs 'properties'.")
        role_definition_id = properties.get("roleDefinitionId")
        principal_id = properties.get("principalId")
        principal_type = properties.get("principalType")
        if not isinstance(role_definition_id, str) or not isinstance(principal_id, str):
            raise InvalidRequestContent(
                "The role assignment needs 'roleDefinitionId' and 'principalId' (strings)."
            )
        if principal_type is not None and not isinstance(principal_type, str):
            raise InvalidRequestContent("'principalType' must be a string.")
        if properties.get("condition"):
            # Conditions (ABAC) narrow what a role grants; ignoring one would grant more.
            raise InvalidRequestContent(
                "Role assignment conditions are not emulated; assign the role without one."
            )
        assignment, created = await run_in_threadpool(
            self.roles.create_assignment,
            scope_of(ctx),
            ctx.params["roleAssignmentName"],
            role_definition_id,
            principal_id,
            principal_type,
            call.principal,
        )
        return json_response(201 if created else 200, assignment_json(assignment))

    async def delete_assignment(self, ctx: RequestContext) -> Response:
        """RoleAssignments_Delete (and DeleteById): 200 with the deleted assignment, 204 when
        there was none [spec]."""
        await self.gate.admit(ctx, ASSIGNMENTS_DELETE)
        name = ctx.params["roleAssignmentName"]
        found = await run_in_threadpool(self.roles.delete_assignment, scope_of(ctx), name)
        if found is None:
            return json_response(204, None)
        return json_response(200, assignment_json(found))
