"""The OData ``$filter`` of the role lists, parsed into what the backend selects by.

Role definitions [spec] 2022-04-01 ``RoleDefinitionFilter``: ``roleName eq '<name>'`` (what
``az role definition list --name`` and ``az role assignment create --role <name>`` send) and
``type eq '<type>'``. Role assignments [spec] ``RoleAssignmentFilterParameter``: ``atScope()``
("all role assignments at or above the scope"), ``principalId eq '<id>'`` ("at, above or below
the scope for the specified principal") and ``assignedTo('<id>')`` (the principal and its groups
[doc] learn.microsoft.com/azure/role-based-access-control/role-assignments-list-rest; the
emulator has no groups), joined by ``and`` as the az CLI joins them. Anything else is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from azure_iot_emulator.authorization.exceptions import UnsupportedFilter

_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
# An OData string literal: single quotes, a quote inside doubled.
_LITERAL = r"'((?:[^']|'')*)'"


@dataclass(frozen=True)
class DefinitionFilter:
    """Which role definitions a list returns, beyond the scope's."""

    role_name: str | None = None
    role_type: str | None = None


@dataclass(frozen=True)
class AssignmentFilter:
    """``at_scope``: only assignments at or above the scope (else below too); ``principal_id``:
    only that principal's."""

    at_scope: bool = False
    principal_id: str | None = None


def _terms(text: str, patterns: dict[str, re.Pattern[str]], supported: str) -> dict[str, str]:
    """Each ``and``-joined term by the name of the pattern it matched: its value (the first
    group that matched, unquoted), or "" for a term without one. A term may appear once."""
    found: dict[str, str] = {}
    position = 0
    while True:
        for name, pattern in patterns.items():
            match = pattern.match(text, position)
            if match is not None and name not in found:
                value = next((g for g in match.groups() if g is not None), "")
                found[name] = value.replace("''", "'")
                position = match.end()
                break
        else:
            raise UnsupportedFilter(text, supported)
        if position == len(text):
            return found
        joint = _AND.match(text, position)
        if joint is None:
            raise UnsupportedFilter(text, supported)
        position = joint.end()


_DEFINITION_TERMS = {
    "roleName": re.compile(rf"roleName\s+eq\s+{_LITERAL}", re.IGNORECASE),
    "type": re.compile(rf"type\s+eq\s+{_LITERAL}", re.IGNORECASE),
}
_ASSIGNMENT_TERMS = {
    "atScope": re.compile(r"atScope\(\)", re.IGNORECASE),
    "principalId": re.compile(rf"principalId\s+eq\s+(?:{_LITERAL}|([0-9a-fA-F-]+))", re.I),
    "assignedTo": re.compile(rf"assignedTo\({_LITERAL}\)", re.IGNORECASE),
}


def definition_filter(text: str | None) -> DefinitionFilter:
    """``$filter`` of RoleDefinitions_List."""
    if not text or not text.strip():
        return DefinitionFilter()
    terms = _terms(text.strip(), _DEFINITION_TERMS, "roleName eq '<name>', type eq '<type>'")
    return DefinitionFilter(terms.get("roleName"), terms.get("type"))


def assignment_filter(text: str | None) -> AssignmentFilter:
    """``$filter`` of RoleAssignments_ListForScope (and the subscription's, group's lists)."""
    if not text or not text.strip():
        return AssignmentFilter()
    supported = "atScope(), principalId eq '<id>', assignedTo('<id>')"
    terms = _terms(text.strip(), _ASSIGNMENT_TERMS, supported)
    principals = {v.lower() for k, v in terms.items() if k in ("principalId", "assignedTo")}
    if len(principals) > 1:
        raise UnsupportedFilter(text, supported)
    return AssignmentFilter("atScope" in terms, principals.pop() if principals else None)
