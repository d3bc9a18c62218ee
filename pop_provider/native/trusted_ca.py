"""`pop:index:TrustedCa` for programs in any language: a component the provider constructs,
with one `pop:index:VerifiedCaCertificate` child per target (the dynamic face's TrustedCa makes
the same children in the program). Runs in the provider process, under the engine's Construct.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import ConstructRequest, ConstructResponse
from pulumi.resource import DependencyResource
from pulumi.runtime.rpc import UNKNOWN

from pop_provider.core import declaration as declared
from pop_provider.core import inputs
from pop_provider.core.declaration import camel
from pop_provider.core.key_secrecy import clear_key_warning, runtime_clear_config_key
from pop_provider.core.trust_targets import check_labels, label_of
from pop_provider.failures import InputError
from pop_provider.native.names import in_camel_case
from pop_provider.native.schema import CERTIFICATE_TOKEN, TRUSTED_CA_TOKEN

# What every child takes from the component (the CA and how to prove it), and from its target.
_SHARED = [prop.camel for prop in declared.TRUSTED_CA_SHARED]
_TARGET_KEYS = [prop.camel for prop in declared.CA_TARGET_FIELDS]
_KEPT_SECRET = frozenset(camel(name) for name in inputs.SECRET_INPUTS)


class _Certificate(pulumi.CustomResource):
    armId: pulumi.Output[str]  # noqa: N815 (the engine's property name)

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        super().__init__(CERTIFICATE_TOKEN, name, {**props, "armId": None}, opts)


class _TrustedCa(pulumi.ComponentResource):
    def __init__(
        self, name: str, props: Mapping[str, PropertyValue], opts: pulumi.ResourceOptions
    ) -> None:
        super().__init__(TRUSTED_CA_TOKEN, name, None, opts)
        targets = props.get(declared.TARGETS.camel)
        entries = [
            dict(item.value) if isinstance(item.value, Mapping) else {}
            for item in (targets.value if targets and isinstance(targets.value, tuple) else ())
        ]
        labels = [
            label_of(
                index,
                _known(entry.get("name")),
                (_known(entry.get("hubName")), _known(entry.get("dpsName"))),
                (_known(entry.get("hubId")), _known(entry.get("dpsId"))),
            )
            for index, entry in enumerate(entries)
        ]
        check_labels(name, labels)
        self._warn_unless_secret(props)
        child = pulumi.ResourceOptions(parent=self)
        # The key goes to every child as a secret: the component has warned about it once.
        shared = {
            key: _output(props[key], secret=key in _KEPT_SECRET) for key in _SHARED if key in props
        }
        self.certificates = {
            label: _Certificate(
                f"{name}-{label}",
                {**shared, **{k: _output(entry[k]) for k in _TARGET_KEYS if k in entry}},
                child,
            )
            for label, entry in zip(labels, entries, strict=True)
        }
        self.arm_ids = pulumi.Output.all(
            **{label: cert.armId for label, cert in self.certificates.items()}
        )
        self.register_outputs({declared.ARM_IDS.camel: self.arm_ids})

    def _warn_unless_secret(self, props: Mapping[str, PropertyValue]) -> None:
        """One warning on the component for a key or password in clear: passed in clear, or
        held in clear by a stack config key (Construct receives the stack's config)."""
        for name in inputs.SECRET_INPUTS:
            value = _known(props.get(camel(name)))
            if not isinstance(value, str) or not value:
                continue
            config_key = runtime_clear_config_key(value)
            if config_key or not props[camel(name)].is_secret:
                warning = clear_key_warning(name, config_key=config_key)
                pulumi.log.warn(in_camel_case(warning), resource=self)


async def construct_trusted_ca(request: ConstructRequest) -> ConstructResponse:
    try:
        component = _TrustedCa(request.name, request.inputs, request.options)
    except ValueError as error:
        raise InputError(str(error)) from None
    urn = await component.urn.future()
    return await _response(component, urn or "")


async def _response(component: _TrustedCa, urn: str) -> ConstructResponse:
    arm_ids = await component.arm_ids.future()
    known = await component.arm_ids.is_known()
    # Unknown in a preview: the protocol's unknown marker (this SDK's Computed value does not
    # marshal in a construct response).
    value = (
        PropertyValue({k: PropertyValue(v) for k, v in (arm_ids or {}).items()})
        if known
        else PropertyValue(UNKNOWN)
    )
    return ConstructResponse(urn=urn, state={declared.ARM_IDS.camel: value}, state_dependencies={})


def _known(value: PropertyValue | None) -> Any:
    if value is None or isinstance(value.value, Computed):
        return None
    return value.value


def _output(value: PropertyValue, secret: bool = False) -> pulumi.Output[Any]:
    """An input of the component as an Output for its child: unknown, secret (or made secret)
    and dependencies carried over, so the child waits for what the component waits for."""
    loop = asyncio.get_event_loop()

    def done(result: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = loop.create_future()
        future.set_result(result)
        return future

    known = not isinstance(value.value, Computed)
    raw = _plain(value.value) if known else None
    resources: set[pulumi.Resource] = {DependencyResource(urn) for urn in value.dependencies}
    return pulumi.Output(resources, done(raw), done(known), done(value.is_secret or secret))


def _plain(raw: Any) -> Any:
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, PropertyValue):
        return _plain(raw.value)
    return raw
