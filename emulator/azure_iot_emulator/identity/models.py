"""Service principals and token issuance: the rules of the token endpoint, no HTTP.

Tokens are v1-shaped app tokens for Azure Resource Manager, Key Vault, the DPS service API, an
IoT hub's service API or the emulator's Microsoft Graph,
signed RS256 with the state-dir key: ``aud`` is the requested resource, ``tid``/``oid``/``appid``
identify the principal, ``iss`` is ``<authority>/<tenant>/`` (the emulator's stand-in for
``https://sts.windows.net/<tenant>/``). A principal proves itself with its secret or with a
federated assertion (federation.py); either way it gets the same token.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from azure_iot_emulator.identity.exceptions import (
    JWT_BEARER,
    ApplicationNotFound,
    InvalidClientAssertionType,
    InvalidClientSecret,
    InvalidScope,
    MissingClientSecret,
    ResourceNotFound,
    TenantNotFound,
    UnsupportedGrantType,
)
from azure_iot_emulator.identity.federation import (
    FederatedCredential,
    TrustedIssuer,
    check_assertion,
)
from azure_iot_emulator.identity.keys import SigningKey
from azure_iot_emulator.store import Store
from azure_iot_emulator.wire import utcnow

# The audiences ARM accepts (ARM's InvalidAuthenticationTokenAudience message lists these four).
ARM_AUDIENCES = (
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
)
# ARM and Key Vault tolerate clock skew of five minutes [guess: the common Entra ID default].
CLOCK_SKEW_SECONDS = 300
# Key Vault's resource: the scope azure-keyvault-keys asks for after the vault's challenge.
KEY_VAULT_AUDIENCES = ("https://vault.azure.net", "https://vault.azure.net/")
# The DPS service API's resource: azure-iot-deviceprovisioning asks for
# ``https://azure-devices-provisioning.net/.default`` [code: _patch.py; rec: its recordings' token
# request], the az CLI for the same resource [code: azext_iot/constants.py IOTDPS_RESOURCE_ID].
DPS_AUDIENCES = (
    "https://azure-devices-provisioning.net",
    "https://azure-devices-provisioning.net/",
)
# An IoT hub's service API (registry, twins, queries): "The resource name for requesting the token
# is https://iothubs.azure.net" [doc: articles/iot-hub/authenticate-authorize-azure-ad.md];
# azure-iot-hub 2.7.0 asks for ``https://iothubs.azure.net/.default`` [code: auth.py
# ``AzureIdentityCredentialAdapter``, iothub_amqp_client.py ``IoTHubAmqpClientTokenAuth``].
IOTHUB_AUDIENCES = ("https://iothubs.azure.net", "https://iothubs.azure.net/")


@dataclass(frozen=True)
class Principal:
    """A service principal from the seed."""

    tenant_id: str
    client_id: str
    object_id: str
    display_name: str


@dataclass(frozen=True)
class IssuedToken:
    """What the token endpoint answers with."""

    access_token: str
    expires_in: int


def resource_of_scope(scope: str) -> str:
    """The resource a ``.default`` scope names, with one trailing slash.

    Entra takes what precedes the last ``/`` as the resource, so the az CLI's
    ``https://management.azure.com//.default`` (the resource id public Azure registers, with its
    slash, plus ``/.default``) means ``https://management.azure.com/`` and the token's ``aud``
    carries no double slash. ``https://management.azure.com/.default`` keeps giving
    ``https://management.azure.com/`` here [guess: Entra may drop that slash; ARM takes both].
    """
    if not scope.endswith("/.default"):
        raise ValueError(scope)
    resource = scope[: -len("/.default")]
    if not resource or resource.endswith("//"):
        raise ValueError(scope)
    return resource if resource.endswith("/") else resource + "/"


def own_audiences(url: str) -> tuple[str, str]:
    """One of the emulator's URLs as a token audience, with and without its trailing slash."""
    base = url.rstrip("/")
    return (base + "/", base)


def own_arm_audiences(authority: str) -> tuple[str, str]:
    """The emulator's own URL as an ARM audience: what its /metadata/endpoints announces, so a
    cloud registered from it (the az CLI's endpoint discovery) asks tokens for it."""
    return own_audiences(authority)


