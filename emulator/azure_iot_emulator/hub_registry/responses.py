"""The wire of a hub's registry API (on the hub's data-plane port) and of the hub's ARM
``listKeys`` (on the main port): admit, call the backend, answer."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.arm.apiversions import IOTHUB_RESOURCE_VERSIONS
from azure_iot_emulator.arm.models import ArmBackend, TrackedResource
from azure_iot_emulator.arm.pipeline import IOTHUB, ArmGate, OperationSpec
from azure_iot_emulator.dataplane import DataPlanes
from azure_iot_emulator.devices.keys import KeyResponses
from azure_iot_emulator.dps.models import SasKeys
from azure_iot_emulator.hub_registry.auth import RegistryAuthenticator
from azure_iot_emulator.hub_registry.exceptions import HubNotFound, InvalidApiVersion
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


class DeviceRegistryResponses:
    """Devices_GetIdentity [spec operationId], on a hub's data-plane port."""

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

    def _admit(
        self, name: str, authorization: str | None, path: str, api_version: str | None
    ) -> TrackedResource:
        """Hub exists (404) -> SAS (401) -> api-version (400) [guess: the order]."""
        resource = self.arm.resource_named(KIND, name)
        if resource is None:
            raise HubNotFound(name)
        hosts = (
            self.dataplanes.host_of(KIND, resource.name).lower(),
            f"{resource.name.lower()}{AZURE_HOST_SUFFIX}",
        )
        self.authenticator.authenticate(
            authorization, resource.name, resource.document, hosts, path
        )
        if api_version not in API_VERSIONS:
            raise InvalidApiVersion(
                f"api-version '{api_version or ''}' is not supported; use one of "
                f"{', '.join(API_VERSIONS)}."
            )
        return resource

    async def get_identity(self, ctx: RequestContext) -> Response:
        """200 Device; 404 DeviceNotFound [spec; issue]."""
        resource = await run_in_threadpool(
            self._admit,
            ctx.params["serviceName"],
            ctx.header("authorization"),
            ctx.request.url.path,
            ctx.query("api-version"),
        )
        device = await run_in_threadpool(self.registry.get, hub_arm_id(resource), ctx.params["id"])
        return json_response(200, device.wire(), {"etag": f'"{device.etag}"'})


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
