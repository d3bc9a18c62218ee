"""The dynamic face's provider: Pulumi's dynamic-provider verbs, translated to the core's.

Every rule, message and ARM call is the core's (pop_provider.core.verbs); this class only speaks
`pulumi.dynamic`'s types. The provider object is pickled into every resource's state (by
reference: this module is importable), so it holds no settings, credentials or clients: those
are built in the provider process from `configure()` and the environment, and never serialized.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from pop_provider.core.ownership import Declarations
from pop_provider.core.verbs import CertificateVerbs
from pop_provider.failures import quiet_host_tracebacks

# What the resources of this deployment declare (the provider process serves one deployment).
_DECLARED = Declarations()


class VerifiedCaCertificateProvider(ResourceProvider):
    """Uploads a CA certificate to an IoT hub and keeps it Verified."""

    # Nothing secret is ever captured in the instance, so the serialized provider need not be
    # encrypted; it is a few dozen bytes naming this class.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        self._verbs: CertificateVerbs | None = None

    # -- pickling: the provider travels by reference with an empty state -------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, _state: dict[str, Any]) -> None:
        self._verbs = None

    @property
    def verbs(self) -> CertificateVerbs:
        if self._verbs is None:  # an engine that never called configure
            quiet_host_tracebacks()
            self._verbs = CertificateVerbs(_DECLARED)
        return self._verbs

    def configure(self, req: ConfigureRequest) -> None:
        """Connection settings from the stack config (plaintext here, never stored)."""
        self.verbs.configure(req.config.get)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = self.verbs.check(_olds or {}, news)
        return CheckResult(
            checked.inputs, [CheckFailure(f.property, f.reason) for f in checked.failures]
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        diff = self.verbs.diff(olds, news)
        if not diff.replaces:
            return DiffResult(changes=diff.changes)
        return DiffResult(
            changes=diff.changes,
            replaces=list(diff.replaces),
            delete_before_replace=diff.delete_before_replace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        id_, outs = self.verbs.create(props)
        return CreateResult(id_=id_, outs=outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        found = self.verbs.read(id_, props)
        return ReadResult(id_=found.id, outs=found.outputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self.verbs.update(olds, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.verbs.delete(id_, props)


def declared() -> Declarations:
    """What this deployment's certificates declare: the enrollment groups' provider reads it
    (a reference to a declared certificate needs no lookup on the DPS)."""
    return _DECLARED
