"""Paths of a hub's registry API (its data-plane port) and of the hub's ARM listKeys.

The registry path and operationId are the spec's [spec: iothub data-plane 2021-04-12
``/devices/{id}`` ``Devices_GetIdentity``]; listKeys as iothub.json lays it out [spec:
``.../IotHubs/{resourceName}/listkeys``, ``.../IotHubKeys/{keyName}/listkeys``].
"""

from __future__ import annotations

from azure_iot_emulator.devices.keys import KeyResponses
from azure_iot_emulator.hub_registry.responses import DeviceRegistryResponses
from azure_iot_emulator.routing import Route, param


def routes(registry: DeviceRegistryResponses) -> list[Route]:
    """The registry API, served on each hub's data-plane port."""
    return [Route("GET", f"/devices/{param('id')}", "Devices_GetIdentity", registry.get_identity)]


def arm_routes(keys: KeyResponses) -> list[Route]:
    """The hub's ARM listKeys, on the main port."""
    one = (
        f"/subscriptions/{param('subscriptionId')}/resourcegroups/{param('resourceGroupName')}"
        f"/providers/microsoft\\.devices/iothubs/{param('resourceName')}"
    )
    return [
        Route("POST", f"{one}/listkeys", "IotHubResource_ListKeys", keys.list_keys),
        Route(
            "POST",
            f"{one}/iothubkeys/{param('keyName')}/listkeys",
            "IotHubResource_GetKeysForKeyName",
            keys.one_key,
        ),
    ]
