"""The OData ``$filter`` of ``GET /v1.0/servicePrincipals`` the emulator evaluates: the az CLI's
``servicePrincipalNames/any(c:c eq '<appId or name>')`` (azure-cli 2.91.0 role/custom.py
``_resolve_object_id_and_type``), ``appId eq '<id>'`` and ``displayName eq '<name>'`` [doc]
learn.microsoft.com/graph/api/serviceprincipal-list (filter examples)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from azure_iot_emulator.graph.exceptions import UnsupportedQuery

_LITERAL = r"'((?:[^']|'')*)'"
_ANY = re.compile(
    rf"servicePrincipalNames/any\(\s*(\w+)\s*:\s*(\w+)\s+eq\s+{_LITERAL}\s*\)", re.IGNORECASE
)
_EQ = re.compile(rf"(appId|displayName)\s+eq\s+{_LITERAL}", re.IGNORECASE)


@dataclass(frozen=True)
class ServicePrincipalFilter:
    """One property compared to one value; no filter selects every service principal."""

    field: str | None = None  # "appId", "displayName" or "servicePrincipalNames"
    value: str = ""


def service_principal_filter(text: str | None) -> ServicePrincipalFilter:
    """Parse ``$filter``; anything else is refused with 400."""
    if not text or not text.strip():
        return ServicePrincipalFilter()
    text = text.strip()
    found = _ANY.fullmatch(text)
    if found is not None and found.group(1) == found.group(2):
        return ServicePrincipalFilter("servicePrincipalNames", found.group(3).replace("''", "'"))
    found = _EQ.fullmatch(text)
    if found is not None:
        field = "appId" if found.group(1).lower() == "appid" else "displayName"
        return ServicePrincipalFilter(field, found.group(2).replace("''", "'"))
    raise UnsupportedQuery(text)
