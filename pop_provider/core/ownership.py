"""One owner per CA per target: which declarations conflict, and who holds a certificate.

A hub or DPS should trust a CA once, and one resource should own that certificate: with two
owners, removing or destroying either one deletes a CA the other still declares, an outage for
every device of that CA. The rule lives here once and is applied where each face can see it:

- the program (`pop_provider.dynamic.declarations`), before any input reaches the engine;
- the provider's `check` (every resource the engine registers in this run, any language);
- the provider's `create`, against what this run has uploaded or is uploading
  (`remote.RunListing.claim`), so concurrent creates cannot both upload the same CA;
- the provider's `delete`, which leaves a certificate that another resource of this run declares.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum

from pop_provider.core.inputs import generate_certificate_name


@dataclass(frozen=True)
class Declaration:
    """One resource's claim: this CA, under this name (if known), on this target."""

    owner: str
    target_id: str
    target_label: str
    thumbprint: str
    certificate_name: str | None = None

    def conflict_with(self, other: Declaration) -> str | None:
        """What the two share on one target (the same CA, or the same certificate name), if
        they are two different resources; else None."""
        if self.owner == other.owner or self.target_id.lower() != other.target_id.lower():
            return None
        if self.thumbprint.upper() == other.thumbprint.upper():
            return f"the same CA (thumbprint {self.thumbprint.upper()})"
        if (
            self.certificate_name
            and other.certificate_name
            and self.certificate_name.lower() == other.certificate_name.lower()
        ):
            return f"the same certificate name '{self.certificate_name}'"
        return None


def duplicate_message(first: Declaration, second: Declaration, shared: str) -> str:
    """One line naming both resources (the one declared first, first), what they share and
    where, and the fix."""
    return (
        f"resources '{first.owner}' and '{second.owner}' both declare {shared} on "
        f"{first.target_label}; a target trusts a CA once and one resource owns it (removing "
        "either would delete it for both): keep one of the two declarations (to trust one CA "
        "on several hubs and DPS, give each its own target, or use one TrustedCa with targets)"
    )


@dataclass(frozen=True)
class Conflict:
    """Two claims of different resources on one target: `first` was declared first."""

    first: Declaration
    second: Declaration
    shared: str

    @property
    def message(self) -> str:
        return duplicate_message(self.first, self.second, self.shared)


class Declarations:
    """The claims seen so far in one process (a program run, or a provider process serving one
    deployment); thread-safe, shared by the provider's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_owner: dict[str, Declaration] = {}

    def add(self, declaration: Declaration) -> Conflict | None:
        """Record the claim (replacing its owner's earlier one; the order of first declaration
        stays) and return the first conflict with another owner's claim, if any."""
        with self._lock:
            self._by_owner[declaration.owner] = declaration
            return self._conflict_locked(declaration)

    def _conflict_locked(self, declaration: Declaration) -> Conflict | None:
        order = list(self._by_owner)
        for other in self._by_owner.values():
            shared = declaration.conflict_with(other)
            if shared is not None:
                earlier = order.index(other.owner) < order.index(declaration.owner)
                first, second = (other, declaration) if earlier else (declaration, other)
                return Conflict(first, second, shared)
        return None

    def owner_of(self, target_id: str, certificate_name: str, *, besides: str) -> str | None:
        """Another owner that declares this certificate name on this target in this run."""
        with self._lock:
            for other in self._by_owner.values():
                if (
                    other.owner != besides
                    and other.target_id.lower() == target_id.lower()
                    and (other.certificate_name or "").lower() == certificate_name.lower()
                ):
                    return other.owner
        return None


class HolderKind(Enum):
    """How a certificate that holds a CA relates to this stack."""

    DECLARED = "declared"  # another resource of this run declares it
    LEFT_BEHIND = "left behind"  # a resource of this stack uploaded it; no longer declared
    ELSEWHERE = "elsewhere"  # not this stack: another stack, the portal, the az CLI
    # Azure Device Registry synced it onto the hub and keeps it in sync: nobody else's to take.
    DEVICE_REGISTRY = "Azure Device Registry"


@dataclass(frozen=True)
class Holder:
    """Who holds certificate `name` on a target, as far as this run can tell."""

    name: str
    kind: HolderKind
    resource: str | None = None
    scope: str = ""
    managed_by: str | None = None  # the ADR policy or CA (DEVICE_REGISTRY only)

    @property
    def description(self) -> str:
        if self.kind is HolderKind.DEVICE_REGISTRY:
            return f"which Azure Device Registry manages (synced from {self.managed_by})"
        if self.kind is HolderKind.DECLARED:
            return f"which resource '{self.resource}' of this stack declares"
        if self.kind is HolderKind.LEFT_BEHIND:
            return (
                f"which resource '{self.resource}' of this stack ({self.scope}) uploaded and "
                "this program no longer declares"
            )
        return "not uploaded by this stack (another stack, the portal or the az CLI)"


def holder_of(
    name: str,
    *,
    target_id: str,
    thumbprint: str,
    scope: str,
    declared_by: str | None,
    managed_by: str | None = None,
) -> Holder:
    """Azure Device Registry, whatever the name says (it is never adopted nor deleted); else a
    resource this run declares; else a resource of this stack, which its generated name gives
    away (`inputs.generate_certificate_name`); else not this stack."""
    if managed_by:
        return Holder(name, HolderKind.DEVICE_REGISTRY, scope=scope, managed_by=managed_by)
    if declared_by:
        return Holder(name, HolderKind.DECLARED, declared_by, scope)
    prefix = name.rpartition("-")[0]
    if prefix and scope and generate_certificate_name(prefix, scope, target_id, thumbprint) == name:
        return Holder(name, HolderKind.LEFT_BEHIND, prefix, scope)
    return Holder(name, HolderKind.ELSEWHERE, scope=scope)
