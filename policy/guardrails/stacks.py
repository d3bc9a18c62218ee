"""Which stacks are production: the rules that hold only there ask this module.

A stack is production when its name matches the rule's `productionStacks` pattern (by default
`prod`, `production`, or either as a dash-, dot- or underscore-separated part: `prod-eu`,
`eu.production`), or when its own config says so (`pulumi config set pop-guardrails:production
true`). The flag can only add a stack: a stack whose name says production cannot opt out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

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
    """The stack being previewed or updated, as the engine describes it to the pack."""

    name: str
    config: Mapping[str, str]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Stack:
        """The stack the language host described in the pack's environment (PULUMI_STACK,
        PULUMI_CONFIG as JSON); an unnamed stack if the engine described none."""
        try:
            config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
        except ValueError:
            config = {}
        if not isinstance(config, dict):
            config = {}
        return cls(environ.get("PULUMI_STACK", ""), {str(k): str(v) for k, v in config.items()})

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
