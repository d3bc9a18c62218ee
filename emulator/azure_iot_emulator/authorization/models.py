"""Role definitions and role assignments as Microsoft.Authorization keeps them. No HTTP.

The tables are the ones ARM's checks read (store.py ``role_definitions``, ``role_assignments``;
arm/models.py ``ArmBackend.is_authorized`` / ``is_data_authorized``), seeded rows and API rows
alike: an assignment made here grants on the next request, on ARM and on the data planes.

Built-in roles stay code (arm/models.py ``BUILTIN_ROLES``), listed with their real GUIDs; a role
is identified in ARM ids as ``/subscriptions/<sub>/providers/Microsoft.Authorization/
roleDefinitions/<guid>``, the subscription being the scope's, as ARM answers a list at a
subscription scope for built-in and custom roles alike [rec] azure-cli
test_custom_role_definition_scenario.yaml; [issue] ansible-collections/azure#1137.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from azure_iot_emulator.arm.models import (
    BUILTIN_ROLES,
    ArmBackend,
    RoleDefinition,
    is_assignment_scope,
    scope_covers,
)
from azure_iot_emulator.authorization.exceptions import (
    AssignedRoleDefinitionDoesNotExist,
    InvalidRoleAssignmentId,
    InvalidRoleDefinition,
    PrincipalNotFound,
    RoleAssignmentExists,
    RoleAssignmentUpdateNotPermitted,
    RoleDefinitionHasAssignments,
    RoleDefinitionWithSameNameExists,
    UnmatchedPrincipalType,
)
from azure_iot_emulator.authorization.filters import AssignmentFilter, DefinitionFilter
from azure_iot_emulator.identity.models import IdentityBackend, Principal
from azure_iot_emulator.store import Store
from azure_iot_emulator.wire import utcnow

BUILTIN_TYPE = "BuiltInRole"
CUSTOM_TYPE = "CustomRole"
# Every principal the emulator knows is an application's service principal.
SERVICE_PRINCIPAL = "ServicePrincipal"
_ROLE_ID = re.compile(
    r"(?:/subscriptions/[^/]+)?/providers/Microsoft\.Authorization/roleDefinitions/([^/]+)",
    re.IGNORECASE,
)


def is_guid(text: str) -> bool:
    """Whether ``text`` is a GUID (any case, with dashes)."""
    try:
        return str(uuid.UUID(text)) == text.lower() and len(text) == 36
    except ValueError:
        return False


def subscription_of(scope: str) -> str:
    """The subscription id of a scope (``/subscriptions/<id>/...``)."""
    return scope.strip("/").split("/")[1]


def definition_id(subscription_id: str, role: RoleDefinition) -> str:
    """A role's ARM id as answered at a scope of ``subscription_id``."""
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{role.guid}"
    )


