"""The config-driven program: the certificates a stack's config lists, declared and exported.

Any Python Pulumi project runs it in two lines of `__main__.py`, under its own project name:

    from pop_provider import trust_from_stack_config

    trust_from_stack_config()

and lists its certificates under `<project>:certificates` in `Pulumi.<stack>.yaml` (the schema is
in `pop_provider.program.stack_config`). This repo's own `__main__.py` is those two lines.
"""

from __future__ import annotations

import os
from pathlib import Path

import pulumi

from pop_provider.core import declaration as declared
from pop_provider.core.declaration import Group
from pop_provider.dynamic.resource import VerifiedCaCertificate
from pop_provider.dynamic.trust import TrustedCa
from pop_provider.program.stack_config import (
    CONFIG_KEY,
    CertificateEntry,
    StackConfigError,
    parse_entries,
)

# What `certificates` exports per certificate (each an output of the resource).
_EXPORTED = (
    declared.CERTIFICATE_NAME.name,
    *(
        prop.name
        for prop in declared.VERIFIED_CA_CERTIFICATE.properties
        if prop.group is Group.OUTPUT
    ),
)


def trust_from_stack_config(
    config: pulumi.Config | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    *,
    export: bool = True,
) -> dict[str, VerifiedCaCertificate]:
    """Trust every CA certificate listed under `certificates` in the stack config, each Verified.

    `config` is the namespace holding the list and the secrets its entries name
    (`privateKeySecret`, `privateKeyPasswordSecret`); by default the running project's own,
    so the key is `<project>:certificates`. Files (`certificateFile`, ...) are relative to
    `base_dir`, by default the working directory: the project directory under `pulumi`.

    Declares one `VerifiedCaCertificate` per entry, or a `TrustedCa` for an entry with
    `targets` (its children named `<entry>-<target>`), and returns them by name. With `export`,
    the stack output `certificates` maps each name to its outputs (`certificate_name`,
    `thumbprint`, `is_verified`, `not_after`, `days_until_expiry`, ...).

    A config mistake (a missing list, an unknown key, a file that cannot be read) raises
    `StackConfigError`, which `pulumi up` prints as one line naming the entry and the key.
    """
    config = config if config is not None else pulumi.Config()
    raw = config.get_object(CONFIG_KEY)
    if raw is None:
        raise StackConfigError(
            f"config '{config.full_key(CONFIG_KEY)}' is not set: list the certificates to trust "
            "under it in this stack's Pulumi.<stack>.yaml (see docs/guides/stack-config.md)"
        )
    directory = Path(base_dir) if base_dir is not None else Path.cwd()
    entries = parse_entries(raw, directory, config.require_secret)
    trusted = {name: cert for entry in entries for name, cert in _declare(entry).items()}
    if export:
        pulumi.export(
            "certificates",
            {
                name: {output: getattr(cert, output) for output in _EXPORTED}
                for name, cert in trusted.items()
            },
        )
    return trusted


def _declare(entry: CertificateEntry) -> dict[str, VerifiedCaCertificate]:
    """One certificate, or one per target (named `<entry>-<target>`) for an entry with targets."""
    if entry.targets is None:
        return {entry.name: VerifiedCaCertificate(entry.name, entry.args)}
    everywhere = TrustedCa(entry.name, entry.trusted_ca_args())
    return {f"{entry.name}-{label}": cert for label, cert in everywhere.certificates.items()}
