"""Property names as programs in every Pulumi language spell them (camelCase), and the core's
(snake_case): one rule both ways, applied to keys and to the names an error message quotes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pop_provider.core import inputs, verbs

_WORD = re.compile(r"_([a-z0-9])")
_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")

# Every name the core may quote in a message: inputs, what check derives, outputs.
CORE_NAMES: tuple[str, ...] = (
    *inputs.TARGET_INPUTS,
    inputs.CERTIFICATE_PEM,
    inputs.CERTIFICATE_NAME,
    inputs.MODE,
    *inputs.SIGNER_INPUTS,
    inputs.PROOF_CERTIFICATE_PEM,
    inputs.NAME_PREFIX,
    inputs.NAME_SCOPE,
    inputs.NAME_GENERATED,
    inputs.TARGET_ID,
    verbs.ARM_ID,
    verbs.SUBJECT,
    verbs.THUMBPRINT,
    verbs.NOT_AFTER,
    verbs.IS_VERIFIED,
    verbs.CODE,
    "expiry_warning_days",
    "days_until_expiry",
)


def camel(name: str) -> str:
    return _WORD.sub(lambda m: m.group(1).upper(), name)


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
