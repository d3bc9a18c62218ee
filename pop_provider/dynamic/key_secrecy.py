"""The Python program's side of `core.key_secrecy`: a CA key or password passed in clear, or held in
clear by a stack config key (set without `--secret`, even when the program reads it with
`config.require_secret`), is one warning under the resource that takes it.

One warning per key per program run: two resources (or a TrustedCa and its children) given the
same key in clear get it once, under the first.
"""

from __future__ import annotations

import pulumi

from pop_provider.core.key_secrecy import WarnedKeys, clear_key_warning, runtime_clear_config_key

# Every key already warned about by this program run.
_WARNED = WarnedKeys()


def warn_unless_secret(
    resource: pulumi.Resource, field: str, value: pulumi.Input[str] | None
) -> None:
    """Warn under `resource` once `value` is known, if it is not a secret or a config key holds
    it in clear. The check is an Output of its own, so the program waits for it."""
    if value is None:
        return
    given = pulumi.Output.from_input(value)

    async def judge() -> None:
        try:
            text = await given.future()
            secret = await given.is_secret()
        except Exception:  # the resource reports what went wrong with its input
            return
        if not isinstance(text, str) or not text:  # unset, or not known yet (a preview)
            return
        config_key = runtime_clear_config_key(text)
        if (secret and config_key is None) or not _WARNED.first_time(field, text):
            return
        read = None if secret else f'config.require_secret("{config_key or "<key>"}")'
        warning = clear_key_warning(field, config_key=config_key, read_as_secret=read)
        # Once the resource is registered, so the log (sent as soon as its URN is known) goes
        # out before the program can end; a resource that failed to register says why itself.
        try:
            await resource.urn.future()
        except Exception:
            return
        pulumi.log.warn(warning, resource=resource)

    pulumi.Output(set(), judge(), _known())


async def _known() -> bool:
    return True
