"""ARM's own state and rules: subscriptions, resource groups, tracked resources, RBAC. No HTTP."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from azure_iot_emulator.devices.models import etag_matches, format_etag
from azure_iot_emulator.identity.models import Principal
from azure_iot_emulator.store import Store


@dataclass(frozen=True)
class RoleDefinition:
    """A role as ARM evaluates it: what it grants is ``actions`` minus ``not_actions``, and it can
    be assigned only at or below one of its ``assignable_scopes``.

    ``not_actions`` is a subtraction, not a deny: another role of the same principal may still
    grant what this one leaves out [doc] learn.microsoft.com/azure/role-based-access-control/
    role-definitions ("NotActions").
    """

    name: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...] = ()
    assignable_scopes: tuple[str, ...] = ("/",)
    description: str = ""
    # Data actions are granted apart from actions: ``*`` in ``actions`` (Owner) grants none of
    # them [doc] learn.microsoft.com/azure/role-based-access-control/role-definitions
    # ("DataActions"): a data plane under RBAC checks these alone.
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()
    # The definition's GUID (its ARM ``name``): a built-in role's is Microsoft's, a role created
    # through the API the client's; "" for a seeded custom role, whose GUID is derived from its
    # name (see :attr:`guid`).
    role_id: str = ""
    # Audit fields of roles created through the API (ISO 8601 times, object ids) [rec] azure-cli
    # test_custom_role_definition_scenario.yaml: createdOn, updatedOn, createdBy, updatedBy.
    created_on: str = ""
    updated_on: str = ""
    created_by: str = ""
    updated_by: str = ""

    @property
    def guid(self) -> str:
        """The GUID that names the role in ARM ids. A seeded custom role has none of its own: a
        name-based UUID, stable across restarts and state dirs [guess]."""
        return self.role_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"role:{self.name.lower()}"))

    @property
    def is_builtin(self) -> bool:
        """Whether the role is one of Microsoft's (the emulator's code), not a custom role."""
        return BUILTIN_ROLES.get(self.name.lower()) is self

    def permits(self, action: str) -> bool:
        """Whether the role grants ``action``."""
        return any(action_allowed(a, action) for a in self.actions) and not any(
            action_allowed(n, action) for n in self.not_actions
        )

    def permits_data(self, data_action: str) -> bool:
        """Whether the role grants the data action ``data_action``."""
        return any(action_allowed(a, data_action) for a in self.data_actions) and not any(
            action_allowed(n, data_action) for n in self.not_data_actions
        )

    def assignable_at(self, scope: str) -> bool:
        """Whether the role may be assigned at ``scope``."""
        return any(scope_covers(s, scope) for s in self.assignable_scopes)

    def to_json(self) -> str:
        """The stored form (the name is the row's key)."""
        return json.dumps(
            {
                "actions": list(self.actions),
                "notActions": list(self.not_actions),
                "assignableScopes": list(self.assignable_scopes),
                "description": self.description,
                "dataActions": list(self.data_actions),
                "notDataActions": list(self.not_data_actions),
                "roleId": self.guid,
                "createdOn": self.created_on,
                "updatedOn": self.updated_on,
                "createdBy": self.created_by,
                "updatedBy": self.updated_by,
            }
        )

    @classmethod
    def from_json(cls, name: str, text: str) -> RoleDefinition:
        """The inverse of :meth:`to_json`."""
        doc = json.loads(text)
        return cls(
            name,
            tuple(doc["actions"]),
            tuple(doc["notActions"]),
            tuple(doc["assignableScopes"]),
            doc["description"],
            # Absent from rows written before data actions (and role ids) were modelled.
            tuple(doc.get("dataActions", ())),
            tuple(doc.get("notDataActions", ())),
            doc.get("roleId", ""),
            doc.get("createdOn", ""),
            doc.get("updatedOn", ""),
            doc.get("createdBy", ""),
            doc.get("updatedBy", ""),
        )


# The built-in roles as Microsoft defines them [doc] learn.microsoft.com/azure/
# role-based-access-control/built-in-roles/privileged (Owner, Contributor; ms.date 2026-02-23)
# and .../built-in-roles/general (Reader). Contributor's notActions matter to no operation the
# emulator serves, but they are kept so a role check reads as it does in Azure.
# Role ids are Microsoft's, from the same pages: what an assignment made through the REST API
# names, and what ``az role definition list`` shows.
OWNER = RoleDefinition(
    "Owner",
    ("*",),
    description="Grants full access to manage all resources, including the ability to assign "
    "roles in Azure RBAC.",
    role_id="8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
)
CONTRIBUTOR = RoleDefinition(
    "Contributor",
    ("*",),
    (
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write",
        "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action",
    ),
    description="Grants full access to manage all resources, but does not allow you to assign "
    "roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
    role_id="b24988ac-6180-42a0-ab88-20f7382dd24c",
)
READER = RoleDefinition(
    "Reader",
    ("*/read",),
    description="View all resources, but does not allow you to make any changes.",
    role_id="acdd72a7-3385-48ef-bd42-f606fba81ae7",
)
# The DPS data roles [doc] learn.microsoft.com/azure/role-based-access-control/built-in-roles/
# internet-of-things, as reference dps-enrollment-and-devices.md §1.6 quotes it: no control-plane
# actions, the data actions of the DPS service API. Assignable at the DPS or above [doc:
# concepts-control-access-dps-azure-ad.md].
DPS_DATA_CONTRIBUTOR = RoleDefinition(
    "Device Provisioning Service Data Contributor",
    (),
    description="Allows for full access to Device Provisioning Service data-plane operations.",
    data_actions=("Microsoft.Devices/provisioningServices/*",),
    role_id="dfce44e4-17b7-4bd1-a6d1-04996ec95633",
)
DPS_DATA_READER = RoleDefinition(
    "Device Provisioning Service Data Reader",
    (),
    description="Allows for full read access to Device Provisioning Service data-plane properties.",
    data_actions=("Microsoft.Devices/provisioningServices/*/read",),
    role_id="10745317-c249-44a1-a5ce-3a4353c0bbd8",
)
# The IoT Hub data roles [doc: MicrosoftDocs/azure-docs articles/role-based-access-control/
# built-in-roles/internet-of-things.md at 03adcc30b28ecad9f81aba5638a15fb1930f5ec0, ms.date
# 2024-03-01; articles/iot-hub/authenticate-authorize-azure-ad.md lists the four]: no
# control-plane actions, the data actions of a hub's service API (devices/read, twins/read,
# statistics/read ...). Data Reader's ``*/read`` covers every read; it also takes file upload
# notifications.
IOTHUB_DATA_CONTRIBUTOR = RoleDefinition(
    "IoT Hub Data Contributor",
    (),
    description="Allows for full access to IoT Hub data plane operations.",
    data_actions=("Microsoft.Devices/IotHubs/*",),
    role_id="4fc6c259-987e-4a07-842e-c321cc9d413f",
)
IOTHUB_DATA_READER = RoleDefinition(
    "IoT Hub Data Reader",
    (),
    description="Allows for full read access to IoT Hub data-plane properties",
    data_actions=(
        "Microsoft.Devices/IotHubs/*/read",
        "Microsoft.Devices/IotHubs/fileUpload/notifications/action",
    ),
    role_id="b447c946-2db7-41ec-983d-d8bf3b1c77e3",
)
IOTHUB_REGISTRY_CONTRIBUTOR = RoleDefinition(
    "IoT Hub Registry Contributor",
    (),
    description="Allows for full access to IoT Hub device registry.",
    data_actions=("Microsoft.Devices/IotHubs/devices/*",),
    role_id="4ea46cd5-c1b2-4a8e-910b-273211f9ce47",
)
IOTHUB_TWIN_CONTRIBUTOR = RoleDefinition(
    "IoT Hub Twin Contributor",
    (),
    description="Allows for read and write access to all IoT Hub device and module twins.",
    data_actions=("Microsoft.Devices/IotHubs/twins/*",),
    role_id="494bdba2-168f-4f31-a0a1-191d2f7c028c",
)
BUILTIN_ROLES: dict[str, RoleDefinition] = {
    r.name.lower(): r
    for r in (
        OWNER,
        CONTRIBUTOR,
        READER,
        DPS_DATA_CONTRIBUTOR,
        DPS_DATA_READER,
        IOTHUB_DATA_CONTRIBUTOR,
        IOTHUB_DATA_READER,
        IOTHUB_REGISTRY_CONTRIBUTOR,
        IOTHUB_TWIN_CONTRIBUTOR,
    )
}
# Role id -> name [doc, same pages]: an assignment may name a built-in role by either.
BUILTIN_ROLE_IDS = {r.role_id: r.name for r in BUILTIN_ROLES.values()}

# Scopes a role can be assigned at: a subscription, a resource group, or a resource (a hub's ARM
# id; nested types such as a certificate too). Management groups are not emulated.
_SCOPE = re.compile(
    r"/subscriptions/[^/]+(/resourceGroups/[^/]+(/providers/[^/]+(/[^/]+/[^/]+)+)?)?",
    re.IGNORECASE,
)


def is_assignment_scope(scope: str) -> bool:
    """Whether ``scope`` is a subscription, resource group or resource id."""
    return _SCOPE.fullmatch(scope.rstrip("/")) is not None


@lru_cache(maxsize=1024)
def _action_pattern(granted: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in granted.split("*")), re.IGNORECASE)


