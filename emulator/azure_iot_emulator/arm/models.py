"""ARM's own state and rules: subscriptions, resource groups, tracked resources, RBAC. No HTTP."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from azure_iot_emulator.devices.models import etag_matches, format_etag
from azure_iot_emulator.identity.models import Principal
from azure_iot_emulator.store import Store

# Built-in roles and the actions they grant [doc: Azure built-in roles]. Contributor's notActions
# (Microsoft.Authorization/*/Write etc.) never matter here, so they are left out.
ROLE_ACTIONS: dict[str, tuple[str, ...]] = {
    "owner": ("*",),
    "contributor": ("*",),
    "reader": ("*/read",),
}


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


def action_allowed(granted: str, action: str) -> bool:
    """Whether a role's action pattern covers ``action`` (``*`` wildcards, case-insensitive)."""
    granted, action = granted.lower(), action.lower()
    if granted == "*":
        return True
    if granted.startswith("*"):
        return action.endswith(granted[1:])
    if granted.endswith("*"):
        return action.startswith(granted[:-1])
    return granted == action


def scope_covers(assignment_scope: str, scope: str) -> bool:
    """An assignment at a scope applies to it and everything below it."""
    parent = assignment_scope.rstrip("/").lower()
    child = scope.rstrip("/").lower()
    return child == parent or child.startswith(parent + "/")


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

    def is_authorized(self, principal: Principal, action: str, scope: str) -> bool:
        """Whether some role assignment of the principal grants ``action`` at ``scope``."""
        for role, assignment_scope in self.role_assignments(principal.object_id):
            if not scope_covers(assignment_scope, scope):
                continue
            if any(action_allowed(g, action) for g in ROLE_ACTIONS.get(role.lower(), ())):
                return True
        return False

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
