"""The wire of a hub's registry API (on the hub's data-plane port) and of the hub's ARM
``listKeys`` (on the main port): admit, call the backend, answer."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.arm.apiversions import IOTHUB_RESOURCE_VERSIONS
from azure_iot_emulator.arm.models import ArmBackend, TrackedResource
from azure_iot_emulator.arm.pipeline import IOTHUB, ArmGate, OperationSpec
from azure_iot_emulator.dataplane import DataPlanes
from azure_iot_emulator.devices.keys import KeyResponses
from azure_iot_emulator.dps.models import SasKeys
from azure_iot_emulator.hub_registry.auth import (
    QUERY_TWINS,
    READ_DEVICES,
    READ_REGISTRY_STATISTICS,
    READ_SERVICE_STATISTICS,
    READ_TWIN,
    Access,
    RegistryAuthenticator,
)
from azure_iot_emulator.hub_registry.exceptions import (
    HubNotFound,
    InvalidApiVersion,
    InvalidContinuation,
    QueryNotEmulated,
)
from azure_iot_emulator.hub_registry.models import DeviceRegistry
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response

KIND = "iothub"
AZURE_HOST_SUFFIX = ".azure-devices.net"
# 2021-04-12: what azure-iot-hub 2.7.0 sends [code: protocol/iot_hub_gateway_service_ap_is.py]
# and the newest stable registry version [spec: iothub data-plane stable/2021-04-12]; 2020-09-30
# [spec] too, older ones not served [guess].
API_VERSIONS = ("2020-09-30", "2021-04-12")


def hub_arm_id(resource: TrackedResource) -> str:
    """The hub's ARM id: the key of its devices in the state database."""
    return (
        f"/subscriptions/{resource.subscription_id}/resourceGroups/{resource.resource_group}"
        f"/providers/Microsoft.Devices/IotHubs/{resource.name}"
    )


# ``x-ms-item-type`` of a twin query's answer [code: Azure/azure-iot-sdk-java
# ``QueryType.TWIN("twin")``; the C# SDK's ``QueryResultType.Twin``].
TWIN_ITEM_TYPE = "twin"