def action_allowed(granted: str, action: str) -> bool:
    """Whether a role's action pattern covers ``action``.

    As in ARM, ``*`` stands for any run of characters, slashes included, and may appear more than
    once (``*/read`` is every read, ``Microsoft.Authorization/*/Write`` every write below that
    namespace) [doc] learn.microsoft.com/azure/role-based-access-control/role-definitions
    ("Actions"); case never matters: a role granting ``.../list/Action`` cures a denial of
    ``.../list/action`` [issue] elastic/cloudbeat#2031.
    """
    return _action_pattern(granted).fullmatch(action) is not None


def scope_covers(assignment_scope: str, scope: str) -> bool:
    """An assignment at a scope applies to it and everything below it."""
    parent = assignment_scope.rstrip("/").lower()
    child = scope.rstrip("/").lower()
    return child == parent or child.startswith(parent + "/")


def grants(
    assignments: Iterable[tuple[str, str]],
    roles: dict[str, RoleDefinition],
    action: str,
    scope: str,
    data: bool = False,
) -> bool:
    """Whether some (role name, assignment scope) pair grants ``action`` (a data action when
    ``data``) at ``scope``: ARM's effective permissions are the union of what each assignment
    covering the scope grants."""
    for role, assignment_scope in assignments:
        definition = roles.get(BUILTIN_ROLE_IDS.get(role.lower(), role).lower())
        if (
            definition is not None
            and scope_covers(assignment_scope, scope)
            and (definition.permits_data(action) if data else definition.permits(action))
        ):
            return True
    return False


