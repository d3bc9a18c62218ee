"""The provider verbs, engine-neutral: what check, diff, create, read, update and delete do for a
certificate, on property dicts named as the core names them (pop_provider.core.declaration).

Both faces call this and only translate: the dynamic face (pop_provider.dynamic.provider) to
Pulumi's dynamic-provider types, the native face (pop_provider.native) to property names in
camelCase and the gRPC provider protocol. So a rule, a message or an ARM call is written once.
The rules live by role: check (pop_provider.core.check), diff (pop_provider.core.diff), the
state and an import's inputs (pop_provider.core.state), the calls to Azure
(pop_provider.core.lifecycle). What a run costs in ARM calls: docs/guides/drift-and-cost.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pop_provider.core import inputs, messages
from pop_provider.core.check import Checked, check, claim
from pop_provider.core.connection import ConnectionSettings
from pop_provider.core.diff import Diff, diff
from pop_provider.core.errors import InvalidInput
from pop_provider.core.inputs import DesiredCertificate
from pop_provider.core.lifecycle import CertificateLifecycle
from pop_provider.core.ownership import Declarations
from pop_provider.core.remote import CertificateNotFound, RemoteCertificate
from pop_provider.core.reported import reported
from pop_provider.core.runtime import Runtime, settings_from
from pop_provider.core.state import (
    CODE,
    NO_CODE,
    STALE_DAYS_UNTIL_EXPIRY,
    imported_inputs,
    outputs,
    recorded_location,
    remote_outputs,
)
from pop_provider.failures import InputError


@dataclass(frozen=True)
class Read:
    """A certificate as found: `id` "" when it is gone; `inputs` what a program declares for
    it (for an import: the target, the certificate and its name)."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]


class CertificateVerbs:
    """The verbs for `VerifiedCaCertificate`, for one provider process (thread-safe).

    `declared` is what the resources of this deployment declare (a provider process serves
    one deployment): filled by check, read by create (who holds a CA) and delete (what another
    resource owns).
    """

    def __init__(self, declared: Declarations, namespace: str = "azure-native") -> None:
        self._declared = declared
        # Where the face's users set azure-native's settings (connection.load_settings).
        self._namespace = namespace
        self._runtime: Runtime | None = None
        self._lock = threading.Lock()
        # Set by the first check: the program runs, so the config is the program's, not the
        # one a refresh or destroy without the program reads from the state.
        self._program_ran = False

    def configure(self, config: Callable[[str], Any] | None) -> None:
        """Connection settings from the provider's config (never stored) and the environment."""
        runtime = Runtime(settings_from(config, self._namespace))
        with self._lock:
            self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        with self._lock:
            if self._runtime is None:  # an engine that never called configure
                self._runtime = Runtime(settings_from(None, self._namespace))
            return self._runtime

    def settings_for_errors(self) -> ConnectionSettings:
        """The settings an error message refers to (defaults, if even they failed to load)."""
        if self._runtime is not None:
            return self._runtime.settings
        return ConnectionSettings(namespace=self._namespace)

    @reported("check")
    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        self._program_ran = True
        result = check(olds or {}, news, self.runtime.settings.default_subscription_id)
        if not result.failures:
            result.failures.extend(claim(self._declared, result.inputs))
        return result

    @reported("diff")
    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        return diff(olds, news)

    @reported("create")
    def create(self, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        desired = self._desired(props)
        outcome = self._lifecycle(desired).create(desired)
        return outcome.remote.arm_id, outputs(props, desired, outcome)

    @reported("read")
    def read(self, id_: str, props: Mapping[str, Any]) -> Read:
        """The certificate as Azure reports it; with no recorded properties (an import), the
        inputs that declare it too."""
        target, name = recorded_location(id_, props)
        api = self.runtime.clients.certificates(target)
        try:
            # A refresh reads the target's list, once per target per run, not a GET per
            # certificate (what bounds a fleet's refresh is ARM's read throttle); an import
            # reads the one certificate, with its PEM.
            remote = _listed(api.list(), name) if props else api.get(name)
        except CertificateNotFound:
            remote = None
        if remote is not None and remote.managed_by:
            if not props:  # an import: Azure Device Registry's certificate is never adopted
                raise InputError(
                    messages.device_registry_import(name, target.label, remote.managed_by)
                )
            # A refresh: what the name holds now is ADR's, not this resource's certificate; the
            # record goes (nothing is deleted) and the next `up` says why it cannot recreate it.
            remote = None
        if remote is None:
            return Read(id="", outputs={}, inputs={})  # gone: refresh removes it from the state
        outs = {**props, **remote_outputs(remote)}
        outs.pop(STALE_DAYS_UNTIL_EXPIRY, None)
        if remote.is_verified:
            outs[CODE] = NO_CODE  # a code outstanding for an offline proof is spent
        declared = {k: v for k, v in props.items() if k in inputs.CORE_INPUTS}
        if not props:
            declared = imported_inputs(target, remote)
            outs.update(declared)
            outs.update(
                {inputs.TARGET_ID: target.arm_id, inputs.NAME_GENERATED: False, CODE: NO_CODE}
            )
        return Read(id=remote.arm_id or id_, outputs=outs, inputs=declared)

    @reported("update")
    def update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        desired = self._desired(news)
        outcome = self._lifecycle(desired).ensure_verified(desired)
        return outputs(news, desired, outcome)

    @reported("delete")
    def delete(self, id_: str, props: Mapping[str, Any]) -> str | None:
        """Delete the certificate; what a face should warn about when it was left in place
        (None when there is nothing to say)."""
        target, name = recorded_location(id_, props)
        lifecycle = CertificateLifecycle(self.runtime.clients.certificates(target), self._declared)
        owner = str(props.get(inputs.NAME_PREFIX) or "")
        # A certificate that another resource of this run declares (it took the name over) is
        # left to that resource, one Azure Device Registry manages to ADR: only this resource's
        # record goes.
        if lifecycle.delete(name, target_id=target.arm_id, owner=owner):
            return None
        if owner and self._declared.owner_of(target.arm_id, name, besides=owner):
            return None
        return messages.device_registry_left(name, target.label)

    def _desired(self, props: Mapping[str, Any]) -> DesiredCertificate:
        """Typed inputs; a Key Vault key is fetched and matched here, before any ARM call."""
        runtime = self.runtime
        try:
            return inputs.desired_certificate(
                props,
                runtime.settings.default_subscription_id,
                key_vault=runtime.key_vault_signer,
            )
        except InvalidInput as error:
            raise InputError(messages.invalid_input(error)) from None

    def _lifecycle(self, desired: DesiredCertificate) -> CertificateLifecycle:
        return CertificateLifecycle(
            self.runtime.clients.certificates(desired.target), self._declared
        )


def _listed(listing: list[RemoteCertificate], name: str) -> RemoteCertificate | None:
    return next((cert for cert in listing if cert.name.lower() == name.lower()), None)
