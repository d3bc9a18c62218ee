"""The wire shared by the IoT Hub and DPS certificate collections and their parent resources.

Each service subclasses these with its own operation specs, type strings and body rules; the
handlers here only parse, call the backend and serialize.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from azure_iot_emulator.arm.apiversions import uses_flat_body
from azure_iot_emulator.arm.exceptions import InvalidRequestContent, LocationRequired
from azure_iot_emulator.arm.models import ArmBackend, TrackedResource
from azure_iot_emulator.arm.pipeline import ArmCall, ArmGate, OperationSpec, ParentType, read_json
from azure_iot_emulator.certcodec import stored_form
from azure_iot_emulator.devices.exceptions import PreconditionFailed
from azure_iot_emulator.devices.models import CertificateBackend, CertificateRecord, ParentRef
from azure_iot_emulator.routing import RequestContext
from azure_iot_emulator.wire import json_response, rfc1123

# .NET's DateTime.MinValue: what both services send as a certificate's `created` in the
# recordings of newer api-versions [rec B; rec DPS; azure-sdk-for-net recordings 2022-2023].
UNSET_CREATED = "Mon, 01 Jan 0001 00:00:00 GMT"


@dataclass(frozen=True)
class CertificateWire:
    """What differs on the wire between the two certificate collections."""

    parent: ParentType
    parent_segment: str
    type_name: str
    read: OperationSpec
    write: OperationSpec
    delete: OperationSpec
    generate: OperationSpec
    verify: OperationSpec
    last_flat_body_version: str
    echo_content: bool
    first_unset_created_version: str
    # The property naming a certificate's Azure Device Registry link at an api-version (None:
    # that version has none); None for a service whose certificates have no such property.
    device_registry_property: Callable[[str], str | None] | None = None


def certificate_wire(
    *,
    parent: ParentType,
    parent_segment: str,
    type_name: str,
    api_versions: tuple[str, ...],
    last_flat_body_version: str,
    echo_content: bool,
    first_unset_created_version: str,
    device_registry_property: Callable[[str], str | None] | None = None,
) -> CertificateWire:
    """The certificate collection below ``Microsoft.Devices/<parent_segment>``.

    Both services name its actions ``Microsoft.Devices/<parent_segment>/certificates/<action>``
    and its resource type ``<parent_segment>/certificates``.
    """

    def spec(action: str, trailing: int = 0) -> OperationSpec:
        return OperationSpec(
            f"Microsoft.Devices/{parent_segment}/certificates/{action}",
            api_versions,
            f"{parent_segment}/certificates",
            parent=parent,
            trailing_action_segments=trailing,
        )

    return CertificateWire(
        parent=parent,
        parent_segment=parent_segment,
        type_name=type_name,
        read=spec("read"),
        write=spec("write"),
        delete=spec("delete"),
        generate=spec("generateVerificationCode/action", 1),
        verify=spec("verify/action", 1),
        last_flat_body_version=last_flat_body_version,
        echo_content=echo_content,
        first_unset_created_version=first_unset_created_version,
        device_registry_property=device_registry_property,
    )


def parent_ref(call: ArmCall) -> ParentRef:
    """The backend's key for the admitted parent hub or DPS."""
    assert call.parent is not None and call.resource_group is not None
    return ParentRef(
        call.subscription.subscription_id,
        call.resource_group.name,
        call.parent.kind,
        call.parent.name,
    )


