"""The checks ARM runs before a resource provider sees a request, in ARM's order.

Order [guess, documented in README]: api-version present (ARM answers MissingApiVersionParameter
even without a token, [issue] MicrosoftDocs/feedback#2279) -> authentication (401) -> ARM's
throttle, when on (429; it needs the principal) -> subscription exists (404) -> api-version
supported by the type (400) -> RBAC (403) -> resource group exists (404) -> parent resource
exists (404).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from azure_iot_emulator.arm.apiversions import SUPPORTED_LOCATIONS
from azure_iot_emulator.arm.auth import BearerAuthenticator
from azure_iot_emulator.arm.exceptions import (
    AuthorizationFailed,
    InvalidRequestContent,
    MissingApiVersionParameter,
    NoRegisteredProviderFound,
    ResourceGroupNotFound,
    ResourceNotFound,
    SubscriptionNotFound,
)
from azure_iot_emulator.arm.models import ArmBackend, ResourceGroup, Subscription, TrackedResource
from azure_iot_emulator.identity.models import Principal
from azure_iot_emulator.ratelimit import ArmThrottle
from azure_iot_emulator.routing import RequestContext

# ctx.extras key of the rate-limit headers the throttle reports; the app adds them to the answer,
# whatever the handler answers after admitting the call (a 404 or a 403 included).
RATELIMIT_HEADERS = "ratelimit_headers"


@dataclass(frozen=True)
class ParentType:
    """A tracked parent resource type: store kind and ARM type name."""

    kind: str
    type_name: str
    path_param: str


IOTHUB = ParentType("iothub", "Microsoft.Devices/IotHubs", "resourceName")
DPS = ParentType("dps", "Microsoft.Devices/provisioningServices", "provisioningServiceName")


@dataclass(frozen=True)
class OperationSpec:
    """What ARM needs to know about an operation to admit it."""

    action: str
    api_versions: tuple[str, ...]
    resource_type: str
    parent: ParentType | None = None
    needs_resource_group: bool = True
    trailing_action_segments: int = 0


@dataclass(frozen=True)
class ArmCall:
    """An admitted request: who calls, with which api-version, on which (existing) scope."""

    principal: Principal
    api_version: str
    subscription: Subscription
    resource_group: ResourceGroup | None
    parent: TrackedResource | None


def authority_of(ctx: RequestContext) -> str:
    """``https://host:port`` as the client addressed us."""
    return str(ctx.request.base_url).rstrip("/")


def request_scope(ctx: RequestContext, trailing_action_segments: int) -> str:
    """The RBAC scope: the request path, without a trailing action like ``/verify``."""
    segments = ctx.request.url.path.rstrip("/").split("/")
    if trailing_action_segments:
        segments = segments[:-trailing_action_segments]
    return "/".join(segments)


def read_json(ctx: RequestContext) -> dict[str, Any]:
    """The JSON object body, or ARM's 400 InvalidRequestContent."""
    if not ctx.body.strip():
        return {}
    try:
        value = json.loads(ctx.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequestContent(
            f"The request content was invalid and could not be deserialized: '{exc}'."
        ) from None
    if not isinstance(value, dict):
        raise InvalidRequestContent("The request content was invalid: expected a JSON object.")
    return value


class ArmGate:
    """Runs the ARM checks and hands the handler an :class:`ArmCall`."""

    def __init__(
        self,
        arm: ArmBackend,
        authenticator: BearerAuthenticator,
        throttle: ArmThrottle | None = None,
    ) -> None:
        self.arm = arm
        self.authenticator = authenticator
        self.throttle = throttle or ArmThrottle()

    async def authenticate(self, ctx: RequestContext) -> Principal:
        """The caller (or 401), charged one token of the call's kind (or 429 when throttled)."""
        principal = await run_in_threadpool(
            self.authenticator.authenticate, ctx.header("authorization"), authority_of(ctx)
        )
        ctx.extras[RATELIMIT_HEADERS] = self.throttle.admit(
            ctx.request.method,
            principal.object_id,
            principal.tenant_id,
            ctx.params.get("subscriptionId"),
        )
        return principal

    async def admit(self, ctx: RequestContext, spec: OperationSpec) -> ArmCall:
        """Admit the request or raise the ARM error a real request would get."""
        api_version = ctx.query("api-version")
        if not api_version:
            raise MissingApiVersionParameter()
        principal = await self.authenticate(ctx)
        subscription_id = ctx.params["subscriptionId"]
        subscription = await run_in_threadpool(self.arm.subscription, subscription_id)
        if subscription is None:
            raise SubscriptionNotFound(subscription_id)
        group_name = ctx.params.get("resourceGroupName")
        if api_version not in spec.api_versions:
            location = SUPPORTED_LOCATIONS[0]
            if group_name:
                found = await run_in_threadpool(
                    self.arm.resource_group, subscription.subscription_id, group_name
                )
                location = found.location if found else location
            raise NoRegisteredProviderFound(
                location,
                api_version,
                spec.resource_type,
                list(reversed(spec.api_versions)),
                list(SUPPORTED_LOCATIONS),
            )
        scope = request_scope(ctx, spec.trailing_action_segments)
        allowed = await run_in_threadpool(self.arm.is_authorized, principal, spec.action, scope)
        if not allowed:
            raise AuthorizationFailed(principal.object_id, spec.action, scope)
        group: ResourceGroup | None = None
        parent: TrackedResource | None = None
        if spec.needs_resource_group and group_name:
            group = await run_in_threadpool(
                self.arm.resource_group, subscription.subscription_id, group_name
            )
            if group is None:
                raise ResourceGroupNotFound(group_name)
            if spec.parent is not None:
                parent_name = ctx.params[spec.parent.path_param]
                parent = await run_in_threadpool(
                    self.arm.resource,
                    subscription.subscription_id,
                    group.name,
                    spec.parent.kind,
                    parent_name,
                )
                if parent is None:
                    raise ResourceNotFound(spec.parent.type_name, parent_name, group_name)
        return ArmCall(principal, api_version, subscription, group, parent)
