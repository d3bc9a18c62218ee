"""Paths of a hub's registry API (its data-plane port) and of the hub's ARM listKeys.

The registry paths and operationIds are the spec's [spec: iothub data-plane 2021-04-12, as
azure-iot-hub 2.7.0's generated ``protocol/operations`` send them and the REST reference lays them
out, doc: learn.microsoft.com/rest/api/iothub/service/{devices,query,statistics,modules}];
listKeys as iothub.json lays it out [spec: ``.../IotHubs/{resourceName}/listkeys``,
``.../IotHubKeys/{keyName}/listkeys``].
"""

from __future__ import annotations

from azure_iot_emulator.devices.keys import KeyResponses
from azure_iot_emulator.hub_registry.responses import DeviceRegistryResponses
from azure_iot_emulator.routing import Route, param


def routes(registry: DeviceRegistryResponses) -> list[Route]:
    """The registry API, served on each hub's data-plane port."""
    device = f"/devices/{param('id')}"
    return [
        Route("GET", "/devices", "Devices_GetDevices", registry.get_devices),
        Route("POST", "/devices/query", "Query_GetTwins", registry.query_twins),
        Route("GET", device, "Devices_GetIdentity", registry.get_identity),
        Route("GET", f"{device}/modules", "Modules_GetModulesOnDevice", registry.get_modules),
        Route("GET", f"/twins/{param('id')}", "Devices_GetTwin", registry.get_twin),
        Route(
            "GET",
            "/statistics/devices",
            "Statistics_GetDeviceStatistics",
            registry.device_statistics,
        ),
        Route(
            "GET",
            "/statistics/service",
            "Statistics_GetServiceStatistics",
            registry.service_statistics,
        ),
    ]


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
