"""Which stacks are production: the rules that hold only there ask this module.

A stack is production when its name matches the rule's `productionStacks` pattern (by default
`prod`, `production`, or either as a dash-, dot- or underscore-separated part: `prod-eu`,
`eu.production`), or when its own config says so (`pulumi config set pop-guardrails:production
true`). The flag can only add a stack: a stack whose name says production cannot opt out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_PRODUCTION_STACKS = r"(.+[-_.])?prod(uction)?([-_.].+)?"
PRODUCTION_FLAG = "pop-guardrails:production"
_TRUE = frozenset({"true", "yes", "1", "on"})

#: The configuration properties of a rule that holds only in production stacks.
PRODUCTION_SCHEMA = {
    "productionStacks": {
        "type": "string",
        "format": "regex",
        "default": DEFAULT_PRODUCTION_STACKS,
        "description": "Stacks whose full name matches this regular expression are production "
        f"(so is any stack whose config sets {PRODUCTION_FLAG}: true)",
    },
}


@dataclass(frozen=True)
class Stack:
    """The stack being previewed or updated, as the engine describes it to the pack.

    `config` holds every value in clear (the engine decrypts them for the pack); `secret_keys`
    the keys set with `--secret`, None when the engine's list never reached the pack.
    """

    name: str
    config: Mapping[str, str]
    secret_keys: frozenset[str] | None = None
    project: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Stack:
        """The stack the language host described in the pack's environment (PULUMI_STACK,
        PULUMI_PROJECT, PULUMI_CONFIG as JSON; never which keys are secret); an unnamed stack
        if the engine described none."""
        try:
            config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
        except ValueError:
            config = {}
        if not isinstance(config, dict):
            config = {}
        return cls(
            environ.get("PULUMI_STACK", ""),
            {str(k): str(v) for k, v in config.items()},
            project=environ.get("PULUMI_PROJECT", ""),
        )

    def clear_config_key(self, value: str) -> str | None:
        """The config key (`caKey`, or `namespace:caKey` outside the project's namespace) that
        holds `value` in clear, alone or inside a structured value; None if none does, or if
        the pack cannot tell which keys are secret."""
        if self.secret_keys is None or not value:
            return None
        for key, stored in self.config.items():
            if key not in self.secret_keys and value in _strings(stored):
                namespace, _, name = key.partition(":")
                return name if name and namespace == self.project else key
        return None

    def is_production(self, pattern: str = DEFAULT_PRODUCTION_STACKS) -> bool:
        """Whether the rules for production hold here."""
        if self.config.get(PRODUCTION_FLAG, "").strip().lower() in _TRUE:
            return True
        return bool(self.name) and re.fullmatch(pattern, self.name) is not None

    def why_production(self, pattern: str = DEFAULT_PRODUCTION_STACKS) -> str:
        """How a message says why this stack counts as production."""
        if self.name and re.fullmatch(pattern, self.name):
            return f"production stack '{self.name}'"
        return f"stack '{self.name}', marked production by {PRODUCTION_FLAG}"


def _strings(stored: Any) -> Iterator[str]:
    """The config value and, for a structured one (JSON text), every string inside it."""
    if not isinstance(stored, str):
        return
    yield stored
    if stored[:1] in ("{", "["):
        try:
            yield from _nested(json.loads(stored))
        except ValueError:
            return


def _nested(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _nested(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nested(item)
