"""What reaches a user when no Azure service answered: credentials, TLS, connections, bugs."""

from __future__ import annotations

from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

from pop_provider import failures
from pop_provider.core.connection import ConnectionSettings, load_settings
from pop_provider.core.errors import InvalidInput
from pop_provider.core.explain import explain

EMULATOR = ConnectionSettings(
    arm_endpoint="https://127.0.0.1:8443",
    authority_host="https://127.0.0.1:8444",
    ca_bundle="/etc/pop/ca.pem",
    tenant_id="tenant-1",
    client_id="client-1",
    client_secret="not-shown",
    client_secret_source="azure-native:clientSecret",
)

CHAIN = """DefaultAzureCredential failed to retrieve a token from the included credentials.
Attempted credentials:
\tEnvironmentCredential: EnvironmentCredential authentication unavailable. Environment variables are not fully configured.
Visit https://aka.ms/azsdk/python/identity/environmentcredential/troubleshoot to troubleshoot this issue.
\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint.
To mitigate this issue, please refer to the troubleshooting guidelines here at https://aka.ms/x."""  # noqa: E501


def test_no_credential_lists_each_source_on_its_own_line_without_links() -> None:
    message = str(explain(ClientAuthenticationError(message=CHAIN), EMULATOR, "create"))
    lines = message.splitlines()
    assert lines[0] == (
        "no Azure credential is available; each source DefaultAzureCredential tried:"
    )
    assert lines[1].startswith("  - EnvironmentCredential: ")
    assert lines[2].startswith("  - ManagedIdentityCredential: ")
    assert "https://" not in message
    assert "az login" in lines[-1]


def test_a_wrong_secret_names_the_client_tenant_and_where_the_secret_came_from() -> None:
    error = ClientAuthenticationError(
        message="Authentication failed: AADSTS7000215: Invalid client secret provided. "
        "Trace ID: 1 Correlation ID: 2 Timestamp: 3"
    )
    message = str(explain(error, EMULATOR, "create"))
    assert message.startswith(
        "Azure sign-in failed for client client-1 in tenant tenant-1 with the client secret "
        "from azure-native:clientSecret: AADSTS7000215: Invalid client secret provided. Set"
    )
    assert "Trace ID" not in message and "not-shown" not in message


def test_the_plugins_messages_name_its_own_pop_settings() -> None:
    """The plugin reads azure-native's settings under `pop:`; its messages name those keys."""
    plugin = load_settings(
        {"pop:tenantId": "tenant-1", "pop:clientId": "client-1", "pop:clientSecret": "x"}.get,
        environ={},
        namespace="pop",
    )
    assert plugin.client_secret_source == "pop:clientSecret"
    wrong = ClientAuthenticationError(message="Authentication failed: AADSTS7000215: Invalid.")
    message = str(explain(wrong, plugin, "create"))
    assert "with the client secret from pop:clientSecret: AADSTS7000215" in message
    assert "`pulumi config set --secret pop:clientSecret <secret>`" in message
    none = str(explain(ClientAuthenticationError(message=CHAIN), plugin, "create"))
    assert "Set pop:tenantId, pop:clientId and (as a secret) pop:clientSecret" in none
    assert "azure-native" not in message + none
    from_variable = load_settings(environ={"AZURE_CLIENT_SECRET": "x"}, namespace="pop")
    assert "the AZURE_CLIENT_SECRET variable" in str(explain(wrong, from_variable, "create"))


def test_tls_and_connection_failures_name_the_endpoint_and_its_setting() -> None:
    tls = ServiceRequestError(
        "HTTPSConnectionPool(host='127.0.0.1', port=8444): Max retries exceeded (Caused by "
        "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate "
        "verify failed: self-signed certificate in certificate chain (_ssl.c:1006)')))"
    )
    failure = explain(tls, EMULATOR, "create")
    assert isinstance(failure, failures.TlsVerificationFailed)
    assert str(failure).startswith("TLS verification of https://127.0.0.1:8444 failed")
    assert "pop:caBundle (/etc/pop/ca.pem) does not sign it" in str(failure)

    refused = ServiceRequestError(
        "HTTPSConnectionPool(host='127.0.0.1', port=8443): Max retries exceeded (Caused by "
        "NewConnectionError('<...>: Failed to establish a new connection: [Errno 111] "
        "Connection refused'))"
    )
    failure = explain(refused, EMULATOR, "read")
    assert isinstance(failure, failures.EndpointUnreachable)
    assert str(failure).startswith("cannot reach https://127.0.0.1:8443 (connection refused")
    assert "check pop:armEndpoint (or POP_ARM_ENDPOINT)" in str(failure)


def test_inputs_judged_at_apply_time_and_our_own_bugs() -> None:
    late = explain(InvalidInput("certificate_pem", "is empty"), EMULATOR, "create")
    assert isinstance(late, failures.InputError) and str(late) == "certificate_pem: is empty"

    empty: dict[str, int] = {}
    try:
        empty["missing"]
    except KeyError as error:
        bug = explain(error, EMULATOR, "update")
    assert isinstance(bug, failures.InternalError)
    first, *frames = str(bug).splitlines()
    assert first.startswith("pop-provider failed unexpectedly in update (KeyError: 'missing')")
    assert any("test_explain.py" in line for line in frames)  # the frames, for the report
