"""The config-driven program: the certificates and enrollment groups a stack's config lists,
declared and exported.

Any Python Pulumi project runs it in two lines of `__main__.py`, under its own project name:

    from pop_provider import trust_from_stack_config

    trust_from_stack_config()

and lists its certificates under `<project>:certificates` in `Pulumi.<stack>.yaml` (the schema is
in `pop_provider.program.stack_config`), and its DPS enrollment groups under
`<project>:enrollmentGroups` (`pop_provider.program.group_config`). This repo's own
`__main__.py` is those two lines.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pulumi

from pop_provider.core import declaration as declared
from pop_provider.core.declaration import Group
from pop_provider.dynamic.enrollment_group import EnrollmentGroup, EnrollmentGroupArgs
from pop_provider.dynamic.resource import VerifiedCaCertificate
from pop_provider.dynamic.trust import TrustedCa
from pop_provider.program.group_config import (
    GROUPS_CONFIG_KEY,
    REFERENCES,
    GroupEntry,
    check_references,
    parse_groups,
)
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
# What `enrollmentGroups` exports per group.
_GROUP_EXPORTED = tuple(
    prop.name
    for prop in declared.ENROLLMENT_GROUP.properties
    if prop.group is Group.OUTPUT and prop.always_output
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

    Then one `EnrollmentGroup` per entry of `enrollmentGroups` (either list may be left out,
    not both); a CA reference naming a certificate above becomes its `certificate_name`. With
    `export`, the stack output `enrollmentGroups` maps each to its `arm_id`, `etag`, ....

    A config mistake (a missing list, an unknown key, a file that cannot be read) raises
    `StackConfigError`, which `pulumi up` prints as one line naming the entry and the key.
    """
    config = config if config is not None else pulumi.Config()
    raw = config.get_object(CONFIG_KEY)
    raw_groups = config.get_object(GROUPS_CONFIG_KEY)
    if raw is None and raw_groups is None:
        raise StackConfigError(
            f"config '{config.full_key(CONFIG_KEY)}' is not set: list the certificates to trust "
            "under it in this stack's Pulumi.<stack>.yaml (see docs/guides/stack-config.md)"
        )
    # Every entry is parsed before any resource is declared: a mistake declares nothing.
    directory = Path(base_dir) if base_dir is not None else Path.cwd()
    entries = parse_entries(raw, directory, config.require_secret) if raw is not None else []
    groups = parse_groups(raw_groups) if raw_groups is not None else []
    check_references(groups, entries)
    trusted = {name: cert for entry in entries for name, cert in _declare(entry).items()}
    declared_groups = {group.name: _declare_group(group, trusted) for group in groups}
    if export:
        pulumi.export(
            "certificates",
            {
                name: {output: getattr(cert, output) for output in _EXPORTED}
                for name, cert in trusted.items()
            },
        )
        if declared_groups:
            pulumi.export(
                "enrollmentGroups",
                {
                    name: {output: getattr(group, output) for output in _GROUP_EXPORTED}
                    for name, group in declared_groups.items()
                },
            )
    return trusted


def _declare(entry: CertificateEntry) -> dict[str, VerifiedCaCertificate]:
    """One certificate, or one per target (named `<entry>-<target>`) for an entry with targets."""
    if entry.targets is None:
        return {entry.name: VerifiedCaCertificate(entry.name, entry.args)}
    everywhere = TrustedCa(entry.name, entry.trusted_ca_args())
    return {f"{entry.name}-{label}": cert for label, cert in everywhere.certificates.items()}


def _declare_group(entry: GroupEntry, trusted: dict[str, VerifiedCaCertificate]) -> EnrollmentGroup:
    """The group, its CA references naming `certificates` entries resolved to their names."""
    inputs: dict[str, Any] = dict(entry.inputs)
    for reference in REFERENCES:
        value = inputs.get(reference)
        if isinstance(value, str) and value in trusted:
            inputs[reference] = trusted[value].certificate_name
    return EnrollmentGroup(entry.name, EnrollmentGroupArgs(**inputs))
