"""How the provider reaches Azure: endpoints, trust and credentials, resolved at call time.

Nothing here is pickled into the provider's state: `ConnectionSettings` is built inside the
provider process from the stack config (`configure()`) and the environment, so a pipeline's
service principal or workload identity, rotated secrets and emulator endpoints all take effect
on the next run without touching state.

Precedence for each setting: the `pop:` stack config key, then the matching `azure-native:` key
where azure-native has one, then the environment variable. The plugin `pop` takes every setting
under its own namespace (`pop:clientSecret`), so its settings are read, and named in messages, as
`pop:*` (`ConnectionSettings.setting`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the program imports this module too, and never needs azure-core
    from azure.core.credentials import TokenCredential

from pop_provider.core import messages
from pop_provider.core.federation import FederatedSource, assertion_function
from pop_provider.failures import InputError

DEFAULT_ARM_ENDPOINT = "https://management.azure.com"
# Retries of one ARM call (429 with Retry-After, 5xx, lost connections), bounded also in time:
# at 40% of calls failing, 11 failures in a row are a 1-in-24,000 event per call.
RETRIES = 10
# Exponential backoff between attempts without Retry-After: 0.5 s, 1 s, 2 s, ... at most 8 s.
BACKOFF_FACTOR_S = 0.5
BACKOFF_MAX_S = 8
# Seconds one operation may take, all attempts, backoffs and Retry-After waits included.
OPERATION_BUDGET_S = 120


@dataclass(frozen=True)
class Cloud:
    """An Azure cloud's endpoints; the token audience is its ARM endpoint."""

    arm_endpoint: str
    authority_host: str
    # The DPS service API's token resource (enrollment groups), per cloud.
    dps_audience: str = "https://azure-devices-provisioning.net"


# azure-native's `environment` setting (and ARM_ENVIRONMENT), as azure-identity's
# AzureAuthorityHosts and each cloud's Resource Manager endpoint name them.
CLOUDS = {
    "public": Cloud("https://management.azure.com", "https://login.microsoftonline.com"),
    "usgovernment": Cloud(
        "https://management.usgovcloudapi.net",
        "https://login.microsoftonline.us",
        "https://azure-devices-provisioning.us",
    ),
    "china": Cloud(
        "https://management.chinacloudapi.cn",
        "https://login.chinacloudapi.cn",
        "https://azure-devices-provisioning.cn",
    ),
}


ConfigLookup = Callable[[str], Any]


