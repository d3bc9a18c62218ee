"""The seed: what exists when the emulator starts (schema documented in README.md).

Entities (tenants, custom role definitions, principals, their federated credentials, role
assignments, subscriptions, resource groups, hubs, DPS) are written only where missing, so a
restart on the same state dir keeps every change made through the API. Faults, limits, ARM's
throttle, external OIDC issuers and the GitHub Actions stand-in's settings are runtime settings,
taken from the seed on every start.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure_iot_emulator.arm.models import BUILTIN_ROLES, RoleDefinition, is_assignment_scope
from azure_iot_emulator.certcodec import CertificateDecodeError, decode_certificate
from azure_iot_emulator.devices.models import (
    DeviceRegistryLink,
    ParentRef,
    format_etag,
    seed_device_registry_certificate,
)
from azure_iot_emulator.dps.models import dps_document
from azure_iot_emulator.github_oidc.models import (
    DEFAULT_REQUEST_TOKEN,
    DEFAULT_SUBJECT,
    GITHUB_ISSUER,
)
from azure_iot_emulator.identity.federation import (
    TOKEN_EXCHANGE_AUDIENCE,
    FederatedCredential,
    TrustedIssuer,
    trusted_issuer,
)
from azure_iot_emulator.iothub.models import check_certificate_name, check_hub_name, hub_document
from azure_iot_emulator.ratelimit import ThrottleConfigError, ThrottleLimits
from azure_iot_emulator.store import Store
from azure_iot_emulator.wire import ArmError, utcnow

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-00000000a2e0"
DEFAULT_TENANT = "7e1a0000-0000-4000-8000-0000000a2e01"
DEFAULT_RESOURCE_GROUP = "rg-pop-demo"
OTHER_RESOURCE_GROUP = "rg-pop-other"
DEFAULT_KEY_VAULT = "kv-pop-demo"
FEDERATED_CLIENT_ID = "c0ffee00-0000-4000-8000-000000000004"


class SeedError(ValueError):
    """The seed file does not follow the schema."""


@dataclass(frozen=True)
class SeedHubCertificate:
    """A CA certificate that Azure Device Registry synced onto a hub (README "Seed file
    schema"): what a hub linked to an ADR namespace lists besides the CAs users upload."""

    hub: str
    name: str
    certificate_pem: str
    link: DeviceRegistryLink


@dataclass(frozen=True)
class SeedResourceGroup:
    """A resource group and the hubs / DPS instances in it."""

    name: str
    location: str
    tags: dict[str, str]
    iot_hubs: list[tuple[str, str]]  # (name, sku)
    dps: list[tuple[str, str]]
    hub_certificates: list[SeedHubCertificate] = field(default_factory=list)


@dataclass(frozen=True)
class SeedSubscription:
    """A subscription of a tenant."""

    subscription_id: str
    tenant_id: str
    display_name: str
    resource_groups: list[SeedResourceGroup]


@dataclass(frozen=True)
class SeedPrincipal:
    """A service principal, its role assignments (role, scope) and federated credentials.

    ``client_secret`` is None for a principal that signs in only with federated assertions.
    """

    tenant_id: str
    client_id: str
    client_secret: str | None
    object_id: str
    display_name: str
    role_assignments: list[tuple[str, str]]
    federated_credentials: list[FederatedCredential] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """Service limits: IoT Hub CA cap [guess 25], DPS CA cap [doc 25], token lifetime."""

    iothub_max_certificates: int = 25
    dps_max_certificates: int = 25
    token_lifetime_s: int = 3599


@dataclass(frozen=True)
class SeedKeyVault:
    """The Key Vault served at the emulator's origin (keys are imported through its API)."""

    name: str
    tenant_id: str


@dataclass(frozen=True)
class SeedGithubActions:
    """The GitHub Actions token service stand-in: the request token it wants and the subject of
    the tokens it hands out."""

    request_token: str = DEFAULT_REQUEST_TOKEN
    subject: str = DEFAULT_SUBJECT


@dataclass(frozen=True)
class Seed:
    """The whole seed document, validated."""

    tenants: list[tuple[str, str]]
    subscriptions: list[SeedSubscription]
    principals: list[SeedPrincipal]
    faults: dict[str, Any] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    key_vault: SeedKeyVault | None = None
    oidc_issuers: list[TrustedIssuer] = field(default_factory=list)
    github_actions: SeedGithubActions = field(default_factory=SeedGithubActions)
    role_definitions: list[RoleDefinition] = field(default_factory=list)
    # ARM's token-bucket throttle; None (the default) reports hourly budgets and never throttles.
    arm_throttle: ThrottleLimits | None = None


def _str(obj: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str) or not value:
        raise SeedError(f"{where}: '{key}' must be a non-empty string")
    return value


def _list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise SeedError(f"{where}: '{key}' must be a list")
    return value


def _named(items: list[Any], where: str) -> list[tuple[str, str]]:
    result = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            raise SeedError(f"{where}[{i}] must be an object or a name")
        result.append((_str(item, "name", f"{where}[{i}]"), _str(item, "sku", where, "S1")))
    return result


def _hub_certificates(items: list[Any], where: str) -> list[SeedHubCertificate]:
    """``iot_hubs[i].certificates``: ``[{"name", "certificate", "device_registry":
    {"policy_resource_id", "certificate_authority_resource_id"?}}]``. Only ADR-synced
    certificates are seeded (anything else is uploaded through the API, as users do); the CA id
    defaults to the policy id [guess: no public example of an ADR certificate-authority id]."""
    result: list[SeedHubCertificate] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue  # a bare hub name; `_named` reports other shapes
        hub = _str(item, "name", f"{where}[{i}]")
        for j, raw in enumerate(_list(item, "certificates", f"{where}[{i}]")):
            cwhere = f"{where}[{i}].certificates[{j}]"
            if not isinstance(raw, dict):
                raise SeedError(f"{cwhere} must be an object")
            name = _str(raw, "name", cwhere)
            try:
                check_certificate_name(name)
            except ArmError as exc:
                raise SeedError(f"{cwhere}: {exc.message}") from None
            pem = _str(raw, "certificate", cwhere)
            try:
                decode_certificate(pem)
            except CertificateDecodeError as exc:
                raise SeedError(f"{cwhere}: 'certificate' is not a certificate: {exc}") from None
            registry = raw.get("device_registry")
            if not isinstance(registry, dict):
                raise SeedError(
                    f"{cwhere}: 'device_registry' must be an object with 'policy_resource_id' "
                    "(only certificates that Azure Device Registry synced are seeded)"
                )
            policy = _str(registry, "policy_resource_id", f"{cwhere}.device_registry")
            authority = _str(
                registry, "certificate_authority_resource_id", f"{cwhere}.device_registry", policy
            )
            result.append(SeedHubCertificate(hub, name, pem, DeviceRegistryLink(policy, authority)))
    return result


def _declared_tenant(item: dict[str, Any], where: str, tenant_ids: set[str]) -> str:
    """``item["tenant_id"]``, which must be one of the seed's ``tenants``."""
    tenant = _str(item, "tenant_id", where)
    if tenant.lower() not in tenant_ids:
        raise SeedError(f"{where}: tenant '{tenant}' is not declared in 'tenants'")
    return tenant


def parse_seed(document: Any) -> Seed:
    """Validate a seed document (already JSON-decoded)."""
    if not isinstance(document, dict):
        raise SeedError("the seed must be a JSON object")
    tenants = [
        (_str(t, "tenant_id", f"tenants[{i}]"), str(t.get("display_name", "Emulated tenant")))
        for i, t in enumerate(_list(document, "tenants", "seed"))
    ]
    tenant_ids = {t.lower() for t, _ in tenants}
    subscriptions = []
    for i, sub in enumerate(_list(document, "subscriptions", "seed")):
        where = f"subscriptions[{i}]"
        tenant = _declared_tenant(sub, where, tenant_ids)
        groups = []
        for j, group in enumerate(_list(sub, "resource_groups", where)):
            gwhere = f"{where}.resource_groups[{j}]"
            hubs = _named(_list(group, "iot_hubs", gwhere), f"{gwhere}.iot_hubs")
            for hub, _ in hubs:
                try:
                    check_hub_name(hub)
                except ArmError as exc:
                    raise SeedError(f"{gwhere}: {exc.message}") from None
            groups.append(
                SeedResourceGroup(
                    _str(group, "name", gwhere),
                    _str(group, "location", gwhere, "westeurope"),
                    dict(group.get("tags") or {}),
                    hubs,
                    _named(_list(group, "dps", gwhere), f"{gwhere}.dps"),
                    _hub_certificates(_list(group, "iot_hubs", gwhere), f"{gwhere}.iot_hubs"),
                )
            )
        subscriptions.append(
            SeedSubscription(
                _str(sub, "subscription_id", where),
                tenant,
                str(sub.get("display_name", "Emulated subscription")),
                groups,
            )
        )
    custom_roles = _role_definitions(document)
    roles = {**{r.name.lower(): r for r in custom_roles}, **BUILTIN_ROLES}
    principals: list[SeedPrincipal] = []
    for i, sp in enumerate(_list(document, "service_principals", "seed")):
        where = f"service_principals[{i}]"
        tenant = _declared_tenant(sp, where, tenant_ids)
        client_id = _str(sp, "client_id", where)
        if any(p.client_id.lower() == client_id.lower() for p in principals):
            # The store keeps the first: the second's secret and roles would silently vanish.
            raise SeedError(f"{where}: client_id '{client_id}' is used by an earlier principal")
        assignments = [
            _role_assignment(ra, f"{where}.role_assignments[{j}]", roles)
            for j, ra in enumerate(_list(sp, "role_assignments", where))
        ]
        federated = _federated_credentials(sp, where)
        secret = None if sp.get("client_secret") is None else _str(sp, "client_secret", where)
        if secret is None and not federated:
            raise SeedError(f"{where}: needs a 'client_secret' or 'federated_credentials'")
        principals.append(
            SeedPrincipal(
                tenant,
                client_id,
                secret,
                str(sp.get("object_id") or uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{client_id}")),
                str(sp.get("display_name", client_id)),
                assignments,
                federated,
            )
        )
    faults = document.get("faults", {})
    if not isinstance(faults, dict):
        raise SeedError("'faults' must be an object")
    limits_doc = document.get("limits", {})
    if not isinstance(limits_doc, dict):
        raise SeedError("'limits' must be an object")
    try:
        limits = Limits(**{k: int(v) for k, v in limits_doc.items()})
    except TypeError as exc:
        raise SeedError(f"'limits': {exc}") from None
    if not subscriptions:
        raise SeedError("the seed needs at least one subscription")
    try:
        throttle = (
            None
            if document.get("arm_throttle") is None
            else ThrottleLimits.parse(document["arm_throttle"])
        )
    except ThrottleConfigError as exc:
        raise SeedError(str(exc)) from None
    return Seed(
        tenants,
        subscriptions,
        principals,
        dict(faults),
        limits,
        _key_vault(document, tenants),
        _oidc_issuers(document),
        _github_actions(document, principals),
        custom_roles,
        throttle,
    )


# The keys of a role definition, lowercased: the Azure PowerShell / `az role definition create`
# form (Name, IsCustom, Actions, ...) and the REST form (roleName, actions, ...) [doc]
# learn.microsoft.com/azure/role-based-access-control/role-definitions.
_ROLE_KEYS = {
    "name",
    "rolename",
    "description",
    "iscustom",
    "actions",
    "notactions",
    "dataactions",
    "notdataactions",
    "assignablescopes",
}


def _patterns(raw: dict[str, Any], key: str, where: str, *, required: bool = False) -> list[str]:
    """A list of action patterns (or scopes) under ``key``; empty when absent."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SeedError(f"{where}: '{key}' must be a list of non-empty strings")
    if required and not value:
        raise SeedError(f"{where}: '{key}' must list at least one action")
    return [v.strip() for v in value]


def _role_definitions(document: dict[str, Any]) -> list[RoleDefinition]:
    """``role_definitions: [{"name", "actions", "notActions"?, "assignableScopes"?, ...}]``.

    Keys match case-insensitively, so a file written for ``az role definition create`` seeds as
    it is. ``dataActions`` / ``notDataActions`` are enforced by the DPS service API (a role with
    data actions may list no ``actions``). Without ``assignableScopes`` a role is assignable
    anywhere.
    """
    result: list[RoleDefinition] = []
    for i, raw in enumerate(_list(document, "role_definitions", "seed")):
        where = f"role_definitions[{i}]"
        if not isinstance(raw, dict):
            raise SeedError(f"{where} must be an object")
        doc = {key.lower(): value for key, value in raw.items()}
        if len(doc) != len(raw) or ("name" in doc and "rolename" in doc):
            raise SeedError(f"{where}: a key is given twice (in another case, or name/roleName)")
        unknown = sorted(key for key in raw if key.lower() not in _ROLE_KEYS)
        if unknown:
            raise SeedError(
                f"{where}: unknown keys {unknown}; known: name (or roleName), description, "
                "isCustom, actions, notActions, dataActions, notDataActions, assignableScopes"
            )
        if not isinstance(doc.get("iscustom", True), bool):
            raise SeedError(f"{where}: 'isCustom' must be true or false")
        name = _str(doc, "name" if "name" in doc else "rolename", where)
        if name.lower() in BUILTIN_ROLES or any(r.name.lower() == name.lower() for r in result):
            raise SeedError(f"{where}: role '{name}' is built in or defined twice")
        scopes = _patterns(doc, "assignablescopes", where) or ["/"]
        for scope in scopes:
            if scope != "/" and not is_assignment_scope(scope):
                raise SeedError(f"{where}: assignable scope '{scope}' is not a {_SCOPE_KINDS}")
        data_actions = _patterns(doc, "dataactions", where)
        not_data_actions = _patterns(doc, "notdataactions", where)
        description = doc.get("description", "")
        if not isinstance(description, str):
            raise SeedError(f"{where}: 'description' must be a string")
        result.append(
            RoleDefinition(
                name,
                tuple(_patterns(doc, "actions", where, required=not data_actions)),
                tuple(_patterns(doc, "notactions", where)),
                tuple(scopes),
                description,
                tuple(data_actions),
                tuple(not_data_actions),
            )
        )
    return result


_SCOPE_KINDS = (
    "subscription (/subscriptions/<id>), resource group (.../resourceGroups/<name>) or resource "
    "(.../providers/<namespace>/<type>/<name>) id"
)


def _role_assignment(raw: Any, where: str, roles: dict[str, RoleDefinition]) -> tuple[str, str]:
    """``{"role", "scope"}``: any defined role, at a scope within its assignable scopes."""
    if not isinstance(raw, dict):
        raise SeedError(f"{where} must be an object")
    role = _str(raw, "role", where)
    definition = roles.get(role.lower())
    if definition is None:
        raise SeedError(
            f"{where}: role '{role}' is not defined: Owner, Contributor, Reader, or one of "
            "'role_definitions'"
        )
    scope = _str(raw, "scope", where)
    if not is_assignment_scope(scope):
        raise SeedError(f"{where}: scope '{scope}' is not a {_SCOPE_KINDS}")
    if not definition.assignable_at(scope):
        raise SeedError(
            f"{where}: role '{definition.name}' cannot be assigned at '{scope}': outside its "
            f"assignableScopes {list(definition.assignable_scopes)}"
        )
    return definition.name, scope


def _federated_credentials(sp: dict[str, Any], where: str) -> list[FederatedCredential]:
    """``federated_credentials: [{"issuer", "subject", "audiences"?, "name"?}]``.

    Issuer and subject are kept exactly as written (Entra matches them case-sensitively); an
    issuer + subject pair appears once per app, as Entra requires [doc].
    """
    result: list[FederatedCredential] = []
    for j, raw in enumerate(_list(sp, "federated_credentials", where)):
        fwhere = f"{where}.federated_credentials[{j}]"
        if not isinstance(raw, dict):
            raise SeedError(f"{fwhere} must be an object")
        audiences = raw.get("audiences", [TOKEN_EXCHANGE_AUDIENCE])
        if (
            not isinstance(audiences, list)
            or not audiences
            or not all(isinstance(a, str) and a for a in audiences)
        ):
            raise SeedError(f"{fwhere}: 'audiences' must be a non-empty list of strings")
        credential = FederatedCredential(
            _str(raw, "name", fwhere, f"credential-{j + 1}"),
            _str(raw, "issuer", fwhere),
            _str(raw, "subject", fwhere),
            tuple(audiences),
        )
        if any((c.issuer, c.subject) == (credential.issuer, credential.subject) for c in result):
            raise SeedError(f"{fwhere}: issuer and subject repeat an earlier credential")
        result.append(credential)
    return result


def _oidc_issuers(document: dict[str, Any]) -> list[TrustedIssuer]:
    """``oidc_issuers: [{"issuer", "jwks": {"keys": [...]}}]``: external issuers, keys inline."""
    result: list[TrustedIssuer] = []
    for i, raw in enumerate(_list(document, "oidc_issuers", "seed")):
        where = f"oidc_issuers[{i}]"
        if not isinstance(raw, dict):
            raise SeedError(f"{where} must be an object")
        issuer = _str(raw, "issuer", where)
        if issuer == GITHUB_ISSUER:
            raise SeedError(f"{where}: '{issuer}' is built in (the emulator signs its tokens)")
        if any(t.issuer == issuer for t in result):
            raise SeedError(f"{where}: issuer '{issuer}' is declared twice")
        try:
            result.append(trusted_issuer(issuer, raw.get("jwks")))
        except ValueError as exc:
            raise SeedError(f"{where}: {exc}") from None
    return result


def _github_actions(document: dict[str, Any], principals: list[SeedPrincipal]) -> SeedGithubActions:
    """``github_actions: {"request_token"?, "subject"?}``; the subject defaults to the first
    federated credential for GitHub's issuer, so the stand-in's tokens sign that principal in."""
    raw = document.get("github_actions", {})
    if not isinstance(raw, dict):
        raise SeedError("'github_actions' must be an object")
    github_subjects = [
        c.subject for p in principals for c in p.federated_credentials if c.issuer == GITHUB_ISSUER
    ]
    return SeedGithubActions(
        _str(raw, "request_token", "github_actions", DEFAULT_REQUEST_TOKEN),
        _str(raw, "subject", "github_actions", (github_subjects or [DEFAULT_SUBJECT])[0]),
    )


def federated_sign_in(seed: Seed) -> SeedPrincipal | None:
    """The principal the GitHub Actions stand-in's tokens sign in: the first with a credential
    for GitHub's issuer and the stand-in's subject (None if the seed has none)."""
    for principal in seed.principals:
        for credential in principal.federated_credentials:
            if (credential.issuer, credential.subject) == (
                GITHUB_ISSUER,
                seed.github_actions.subject,
            ):
                return principal
    return None


def _key_vault(document: dict[str, Any], tenants: list[tuple[str, str]]) -> SeedKeyVault | None:
    """``"key_vault": "name"`` or ``{"name", "tenant_id"?}``; the tenant defaults to the first."""
    raw = document.get("key_vault")
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, dict):
        raise SeedError("'key_vault' must be a name or an object")
    if not tenants:
        raise SeedError("'key_vault' needs a tenant in 'tenants'")
    tenant = _str(raw, "tenant_id", "key_vault", tenants[0][0])
    if tenant.lower() not in {t.lower() for t, _ in tenants}:
        raise SeedError(f"key_vault: tenant '{tenant}' is not declared in 'tenants'")
    return SeedKeyVault(_str(raw, "name", "key_vault"), tenant)


def load_seed(path: Path) -> Seed:
    """Read and validate a seed file."""
    try:
        return parse_seed(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise SeedError(f"{path}: invalid JSON: {exc}") from None


def default_seed() -> Seed:
    """The built-in seed, parsed (see :func:`default_seed_document`)."""
    return parse_seed(default_seed_document())


def default_seed_document() -> dict[str, Any]:
    """The built-in seed: one tenant, one subscription, two hubs and a DPS, four principals.

    Principal 0: Contributor on the subscription. Principal 1: Contributor on another resource
    group only (for 403 tests). Principal 2: Reader on the subscription (reads, never writes).
    Principal 3, "federated-pipeline": no secret, Contributor on the subscription, signs in with
    a GitHub Actions OIDC token of ``repo:contoso/fleet:environment:production``.
    Key Vault ``kv-pop-demo`` of the tenant, without keys (tests import theirs). A new document
    on every call, so a variant (more roles, more principals) can be made from it.
    """
    sub_scope = f"/subscriptions/{DEFAULT_SUBSCRIPTION}"
    return {
        "tenants": [{"tenant_id": DEFAULT_TENANT, "display_name": "Emulated tenant"}],
        "key_vault": DEFAULT_KEY_VAULT,
        "subscriptions": [
            {
                "subscription_id": DEFAULT_SUBSCRIPTION,
                "tenant_id": DEFAULT_TENANT,
                "display_name": "pop-demo",
                "resource_groups": [
                    {
                        "name": DEFAULT_RESOURCE_GROUP,
                        "location": "westeurope",
                        "iot_hubs": ["hub-pop-demo", "hub-pop-demo-2"],
                        "dps": ["dps-pop-demo"],
                    },
                    {
                        "name": OTHER_RESOURCE_GROUP,
                        "location": "westeurope",
                        "iot_hubs": ["hub-pop-other"],
                    },
                ],
            }
        ],
        "service_principals": [
            {
                "tenant_id": DEFAULT_TENANT,
                "client_id": "c0ffee00-0000-4000-8000-000000000001",
                "client_secret": "emulator-secret-contributor",
                "display_name": "sp-contributor",
                "role_assignments": [{"role": "Contributor", "scope": sub_scope}],
            },
            {
                "tenant_id": DEFAULT_TENANT,
                "client_id": "c0ffee00-0000-4000-8000-000000000002",
                "client_secret": "emulator-secret-other-rg",
                "display_name": "sp-other-rg",
                "role_assignments": [
                    {
                        "role": "Contributor",
                        "scope": f"{sub_scope}/resourceGroups/{OTHER_RESOURCE_GROUP}",
                    }
                ],
            },
            {
                "tenant_id": DEFAULT_TENANT,
                "client_id": "c0ffee00-0000-4000-8000-000000000003",
                "client_secret": "emulator-secret-reader",
                "display_name": "sp-reader",
                "role_assignments": [{"role": "Reader", "scope": sub_scope}],
            },
            {
                "tenant_id": DEFAULT_TENANT,
                "client_id": FEDERATED_CLIENT_ID,
                "display_name": "federated-pipeline",
                "role_assignments": [{"role": "Contributor", "scope": sub_scope}],
                "federated_credentials": [
                    {
                        "name": "github-production",
                        "issuer": GITHUB_ISSUER,
                        "subject": DEFAULT_SUBJECT,
                        "audiences": [TOKEN_EXCHANGE_AUDIENCE],
                    }
                ],
            },
        ],
    }


def apply_seed(store: Store, seed: Seed) -> None:
    """Insert whatever the seed declares and the state lacks; never overwrite."""
    with store.write() as conn:
        for tenant_id, name in seed.tenants:
            conn.execute("INSERT OR IGNORE INTO tenants VALUES (?, ?)", (tenant_id, name))
        # A role renamed through the role API keeps its GUID: the seed does not bring its old
        # name back as a second role of that GUID.
        stored_ids = {
            RoleDefinition.from_json(row["name"], row["document"]).guid.lower()
            for row in conn.execute("SELECT name, document FROM role_definitions")
        }
        for definition in seed.role_definitions:
            if definition.guid.lower() not in stored_ids:
                conn.execute(
                    "INSERT OR IGNORE INTO role_definitions VALUES (?, ?)",
                    (definition.name, definition.to_json()),
                )
        for sp in seed.principals:
            conn.execute(
                "INSERT OR IGNORE INTO principals VALUES (?, ?, ?, ?, ?)",
                (sp.client_id, sp.tenant_id, sp.client_secret or "", sp.object_id, sp.display_name),
            )
            for credential in sp.federated_credentials:
                conn.execute(
                    "INSERT OR IGNORE INTO federated_credentials VALUES (?, ?, ?, ?, ?)",
                    (
                        sp.client_id,
                        credential.name,
                        credential.issuer,
                        credential.subject,
                        json.dumps(list(credential.audiences)),
                    ),
                )
            existing = conn.execute(
                "SELECT object_id FROM principals WHERE client_id = ?", (sp.client_id,)
            ).fetchone()
            for role, scope in sp.role_assignments:
                conn.execute(
                    "INSERT OR IGNORE INTO role_assignments(object_id, role, scope) "
                    "VALUES (?, ?, ?)",
                    (existing["object_id"], role, scope),
                )
        for sub in seed.subscriptions:
            conn.execute(
                "INSERT OR IGNORE INTO subscriptions VALUES (?, ?, ?)",
                (sub.subscription_id, sub.tenant_id, sub.display_name),
            )
            for group in sub.resource_groups:
                conn.execute(
                    "INSERT OR IGNORE INTO resource_groups VALUES (?, ?, ?, ?)",
                    (sub.subscription_id, group.name, group.location, json.dumps(group.tags)),
                )
                resources = [
                    ("iothub", n, hub_document(n, {"sku": {"name": s}})) for n, s in group.iot_hubs
                ]
                resources += [
                    ("dps", n, dps_document(n, {"sku": {"name": s}})) for n, s in group.dps
                ]
                for kind, name, document in resources:
                    found = conn.execute(
                        "SELECT 1 FROM resources WHERE subscription_id = ? AND resource_group = ? "
                        "AND kind = ? AND name = ?",
                        (sub.subscription_id, group.name, kind, name),
                    ).fetchone()
                    if found is None:
                        conn.execute(
                            "INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (
                                sub.subscription_id,
                                group.name,
                                kind,
                                name,
                                group.location,
                                json.dumps(document),
                                format_etag(store.next_rowversion(conn)),
                            ),
                        )
                for seeded in group.hub_certificates:
                    seed_device_registry_certificate(
                        store,
                        conn,
                        ParentRef(sub.subscription_id, group.name, "iothub", seeded.hub),
                        seeded.name,
                        seeded.certificate_pem,
                        seeded.link,
                        utcnow(),
                    )
