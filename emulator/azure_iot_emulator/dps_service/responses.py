"""The wire of the DPS service API's enrollment groups: admit, parse, call the backend, answer.

Every handler admits first, in this order [guess: the service's order is not documented]: the
DPS behind the port exists, the caller authenticates (401), the api-version is served (400),
the caller may perform the data action (401 too: auth.py).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.arm.models import ArmBackend, TrackedResource
from azure_iot_emulator.dataplane import DataPlanes
from azure_iot_emulator.devices.models import CertificateBackend, ParentRef
from azure_iot_emulator.dps_service.auth import ServiceAuthenticator
from azure_iot_emulator.dps_service.exceptions import (
    DpsServiceError,
    InvalidRequest,
    MissingApiVersion,
    UnsupportedApiVersion,
)
from azure_iot_emulator.dps_service.models import (
    DpsInstance,
    EnrollmentGroupBackend,
    attestation_mechanism,
    group_wire,
)
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response

# 2021-10-01: the stable version, the one azure-iot-deviceprovisioning 1.0.0b1 and the az CLI
# send and the recordings carry [spec; code; rec]; 2019-03-31 [issue: Azure/azure-cli#19197];
# 2025-07-01-preview [spec: DeviceProvisioningServices/readme.md].
API_VERSIONS = ("2019-03-31", "2021-10-01", "2025-07-01-preview")
KIND = "dps"
AZURE_HOST_SUFFIX = ".azure-devices-provisioning.net"


class DpsNotFound(DpsServiceError):
    """404 when the DPS behind a data-plane port no longer exists (a reset dropped it) [guess];
    404001 is IoT Hub's DeviceNotFound, borrowed [guess]."""

    status = 404
    code = 404001

    def __init__(self, name: str) -> None:
        super().__init__(f"The provisioning service {name} does not exist.")


def linked_hub_hosts(document: dict[str, Any]) -> tuple[str, ...]:
    """Host names of the hubs linked to the DPS (``properties.iotHubs[].name``, or the
    ``HostName`` of their connection string, from which Azure derives ``name`` [spec])."""
    hosts: list[str] = []
    for hub in document.get("properties", {}).get("iotHubs") or []:
        if not isinstance(hub, dict):
            continue
        name = hub.get("name")
        if not isinstance(name, str) or not name:
            parts = dict(
                p.split("=", 1)
                for p in str(hub.get("connectionString") or "").split(";")
                if "=" in p
            )
            name = next((v for k, v in parts.items() if k.lower() == "hostname"), "")
        if name:
            hosts.append(name)
    return tuple(hosts)


