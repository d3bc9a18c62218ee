"""The config-driven program's enrollment groups: `<project>:enrollmentGroups`, beside
`<project>:certificates` (pop_provider.program.stack_config).

    pop-provider:enrollmentGroups:
      - name: fleet                       # the Pulumi resource name
        dpsId: /subscriptions/.../providers/Microsoft.Devices/provisioningServices/my-dps
        # or resourceGroupName with dpsName (subscriptionId: <guid>)
        enrollmentGroupId: fleet-2026
        caReferencePrimary: fleet-root    # a `certificates` entry's name, or a certificate name
        caReferenceSecondary: fleet-next  # optional, for a rotation
        initialTwinTags: {fleet: "2026"}  # and every other input of EnrollmentGroup

A reference that names an entry of `certificates` (a TrustedCa child: `<entry>-<target>`)
becomes that certificate's `certificateName` output, so the group is written once the CA is
Verified and follows a rotated name; any other value is a certificate name on the DPS, checked
by the resource like any program's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pop_provider.core import declaration as declared
from pop_provider.program.stack_config import (
    ENTRY_NAME,
    CertificateEntry,
    StackConfigError,
    named_entry,
    parse_list,
)

GROUPS_CONFIG_KEY = "enrollmentGroups"

_GROUP = declared.ENROLLMENT_GROUP
# An entry's keys: its resource name and each input of the resource, as the schema names it.
_INPUTS = {prop.camel: prop.name for prop in _GROUP.inputs()}
_ALLOWED = {ENTRY_NAME, *_INPUTS}
# The inputs that may name a `certificates` entry.
_REFERENCE_PROPS = (declared.CA_REFERENCE_PRIMARY, declared.CA_REFERENCE_SECONDARY)
REFERENCES = tuple(prop.name for prop in _REFERENCE_PROPS)


@dataclass(frozen=True)
class GroupEntry:
    """One entry of `enrollmentGroups`: the resource name and its inputs (snake_case)."""

    name: str
    inputs: dict[str, Any]


def parse_groups(raw: Any) -> list[GroupEntry]:
    """Entries from the config value, each checked for unknown and missing keys."""
    return parse_list(
        raw,
        GROUPS_CONFIG_KEY,
        "enrollment groups",
        lambda index, item: _parse_group(f"{GROUPS_CONFIG_KEY}[{index}]", item),
        lambda entry: entry.name,
    )


def _parse_group(where: str, item: Any) -> GroupEntry:
    name, item = named_entry(where, item, _ALLOWED)
    missing = [prop.camel for prop in _GROUP.inputs() if prop.required and prop.camel not in item]
    if missing:
        raise StackConfigError(f"{where} ({name}): {', '.join(missing)} is required")
    inputs = {_INPUTS[key]: value for key, value in item.items() if key != ENTRY_NAME}
    return GroupEntry(name, inputs)


def check_references(groups: list[GroupEntry], certificates: list[CertificateEntry]) -> None:
    """A reference naming a `certificates` entry that trusts its CA on a hub cannot be found on
    a DPS: one line naming both, before anything is declared."""
    on_hubs = {
        entry.name
        for entry in certificates
        if entry.targets is None and (entry.args.hub_id or entry.args.hub_name)
    }
    for index, group in enumerate(groups):
        for prop in _REFERENCE_PROPS:
            value = group.inputs.get(prop.name)
            if isinstance(value, str) and value in on_hubs:
                raise StackConfigError(
                    f"{GROUPS_CONFIG_KEY}[{index}] ({group.name}): {prop.camel} '{value}' names a "
                    "certificates entry on an IoT hub, and a group references CA certificates "
                    "on its DPS: add an entry of that CA with the group's dpsId (or a `targets` "
                    "entry with it) and reference that one"
                )