@dataclass(frozen=True)
class Subscription:
    """A seeded subscription."""

    subscription_id: str
    tenant_id: str
    display_name: str


@dataclass(frozen=True)
class ResourceGroup:
    """A resource group, name in its stored case."""

    subscription_id: str
    name: str
    location: str
    tags: dict[str, str]


@dataclass(frozen=True)
class TrackedResource:
    """An IoT hub or a DPS instance: its stored document (sku, tags, properties) and etag."""

    subscription_id: str
    resource_group: str
    kind: str
    name: str
    location: str
    document: dict[str, Any]
    etag: str


class ArmBackend:
    """Reads and writes ARM-level state."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- subscriptions and RBAC --------------------------------------------------------------

    def subscription(self, subscription_id: str) -> Subscription | None:
        """A subscription by id (case-insensitive)."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT * FROM subscriptions WHERE subscription_id = ?", (subscription_id,)
            ).fetchone()
        return (
            Subscription(row["subscription_id"], row["tenant_id"], row["display_name"])
            if row
            else None
        )

    def subscriptions(self) -> list[Subscription]:
        """All subscriptions, in seed order."""
        with self.store.read() as conn:
            rows = conn.execute("SELECT * FROM subscriptions ORDER BY rowid").fetchall()
        return [Subscription(r["subscription_id"], r["tenant_id"], r["display_name"]) for r in rows]

    def role_assignments(self, object_id: str) -> list[tuple[str, str]]:
        """(role, scope) pairs of a principal."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT role, scope FROM role_assignments WHERE object_id = ?", (object_id,)
            ).fetchall()
        return [(r["role"], r["scope"]) for r in rows]

    def role_definitions(self) -> dict[str, RoleDefinition]:
        """Every role by lowercased name and by GUID: the built-in ones and the custom ones
        (seeded or created through the role API). An assignment names its role either way: the
        seed by name, the role API by GUID."""
        with self.store.read() as conn:
            rows = conn.execute("SELECT name, document FROM role_definitions").fetchall()
        roles = [RoleDefinition.from_json(r["name"], r["document"]) for r in rows]
        roles += BUILTIN_ROLES.values()
        by_name = {role.name.lower(): role for role in roles}
        by_id = {role.guid.lower(): role for role in roles}
        return {**by_id, **by_name}

    def is_authorized(self, principal: Principal, action: str, scope: str) -> bool:
        """Whether some role assignment of the principal grants ``action`` at ``scope``."""
        return grants(
            self.role_assignments(principal.object_id), self.role_definitions(), action, scope
        )

    def is_data_authorized(self, principal: Principal, data_action: str, scope: str) -> bool:
        """Whether some role assignment of the principal grants the data action at ``scope``
        (a data plane's check: the roles' ``actions`` do not count)."""
        return grants(
            self.role_assignments(principal.object_id),
            self.role_definitions(),
            data_action,
            scope,
            data=True,
        )

    def has_any_access(self, principal: Principal, subscription_id: str) -> bool:
        """Whether the principal holds any role at or below the subscription (for listing)."""
        prefix = f"/subscriptions/{subscription_id}"
        return any(
            scope_covers(prefix, scope) or scope_covers(scope, prefix)
            for _, scope in self.role_assignments(principal.object_id)
        )

    # -- resource groups ---------------------------------------------------------------------

    def resource_group(self, subscription_id: str, name: str) -> ResourceGroup | None:
        """A resource group, or None."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT * FROM resource_groups WHERE subscription_id = ? AND name = ?",
                (subscription_id, name),
            ).fetchone()
        return self._group(row) if row else None

    def resource_groups(self, subscription_id: str) -> list[ResourceGroup]:
        """All resource groups of a subscription."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM resource_groups WHERE subscription_id = ? ORDER BY rowid",
                (subscription_id,),
            ).fetchall()
        return [self._group(r) for r in rows]

    def put_resource_group(
        self, subscription_id: str, name: str, location: str, tags: dict[str, str]
    ) -> tuple[ResourceGroup, bool]:
        """Create or update; the location of an existing group never changes [doc: ARM]."""
        with self.store.write() as conn:
            row = conn.execute(
                "SELECT * FROM resource_groups WHERE subscription_id = ? AND name = ?",
                (subscription_id, name),
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO resource_groups(subscription_id, name, location, tags) "
                    "VALUES (?, ?, ?, ?)",
                    (subscription_id, name, location, json.dumps(tags)),
                )
                created = True
            else:
                conn.execute(
                    "UPDATE resource_groups SET tags = ? WHERE subscription_id = ? AND name = ?",
                    (json.dumps(tags), subscription_id, name),
                )
                created = False
            stored = conn.execute(
                "SELECT * FROM resource_groups WHERE subscription_id = ? AND name = ?",
                (subscription_id, name),
            ).fetchone()
        return self._group(stored), created

    @staticmethod
    def _group(row: sqlite3.Row) -> ResourceGroup:
        return ResourceGroup(
            row["subscription_id"], row["name"], row["location"], json.loads(row["tags"])
        )

    # -- tracked resources (IoT hubs, DPS instances) -----------------------------------------

    def resource(
        self, subscription_id: str, resource_group: str, kind: str, name: str
    ) -> TrackedResource | None:
        """One hub or DPS, or None."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT * FROM resources WHERE subscription_id = ? AND resource_group = ? AND "
                "kind = ? AND name = ?",
                (subscription_id, resource_group, kind, name),
            ).fetchone()
        return self._resource(row) if row else None

    def resources(
        self, subscription_id: str, kind: str, resource_group: str | None = None
    ) -> list[TrackedResource]:
        """Hubs or DPS instances of a subscription, optionally of one resource group."""
        sql = "SELECT * FROM resources WHERE subscription_id = ? AND kind = ?"
        args: tuple[str, ...] = (subscription_id, kind)
        if resource_group is not None:
            sql += " AND resource_group = ?"
            args += (resource_group,)
        with self.store.read() as conn:
            rows = conn.execute(sql + " ORDER BY rowid", args).fetchall()
        return [self._resource(r) for r in rows]

    def resource_named(self, kind: str, name: str) -> TrackedResource | None:
        """The hub or DPS of that name in any subscription: their data-plane host names carry
        the name alone, as Azure's names are globally unique (the first in seed order)."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT * FROM resources WHERE kind = ? AND name = ? ORDER BY rowid",
                (kind, name),
            ).fetchone()
        return self._resource(row) if row else None

    def put_resource(
        self,
        subscription_id: str,
        resource_group: str,
        kind: str,
        name: str,
        location: str,
        document: dict[str, Any],
        if_match: str | None = None,
    ) -> tuple[TrackedResource, bool]:
        """Create or replace a tracked resource; completes synchronously (Succeeded).

        Raises :class:`ValueError` on an If-Match that does not match (the caller maps it).
        """
        with self.store.write() as conn:
            key = (subscription_id, resource_group, kind, name)
            where = "subscription_id = ? AND resource_group = ? AND kind = ? AND name = ?"
            row = conn.execute(f"SELECT * FROM resources WHERE {where}", key).fetchone()
            if row is not None and if_match is not None and not etag_matches(row["etag"], if_match):
                raise ValueError("etag mismatch")
            etag = format_etag(self.store.next_rowversion(conn))
            if row is None:
                conn.execute(
                    "INSERT INTO resources(subscription_id, resource_group, kind, name, location, "
                    "document, etag) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (*key, location, json.dumps(document), etag),
                )
            else:
                conn.execute(
                    f"UPDATE resources SET document = ?, etag = ? WHERE {where}",
                    (json.dumps(document), etag, *key),
                )
            stored = conn.execute(f"SELECT * FROM resources WHERE {where}", key).fetchone()
        return self._resource(stored), row is None

    @staticmethod
    def _resource(row: sqlite3.Row) -> TrackedResource:
        return TrackedResource(
            row["subscription_id"],
            row["resource_group"],
            row["kind"],
            row["name"],
            row["location"],
            json.loads(row["document"]),
            row["etag"],
        )
