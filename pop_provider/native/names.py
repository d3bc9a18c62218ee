"""Property names as programs in every Pulumi language spell them (camelCase), and the core's
(snake_case): one rule both ways, applied to keys and to the names an error message quotes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pop_provider.core.declaration import ENROLLMENT_GROUP, VERIFIED_CA_CERTIFICATE, camel

_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")

# Every name the core may quote in a message: inputs, what check derives, outputs.
CORE_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(p.name for r in (VERIFIED_CA_CERTIFICATE, ENROLLMENT_GROUP) for p in r.properties)
)


def snake(name: str) -> str:
    return _UPPER.sub(lambda m: "_" + m.group(1).lower(), name)


def to_core(props: Mapping[str, Any]) -> dict[str, Any]:
    return {snake(key): value for key, value in props.items()}


def from_core(props: Mapping[str, Any]) -> dict[str, Any]:
    return {camel(key): value for key, value in props.items()}


_QUOTED = re.compile(r"\b(" + "|".join(sorted(CORE_NAMES, key=len, reverse=True)) + r")\b")


def in_camel_case(message: str) -> str:
    """A core message with the property names it quotes as a native program writes them."""
    return _QUOTED.sub(lambda m: camel(m.group(1)), message)
