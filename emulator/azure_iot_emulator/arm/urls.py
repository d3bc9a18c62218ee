"""Paths of ARM's own resources (subscriptions, resource groups)."""

from __future__ import annotations

from azure_iot_emulator.arm.responses import ArmResponses
from azure_iot_emulator.routing import Route, param

SUB = f"/subscriptions/{param('subscriptionId')}"
RG = f"{SUB}/resourcegroups/{param('resourceGroupName')}"


def routes(responses: ArmResponses) -> list[Route]:
    """Subscription and resource-group routes with their spec operationIds."""
    return [
        Route("GET", "/subscriptions", "Subscriptions_List", responses.list_subscriptions),
        Route("GET", SUB, "Subscriptions_Get", responses.get_subscription),
        Route(
            "GET", f"{SUB}/resourcegroups", "ResourceGroups_List", responses.list_resource_groups
        ),
        Route("GET", RG, "ResourceGroups_Get", responses.get_resource_group),
        Route("PUT", RG, "ResourceGroups_CreateOrUpdate", responses.put_resource_group),
    ]
