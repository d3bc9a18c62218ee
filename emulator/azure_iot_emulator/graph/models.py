"""The directory Microsoft Graph reads: the seeded service principals of a tenant. No HTTP.

A service principal's Graph properties [doc] learn.microsoft.com/graph/api/resources/
serviceprincipal: ``id`` its object id, ``appId`` its application (client) id,
``servicePrincipalNames`` holding the appId (what the az CLI's ``--assignee <appId>`` finds it
by: azure-cli role/custom.py ``_resolve_object_id_and_type`` filters on it and tells users to
create the service principal when an appId is not found) and no identifier URIs (the emulator
has no app registrations).
"""

from __future__ import annotations

from azure_iot_emulator.graph.filters import ServicePrincipalFilter
from azure_iot_emulator.identity.models import Principal
from azure_iot_emulator.store import Store


def service_principal_names(principal: Principal) -> list[str]:
    """What Graph lists as the principal's names."""
    return [principal.client_id]


class Directory:
    """Service principals by tenant, as Graph looks them up."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _principals(self, tenant_id: str) -> list[Principal]:
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM principals WHERE tenant_id = ? ORDER BY rowid", (tenant_id,)
            ).fetchall()
        return [
            Principal(r["tenant_id"], r["client_id"], r["object_id"], r["display_name"])
            for r in rows
        ]

    def service_principals(self, tenant_id: str, wanted: ServicePrincipalFilter) -> list[Principal]:
        """The tenant's service principals the filter selects. appIds and names compare
        ignoring case (GUIDs) [guess]; a display name exactly."""
        value = wanted.value
        selected = []
        for principal in self._principals(tenant_id):
            if wanted.field == "appId" and principal.client_id.lower() != value.lower():
                continue
            if wanted.field == "displayName" and principal.display_name != value:
                continue
            names = [n.lower() for n in service_principal_names(principal)]
            if wanted.field == "servicePrincipalNames" and value.lower() not in names:
                continue
            selected.append(principal)
        return selected

    def by_object_ids(self, tenant_id: str, object_ids: list[str]) -> list[Principal]:
        """The tenant's service principals among ``object_ids``, in their order."""
        by_id = {p.object_id.lower(): p for p in self._principals(tenant_id)}
        return [by_id[i.lower()] for i in object_ids if i.lower() in by_id]
