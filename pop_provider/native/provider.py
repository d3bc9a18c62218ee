"""The provider `pop`: Pulumi's provider protocol (pulumi.provider.experimental), translated to
the core's verbs. Nothing here decides anything about a certificate; it converts names and
values, runs the verbs off the event loop, and reports what they report.

Concurrency: the server runs every call on one asyncio event loop, and the core's Azure calls
block, so each verb runs in a pool of threads sized above any `--parallel` a user would set: the
engine's `--parallel` is what bounds the calls in flight (Pulumi's dynamic host stops at 4).
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    ConstructRequest,
    ConstructResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.runtime.rpc import UNKNOWN

from pop_provider.core import certificates, inputs, messages
from pop_provider.core import declaration as declared
from pop_provider.core.declaration import camel
from pop_provider.core.enrollment.verbs import EnrollmentGroupVerbs
from pop_provider.core.errors import InvalidInput
from pop_provider.core.expiry import DEFAULT_EXPIRY_WARNING_DAYS, days_until, expiry_warning
from pop_provider.core.key_secrecy import WarnedKeys, clear_key_warning
from pop_provider.core.ownership import Declarations
from pop_provider.core.state import IS_VERIFIED
from pop_provider.core.verbs import CertificateVerbs
from pop_provider.failures import InputError
from pop_provider.native.names import from_core, in_camel_case, to_core
from pop_provider.native.schema import (
    CERTIFICATE_TOKEN,
    ENROLLMENT_GROUP_TOKEN,
    SECRET_CONFIG,
    TRUSTED_CA_TOKEN,
    schema_json,
)

# Above any --parallel a user would choose (the engine's default is 4 x cores); the threads
# mostly wait on Azure.
MAX_CONCURRENT_VERBS = 64
EXPIRY_WARNING_DAYS = declared.EXPIRY_WARNING_DAYS.name
DAYS_UNTIL_EXPIRY = declared.DAYS_UNTIL_EXPIRY.name
# Inputs always kept secret in the state, whatever the program marked.
_ALWAYS_SECRET = frozenset(camel(name) for name in inputs.SECRET_INPUTS)

_T = TypeVar("_T")
Warn = Callable[[str, str], None]  # (urn, message)


class PopProvider(Provider):
    """`pop:index:VerifiedCaCertificate` and `pop:index:EnrollmentGroup` (custom), and
    `pop:index:TrustedCa` (component)."""

    def __init__(self, version: str, warn: Warn | None = None) -> None:
        self._version = version
        self._warn = warn or (lambda _urn, _message: None)
        self._warned_in_clear = WarnedKeys()
        declarations = Declarations()  # the groups' check reads what the certificates declare
        self._verbs = CertificateVerbs(declarations, namespace="pop")
        self._groups = EnrollmentGroupVerbs(
            declarations, namespace="pop", shared_runtime=lambda: self._verbs.runtime
        )
        self._pool = ThreadPoolExecutor(MAX_CONCURRENT_VERBS, thread_name_prefix="pop-verb")

    async def _run(self, verb: Callable[..., _T], *args: Any) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(verb, *args))

    # -- provider ------------------------------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=schema_json(self._version))

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        """The config as given, its secrets kept secret in the state even when set in clear."""
        checked = {
            key: value.with_secret(value.is_secret or key in SECRET_CONFIG)
            for key, value in request.new_inputs.items()
        }
        return CheckResponse(inputs=checked, failures=[])

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        config = _plain(request.args)
        variables = dict(request.variables)

        def lookup(key: str) -> Any:
            # Settings are read as "pop:x" (CertificateVerbs' namespace is "pop").
            name = key.split(":", 1)[-1]
            value = config.get(name)
            if value is None:
                value = variables.get(f"pop:config:{name}") or variables.get(f"pop:{name}")
            return value

        await self._run(self._verbs.configure, lookup)
        await self._run(self._groups.configure, lookup)  # its runtime is the certificates'
        return ConfigureResponse(accept_secrets=True, supports_preview=False)

    # -- VerifiedCaCertificate -----------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        if _is_group(request.type):
            return await self._check_group(request)
        _expect_certificate(request.type)
        self._warn_unless_secret(request.urn, request.new_inputs)
        secrets = _secret_keys(request.new_inputs)
        news = to_core(_plain(request.new_inputs))
        olds = to_core(_plain(request.old_inputs))
        within = news.pop(EXPIRY_WARNING_DAYS, DEFAULT_EXPIRY_WARNING_DAYS)
        news[inputs.NAME_PREFIX] = request.name
        news[inputs.NAME_SCOPE] = _scope(request.urn)
        checked = await self._run(self._verbs.check, olds, news)
        if not checked.failures:
            self._warn_before_expiry(request.urn, checked.inputs, within)
        state = from_core(checked.inputs)
        if within is not None:
            state[camel(EXPIRY_WARNING_DAYS)] = within
        return CheckResponse(
            inputs=_values(state, secrets),
            failures=[
                CheckFailure(camel(f.property), in_camel_case(f.reason)) for f in checked.failures
            ],
        )

    async def diff(self, request: DiffRequest) -> DiffResponse:
        if _is_group(request.type):
            return await self._diff_group(request)
        _expect_certificate(request.type)
        olds = to_core(_plain(request.old_state))
        news = to_core(_plain(request.new_inputs))
        diff = await self._run(self._verbs.diff, olds, news)
        replaces = [camel(name) for name in diff.replaces]
        detailed = {name: PropertyDiff(PropertyDiffKind.UPDATE_REPLACE, True) for name in replaces}
        if diff.changes and not replaces:
            # Drifted (no longer Verified, or gone): the update proves possession again.
            detailed[camel(IS_VERIFIED)] = PropertyDiff(PropertyDiffKind.UPDATE, False)
        return DiffResponse(
            changes=diff.changes,
            replaces=replaces,
            delete_before_replace=diff.delete_before_replace,
            diffs=list(detailed),
            detailed_diff=detailed,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        if _is_group(request.type):
            props = to_core(_plain(request.properties))
            id_, outs = await self._run(self._groups.create, props)
            return CreateResponse(
                resource_id=id_, properties=_group_state(outs, request.properties)
            )
        _expect_certificate(request.type)
        props = to_core(_plain(request.properties))
        arm_id, outs = await self._run(self._verbs.create, props)
        return CreateResponse(resource_id=arm_id, properties=self._state(outs, request.properties))

    async def read(self, request: ReadRequest) -> ReadResponse:
        group = _is_group(request.type)
        if not group:
            _expect_certificate(request.type)
        props = to_core(_plain(request.properties))
        verbs = self._groups if group else self._verbs
        found = await self._run(verbs.read, request.resource_id, props)
        if not found.id:
            return ReadResponse(resource_id="", properties={}, inputs={})
        # A refresh keeps the recorded inputs (check derived some of them); an import declares
        # what a program would (pulumi import prints it to paste).
        declared = request.inputs if request.inputs else _values(from_core(found.inputs), set())
        state = (
            _group_state(found.outputs, request.properties)
            if group
            else self._state(found.outputs, request.properties)
        )
        return ReadResponse(resource_id=found.id, properties=state, inputs=declared)

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        if _is_group(request.type):
            olds = to_core(_plain(request.olds))
            news = to_core(_plain(request.news))
            outs = await self._run(self._groups.update, olds, news)
            return UpdateResponse(properties=_group_state(outs, request.news))
        _expect_certificate(request.type)
        olds = to_core(_plain(request.olds))
        news = to_core(_plain(request.news))
        outs = await self._run(self._verbs.update, olds, news)
        return UpdateResponse(properties=self._state(outs, request.news))

    async def delete(self, request: DeleteRequest) -> None:
        if _is_group(request.type):
            props = to_core(_plain(request.properties))
            await self._run(self._groups.delete, request.resource_id, props)
            return
        _expect_certificate(request.type)
        props = to_core(_plain(request.properties))
        left = await self._run(self._verbs.delete, request.resource_id, props)
        if left:  # a certificate Azure Device Registry manages was left in place
            self._warn(request.urn, left)

    # -- EnrollmentGroup ----------------------------------------------------------------------

    async def _check_group(self, request: CheckRequest) -> CheckResponse:
        secrets = _secret_keys(request.new_inputs)
        news = to_core(_plain(request.new_inputs))
        news[inputs.NAME_PREFIX] = request.name
        olds = to_core(_plain(request.old_inputs))
        checked = await self._run(self._groups.check, olds, news)
        return CheckResponse(
            inputs=_values(from_core(checked.inputs), secrets),
            failures=[
                CheckFailure(camel(f.property), in_camel_case(f.reason)) for f in checked.failures
            ],
        )

    async def _diff_group(self, request: DiffRequest) -> DiffResponse:
        olds = to_core(_plain(request.old_state))
        news = to_core(_plain(request.new_inputs))
        diff = await self._run(self._groups.diff, olds, news)
        replaces = [camel(name) for name in diff.replaces]
        detailed = {name: PropertyDiff(PropertyDiffKind.UPDATE_REPLACE, True) for name in replaces}
        for name in diff.updates:
            detailed[camel(name)] = PropertyDiff(PropertyDiffKind.UPDATE, True)
        return DiffResponse(
            changes=diff.changes, replaces=replaces, diffs=list(detailed), detailed_diff=detailed
        )

    # -- TrustedCa -----------------------------------------------------------------------------

    async def construct(self, request: ConstructRequest) -> ConstructResponse:
        if request.resource_type != TRUSTED_CA_TOKEN:
            raise InputError(messages.no_such_type("component", request.resource_type))
        from pop_provider.native.trusted_ca import construct_trusted_ca

        return await construct_trusted_ca(request)

    # -- helpers -------------------------------------------------------------------------------

    def _state(
        self, outs: Mapping[str, Any], previous: Mapping[str, PropertyValue]
    ) -> dict[str, PropertyValue]:
        """Outputs as the engine records them, with the days left counted now (the program
        cannot count them in every language); what the program marked secret stays secret."""
        state = dict(outs)
        not_after = state.get(declared.NOT_AFTER.name)
        if isinstance(not_after, str) and not_after:
            state[DAYS_UNTIL_EXPIRY] = float(days_until(datetime.fromisoformat(not_after)) or 0)
        return _values(from_core(state), _secret_keys(previous))

    def _warn_unless_secret(self, urn: str, news: Mapping[str, PropertyValue]) -> None:
        """A key or password the program passed in clear (likely set without `--secret`): one
        warning per key for this process (under the first resource given it), however often
        check runs. The provider never sees the program's config, so it cannot name the key."""
        for name in inputs.SECRET_INPUTS:
            value = news.get(camel(name))
            if value is None or value.is_secret or not isinstance(value.value, str):
                continue
            if value.value and self._warned_in_clear.first_time(name, value.value):
                self._warn(urn, in_camel_case(clear_key_warning(name)))

    def _warn_before_expiry(self, urn: str, checked: Mapping[str, Any], within: Any) -> None:
        if within is None:
            return
        try:
            certificate = certificates.parse_certificate(str(checked[inputs.CERTIFICATE_PEM]))
        except (InvalidInput, KeyError):
            return
        warning = expiry_warning(certificates.not_after(certificate), int(within))
        if warning is not None:
            self._warn(urn, warning)


