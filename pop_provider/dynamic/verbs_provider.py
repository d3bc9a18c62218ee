"""What every dynamic provider of this package does: Pulumi's dynamic-provider verbs, translated
to a resource's core verbs (pop_provider.core.verbs, pop_provider.core.enrollment.verbs).

Every rule, message and Azure call is the core's; a subclass only says which verbs object serves
its resource. The provider object is pickled into every resource's state (by reference: its
module is importable), so it holds no settings, credentials or clients: those are built in the
provider process from `configure()` and the environment, and never serialized.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

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

from pop_provider.failures import quiet_host_tracebacks


class CoreVerbs(Protocol):
    """The engine-neutral verbs of one resource type, as the core implements them."""

    def configure(self, config: Callable[[str], Any] | None) -> None: ...
    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any: ...
    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any: ...
    def create(self, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]: ...
    def read(self, id_: str, props: Mapping[str, Any]) -> Any: ...
    def update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]: ...
    def delete(self, id_: str, props: Mapping[str, Any]) -> Any: ...


V = TypeVar("V", bound=CoreVerbs)


class VerbsProvider(ResourceProvider, Generic[V]):
    """A dynamic provider over one resource type's core verbs (built by `new_verbs`)."""

    # Nothing secret is ever captured in the instance, so the serialized provider need not be
    # encrypted; it is a few dozen bytes naming the class.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        self._verbs: V | None = None

    def new_verbs(self) -> V:
        """The verbs object of this provider process (one deployment)."""
        raise NotImplementedError

    # -- pickling: the provider travels by reference with an empty state -------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, _state: dict[str, Any]) -> None:
        self._verbs = None

    @property
    def verbs(self) -> V:
        if self._verbs is None:  # an engine that never called configure
            quiet_host_tracebacks()
            self._verbs = self.new_verbs()
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
