"""The shared-access policies of an IoT hub or a DPS, with their keys, as ARM's `listKeys` and
its one-policy form answer them: one shape for both services [spec: iothub.json
`IotHubResource_ListKeys` / `_GetKeysForKeyName`; iotdps.json `IotDpsResource_ListKeys` /
`_ListKeysForKeyName`]."""

from __future__ import annotations

from starlette.responses import Response

from azure_iot_emulator.arm.exceptions import ResourceNotFound
from azure_iot_emulator.arm.pipeline import ArmGate, OperationSpec
from azure_iot_emulator.dps.models import SasKeys
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response


class KeyResponses:
    """`listKeys` (every policy) and the one-policy form of one service; `key_type` names the
    policy's resource type in a 404."""

    def __init__(
        self,
        gate: ArmGate,
        keys: SasKeys,
        every: OperationSpec,
        one: OperationSpec,
        key_type: str,
    ) -> None:
        self.gate, self.keys = gate, keys
        self.every, self.one, self.key_type = every, one, key_type

    async def list_keys(self, ctx: RequestContext) -> Response:
        """200 ``{"value": [{keyName, primaryKey, secondaryKey, rights}]}``, one page [spec]."""
        call = await self.gate.admit(ctx, self.every)
        assert call.parent is not None
        policies = self.keys.policies(call.parent.name, call.parent.document)
        return json_response(200, {"value": [p.wire() for p in policies]})

    async def one_key(self, ctx: RequestContext) -> Response:
        """200 with the one policy; 404 for another name [guess: the error]."""
        call = await self.gate.admit(ctx, self.one)
        assert call.parent is not None and call.resource_group is not None
        key_name = ctx.params["keyName"]
        for policy in self.keys.policies(call.parent.name, call.parent.document):
            if policy.key_name.lower() == key_name.lower():
                return json_response(200, policy.wire())
        raise ResourceNotFound(self.key_type, key_name, call.resource_group.name)