def _is_group(type_: str) -> bool:
    return type_.rsplit("$", 1)[-1] == ENROLLMENT_GROUP_TOKEN


def _group_state(
    outs: Mapping[str, Any], previous: Mapping[str, PropertyValue]
) -> dict[str, PropertyValue]:
    """A group's outputs as the engine records them; what the program marked secret (a twin
    value, say) stays secret."""
    return _values(from_core(outs), _secret_keys(previous))


def _expect_certificate(type_: str) -> None:
    # A child's URN carries its parents' types first ("pop:index:TrustedCa$pop:index:...").
    if type_.rsplit("$", 1)[-1] != CERTIFICATE_TOKEN:
        raise InputError(messages.no_such_type("resource type", type_))


def _scope(urn: str) -> str:
    """ "project/stack", the scope of a generated certificate name (as the dynamic face's)."""
    parts = urn.split("::")
    stack = parts[0].rsplit(":", 1)[-1] if parts else ""
    project = parts[1] if len(parts) > 1 else ""
    return f"{project}/{stack}"


def _plain(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """Property values as the core reads them: unknowns as Pulumi's UNKNOWN marker, numbers
    that are whole as ints, secrets unwrapped (the core never logs a value)."""
    return {key: _plain_value(value) for key, value in props.items()}


def _plain_value(value: PropertyValue) -> Any:
    raw = value.value
    if isinstance(raw, Computed):
        return UNKNOWN
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, Mapping):
        return {key: _plain_value(item) for key, item in raw.items()}
    if isinstance(raw, tuple):
        return [_plain_value(item) for item in raw]
    return raw


def _secret_keys(props: Mapping[str, PropertyValue]) -> set[str]:
    return {key for key, value in props.items() if value.is_secret}


def _values(props: Mapping[str, Any], secrets: set[str]) -> dict[str, PropertyValue]:
    return {
        key: _value(value).with_secret(key in secrets or key in _ALWAYS_SECRET)
        for key, value in props.items()
    }


def _value(value: Any) -> PropertyValue:
    if isinstance(value, str) and value == UNKNOWN:
        return PropertyValue.computed()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return PropertyValue(value)
    if isinstance(value, int | float):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        return PropertyValue({key: _value(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return PropertyValue([_value(item) for item in value])
    return PropertyValue(json.dumps(value, default=str))