def _iso(moment: datetime) -> str:
    """ARM's timestamps: ISO 8601 in UTC with 7 fractional digits and ``Z`` [rec]."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


@dataclass(frozen=True)
class RoleDefinitionInput:
    """What a PUT of a role definition asks for (the body's ``properties``)."""

    role_name: str
    description: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    data_actions: tuple[str, ...]
    not_data_actions: tuple[str, ...]
    assignable_scopes: tuple[str, ...]


@dataclass(frozen=True)
class RoleAssignment:
    """An assignment: ``principal_id`` holds ``role`` at ``scope`` (and below).

    A seeded assignment has no name, type or creation of its own: its name is derived from what
    it grants (stable across restarts) [guess], its type is the principal's, its times null.
    """

    name: str
    scope: str
    role: RoleDefinition
    principal_id: str
    principal_type: str
    created_on: str | None
    created_by: str | None


class RoleBackend:
    """Reads and writes role definitions and assignments; the checks are ARM's."""

    def __init__(
        self,
        store: Store,
        arm: ArmBackend,
        identity: IdentityBackend,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.arm = arm
        self.identity = identity
        self.clock = clock

    # -- role definitions --------------------------------------------------------------------

    def _roles(self) -> list[RoleDefinition]:
        """Every role once: the custom ones (stored), then the built-in ones."""
        custom = {
            role.guid.lower(): role
            for role in self.arm.role_definitions().values()
            if not role.is_builtin
        }
        return [*custom.values(), *BUILTIN_ROLES.values()]

    def definition(self, role_id: str) -> RoleDefinition | None:
        """A role by GUID, built-in or custom."""
        return next((r for r in self._roles() if r.guid.lower() == role_id.lower()), None)

    def definitions_at(self, scope: str, wanted: DefinitionFilter) -> list[RoleDefinition]:
        """The roles available at ``scope``: built-in ones, and custom ones with an assignable
        scope at or above it ("applicable at scope and above" [spec] RoleDefinitions_List).
        ``roleName`` compares ignoring case [guess]."""
        result = []
        for role in self._roles():
            if not role.assignable_at(scope):
                continue
            if wanted.role_name is not None and role.name.lower() != wanted.role_name.lower():
                continue
            kind = BUILTIN_TYPE if role.is_builtin else CUSTOM_TYPE
            if wanted.role_type is not None and kind.lower() != wanted.role_type.lower():
                continue
            result.append(role)
        return result

    def put_definition(
        self, role_id: str, wanted: RoleDefinitionInput, caller: Principal
    ) -> tuple[RoleDefinition, bool]:
        """Create or update the custom role ``role_id``; (the role, whether it is new).

        The name is unique in the directory, built-in names included [issue] Azure/ARO-RP#1346.
        """
        self._check_definition(role_id, wanted)
        now = _iso(self.clock())
        with self.store.write() as conn:
            stored = self._stored_roles(conn)
            existing = stored.get(role_id.lower())
            clash = [
                r
                for r in [*stored.values(), *BUILTIN_ROLES.values()]
                if r.name.lower() == wanted.role_name.lower() and r.guid.lower() != role_id.lower()
            ]
            if clash:
                raise RoleDefinitionWithSameNameExists()
            role = RoleDefinition(
                wanted.role_name,
                wanted.actions,
                wanted.not_actions,
                wanted.assignable_scopes,
                wanted.description,
                wanted.data_actions,
                wanted.not_data_actions,
                role_id.lower(),
                existing.created_on if existing else now,
                now,
                existing.created_by if existing else caller.object_id,
                caller.object_id,
            )
            if existing is not None:
                conn.execute("DELETE FROM role_definitions WHERE name = ?", (existing.name,))
                # The seed's assignments name their role: a rename keeps them by the GUID.
                conn.execute(
                    "UPDATE OR IGNORE role_assignments SET role = ? WHERE role = ?",
                    (role.guid, existing.name),
                )
            conn.execute("INSERT INTO role_definitions VALUES (?, ?)", (role.name, role.to_json()))
        return role, existing is None

    def _check_definition(self, role_id: str, wanted: RoleDefinitionInput) -> None:
        if not is_guid(role_id):
            raise InvalidRoleDefinition(f"The role definition ID '{role_id}' is not a GUID.")
        if any(role_id.lower() == r.guid for r in BUILTIN_ROLES.values()):
            raise InvalidRoleDefinition(f"The role definition '{role_id}' is a built-in role.")
        if not wanted.role_name.strip():
            raise InvalidRoleDefinition("The role definition needs a roleName.")
        if not wanted.actions and not wanted.data_actions:
            raise InvalidRoleDefinition("The role definition grants no action nor data action.")
        if not wanted.assignable_scopes:
            raise InvalidRoleDefinition("The role definition needs assignableScopes.")
        for scope in wanted.assignable_scopes:
            if not is_assignment_scope(scope):
                raise InvalidRoleDefinition(
                    f"The assignable scope '{scope}' is not a subscription, resource group or "
                    "resource id."
                )

    def delete_definition(self, role_id: str) -> RoleDefinition | None:
        """Delete a custom role no assignment names; the deleted role, or None if none."""
        with self.store.write() as conn:
            role = self._stored_roles(conn).get(role_id.lower())
            if role is None:
                return None
            named = {role.name.lower(), role.guid.lower()}
            for row in conn.execute("SELECT role FROM role_assignments"):
                if str(row["role"]).lower() in named:
                    raise RoleDefinitionHasAssignments()
            conn.execute("DELETE FROM role_definitions WHERE name = ?", (role.name,))
        return role

    @staticmethod
    def _stored_roles(conn: sqlite3.Connection) -> dict[str, RoleDefinition]:
        rows = conn.execute("SELECT name, document FROM role_definitions").fetchall()
        roles = (RoleDefinition.from_json(r["name"], r["document"]) for r in rows)
        return {role.guid.lower(): role for role in roles}

    # -- role assignments --------------------------------------------------------------------

    def _assignments(
        self,
        conn: sqlite3.Connection | None = None,
        roles: dict[str, RoleDefinition] | None = None,
    ) -> list[RoleAssignment]:
        """Every assignment whose role still exists; read in ``conn``'s transaction if given
        (then with ``roles`` read before it: a read inside it would open a second transaction on
        this thread's connection)."""
        roles = roles if roles is not None else self.arm.role_definitions()
        if conn is None:
            with self.store.read() as reading:
                rows = reading.execute("SELECT * FROM role_assignments ORDER BY rowid").fetchall()
        else:
            rows = conn.execute("SELECT * FROM role_assignments ORDER BY rowid").fetchall()
        result = []
        for row in rows:
            role = roles.get(str(row["role"]).lower())
            if role is None:
                continue
            name = row["name"] or str(
                uuid.uuid5(
                    uuid.NAMESPACE_URL,
                    f"assignment:{row['object_id']}|{row['role']}|{row['scope']}".lower(),
                )
            )
            result.append(
                RoleAssignment(
                    name,
                    row["scope"],
                    role,
                    row["object_id"],
                    row["principal_type"] or SERVICE_PRINCIPAL,
                    row["created_on"],
                    row["created_by"],
                )
            )
        return result

    def assignments_at(self, scope: str, wanted: AssignmentFilter) -> list[RoleAssignment]:
        """The assignments that apply at ``scope`` (at or above it), and with no ``atScope()``
        those below it too [spec] RoleAssignmentFilterParameter; the principal's only when the
        filter names one."""
        result = []
        for assignment in self._assignments():
            above = scope_covers(assignment.scope, scope)
            below = scope_covers(scope, assignment.scope)
            if not (above or (below and not wanted.at_scope)):
                continue
            if wanted.principal_id and assignment.principal_id.lower() != wanted.principal_id:
                continue
            result.append(assignment)
        return result

    def assignment(self, scope: str, name: str) -> RoleAssignment | None:
        """The assignment ``name`` made at exactly ``scope``."""
        return next(
            (
                a
                for a in self._assignments()
                if a.name.lower() == name.lower() and a.scope.lower() == scope.lower()
            ),
            None,
        )

    def create_assignment(
        self,
        scope: str,
        name: str,
        role_definition_id: str,
        principal_id: str,
        principal_type: str | None,
        caller: Principal,
    ) -> tuple[RoleAssignment, bool]:
        """Assign a role; (the assignment, whether it is new).

        The same principal, role and scope under another name is refused (409
        RoleAssignmentExists); the same name again with the same grant answers it unchanged.
        A principal the directory does not hold is refused unless ``principal_type`` is given,
        which makes ARM skip the lookup [doc] https://aka.ms/docs-principaltype.
        """
        if not is_guid(name):
            raise InvalidRoleAssignmentId(name)
        found = _ROLE_ID.fullmatch(role_definition_id.strip())
        role_id = found.group(1) if found else role_definition_id
        role = self.definition(role_id)
        if role is None or not role.assignable_at(scope):
            raise AssignedRoleDefinitionDoesNotExist(role_id)
        subscription = self.arm.subscription(subscription_of(scope))
        tenant = subscription.tenant_id if subscription else ""
        principal = self.identity.principal_by_object_id(principal_id)
        if principal is not None and principal.tenant_id.lower() != tenant.lower():
            principal = None
        if principal is None and principal_type is None:
            raise PrincipalNotFound(principal_id, tenant)
        if principal is not None and principal_type not in (None, SERVICE_PRINCIPAL):
            raise UnmatchedPrincipalType(principal_id, SERVICE_PRINCIPAL, str(principal_type))
        created = RoleAssignment(
            name.lower(),
            scope,
            role,
            principal_id.lower(),
            principal_type or SERVICE_PRINCIPAL,
            _iso(self.clock()),
            caller.object_id,
        )
        roles = self.arm.role_definitions()
        with self.store.write() as conn:
            for existing in self._assignments(conn, roles):
                same_grant = (
                    existing.principal_id.lower() == created.principal_id
                    and existing.role.guid == role.guid
                )
                if existing.scope.lower() != scope.lower():
                    continue
                if existing.name.lower() == created.name:
                    if not same_grant:
                        raise RoleAssignmentUpdateNotPermitted()
                    return existing, False
                if same_grant:
                    raise RoleAssignmentExists(existing.name)
            conn.execute(
                "INSERT INTO role_assignments(object_id, role, scope, name, principal_type, "
                "created_on, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    created.principal_id,
                    role.guid,
                    scope,
                    created.name,
                    created.principal_type,
                    created.created_on,
                    created.created_by,
                ),
            )
        return created, True

    def delete_assignment(self, scope: str, name: str) -> RoleAssignment | None:
        """Remove an assignment (a seeded one comes back at the next start, as the seed's
        assignments are added at every start); the removed one, or None."""
        found = self.assignment(scope, name)
        if found is None:
            return None
        with self.store.write() as conn:
            conn.execute(
                "DELETE FROM role_assignments WHERE object_id = ? AND scope = ? AND "
                "(name = ? OR (name IS NULL AND (role = ? OR role = ?)))",
                (found.principal_id, found.scope, found.name, found.role.name, found.role.guid),
            )
        return found