def _no_config(_key: str) -> Any:
    return None


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything needed to build an authenticated ARM client; secrets are excluded from repr."""

    # Where the face takes azure-native's settings: "azure-native" (a Python program's stack
    # config), or "pop" (the plugin's own config). Messages name settings with it.
    namespace: str = "azure-native"
    arm_endpoint: str = DEFAULT_ARM_ENDPOINT
    authority_host: str | None = None
    token_audience: str = DEFAULT_ARM_ENDPOINT
    ca_bundle: str | None = None
    default_subscription_id: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    # Where the secret came from (a config key or variable name), for error messages.
    client_secret_source: str | None = None
    # A pipeline's OIDC token, exchanged for Azure tokens (pop_provider.core.federation).
    use_oidc: bool = False
    federated: FederatedSource | None = field(default=None, repr=False)
    # The DPS service API (enrollment groups): the token resource of this cloud, and the
    # shared-access policy whose key (ARM listKeys) is used instead, only when a user opts in.
    dps_audience: str = "https://azure-devices-provisioning.net"
    dps_shared_access_policy: str | None = None

    @property
    def uses_federation(self) -> bool:
        """OIDC when asked for (ARM_USE_OIDC), or a workload identity file without a secret."""
        return self.federated is not None and (self.use_oidc or not self.client_secret)

    @property
    def sign_in(self) -> str:
        """How this run signs in, for messages (never the secret itself)."""
        if self.uses_federation and self.federated is not None:
            return f"a federated token ({self.federated.kind} from {self.federated.setting})"
        return f"the client secret from {self.client_secret_source or 'the configuration'}"

    def setting(self, name: str) -> str:
        """The config key a user sets for `name` (`clientSecret`) with this face."""
        return f"{self.namespace}:{name}"

    @property
    def arm_scope(self) -> str:
        """The OAuth scope of ARM tokens in this cloud."""
        return f"{self.token_audience}/.default"

    @property
    def dps_scope(self) -> str:
        """The OAuth scope of DPS service API tokens in this cloud."""
        return f"{self.dps_audience}/.default"


def load_settings(
    config: ConfigLookup = _no_config,
    environ: Mapping[str, str] | None = None,
    namespace: str = "azure-native",
) -> ConnectionSettings:
    """Resolve settings from stack config (`config("pop:armEndpoint")`) and the environment;
    azure-native's settings are read under `namespace` (`azure-native`, or `pop` for the
    plugin)."""
    env = os.environ if environ is None else environ
    ns = namespace

    def first(*sources: str) -> tuple[str | None, str | None]:
        """The first value set, and its source (config key, or variable name)."""
        for source in sources:
            if source.startswith("$"):
                value: Any = env.get(source[1:])
            else:
                value = config(source)
            if value not in (None, ""):
                return str(value), source.removeprefix("$")
        return None, None

    def pick(*sources: str) -> str | None:
        return first(*sources)[0]

    environment = (pick(f"{ns}:environment", "$ARM_ENVIRONMENT") or "public").lower()
    cloud = CLOUDS.get(environment)
    if cloud is None:
        raise InputError(messages.unknown_cloud(ns, environment, list(CLOUDS)))
    arm_endpoint = (pick("pop:armEndpoint", "$POP_ARM_ENDPOINT") or cloud.arm_endpoint).rstrip("/")
    default_authority = None if environment == "public" else cloud.authority_host
    secret, secret_source = first(
        f"{ns}:clientSecret", "$AZURE_CLIENT_SECRET", "$ARM_CLIENT_SECRET"
    )
    use_oidc = (pick(f"{ns}:useOidc", "$ARM_USE_OIDC") or "").lower() in ("true", "1")
    return ConnectionSettings(
        namespace=ns,
        arm_endpoint=arm_endpoint,
        authority_host=pick("pop:authorityHost", "$AZURE_AUTHORITY_HOST") or default_authority,
        # An emulator or private endpoint issues tokens for the public audience; a sovereign
        # cloud's tokens are for its own Resource Manager.
        token_audience=cloud.arm_endpoint,
        ca_bundle=pick("pop:caBundle", "$POP_CA_BUNDLE"),
        default_subscription_id=pick(*_subscription_sources(ns)),
        tenant_id=pick(f"{ns}:tenantId", "$AZURE_TENANT_ID", "$ARM_TENANT_ID"),
        client_id=pick(f"{ns}:clientId", "$AZURE_CLIENT_ID", "$ARM_CLIENT_ID"),
        client_secret=secret,
        client_secret_source=secret_source,
        use_oidc=use_oidc,
        federated=_federated_source(first, use_oidc, ns),
        dps_audience=cloud.dps_audience,
        dps_shared_access_policy=pick("pop:dpsSharedAccessPolicy", "$POP_DPS_SHARED_ACCESS_POLICY"),
    )


def _subscription_sources(namespace: str) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(
            (
                "pop:subscriptionId",
                f"{namespace}:subscriptionId",
                "$AZURE_SUBSCRIPTION_ID",
                "$ARM_SUBSCRIPTION_ID",
            )
        )
    )


_DEFAULT_SUBSCRIPTION_SOURCES = _subscription_sources("azure-native")


def default_subscription_id(config: ConfigLookup, environ: Mapping[str, str]) -> str | None:
    """The subscription of a target named without one: what the provider resolves, for the
    program, which compares targets before anything reaches the provider."""
    for source in _DEFAULT_SUBSCRIPTION_SOURCES:
        value = environ.get(source[1:]) if source.startswith("$") else config(source)
        if value not in (None, ""):
            return str(value)
    return None


def _federated_source(
    first: Callable[..., tuple[str | None, str | None]], use_oidc: bool, ns: str
) -> FederatedSource | None:
    """azure-native's OIDC settings when ARM_USE_OIDC is on (token, token file, or request URL
    and token, GitHub's by default), else a workload identity token file."""
    if use_oidc:
        token, where = first(f"{ns}:oidcToken", "$ARM_OIDC_TOKEN")
        if token and where:
            return FederatedSource("token", where, token)
        path, where = first(f"{ns}:oidcTokenFilePath", "$ARM_OIDC_TOKEN_FILE_PATH")
        if path and where:
            return FederatedSource("token file", where, path)
        url, where = first(
            f"{ns}:oidcRequestUrl", "$ARM_OIDC_REQUEST_URL", "$ACTIONS_ID_TOKEN_REQUEST_URL"
        )
        request_token, _ = first(
            f"{ns}:oidcRequestToken",
            "$ARM_OIDC_REQUEST_TOKEN",
            "$ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        )
        if url and where and request_token:
            return FederatedSource("request URL", where, url, request_token)
    path, where = first("$AZURE_FEDERATED_TOKEN_FILE")
    if path and where:
        return FederatedSource("workload identity file", where, path)
    if use_oidc:
        raise InputError(messages.no_federated_token(ns))
    return None


_KNOWN_AUTHORITIES = {cloud.authority_host for cloud in CLOUDS.values()}


def build_credential(settings: ConnectionSettings) -> TokenCredential:
    """A credential from azure-identity: a service principal when one is configured, otherwise
    DefaultAzureCredential (workload identity, managed identity, the Azure CLI login, ...)."""
    from azure.identity import ClientSecretCredential, DefaultAzureCredential

    kwargs: dict[str, Any] = {}
    if settings.authority_host:
        kwargs["authority"] = settings.authority_host
    if settings.ca_bundle:
        kwargs["connection_verify"] = settings.ca_bundle
    if settings.authority_host and settings.authority_host not in _KNOWN_AUTHORITIES:
        # Instance discovery asks login.microsoftonline.com about the authority; a private
        # authority (the emulator, Azure Stack) is unknown there.
        kwargs["disable_instance_discovery"] = True
    if settings.uses_federation and settings.federated is not None:
        return _federated_credential(settings, settings.federated, kwargs)
    if settings.tenant_id and settings.client_id and settings.client_secret:
        return ClientSecretCredential(
            settings.tenant_id,
            settings.client_id,
            settings.client_secret,
            **kwargs,
            **_token_retries(),
        )
    return DefaultAzureCredential(**kwargs, **chain_identity(settings))


def _token_retries() -> dict[str, Any]:
    """azure-identity's retries of token requests, except a refused connection, which fails at
    once (pop_provider.core.retries). Only for the credentials built here by name:
    DefaultAzureCredential hands its keywords on to ManagedIdentityCredential, which sets its
    own retry policy class and would be given two."""
    from pop_provider.core.retries import RefusalIsFinalRetryPolicy

    return {"retry_policy_class": RefusalIsFinalRetryPolicy}


def _federated_credential(
    settings: ConnectionSettings, source: FederatedSource, kwargs: dict[str, Any]
) -> TokenCredential:
    """azure-identity's ClientAssertionCredential with the pipeline's OIDC token: no secret."""
    from azure.identity import ClientAssertionCredential

    if not (settings.tenant_id and settings.client_id):
        raise InputError(messages.federation_needs_identity(source, settings))
    verify: str | bool = settings.ca_bundle or True
    return ClientAssertionCredential(
        settings.tenant_id,
        settings.client_id,
        assertion_function(source, verify),
        **kwargs,
        **_token_retries(),
    )


def chain_identity(settings: ConnectionSettings) -> dict[str, str]:
    """Tenant and client id (azure-native:tenantId / clientId, or AZURE_* / ARM_*) for every
    credential DefaultAzureCredential tries: without these, its workload identity and managed
    identity read only the AZURE_* variables, and config alone would not reach them. (The
    environment credential reads only the variables, by design.)"""
    identity: dict[str, str] = {}
    if settings.client_id:
        identity["workload_identity_client_id"] = settings.client_id
        identity["managed_identity_client_id"] = settings.client_id
    if settings.tenant_id:
        for credential in ("workload_identity", "shared_cache", "interactive_browser"):
            identity[f"{credential}_tenant_id"] = settings.tenant_id
        identity["visual_studio_code_tenant_id"] = settings.tenant_id
    return identity


def client_kwargs(settings: ConnectionSettings) -> dict[str, Any]:
    """Transport and retry settings shared by every management client.

    Transient failures (429 with Retry-After, 5xx, connection resets) are retried by azure-core's
    RetryPolicy, bounded in count and in total time; a refused connection (a wrong endpoint) is
    not. Every request has its own timeouts.
    """
    return {
        "base_url": settings.arm_endpoint,
        "credential_scopes": [settings.arm_scope],
        **transport_kwargs(settings),
    }


def transport_kwargs(settings: ConnectionSettings) -> dict[str, Any]:
    """What every Azure client of ours shares, ARM's and the DPS service API's: the bounded
    retry policy, the per-request timeouts and the trusted CA bundle."""
    from pop_provider.core.retries import BoundedRetryPolicy

    kwargs: dict[str, Any] = {
        "retry_policy": BoundedRetryPolicy(
            retry_total=RETRIES,
            retry_backoff_factor=BACKOFF_FACTOR_S,
            retry_backoff_max=BACKOFF_MAX_S,
            timeout=OPERATION_BUDGET_S,
        ),
        "connection_timeout": 10,
        "read_timeout": 60,
    }
    if settings.ca_bundle:
        kwargs["connection_verify"] = settings.ca_bundle
    return kwargs