def _json_body(ctx: RequestContext) -> dict[str, Any]:
    try:
        value = json.loads(ctx.body) if ctx.body.strip() else None
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequest("The request body is not JSON.") from None
    if not isinstance(value, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return value


class EnrollmentGroupResponses:
    """EnrollmentGroup_Get / _CreateOrUpdate / _Delete / _Query / _RunBulkOperation /
    _GetAttestationMechanism."""

    def __init__(
        self,
        backend: EnrollmentGroupBackend,
        authenticator: ServiceAuthenticator,
        arm: ArmBackend,
        certificates: CertificateBackend,
        dataplanes: DataPlanes,
    ) -> None:
        self.backend = backend
        self.authenticator = authenticator
        self.arm = arm
        self.certificates = certificates
        self.dataplanes = dataplanes

    def _instance(self, name: str) -> tuple[DpsInstance, TrackedResource]:
        resource = self.arm.resource_named(KIND, name)
        if resource is None:
            raise DpsNotFound(name)
        parent = ParentRef(resource.subscription_id, resource.resource_group, KIND, resource.name)
        instance = DpsInstance(
            resource.subscription_id,
            resource.resource_group,
            resource.name,
            linked_hub_hosts(resource.document),
            tuple(record.name for record in self.certificates.list(parent)),
        )
        return instance, resource

    def _admit_sync(
        self,
        authorization: str | None,
        name: str,
        method: str,
        path: str,
        api_version: str | None,
        data_action: str,
    ) -> DpsInstance:
        dps, resource = self._instance(name)
        hosts = (
            self.dataplanes.host_of(KIND, dps.name).lower(),
            f"{dps.name.lower()}{AZURE_HOST_SUFFIX}",
        )
        caller = self.authenticator.authenticate(authorization, dps, resource.document, hosts, path)
        if not api_version:
            raise MissingApiVersion()
        if api_version not in API_VERSIONS:
            raise UnsupportedApiVersion(api_version, API_VERSIONS)
        self.authenticator.authorize(caller, dps, data_action, method, path)
        return dps

    async def _admit(self, ctx: RequestContext, data_action: str) -> DpsInstance:
        return await run_in_threadpool(
            self._admit_sync,
            ctx.header("authorization"),
            ctx.params["serviceName"],
            ctx.request.method,
            ctx.request.url.path,
            ctx.query("api-version"),
            data_action,
        )

    async def get(self, ctx: RequestContext) -> Response:
        """200 with the group; symmetric keys hidden [rec]."""
        dps = await self._admit(ctx, "enrollmentGroups/read")
        group = await run_in_threadpool(self.backend.get, dps, ctx.params["enrollmentGroupId"])
        return json_response(200, group_wire(group))

    async def create_or_update(self, ctx: RequestContext) -> Response:
        """200 on create and on update, never 201 [rec]; keys shown on this answer [rec]."""
        dps = await self._admit(ctx, "enrollmentGroups/write")
        group = await run_in_threadpool(
            self.backend.create_or_update,
            dps,
            ctx.params["enrollmentGroupId"],
            _json_body(ctx),
            ctx.header("if-match"),
        )
        return json_response(200, group_wire(group, reveal_keys=True))

    async def delete(self, ctx: RequestContext) -> Response:
        """204, no body [rec]."""
        dps = await self._admit(ctx, "enrollmentGroups/delete")
        await run_in_threadpool(
            self.backend.delete, dps, ctx.params["enrollmentGroupId"], ctx.header("if-match")
        )
        return json_response(204, None)

    async def query(self, ctx: RequestContext) -> Response:
        """200, a JSON array, ``x-ms-item-type: EnrollmentGroup`` [rec]; ``x-ms-continuation``
        when the page (``x-ms-max-item-count``, else 100 [rec]) left groups out [spec][rec]."""
        dps = await self._admit(ctx, "enrollmentGroups/read")
        count = ctx.header("x-ms-max-item-count")
        try:
            max_items = int(count) if count else None
        except ValueError:
            raise InvalidRequest("x-ms-max-item-count must be an integer.") from None
        groups, token = await run_in_threadpool(
            self.backend.query,
            dps,
            _json_body(ctx).get("query"),
            max_items,
            ctx.header("x-ms-continuation"),
        )
        headers = {"x-ms-item-type": "EnrollmentGroup"}
        if token:
            headers["x-ms-continuation"] = token
        return json_response(200, [group_wire(g) for g in groups], headers)

    async def bulk(self, ctx: RequestContext) -> Response:
        """200 ``{"isSuccessful", "errors": [...]}``, failures per group [rec]."""
        # The mode picks the data action; the body is judged only once the caller is admitted.
        try:
            mode = json.loads(ctx.body).get("mode")
        except (ValueError, UnicodeDecodeError, AttributeError):
            mode = None
        data_action = "enrollmentGroups/delete" if mode == "delete" else "enrollmentGroups/write"
        dps = await self._admit(ctx, data_action)
        body = _json_body(ctx)
        errors = await run_in_threadpool(
            self.backend.bulk, dps, body.get("enrollmentGroups"), body.get("mode")
        )
        return json_response(200, {"errors": errors, "isSuccessful": not errors})

    async def attestation_mechanism(self, ctx: RequestContext) -> Response:
        """200 with the attestation, keys included [rec]. It needs the data action
        ``attestationmechanism/details/action`` [doc], which Data Reader lacks; with SAS,
        ``EnrollmentWrite`` [guess]."""
        dps = await self._admit(ctx, "attestationmechanism/details/action")
        group = await run_in_threadpool(self.backend.get, dps, ctx.params["enrollmentGroupId"])
        return json_response(200, attestation_mechanism(group))