def _string_field(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequestContent(f"The request content was invalid: '{field}' must be a string.")
    return value


class CertificateResponses:
    """list / get / createOrUpdate / delete / generateVerificationCode / verify.

    Each service's subclass sets ``wire``.
    """

    wire: CertificateWire

    def __init__(self, gate: ArmGate, backend: CertificateBackend) -> None:
        self.gate = gate
        self.backend = backend

    # -- serialization ------------------------------------------------------------------------

    def _content(self, record: CertificateRecord, with_code: bool, uploaded: bool) -> str | None:
        """The `certificate` field: the upload itself in the PUT's own answer, its stored form
        after (see certcodec.stored_form); DPS returns it from generateVerificationCode only."""
        if not (self.wire.echo_content or with_code):
            return None
        return record.content if uploaded else stored_form(record.content)

    def _created(self, call: ArmCall, record: CertificateRecord) -> str:
        if call.api_version[:10] >= self.wire.first_unset_created_version:
            return UNSET_CREATED
        return rfc1123(record.created)

    def _device_registry(self, call: ArmCall, record: CertificateRecord) -> dict[str, str]:
        """The ADR marker of a synced certificate, under the name the api-version knows."""
        link, naming = record.device_registry, self.wire.device_registry_property
        field = naming(call.api_version) if link is not None and naming is not None else None
        if link is None or field is None:
            return {}
        if field == "policyResourceId":
            return {field: link.policy_resource_id}
        return {field: link.certificate_authority_resource_id}

    def _json(
        self,
        call: ArmCall,
        record: CertificateRecord,
        with_code: bool = False,
        uploaded: bool = False,
    ) -> dict[str, Any]:
        assert call.parent is not None and call.resource_group is not None
        properties: dict[str, Any] = {
            "subject": record.subject,
            "expiry": rfc1123(record.expiry),
            "thumbprint": record.thumbprint,
            "isVerified": record.is_verified,
            "created": self._created(call, record),
            "updated": rfc1123(record.updated),
            "certificate": self._content(record, with_code, uploaded),
        }
        if with_code:
            properties = {"verificationCode": record.verification_code, **properties}
        properties.update(self._device_registry(call, record))
        return {
            "properties": properties,
            "id": (
                f"/subscriptions/{call.subscription.subscription_id}/resourceGroups/"
                f"{call.resource_group.name}/providers/Microsoft.Devices/"
                f"{self.wire.parent_segment}/{call.parent.name}/certificates/{record.name}"
            ),
            "name": record.name,
            "type": self.wire.type_name,
            "etag": record.etag,
        }

    # -- handlers -----------------------------------------------------------------------------

    async def list(self, ctx: RequestContext) -> Response:
        """Single page ``{"value": [...]}``, no nextLink [spec; rec]."""
        call = await self.gate.admit(ctx, self.wire.read)
        records = await run_in_threadpool(self.backend.list, parent_ref(call))
        return json_response(200, {"value": [self._json(call, r) for r in records]})

    async def get(self, ctx: RequestContext) -> Response:
        """One certificate."""
        call = await self.gate.admit(ctx, self.wire.read)
        record = await run_in_threadpool(
            self.backend.get, parent_ref(call), ctx.params["certificateName"]
        )
        return json_response(200, self._json(call, record))

    async def create_or_update(self, ctx: RequestContext) -> Response:
        """PUT; 200 on create and on update, as the real service answered [rec A and B]."""
        call = await self.gate.admit(ctx, self.wire.write)
        body = read_json(ctx)
        if uses_flat_body(call.api_version, self.wire.last_flat_body_version):
            fields = body
        else:
            properties = body.get("properties")
            fields = properties if isinstance(properties, dict) else {}
        content = _string_field(fields.get("certificate"), "certificate")
        is_verified = fields.get("isVerified") is True
        record, _created = await run_in_threadpool(
            self.backend.create_or_update,
            parent_ref(call),
            ctx.params["certificateName"],
            content,
            is_verified,
            ctx.header("if-match"),
        )
        return json_response(200, self._json(call, record, uploaded=True))

    async def delete(self, ctx: RequestContext) -> Response:
        """200 deleted, 204 "Certificate does not exist." [spec]; empty body [rec]."""
        call = await self.gate.admit(ctx, self.wire.delete)
        deleted = await run_in_threadpool(
            self.backend.delete,
            parent_ref(call),
            ctx.params["certificateName"],
            ctx.header("if-match"),
        )
        return json_response(200 if deleted else 204, None)

    async def generate_verification_code(self, ctx: RequestContext) -> Response:
        """POST with no body; answers id, name, type, etag, certificate and the code [rec]."""
        call = await self.gate.admit(ctx, self.wire.generate)
        record = await run_in_threadpool(
            self.backend.generate_verification_code,
            parent_ref(call),
            ctx.params["certificateName"],
            ctx.header("if-match"),
        )
        return json_response(200, self._json(call, record, with_code=True))

    async def verify(self, ctx: RequestContext) -> Response:
        """POST ``{"certificate": ...}``; 200 with isVerified true and a new etag [rec]."""
        call = await self.gate.admit(ctx, self.wire.verify)
        body = read_json(ctx)
        content = _string_field(body.get("certificate"), "certificate")
        record = await run_in_threadpool(
            self.backend.verify,
            parent_ref(call),
            ctx.params["certificateName"],
            ctx.header("if-match"),
            content,
        )
        return json_response(200, self._json(call, record))


@dataclass(frozen=True)
class TrackedResourceWire:
    """What differs between IoT hubs and DPS instances on the wire."""

    parent: ParentType
    parent_segment: str
    type_name: str
    read: OperationSpec
    write: OperationSpec


def tracked_resource_wires(
    *,
    parent: ParentType,
    parent_segment: str,
    type_name: str,
    api_versions: tuple[str, ...],
    resource_type: str,
) -> tuple[TrackedResourceWire, TrackedResourceWire]:
    """The wire of one hub or DPS (its read admits the parent) and of their lists (no parent).

    Actions are ``Microsoft.Devices/<parent_segment>/read`` and ``.../write``; a write never
    admits the parent, which it may create.
    """
    action = f"Microsoft.Devices/{parent_segment}"
    one = TrackedResourceWire(
        parent=parent,
        parent_segment=parent_segment,
        type_name=type_name,
        read=OperationSpec(f"{action}/read", api_versions, resource_type, parent=parent),
        write=OperationSpec(f"{action}/write", api_versions, resource_type),
    )
    lists = replace(one, read=OperationSpec(f"{action}/read", api_versions, resource_type))
    return one, lists


class TrackedResourceResponses:
    """GET / PUT / list for a hub or DPS; subclasses build the stored document.

    Each service's subclass sets its default ``wire``; the list routes pass their own.
    """

    wire: TrackedResourceWire

    def __init__(
        self, gate: ArmGate, arm: ArmBackend, wire: TrackedResourceWire | None = None
    ) -> None:
        self.gate = gate
        self.arm = arm
        if wire is not None:
            self.wire = wire

    def build_document(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """The stored document (sku, tags, properties) for a PUT body."""
        raise NotImplementedError

    def check_name(self, name: str) -> None:
        """Reject names outside the service's pattern."""

    def _json(self, resource: TrackedResource) -> dict[str, Any]:
        """The resource as the service answers GET, PUT and both lists.

        ``subscriptionid`` and ``resourcegroup`` are top-level fields of every real answer
        (azure-cli recordings test_hub_wait.yaml, test_dps_certificate_lifecycle.yaml); the az
        CLI reads ``resourcegroup`` to find a hub or DPS named without ``-g``.
        """
        body: dict[str, Any] = {
            "id": (
                f"/subscriptions/{resource.subscription_id}/resourceGroups/"
                f"{resource.resource_group}/providers/Microsoft.Devices/"
                f"{self.wire.parent_segment}/{resource.name}"
            ),
            "name": resource.name,
            "type": self.wire.type_name,
            "location": resource.location,
            "tags": resource.document.get("tags", {}),
            "subscriptionid": resource.subscription_id,
            "resourcegroup": resource.resource_group,
            "etag": resource.etag,
            "properties": resource.document.get("properties", {}),
            "sku": resource.document.get("sku"),
        }
        if "identity" in resource.document:
            body["identity"] = resource.document["identity"]
        return body

    async def get(self, ctx: RequestContext) -> Response:
        """GET one; 404 ResourceNotFound (ARM envelope) when missing."""
        call = await self.gate.admit(ctx, self.wire.read)
        assert call.parent is not None
        return json_response(200, self._json(call.parent))

    async def create_or_update(self, ctx: RequestContext) -> Response:
        """PUT, completed synchronously: 201 created / 200 updated, provisioningState Succeeded.

        azure-mgmt-core's ARM poller finishes on such an answer without polling.
        """
        call = await self.gate.admit(ctx, self.wire.write)
        assert call.resource_group is not None
        name = ctx.params[self.wire.parent.path_param]
        self.check_name(name)
        body = read_json(ctx)
        location = body.get("location")
        if not isinstance(location, str) or not location:
            raise LocationRequired()
        document = self.build_document(name, body)
        try:
            resource, created = await run_in_threadpool(
                self.arm.put_resource,
                call.subscription.subscription_id,
                call.resource_group.name,
                self.wire.parent.kind,
                name,
                location,
                document,
                ctx.header("if-match"),
            )
        except ValueError:
            raise PreconditionFailed() from None
        return json_response(201 if created else 200, self._json(resource))

    async def list_by_resource_group(self, ctx: RequestContext) -> Response:
        """Single page ``{"value": [...]}``."""
        call = await self.gate.admit(ctx, self.wire.read)
        assert call.resource_group is not None
        resources = await run_in_threadpool(
            self.arm.resources,
            call.subscription.subscription_id,
            self.wire.parent.kind,
            call.resource_group.name,
        )
        return json_response(200, {"value": [self._json(r) for r in resources]})

    async def list_by_subscription(self, ctx: RequestContext) -> Response:
        """Single page ``{"value": [...]}`` across resource groups."""
        call = await self.gate.admit(ctx, self.wire.read)
        resources = await run_in_threadpool(
            self.arm.resources, call.subscription.subscription_id, self.wire.parent.kind
        )
        return json_response(200, {"value": [self._json(r) for r in resources]})
