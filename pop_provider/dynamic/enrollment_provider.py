"""The dynamic face's provider of `EnrollmentGroup`: Pulumi's dynamic-provider verbs, translated
to the core's (pop_provider.core.enrollment.verbs). Pickled into every group's state by
reference, with no settings, credentials or clients in it, as the certificates' provider."""

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

from pop_provider.core.enrollment.claims import GroupClaims
from pop_provider.core.enrollment.verbs import EnrollmentGroupVerbs
from pop_provider.dynamic import provider as certificates
from pop_provider.failures import quiet_host_tracebacks

# Which resource declares which group id on which DPS (the process serves one deployment).
_CLAIMS = GroupClaims()


class EnrollmentGroupProvider(ResourceProvider):
    """Keeps a DPS enrollment group as the program declares it."""

    serialize_as_secret_always = False

    def __init__(self) -> None:
        self._verbs: EnrollmentGroupVerbs | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, _state: dict[str, Any]) -> None:
        self._verbs = None

    @property
    def verbs(self) -> EnrollmentGroupVerbs:
        if self._verbs is None:
            quiet_host_tracebacks()
            self._verbs = EnrollmentGroupVerbs(certificates.declared(), claims=_CLAIMS)
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
        return DiffResult(changes=diff.changes, replaces=list(diff.replaces))

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
