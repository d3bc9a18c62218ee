"""Which resources the pack judges, and their inputs in either face's spelling.

The dynamic face (Python programs) registers `pulumi-python:dynamic/pop:VerifiedCaCertificate`
with snake_case inputs; the native provider `pop` registers `pop:index:VerifiedCaCertificate`
with camelCase ones (also as the children of its component `pop:index:TrustedCa`, which the pack
therefore leaves to them). A rule asks for an input by its snake_case name and quotes it, in a
fix, the way the user's program spells it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Face(Enum):
    """The two ways a program declares a CA certificate."""

    DYNAMIC = "pulumi-python:dynamic/pop:VerifiedCaCertificate"
    NATIVE = "pop:index:VerifiedCaCertificate"


class _Unknown:
    """A value the engine does not know yet (a preview whose input comes from another resource)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

_WORD = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    """`key_vault_url` as the native provider's schema spells it: `keyVaultUrl`."""
    return _WORD.sub(lambda match: match.group(1).upper(), name)


@dataclass(frozen=True)
class CaDeclaration:
    """One CA certificate a program declares: its resource name, its face and its inputs.

    `inputs` holds what the engine passed, UNKNOWN where the value is not known yet; secret
    inputs arrive as plain values and must never be quoted.
    """

    name: str
    face: Face
    inputs: Mapping[str, Any]
    urn: str = ""

    def field(self, name: str) -> str:
        """The input's name as the user's program writes it."""
        return camel(name) if self.face is Face.NATIVE else name

    def given(self, name: str) -> bool:
        """Whether the program sets the input (a value not known yet counts as set)."""
        value = self.inputs.get(self.field(name))
        return value is not None and value != ""

    def text(self, name: str) -> str | None:
        """The input's text, None if unset or not known yet."""
        value = self.inputs.get(self.field(name))
        return value if isinstance(value, str) and value else None

    @property
    def target(self) -> str:
        """The hub or DPS it is trusted on, as the program names it (for messages and for
        comparing two declarations of one stack)."""
        for arm_id in ("hub_id", "dps_id"):
            value = self.text(arm_id)
            if value:
                return value.rstrip("/").rsplit("/", 1)[-1]
        return self.text("hub_name") or self.text("dps_name") or "?"

    @property
    def target_key(self) -> str:
        """The target in a form two declarations of the same hub or DPS share."""
        for arm_id in ("hub_id", "dps_id"):
            value = self.text(arm_id)
            if value:
                return value.rstrip("/").lower()
        parts = (
            self.text("subscription_id") or "",
            self.text("resource_group_name") or "",
            self.text("hub_name") or self.text("dps_name") or "",
        )
        return "/".join(parts).lower()


def declaration(
    resource_type: str, name: str, inputs: Mapping[str, Any], urn: str = ""
) -> CaDeclaration | None:
    """The CA certificate a resource declares, or None if it is not one of ours."""
    try:
        face = Face(resource_type)
    except ValueError:
        return None
    return CaDeclaration(name=name, face=face, inputs=inputs, urn=urn)


class GroupFace(Enum):
    """The two ways a program declares a DPS enrollment group."""

    DYNAMIC = "pulumi-python:dynamic/pop:EnrollmentGroup"
    NATIVE = "pop:index:EnrollmentGroup"


@dataclass(frozen=True)
class GroupDeclaration:
    """One enrollment group a program declares: the DPS it is on and the CA certificates (by
    their names on that DPS) whose devices it lets in."""

    name: str
    face: GroupFace
    inputs: Mapping[str, Any]
    urn: str = ""

    def text(self, name: str) -> str | None:
        """The input's text (asked for by its snake_case name), None if unset or unknown."""
        key = camel(name) if self.face is GroupFace.NATIVE else name
        value = self.inputs.get(key)
        return value if isinstance(value, str) and value else None

    @property
    def dps(self) -> str:
        """The DPS's name, however the program names it."""
        arm_id = self.text("dps_id")
        if arm_id:
            return arm_id.rstrip("/").rsplit("/", 1)[-1]
        return self.text("dps_name") or "?"

    @property
    def references(self) -> tuple[str, ...]:
        """The certificate names the group references, as far as they are known."""
        names = (self.text("ca_reference_primary"), self.text("ca_reference_secondary"))
        return tuple(name for name in names if name)


def group_declaration(
    resource_type: str, name: str, inputs: Mapping[str, Any], urn: str = ""
) -> GroupDeclaration | None:
    """The enrollment group a resource declares, or None if it is not one of ours."""
    try:
        face = GroupFace(resource_type)
    except ValueError:
        return None
    return GroupDeclaration(name=name, face=face, inputs=inputs, urn=urn)
