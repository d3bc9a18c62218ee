"""ARM's role logic without HTTP: action patterns, notActions, scopes, the role_definitions seed
and its persistence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from azure_iot_emulator.arm.models import (
    BUILTIN_ROLES,
    CONTRIBUTOR,
    OWNER,
    READER,
    ArmBackend,
    RoleDefinition,
    action_allowed,
    grants,
    is_assignment_scope,
)
from azure_iot_emulator.identity.models import Principal
from azure_iot_emulator.seed import (
    DEFAULT_RESOURCE_GROUP,
    DEFAULT_SUBSCRIPTION,
    SeedError,
    apply_seed,
    default_seed,
    default_seed_document,
    parse_seed,
)
from azure_iot_emulator.store import Store

SUB = f"/subscriptions/{DEFAULT_SUBSCRIPTION}"
RG = f"{SUB}/resourceGroups/{DEFAULT_RESOURCE_GROUP}"
HUB = f"{RG}/providers/Microsoft.Devices/IotHubs/hub-pop-demo"
DPS = f"{RG}/providers/Microsoft.Devices/provisioningServices/dps-pop-demo"
HUB_CERT = "Microsoft.Devices/IotHubs/certificates"
DPS_CERT = "Microsoft.Devices/provisioningServices/certificates"


@pytest.mark.parametrize(
    ("granted", "action", "allowed"),
    [
        ("*", f"{HUB_CERT}/verify/action", True),
        ("*/read", f"{HUB_CERT}/read", True),
        ("*/read", f"{HUB_CERT}/verify/action", False),
        # Case never matters: Microsoft's list spells the verbs Read and Action, ARM's answers
        # read and action.
        (f"{HUB_CERT}/verify/Action", f"{HUB_CERT}/verify/action", True),
        ("microsoft.devices/iothubs/certificates/READ", f"{HUB_CERT}/read", True),
        # A wildcard in the middle spans segments; several wildcards in one pattern.
        ("Microsoft.Devices/*/certificates/read", f"{DPS_CERT}/read", True),
        ("Microsoft.Devices/*/certificates/*", f"{HUB_CERT}/generateVerificationCode/action", True),
        ("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write", True),
        ("Microsoft.Devices/*", f"{DPS_CERT}/delete", True),
        # Whole-string match: no prefix, no suffix, and the dots are literal.
        ("Microsoft.Devices/IotHubs/read", f"{HUB_CERT}/read", False),
        (f"{HUB_CERT}/read", f"{HUB_CERT}/readx", False),
        (
            "Microsoft.Devices/IotHubs/certificates/write",
            "MicrosoftXDevices/IotHubs/certificates/write",
            False,
        ),
        (
            "Microsoft.Devices/iotHubs/routing/$testall/Action",
            "Microsoft.Devices/iotHubs/routing/$testall/action",
            True,
        ),
    ],
)
def test_action_patterns(granted: str, action: str, allowed: bool) -> None:
    assert action_allowed(granted, action) is allowed


def test_builtin_roles_as_microsoft_defines_them() -> None:
    assert set(BUILTIN_ROLES) == {
        "owner",
        "contributor",
        "reader",
        "device provisioning service data contributor",
        "device provisioning service data reader",
        "iot hub data contributor",
        "iot hub data reader",
        "iot hub registry contributor",
        "iot hub twin contributor",
    }
    assert OWNER.permits("Microsoft.Authorization/roleAssignments/write")
    for action in ("read", "write", "delete", "generateVerificationCode/action", "verify/action"):
        assert CONTRIBUTOR.permits(f"{HUB_CERT}/{action}")
        assert CONTRIBUTOR.permits(f"{DPS_CERT}/{action}")
        assert READER.permits(f"{HUB_CERT}/{action}") is (action == "read")
    # Contributor's notActions: it may read role assignments, never write or delete them.
    assert CONTRIBUTOR.permits("Microsoft.Authorization/roleAssignments/read")
    assert not CONTRIBUTOR.permits("Microsoft.Authorization/roleAssignments/write")
    assert not CONTRIBUTOR.permits("Microsoft.Authorization/roleDefinitions/delete")
    assert not CONTRIBUTOR.permits("Microsoft.Authorization/elevateAccess/Action")
    assert not CONTRIBUTOR.permits("Microsoft.Subscription/cancel/action")
    assert len(CONTRIBUTOR.not_actions) == 11


def test_not_actions_subtract_within_a_role_and_never_deny_another() -> None:
    no_verify = RoleDefinition(
        "no verify", (f"{HUB_CERT}/*",), ("*/verify/action",), assignable_scopes=(SUB,)
    )
    assert no_verify.permits(f"{HUB_CERT}/Write")
    assert not no_verify.permits(f"{HUB_CERT}/verify/Action")
    roles = {"no verify": no_verify, **BUILTIN_ROLES}
    verify = f"{HUB_CERT}/verify/action"
    assert not grants([("no verify", HUB)], roles, verify, f"{HUB}/certificates/ca")
    # A second assignment that grants the action wins: effective rights are a union.
    assert grants([("no verify", HUB), ("Owner", RG)], roles, verify, f"{HUB}/certificates/ca")
    assert not grants([("Unknown role", SUB)], roles, verify, f"{HUB}/certificates/ca")


@pytest.mark.parametrize(
    ("assigned_at", "scope", "covered"),
    [
        (SUB, f"{HUB}/certificates/ca", True),
        (RG, f"{DPS}/certificates/ca", True),
        (HUB, f"{HUB}/certificates", True),  # the list's scope is the collection
        (HUB, f"{HUB}/certificates/ca", True),
        (HUB.upper(), f"{HUB}/certificates/ca", True),  # ids compare case-insensitively
        (HUB, HUB.replace("hub-pop-demo", "hub-pop-demo-2") + "/certificates/ca", False),
        (HUB, f"{RG}/providers/Microsoft.Devices/IotHubs/hub-pop-demo2/certificates", False),
        (HUB, f"{DPS}/certificates/ca", False),
        (f"{SUB}/resourceGroups/rg-pop-other", f"{HUB}/certificates/ca", False),
    ],
)
def test_an_assignment_covers_its_scope_and_everything_below(
    assigned_at: str, scope: str, covered: bool
) -> None:
    roles = dict(BUILTIN_ROLES)
    assert grants([("Contributor", assigned_at)], roles, f"{HUB_CERT}/write", scope) is covered


@pytest.mark.parametrize(
    ("scope", "valid"),
    [
        (SUB, True),
        (RG, True),
        (HUB, True),
        (f"{HUB}/certificates/ca", True),
        (f"{SUB}/", True),
        ("/", False),
        ("/subscriptions", False),
        (f"{SUB}/resourceGroups", False),
        (f"{RG}/providers/Microsoft.Devices", False),
        (f"{RG}/providers/Microsoft.Devices/IotHubs", False),
        ("/providers/Microsoft.Management/managementGroups/mg", False),
    ],
)
def test_assignment_scopes(scope: str, valid: bool) -> None:
    assert is_assignment_scope(scope) is valid


def az_role(**changes: Any) -> dict[str, Any]:
    """A role in `az role definition create` form (PascalCase keys)."""
    role: dict[str, Any] = {
        "Name": "Certificate verifier",
        "IsCustom": True,
        "Description": "certificates only",
        "Actions": [f"{HUB_CERT}/Read", f"{HUB_CERT}/verify/Action"],
        "NotActions": [],
        "DataActions": [],
        "NotDataActions": [],
        "AssignableScopes": [SUB],
    }
    role.update(changes)
    return role


def seed_with(roles: list[dict[str, Any]], assignments: list[dict[str, str]]) -> dict[str, Any]:
    document = default_seed_document()
    document["role_definitions"] = roles
    document["service_principals"].append(
        {
            "tenant_id": document["tenants"][0]["tenant_id"],
            "client_id": "c0ffee00-0000-4000-8000-0000000000aa",
            "client_secret": "unit-test-secret",
            "object_id": "0b1ec700-0000-4000-8000-0000000000aa",
            "role_assignments": assignments,
        }
    )
    return document


def test_an_az_role_definition_document_seeds_as_it_is() -> None:
    seed = parse_seed(seed_with([az_role()], [{"role": "certificate VERIFIER", "scope": HUB}]))
    (role,) = seed.role_definitions
    assert role == RoleDefinition(
        "Certificate verifier",
        (f"{HUB_CERT}/Read", f"{HUB_CERT}/verify/Action"),
        (),
        (SUB,),
        "certificates only",
    )
    assert seed.principals[-1].role_assignments == [("Certificate verifier", HUB)]
    # The REST form's keys work too, and a role without assignableScopes goes anywhere.
    rest = {"roleName": "rest form", "actions": ["*/read"], "notActions": ["*/secrets/read"]}
    (parsed,) = parse_seed(seed_with([rest], [])).role_definitions
    assert parsed.not_actions == ("*/secrets/read",)
    assert parsed.assignable_scopes == ("/",)


@pytest.mark.parametrize(
    ("roles", "assignments", "complaint"),
    [
        ([az_role(Actionz=["*"])], [], "unknown keys ['Actionz']"),
        ([{**az_role(), "name": "twice"}], [], "given twice"),
        ([az_role(Name="Contributor")], [], "built in or defined twice"),
        ([az_role(), az_role(Name="CERTIFICATE VERIFIER")], [], "built in or defined twice"),
        ([az_role(Actions=[])], [], "at least one action"),
        ([az_role(Actions="*")], [], "list of non-empty strings"),
        ([az_role(NotActions=[""])], [], "list of non-empty strings"),
        ([az_role(AssignableScopes=["/subscriptions"])], [], "assignable scope"),
        ([az_role(IsCustom="yes")], [], "isCustom"),
        ([], [{"role": "Janitor", "scope": SUB}], "role 'Janitor' is not defined"),
        ([az_role()], [{"role": "Certificate verifier", "scope": "/"}], "is not a subscription"),
        ([az_role()], [{"role": "Reader", "scope": f"{RG}/providers/x"}], "is not a subscription"),
        (
            [az_role(AssignableScopes=[HUB])],
            [{"role": "Certificate verifier", "scope": RG}],
            "outside its assignableScopes",
        ),
    ],
)
def test_bad_role_definitions_and_assignments(
    roles: list[dict[str, Any]], assignments: list[dict[str, str]], complaint: str
) -> None:
    with pytest.raises(SeedError) as error:
        parse_seed(seed_with(roles, assignments))
    assert complaint in str(error.value)


def test_a_client_id_seeded_twice_is_refused() -> None:
    """Else the store keeps the first principal and the second's roles land on it unseen."""
    document = seed_with([], [{"role": "Owner", "scope": SUB}])
    document["service_principals"][-1]["client_id"] = document["service_principals"][0][
        "client_id"
    ].upper()
    with pytest.raises(SeedError, match="used by an earlier principal"):
        parse_seed(document)


def test_custom_roles_are_stored_and_kept_across_restarts(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.sqlite3")
    apply_seed(
        store, parse_seed(seed_with([az_role()], [{"role": "Certificate verifier", "scope": HUB}]))
    )
    arm = ArmBackend(store)
    principal = Principal(
        "t", "c0ffee00-0000-4000-8000-0000000000aa", "0b1ec700-0000-4000-8000-0000000000aa", "p"
    )
    cert = f"{HUB}/certificates/ca"
    assert arm.is_authorized(principal, f"{HUB_CERT}/verify/action", cert)
    assert arm.is_authorized(principal, f"{HUB_CERT}/read", f"{HUB}/certificates")
    assert not arm.is_authorized(principal, f"{HUB_CERT}/write", cert)
    assert not arm.is_authorized(
        principal, f"{HUB_CERT}/read", cert.replace("hub-pop-demo", "hub-pop-demo-2")
    )
    # A restart with the default seed (no role_definitions) keeps the stored role and assignment.
    apply_seed(store, default_seed())
    assert arm.role_definitions()["certificate verifier"].actions == tuple(az_role()["Actions"])
    assert arm.is_authorized(principal, f"{HUB_CERT}/verify/action", cert)
    store.close()
