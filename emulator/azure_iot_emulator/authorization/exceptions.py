"""Errors of the role API (Microsoft.Authorization), in ARM's ``{"error": {"code", "message"}}``.

Sources per class; [guess] marks a status or a wording no public answer showed.
"""

from __future__ import annotations

from azure_iot_emulator.wire import ArmError


def _dashless(guid: str) -> str:
    """ARM prints a principal's or an assignment's GUID without dashes in these messages."""
    return guid.replace("-", "")


class RoleAssignmentExists(ArmError):
    """409: the principal already holds the role at that scope, under another assignment name.

    Code and first sentence [issue] Azure-Samples/azure-search-openai-demo#1091; the existing
    assignment's GUID printed without dashes as in deployment logs quoted in public
    repositories ("The ID of the existing role assignment is 2f9290b01a8244fea959b441c49c84cb.");
    status 409 [issue] Azure/azure-cli#8599 (the CLI's own idempotency rests on it:
    ``_error_caused_by_role_assignment_exists`` checks 409 and this code).
    """

    status = 409
    code = "RoleAssignmentExists"

    def __init__(self, existing_name: str) -> None:
        super().__init__(
            "The role assignment already exists. The ID of the existing role assignment is "
            f"{_dashless(existing_name)}."
        )


class RoleAssignmentUpdateNotPermitted(ArmError):
    """409 for a PUT on an existing assignment name with another role or principal. [guess]
    code, status and wording (Azure does not let an assignment change what it grants)."""

    status = 409
    code = "RoleAssignmentUpdateNotPermitted"

    def __init__(self) -> None:
        super().__init__(
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."
        )


class RoleAssignmentNotFound(ArmError):
    """404 for a GET of an assignment name that does not exist at the scope. [guess] wording."""

    status = 404
    code = "RoleAssignmentNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"The role assignment '{name}' is not found.")


class InvalidRoleAssignmentId(ArmError):
    """400 for an assignment name that is not a GUID ("It can be any valid GUID" [spec]
    RoleAssignmentNameParameter). [guess] code and wording."""

    status = 400
    code = "InvalidRoleAssignmentId"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."
        )


class PrincipalNotFound(ArmError):
    """400 for an assignment to an object id the directory does not hold, sent without
    ``principalType``. Status [issue] Azure/azure-sdk-for-net#1652; wording (GUIDs without
    dashes) [issue] Azure/avdaccelerator#99, Azure/HubAndSpokeResearchEnclave#50."""

    status = 400
    code = "PrincipalNotFound"

    def __init__(self, principal_id: str, tenant_id: str) -> None:
        super().__init__(
            f"Principal {_dashless(principal_id)} does not exist in the directory {tenant_id}. "
            "Check that you have the correct principal ID. If you are creating this principal "
            "and then immediately assigning a role, this error might be related to a replication "
            "delay. In this case, set the role assignment principalType property to a value, "
            "such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype"
        )


class UnmatchedPrincipalType(ArmError):
    """400 for a ``principalType`` other than the principal's. Wording as quoted in public
    deployment notes ("The PrincipalId '…' has type 'ServicePrincipal', which is different from
    specified PrincipalType 'User'."); status [guess]."""

    status = 400
    code = "UnmatchedPrincipalType"

    def __init__(self, principal_id: str, actual: str, given: str) -> None:
        super().__init__(
            f"The PrincipalId '{_dashless(principal_id)}' has type '{actual}', which is different "
            f"from specified PrincipalType '{given}'."
        )


class RoleDefinitionDoesNotExist(ArmError):
    """404 for a role definition GUID nobody defined. Code [issue] JulianHayward/AzAPICall#23;
    status and wording [guess]."""

    status = 404
    code = "RoleDefinitionDoesNotExist"

    def __init__(self, role_id: str) -> None:
        super().__init__(f"The specified role definition with ID '{role_id}' does not exist.")


class AssignedRoleDefinitionDoesNotExist(RoleDefinitionDoesNotExist):
    """400: an assignment names a role that does not exist, or is not assignable at its scope
    (outside the role's assignableScopes). [guess] status, and that both cases answer alike."""

    status = 400


class RoleDefinitionWithSameNameExists(ArmError):
    """409: a role name is unique in the directory, built-in roles included. Code, wording and
    409 (ARM's "Conflict") [issue] Azure/ARO-RP#1346, hashicorp/terraform-provider-azurerm#10728."""

    status = 409
    code = "RoleDefinitionWithSameNameExists"

    def __init__(self) -> None:
        super().__init__("A role definition cannot be updated with a name that already exists.")


class RoleDefinitionHasAssignments(ArmError):
    """409 for deleting a custom role some assignment still names. [guess] code, status and
    wording (Azure refuses it: an assignment must be removed first [doc]
    learn.microsoft.com/azure/role-based-access-control/custom-roles, "Delete a custom role")."""

    status = 409
    code = "RoleDefinitionHasAssignments"

    def __init__(self) -> None:
        super().__init__(
            "There are existing role assignments referencing role; delete them before the role."
        )


class InvalidRoleDefinition(ArmError):
    """400 for a role definition body the emulator cannot take: no name, not one permissions
    block, no action, an assignable scope that is no subscription, resource group or resource
    (custom roles cannot be assignable at "/" [issue] MicrosoftDocs/azure-docs#16389, the page's
    author), or a built-in role's GUID. [guess] code and wording."""

    status = 400
    code = "InvalidRoleDefinition"


class UnsupportedFilter(ArmError):
    """400 for a ``$filter`` the role API does not evaluate. [guess] code and wording: the
    emulator refuses it rather than answering unfiltered."""

    status = 400
    code = "UnsupportedQuery"

    def __init__(self, text: str, supported: str) -> None:
        super().__init__(f"The filter '{text}' is not supported. Supported: {supported}.")
