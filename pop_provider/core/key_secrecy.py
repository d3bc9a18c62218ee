"""Whether a CA key (or its password) reached a face as a secret, and the warning both faces
print when it did not: a key set with `pulumi config set` without `--secret` sits in clear in
`Pulumi.<stack>.yaml` and in the stack's history. The state keeps the key secret either way
(each face marks it so): this only tells the user, in one line with the fix.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from pop_provider.core.inputs import KEY_VAULT_KEY_NAME, KEY_VAULT_URL, PRIVATE_KEY_PEM


def clear_key_warning(
    field: str, *, config_key: str | None = None, read_as_secret: str | None = None
) -> str:
    """The one line for `field` (private_key_pem or private_key_password) given in clear.

    `config_key` is the stack config key that holds it in clear, when the face can tell;
    `read_as_secret` how the face's program reads that key as a secret (`config.require_secret`),
    when the program read it in clear."""
    what = "the CA key" if field == PRIVATE_KEY_PEM else "the CA key's password"
    if config_key:
        problem = (
            f"{field} comes from config key '{config_key}', which is not a secret: {what} sits "
            "in clear in the stack's config and in its history"
        )
    else:
        problem = (
            f"{field} is not a secret: if it comes from stack config, {what} sits there in clear "
            "and in the stack's history"
        )
    command = f"pulumi config set --secret {config_key or '<key>'}"
    fix = f"`{command}{' < root.key' if field == PRIVATE_KEY_PEM else ''}`"
    if read_as_secret:
        fix += f" and read it with `{read_as_secret}`"
    elif not config_key:
        fix += " and pass it as a secret"
    return f"{problem}; fix: {fix} (or use a Key Vault key: {KEY_VAULT_URL}, {KEY_VAULT_KEY_NAME})"


class WarnedKeys:
    """The keys already warned about in this process, as (property, SHA-256 of the value): one
    warning per key however often check runs or however many resources share the key. Only the
    digest is kept, never the key."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def first_time(self, field: str, value: str) -> bool:
        """True the first time `value` is seen for `field`, False after."""
        seen = (field, hashlib.sha256(value.encode()).hexdigest())
        with self._lock:
            if seen in self._seen:
                return False
            self._seen.add(seen)
            return True

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


def clear_config_key(
    value: str,
    config: Mapping[str, Any],
    is_secret: Callable[[str], bool],
    project: str = "",
) -> str | None:
    """The stack config key (`caKey`, or `namespace:caKey` outside the project's namespace) that
    holds `value` in clear, alone or inside a structured value; None if no plain key holds it."""
    if not value:
        return None
    for key, stored in config.items():
        if not is_secret(key) and value in _strings(stored):
            namespace, _, name = key.partition(":")
            return name if name and namespace == project else key
    return None


def runtime_clear_config_key(value: str) -> str | None:
    """`clear_config_key` over the stack config the Pulumi runtime of this process holds: a
    Python program's, or the one the engine sends a component provider's Construct. (The SDK
    has no public way to list the config: its runtime's map is read as it is.)"""
    return clear_config_key(
        value,
        runtime_config.CONFIG.get() or runtime_config.get_config_env(),
        runtime_config.is_config_secret,
        pulumi.get_project(),
    )


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