class IdentityBackend:
    """Looks up tenants and principals, checks secrets, signs tokens."""

    def __init__(
        self,
        store: Store,
        key: SigningKey,
        token_lifetime: timedelta = timedelta(seconds=3599),
        clock: Callable[[], datetime] = utcnow,
        issuers: Mapping[str, TrustedIssuer] | None = None,
        graph_resource: Callable[[], str] | None = None,
    ) -> None:
        self.store = store
        self.key = key
        self.token_lifetime = token_lifetime
        self.clock = clock
        # The OIDC issuers whose assertions federated credentials may trust, by issuer URL.
        self.issuers = dict(issuers or {})
        # The emulator's Microsoft Graph URL (its own port, bound on first use): a resource
        # tokens are issued for, as Entra issues them for https://graph.microsoft.com.
        self.graph_resource = graph_resource

    def tenant_exists(self, tenant_id: str) -> bool:
        """Whether the seed declared this tenant."""
        with self.store.read() as conn:
            row = conn.execute("SELECT 1 FROM tenants WHERE tenant_id = ?", (tenant_id,)).fetchone()
        return row is not None

    def principal(self, client_id: str) -> Principal | None:
        """A principal by application (client) id."""
        return self._principal_where("client_id", client_id)

    def principal_by_object_id(self, object_id: str) -> Principal | None:
        """A principal by object id (the ``oid`` claim)."""
        return self._principal_where("object_id", object_id)

    def _principal_where(self, column: str, value: str) -> Principal | None:
        with self.store.read() as conn:
            row = conn.execute(f"SELECT * FROM principals WHERE {column} = ?", (value,)).fetchone()
        if row is None:
            return None
        return Principal(row["tenant_id"], row["client_id"], row["object_id"], row["display_name"])

    def _secret(self, client_id: str) -> str:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT client_secret FROM principals WHERE client_id = ?", (client_id,)
            ).fetchone()
        # A principal without a secret is stored with "" (never equal to a presented secret).
        return str(row["client_secret"]) if row else ""

    def federated_credentials(self, client_id: str) -> list[FederatedCredential]:
        """The federated identity credentials of an app, in seed order."""
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT * FROM federated_credentials WHERE client_id = ? ORDER BY rowid",
                (client_id,),
            ).fetchall()
        return [
            FederatedCredential(
                row["name"], row["issuer"], row["subject"], tuple(json.loads(row["audiences"]))
            )
            for row in rows
        ]

    def issue_client_credentials_token(
        self,
        tenant_id: str,
        grant_type: str | None,
        client_id: str | None,
        client_secret: str | None,
        scope: str | None,
        issuer_base: str,
        client_assertion_type: str | None = None,
        client_assertion: str | None = None,
    ) -> IssuedToken:
        """The client-credentials grant, with a secret or a federated assertion (MSAL's
        ``client_assertion_type`` jwt-bearer + ``client_assertion``). Errors mirror Entra ID's
        (see exceptions.py)."""
        if not self.tenant_exists(tenant_id):
            raise TenantNotFound(tenant_id)
        if grant_type != "client_credentials":
            raise UnsupportedGrantType(grant_type or "")
        principal = self.principal(client_id or "")
        if principal is None or principal.tenant_id.lower() != tenant_id.lower():
            raise ApplicationNotFound(client_id or "", tenant_id)
        if client_assertion or client_assertion_type:
            self._check_assertion(principal, client_secret, client_assertion_type, client_assertion)
            client_auth = "2"  # appidacr: certificate or assertion [doc] access-token claims
        else:
            self._check_secret(principal, client_secret)
            client_auth = "1"  # appidacr: client secret
        scopes = [
            s for s in (scope or "").split() if s not in ("openid", "profile", "offline_access")
        ]
        if len(scopes) != 1:
            raise InvalidScope(scope or "")
        try:
            resource = resource_of_scope(scopes[0])
        except ValueError:
            raise InvalidScope(scopes[0]) from None
        known = (
            ARM_AUDIENCES
            + KEY_VAULT_AUDIENCES
            + DPS_AUDIENCES
            + IOTHUB_AUDIENCES
            + own_arm_audiences(issuer_base)
        )
        if (
            resource not in known
            and resource.rstrip("/") + "/" not in known
            and not self._is_graph(resource)
        ):
            raise ResourceNotFound(resource, tenant_id)
        now = self.clock()
        lifetime = int(self.token_lifetime.total_seconds())
        claims: dict[str, Any] = {
            "aud": resource,
            "iss": f"{issuer_base}/{principal.tenant_id}/",
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()) - 300,
            "exp": int(now.timestamp()) + lifetime,
            "appid": principal.client_id,
            "appidacr": client_auth,
            "idtyp": "app",
            "oid": principal.object_id,
            "sub": principal.object_id,
            "tid": principal.tenant_id,
            "uti": uuid.uuid4().hex,
            "ver": "1.0",
        }
        token = jwt.encode(
            claims, self.key.private_key, algorithm="RS256", headers={"kid": self.key.kid}
        )
        return IssuedToken(access_token=token, expires_in=lifetime)

    def _is_graph(self, resource: str) -> bool:
        """Whether ``resource`` is the emulator's Microsoft Graph."""
        return self.graph_resource is not None and resource in own_audiences(self.graph_resource())

    def _check_secret(self, principal: Principal, client_secret: str | None) -> None:
        if not client_secret:
            raise MissingClientSecret()
        if not hmac.compare_digest(
            client_secret.encode(), self._secret(principal.client_id).encode()
        ):
            raise InvalidClientSecret(principal.client_id)

    def _check_assertion(
        self,
        principal: Principal,
        client_secret: str | None,
        assertion_type: str | None,
        assertion: str | None,
    ) -> None:
        if client_secret:
            raise InvalidClientAssertionType(
                "The request must carry either 'client_secret' or 'client_assertion', not both."
            )
        if assertion_type != JWT_BEARER or not assertion:
            raise InvalidClientAssertionType(
                f"'client_assertion_type' must be '{JWT_BEARER}', with a 'client_assertion'."
            )
        check_assertion(
            assertion,
            self.federated_credentials(principal.client_id),
            self.issuers,
            self.clock(),
            CLOCK_SKEW_SECONDS,
        )

    def decode_token(self, token: str) -> dict[str, Any]:
        """The claims of a token this emulator signed, any audience; raises ``jwt.PyJWTError``.

        The caller checks ``aud``, ``tid`` and the principal, and answers in its own wire.
        """
        claims: dict[str, Any] = jwt.decode(
            token,
            self.key.public_key,
            algorithms=["RS256"],
            options={"verify_aud": False, "require": ["exp", "iat", "aud", "tid", "oid"]},
            leeway=CLOCK_SKEW_SECONDS,
        )
        return claims
