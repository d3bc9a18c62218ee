"""The role API's rules without HTTP: one table of assignments for the seed's and the API's, read
by ARM's and the data planes' checks at once; ARM's conflicts; the OData filters; and a state
dir written before the role API opening with the new columns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from azure_iot_emulator.arm.models import BUILTIN_ROLES, ArmBackend
from azure_iot_emulator.authorization.exceptions import (
    AssignedRoleDefinitionDoesNotExist,
    PrincipalNotFound,
    RoleAssignmentExists,
    RoleAssignmentUpdateNotPermitted,
    RoleDefinitionHasAssignments,
    RoleDefinitionWithSameNameExists,
    UnmatchedPrincipalType,
    UnsupportedFilter,
)
from azure_iot_emulator.authorization.filters import (
    AssignmentFilter,
    DefinitionFilter,
    assignment_filter,
    definition_filter,
)
from azure_iot_emulator.authorization.models import RoleBackend, RoleDefinitionInput
from azure_iot_emulator.graph.exceptions import UnsupportedQuery
from azure_iot_emulator.graph.filters import ServicePrincipalFilter, service_principal_filter
from azure_iot_emulator.identity.keys import load_or_create_signing_key
from azure_iot_emulator.identity.models import IdentityBackend, Principal
from azure_iot_emulator.seed import (
    DEFAULT_RESOURCE_GROUP,
    DEFAULT_SUBSCRIPTION,
    FEDERATED_CLIENT_ID,
    apply_seed,
    default_seed,
)
from azure_iot_emulator.store import Store

SUB = f"/subscriptions/{DEFAULT_SUBSCRIPTION}"
RG = f"{SUB}/resourceGroups/{DEFAULT_RESOURCE_GROUP}"
HUB = f"{RG}/providers/Microsoft.Devices/IotHubs/hub-pop-demo"
READ_CERTS = "Microsoft.Devices/IotHubs/certificates/read"
ROLE_ID = "5f1c0000-0000-4000-8000-00000000000a"
ASSIGNMENT = "5f1c0000-0000-4000-8000-0000000000b1"


@pytest.fixture
def backends(tmp_path: Path) -> tuple[RoleBackend, ArmBackend, list[Principal]]:
    """The backends on the default seed, and its four principals: Contributor on the
    subscription, Contributor on the other group, Reader on the subscription, federated."""
    store = Store(tmp_path / "state.sqlite3")
    apply_seed(store, default_seed())
    identity = IdentityBackend(store, load_or_create_signing_key(tmp_path))
    client_ids = [f"c0ffee00-0000-4000-8000-00000000000{n}" for n in (1, 2, 3)]
    principals = [identity.principal(c) for c in [*client_ids, FEDERATED_CLIENT_ID]]
    return (
        RoleBackend(store, ArmBackend(store), identity),
        ArmBackend(store),
        [p for p in principals if p is not None],
    )


def reader_role(name: str = "Hub certificate reader") -> RoleDefinitionInput:
    return RoleDefinitionInput(
        name, "", ("Microsoft.Devices/IotHubs/certificates/Read",), (), (), (), (SUB,)
    )


def test_an_assignment_grants_at_once_and_stops_granting_when_removed(backends) -> None:
    roles, arm, (caller, other_rg, _, _) = backends
    assert not arm.is_data_authorized(other_rg, "Microsoft.Devices/IotHubs/devices/read", HUB)
    data_reader = BUILTIN_ROLES["iot hub data reader"]
    roles.create_assignment(
        HUB, ASSIGNMENT, f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{data_reader.guid}", other_rg.object_id, None, caller,
    )  # fmt: skip
    assert arm.is_data_authorized(other_rg, "Microsoft.Devices/IotHubs/devices/read", HUB)
    roles.delete_assignment(HUB, ASSIGNMENT)
    assert not arm.is_data_authorized(other_rg, "Microsoft.Devices/IotHubs/devices/read", HUB)


def test_a_custom_role_made_through_the_api_is_checked_by_arm(backends) -> None:
    roles, arm, (owner, assignee, _, _) = backends
    role, created = roles.put_definition(ROLE_ID, reader_role(), owner)
    assert created and role.guid == ROLE_ID
    assert not arm.is_authorized(assignee, READ_CERTS, f"{HUB}/certificates")
    roles.create_assignment(HUB, ASSIGNMENT, ROLE_ID, assignee.object_id, "ServicePrincipal", owner)
    assert arm.is_authorized(assignee, READ_CERTS, f"{HUB}/certificates")
    assert not arm.is_authorized(assignee, READ_CERTS.replace("read", "write"), f"{HUB}/x")
    # A rename keeps the GUID, so the assignment keeps granting.
    renamed, created = roles.put_definition(ROLE_ID, reader_role("Renamed reader"), owner)
    assert not created and renamed.created_on == role.created_on
    assert arm.is_authorized(assignee, READ_CERTS, f"{HUB}/certificates")
    with pytest.raises(RoleDefinitionHasAssignments):
        roles.delete_definition(ROLE_ID)
    roles.delete_assignment(HUB, ASSIGNMENT)
    assert roles.delete_definition(ROLE_ID) is not None
    assert roles.definition(ROLE_ID) is None


def test_names_are_unique_in_the_directory(backends) -> None:
    roles, _, (owner, *_) = backends
    with pytest.raises(RoleDefinitionWithSameNameExists):
        roles.put_definition(ROLE_ID, reader_role("contributor"), owner)
    roles.put_definition(ROLE_ID, reader_role(), owner)
    with pytest.raises(RoleDefinitionWithSameNameExists):
        roles.put_definition(ROLE_ID.replace("a", "b"), reader_role(), owner)


def test_assignment_conflicts(backends) -> None:
    roles, _, (owner, other_rg, reader, _) = backends
    roles.put_definition(ROLE_ID, reader_role(), owner)
    first, created = roles.create_assignment(
        HUB, ASSIGNMENT, ROLE_ID, reader.object_id, None, owner
    )
    assert created
    # The same name and grant again: answered unchanged.
    assert roles.create_assignment(HUB, ASSIGNMENT, ROLE_ID, reader.object_id, None, owner) == (
        first,
        False,
    )
    other_name = ASSIGNMENT.replace("b1", "b2")
    with pytest.raises(RoleAssignmentExists, match=ASSIGNMENT.replace("-", "")):
        roles.create_assignment(HUB, other_name, ROLE_ID, reader.object_id, None, owner)
    with pytest.raises(RoleAssignmentUpdateNotPermitted):
        roles.create_assignment(HUB, ASSIGNMENT, ROLE_ID, other_rg.object_id, None, owner)
    with pytest.raises(PrincipalNotFound):
        roles.create_assignment(HUB, other_name, ROLE_ID, ROLE_ID, None, owner)
    with pytest.raises(UnmatchedPrincipalType):
        roles.create_assignment(HUB, other_name, ROLE_ID, other_rg.object_id, "User", owner)
    # A custom role is not available outside its assignable scopes.
    elsewhere = HUB.replace(DEFAULT_SUBSCRIPTION, "00000000-0000-0000-0000-0000000000ff")
    with pytest.raises(AssignedRoleDefinitionDoesNotExist):
        roles.create_assignment(elsewhere, other_name, ROLE_ID, reader.object_id, None, owner)


def test_lists_follow_the_filters(backends) -> None:
    roles, _, (contributor, _, reader, federated) = backends
    roles.put_definition(ROLE_ID, reader_role(), contributor)
    roles.create_assignment(HUB, ASSIGNMENT, ROLE_ID, reader.object_id, None, contributor)
    # At or above the hub: the seed's on the subscription, and the API's at the hub.
    at_hub = roles.assignments_at(HUB, AssignmentFilter(at_scope=True))
    assert {(a.principal_id, a.role.name) for a in at_hub} == {
        (contributor.object_id, "Contributor"),
        (reader.object_id, "Reader"),
        (federated.object_id, "Contributor"),
        (reader.object_id, "Hub certificate reader"),
    }
    at_sub = roles.assignments_at(SUB, AssignmentFilter(at_scope=True))
    assert {a.scope for a in at_sub} == {SUB}
    below_too = roles.assignments_at(SUB, AssignmentFilter(principal_id=reader.object_id))
    assert {a.scope for a in below_too} == {SUB, HUB}
    seeded = next(a for a in at_sub if a.principal_id == reader.object_id)
    assert seeded.principal_type == "ServicePrincipal" and len(seeded.name) == 36
    assert roles.assignment(SUB, seeded.name) == seeded
    found = roles.definitions_at(HUB, DefinitionFilter("hub CERTIFICATE reader"))
    assert [r.name for r in found] == ["Hub certificate reader"]
    assert all(
        r.is_builtin for r in roles.definitions_at(HUB, DefinitionFilter(None, "BuiltInRole"))
    )
    other_sub = SUB.replace("a2e0", "ffff")
    assert roles.definitions_at(other_sub, DefinitionFilter(None, "CustomRole")) == []


@pytest.mark.parametrize(
    "text,parsed",
    [
        (None, AssignmentFilter()),
        ("atScope()", AssignmentFilter(at_scope=True)),
        ("atScope() and assignedTo('AB-1')", AssignmentFilter(True, "ab-1")),
        ("principalId eq 'ab-1'", AssignmentFilter(False, "ab-1")),
        ("principalId eq ab-1", AssignmentFilter(False, "ab-1")),
    ],
)
def test_assignment_filters(text: str | None, parsed: AssignmentFilter) -> None:
    assert assignment_filter(text) == parsed


def test_definition_filters() -> None:
    assert definition_filter("roleName eq 'It''s mine'") == DefinitionFilter("It's mine")
    assert definition_filter("roleName eq 'a' and type eq 'CustomRole'") == DefinitionFilter(
        "a", "CustomRole"
    )
    for text in ("roleName eq a", "atScopeAndBelow()", "roleName eq 'a' or type eq 'b'"):
        with pytest.raises(UnsupportedFilter):
            definition_filter(text)
    with pytest.raises(UnsupportedFilter):
        assignment_filter("principalId eq 'a' and assignedTo('b')")


def test_graph_filters() -> None:
    assert service_principal_filter("servicePrincipalNames/any(c:c eq 'x')") == (
        ServicePrincipalFilter("servicePrincipalNames", "x")
    )
    assert service_principal_filter("appId eq 'x'") == ServicePrincipalFilter("appId", "x")
    with pytest.raises(UnsupportedQuery):
        service_principal_filter("startswith(displayName, 'x')")


def test_a_state_dir_from_before_the_role_api_opens(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE role_assignments (object_id TEXT NOT NULL, role TEXT NOT NULL, "
            "scope TEXT NOT NULL, PRIMARY KEY (object_id, role, scope))"
        )
        old.execute("INSERT INTO role_assignments VALUES ('someone', 'Reader', ?)", (SUB,))
    old.close()
    store = Store(path)
    try:
        apply_seed(store, default_seed())
        with store.read() as conn:
            columns = [row["name"] for row in conn.execute("PRAGMA table_info(role_assignments)")]
            kept = conn.execute(
                "SELECT name FROM role_assignments WHERE object_id = 'someone'"
            ).fetchone()
        assert columns[3:] == ["name", "principal_type", "created_on", "created_by"]
        assert kept["name"] is None
    finally:
        store.close()
