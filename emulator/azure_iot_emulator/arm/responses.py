"""The wire of ARM's own resources: subscriptions and resource groups (Microsoft.Resources)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.arm.apiversions import RESOURCES_VERSIONS
from azure_iot_emulator.arm.exceptions import (
    LocationRequired,
    MissingApiVersionParameter,
    NoRegisteredProviderFound,
    ResourceGroupNotFound,
)
from azure_iot_emulator.arm.models import ArmBackend, ResourceGroup, Subscription
from azure_iot_emulator.arm.pipeline import ArmGate, OperationSpec, read_json
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response

RG_READ = OperationSpec(
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    RESOURCES_VERSIONS,
    "resourceGroups",
    needs_resource_group=False,
)
RG_WRITE = OperationSpec(
    "Microsoft.Resources/subscriptions/resourceGroups/write",
    RESOURCES_VERSIONS,
    "resourceGroups",
    needs_resource_group=False,
)
SUBSCRIPTION_READ = OperationSpec(
    "Microsoft.Resources/subscriptions/read",
    RESOURCES_VERSIONS,
    "subscriptions",
    needs_resource_group=False,
)


def subscription_json(subscription: Subscription) -> dict[str, Any]:
    """Subscriptions_Get shape [spec: Microsoft.Resources subscriptions.json]."""
    return {
        "id": f"/subscriptions/{subscription.subscription_id}",
        "authorizationSource": "RoleBased",
        "subscriptionId": subscription.subscription_id,
        "tenantId": subscription.tenant_id,
        "displayName": subscription.display_name,
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def resource_group_json(group: ResourceGroup) -> dict[str, Any]:
    """ResourceGroups_Get shape [spec: resources.json ResourceGroup]."""
    return {
        "id": f"/subscriptions/{group.subscription_id}/resourceGroups/{group.name}",
        "name": group.name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": group.location,
        "tags": group.tags,
        "properties": {"provisioningState": "Succeeded"},
    }


class ArmResponses:
    """Handlers for subscriptions and resource groups."""

    def __init__(self, arm: ArmBackend, gate: ArmGate) -> None:
        self.arm = arm
        self.gate = gate

    async def list_subscriptions(self, ctx: RequestContext) -> Response:
        """Subscriptions_List: only those where the caller holds a role (ARM filters by RBAC)."""
        api_version = ctx.query("api-version")
        if not api_version:
            raise MissingApiVersionParameter()
        principal = await self.gate.authenticate(ctx)
        if api_version not in RESOURCES_VERSIONS:
            raise NoRegisteredProviderFound(
                "global", api_version, "subscriptions", list(reversed(RESOURCES_VERSIONS)), []
            )
        subscriptions = await run_in_threadpool(self.arm.subscriptions)
        visible = [
            subscription_json(s)
            for s in subscriptions
            if await run_in_threadpool(self.arm.has_any_access, principal, s.subscription_id)
        ]
        return json_response(
            200, {"value": visible, "count": {"type": "Total", "value": len(visible)}}
        )

    async def get_subscription(self, ctx: RequestContext) -> Response:
        """Subscriptions_Get."""
        call = await self.gate.admit(ctx, SUBSCRIPTION_READ)
        return json_response(200, subscription_json(call.subscription))

    async def list_resource_groups(self, ctx: RequestContext) -> Response:
        """ResourceGroups_List: single page."""
        call = await self.gate.admit(ctx, RG_READ)
        groups = await run_in_threadpool(
            self.arm.resource_groups, call.subscription.subscription_id
        )
        return json_response(200, {"value": [resource_group_json(g) for g in groups]})

    async def get_resource_group(self, ctx: RequestContext) -> Response:
        """ResourceGroups_Get."""
        call = await self.gate.admit(ctx, RG_READ)
        name = ctx.params["resourceGroupName"]
        group = await run_in_threadpool(
            self.arm.resource_group, call.subscription.subscription_id, name
        )
        if group is None:
            raise ResourceGroupNotFound(name)
        return json_response(200, resource_group_json(group))

    async def put_resource_group(self, ctx: RequestContext) -> Response:
        """ResourceGroups_CreateOrUpdate: 201 created, 200 updated [spec]."""
        call = await self.gate.admit(ctx, RG_WRITE)
        body = read_json(ctx)
        location = body.get("location")
        if not isinstance(location, str) or not location:
            raise LocationRequired()
        tags = body.get("tags") or {}
        group, created = await run_in_threadpool(
            self.arm.put_resource_group,
            call.subscription.subscription_id,
            ctx.params["resourceGroupName"],
            location,
            tags,
        )
        return json_response(201 if created else 200, resource_group_json(group))