class DeviceRegistryResponses:
    """The registry's reads, on a hub's data-plane port, as the spec names them:
    Devices_GetIdentity, Devices_GetDevices, Devices_GetTwin, Query_GetTwins,
    Statistics_GetDeviceStatistics, Statistics_GetServiceStatistics, Modules_GetModulesOnDevice."""

    def __init__(
        self,
        registry: DeviceRegistry,
        authenticator: RegistryAuthenticator,
        arm: ArmBackend,
        dataplanes: DataPlanes,
    ) -> None:
        self.registry = registry
        self.authenticator = authenticator
        self.arm = arm
        self.dataplanes = dataplanes

    def _admit_sync(
        self,
        name: str,
        authorization: str | None,
        method: str,
        path: str,
        api_version: str | None,
        access: Access,
    ) -> str:
        """Hub exists (404) -> credential (401) -> api-version (400) -> authorization (401)
        [guess: the order]; the hub's ARM id."""
        resource = self.arm.resource_named(KIND, name)
        if resource is None:
            raise HubNotFound(name)
        hosts = (
            self.dataplanes.host_of(KIND, resource.name).lower(),
            f"{resource.name.lower()}{AZURE_HOST_SUFFIX}",
        )
        caller = self.authenticator.authenticate(authorization, resource, hosts, path)
        if api_version not in API_VERSIONS:
            raise InvalidApiVersion(
                f"api-version '{api_version or ''}' is not supported; use one of "
                f"{', '.join(API_VERSIONS)}."
            )
        hub_id = hub_arm_id(resource)
        self.authenticator.authorize(caller, access, hub_id, method, path)
        return hub_id

    async def _admit(self, ctx: RequestContext, access: Access) -> str:
        return await run_in_threadpool(
            self._admit_sync,
            ctx.params["serviceName"],
            ctx.header("authorization"),
            ctx.request.method,
            ctx.request.url.path,
            ctx.query("api-version"),
            access,
        )

    async def get_identity(self, ctx: RequestContext) -> Response:
        """200 Device; 404 DeviceNotFound [spec; issue]."""
        hub_id = await self._admit(ctx, READ_DEVICES)
        device = await run_in_threadpool(self.registry.get, hub_id, ctx.params["id"])
        return json_response(200, device.wire(), {"etag": f'"{device.etag}"'})

    async def get_devices(self, ctx: RequestContext) -> Response:
        """200, a JSON array of Devices; ``top`` outside 1-1000 (or not a number) is 1000
        [spec]."""
        hub_id = await self._admit(ctx, READ_DEVICES)
        top_text = ctx.query("top")
        top = int(top_text) if top_text and top_text.strip().lstrip("-").isdigit() else None
        devices = await run_in_threadpool(self.registry.devices, hub_id, top)
        return json_response(200, [d.wire() for d in devices])

    async def get_modules(self, ctx: RequestContext) -> Response:
        """200, the device's modules: none, DPS creates none [guess: ``[]``]; 404 for an
        unknown device [guess]."""
        hub_id = await self._admit(ctx, READ_DEVICES)
        await run_in_threadpool(self.registry.get, hub_id, ctx.params["id"])
        return json_response(200, [])

    async def get_twin(self, ctx: RequestContext) -> Response:
        """200 Twin (twins.py), header ``etag`` the twin's [guess: the header]; 404
        DeviceNotFound."""
        hub_id = await self._admit(ctx, READ_TWIN)
        device = await run_in_threadpool(self.registry.get, hub_id, ctx.params["id"])
        return json_response(200, device.twin_wire(), {"etag": f'"{device.twin.etag}"'})

    async def query_twins(self, ctx: RequestContext) -> Response:
        """``POST /devices/query`` ``{"query"}``: 200, a JSON array of Twins, ``x-ms-item-type:
        twin`` [code], ``x-ms-continuation`` when ``x-ms-max-item-count`` cut the page [doc:
        rest/api/iothub/service/query/get-twins]."""
        hub_id = await self._admit(ctx, QUERY_TWINS)
        try:
            body: Any = json.loads(ctx.body or b"null")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise QueryNotEmulated(None)
        count = ctx.header("x-ms-max-item-count")
        try:
            max_items = int(count) if count else None
        except ValueError:
            raise InvalidContinuation("x-ms-max-item-count must be an integer.") from None
        devices, token = await run_in_threadpool(
            self.registry.query_twins,
            hub_id,
            body.get("query"),
            max_items,
            ctx.header("x-ms-continuation"),
        )
        headers = {"x-ms-item-type": TWIN_ITEM_TYPE}
        if token:
            headers["x-ms-continuation"] = token
        return json_response(200, [d.twin_wire() for d in devices], headers)

    async def device_statistics(self, ctx: RequestContext) -> Response:
        """200 ``{totalDeviceCount, enabledDeviceCount, disabledDeviceCount}`` [spec]."""
        hub_id = await self._admit(ctx, READ_REGISTRY_STATISTICS)
        statistics = await run_in_threadpool(self.registry.statistics, hub_id)
        return json_response(200, statistics.wire())

    async def service_statistics(self, ctx: RequestContext) -> Response:
        """200 ``{"connectedDeviceCount": 0}`` [spec: ``ServiceStatistics``]: no device ever
        connects to an emulated hub."""
        await self._admit(ctx, READ_SERVICE_STATISTICS)
        return json_response(200, {"connectedDeviceCount": 0})


# [doc] resource provider operations, Microsoft.Devices: "IotHubs/listkeys/Action" (Get all
# IotHub Keys) **[guess]** that both operations check it.
LIST_KEYS = OperationSpec(
    "Microsoft.Devices/IotHubs/listkeys/Action",
    IOTHUB_RESOURCE_VERSIONS,
    "IotHubs",
    parent=IOTHUB,
    trailing_action_segments=1,
)
KEYS_FOR_NAME = OperationSpec(
    LIST_KEYS.action,
    IOTHUB_RESOURCE_VERSIONS,
    "IotHubs",
    parent=IOTHUB,
    trailing_action_segments=3,
)


def hub_key_responses(gate: ArmGate, keys: SasKeys) -> KeyResponses:
    """IotHubResource_ListKeys / _GetKeysForKeyName: the hub's policies with their keys."""
    return KeyResponses(
        gate, keys, LIST_KEYS, KEYS_FOR_NAME, "Microsoft.Devices/IotHubs/IotHubKeys"
    )
