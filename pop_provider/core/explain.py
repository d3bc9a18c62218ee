"""Any exception a verb meets, as the one failure a person reads (pop_provider.failures).

Azure's answers are mapped where the call is made (pop_provider.core.azure_calls), knowing the
target. What reaches this module had no answer from Azure's services: no token (bad or missing
credentials), no connection, an untrusted TLS certificate; or it is ours (an input that could
only be judged at apply time, a bug). Each is named with the setting that fixes it.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlparse

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from pop_provider import failures
from pop_provider.core.connection import ConnectionSettings, SettingsError
from pop_provider.core.error_chain import links
from pop_provider.core.errors import InvalidInput
from pop_provider.core.federation import FederationError
from pop_provider.core.invocation import PulumiCommand, current_command
from pop_provider.core.remote import CertificateNotFound, RemoteError, TargetMissing
from pop_provider.core.retries import is_refused

_HOST_PORT = re.compile(r"host='(?P<host>[^']+)', port=(?P<port>\d+)")
_ERRNO = re.compile(r"\[Errno -?\d+\] (?P<reason>[^'\")]+)")
_TLS_MARKERS = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "SSLError", "SSL:")
_AADSTS = re.compile(r"AADSTS\d+: .*")
_CREDENTIAL_LINE = re.compile(r"^\t(?P<name>\w+): (?P<reason>.*)$")


def explain(
    error: BaseException, settings: ConnectionSettings, verb: str, *, program_ran: bool = True
) -> Exception:
    """The failure to raise in place of `error` (itself, when it is one already).

    `program_ran` is False when the provider was configured without the program: a refresh or
    destroy then uses the configuration the last deployment recorded in the state, and a
    failure of settings must say so first, with the command that uses the program's."""
    failure = _explain(error, settings, verb)
    if (
        verb in _FROM_SAVED_CONFIG
        and isinstance(failure, _SETTINGS_FAILURES)
        and not program_ran
        and not _run_program()
    ):
        return type(failure)(saved_config_message(str(failure), verb, current_command()))
    return failure


# A refresh (read) or destroy (delete) that does not run the program configures the provider
# from the config saved in the state at the last update, not from the stack's current config.
_FROM_SAVED_CONFIG = {"read": "refresh", "delete": "delete"}
_SETTINGS_FAILURES = (
    failures.AuthenticationFailed,
    failures.EndpointUnreachable,
    failures.TlsVerificationFailed,
)


def saved_config_message(failure: str, verb: str, command: PulumiCommand | None) -> str:
    """`failure`, led by the configuration it used and ended by the whole command that uses
    the program's instead (the user's own command, with the program run)."""
    if command is not None and command.runs_program:
        return failure
    if command is None:
        ran, way_out = f"this {_FROM_SAVED_CONFIG[verb]}", "pulumi up --refresh --run-program"
    elif command.subcommand in ("refresh", "destroy"):
        ran, way_out = f"`{command}`", f"pulumi {command.subcommand} --run-program"
    else:
        doing = " (its refresh)" if verb == "read" else ""
        ran, way_out = f"`{command}`{doing}", "pulumi up --refresh --run-program"
    return (
        f"{ran} used the configuration recorded by the last deployment, not the program's "
        f"current config: {failure}. If the config changed since (a rotated secret, an "
        f"endpoint), run `{way_out}` to use the program's (or set PULUMI_RUN_PROGRAM=true)"
    )


def _run_program() -> bool:
    return os.environ.get("PULUMI_RUN_PROGRAM", "").lower() in ("1", "true")


def _explain(error: BaseException, settings: ConnectionSettings, verb: str) -> Exception:
    if isinstance(error, failures.AccessDenied) and settings.client_id:
        return failures.AccessDenied(
            f"{error} (this run signed in as client {settings.client_id} of tenant "
            f"{settings.tenant_id or 'unknown'})"
        )
    if isinstance(error, failures.DeploymentError):
        return error
    if isinstance(error, TargetMissing):
        return failures.TargetNotFound(str(error))
    if isinstance(error, CertificateNotFound):
        return failures.AzureRejected(
            f"the certificate disappeared from Azure during {verb} ({error}); something else "
            "deletes it: find what, then run `pulumi up` again"
        )
    if isinstance(error, RemoteError):
        return failures.AzureRejected(
            f"Azure refused the {verb}: {error}; run `pulumi refresh`, then `pulumi up` again"
        )
    if isinstance(error, InvalidInput):
        return failures.InputError(f"{error.field}: {error.reason}")
    if isinstance(error, SettingsError):
        return failures.InputError(str(error))
    if isinstance(error, FederationError):
        return failures.AuthenticationFailed(str(error))
    if _is_tls_failure(error):
        return failures.TlsVerificationFailed(_tls_message(error, settings))
    # ARM's own 401s are mapped where the call is made; one that reaches here is the token
    # service's (azure-identity), with or without an HTTP answer attached.
    if isinstance(error, ClientAuthenticationError):
        if _is_connection_failure(error):
            return failures.EndpointUnreachable(_unreachable_message(error, settings))
        return failures.AuthenticationFailed(_credential_message(error, settings))
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return failures.EndpointUnreachable(_unreachable_message(error, settings))
    if isinstance(error, HttpResponseError):
        return failures.AzureRejected(f"Azure refused the {verb}: {_first_line(error)}")
    return failures.InternalError.wrapping(verb, error)


# -- TLS and connections -------------------------------------------------------------------------


def _is_tls_failure(error: BaseException) -> bool:
    return any(marker in str(link) for link in links(error) for marker in _TLS_MARKERS)


def _is_connection_failure(error: BaseException) -> bool:
    return any(
        isinstance(link, (ServiceRequestError, ServiceResponseError)) for link in links(error)
    )


def _endpoint(error: BaseException, settings: ConnectionSettings) -> tuple[str, str]:
    """Which endpoint failed, as `https://host:port`, and the setting that names it."""
    match = next((found for link in links(error) if (found := _HOST_PORT.search(str(link)))), None)
    if match is None:
        return settings.arm_endpoint, "pop:armEndpoint (or POP_ARM_ENDPOINT)"
    where = f"{match['host']}:{match['port']}"
    for url, setting in (
        (settings.arm_endpoint, "pop:armEndpoint (or POP_ARM_ENDPOINT)"),
        (settings.authority_host or "", "pop:authorityHost (or AZURE_AUTHORITY_HOST)"),
    ):
        parsed = urlparse(url)
        if parsed.hostname == match["host"] and str(parsed.port or 443) == match["port"]:
            return url, setting
    return f"https://{where}", "the endpoint's URL (a Key Vault URL, or the token authority)"


def _tls_message(error: BaseException, settings: ConnectionSettings) -> str:
    url, _ = _endpoint(error, settings)
    if settings.ca_bundle:
        trust = (
            f"pop:caBundle ({settings.ca_bundle}) does not sign it: set pop:caBundle (or "
            "POP_CA_BUNDLE) to the CA bundle that does"
        )
    else:
        trust = (
            "the system's CA store does not trust it: set pop:caBundle (or POP_CA_BUNDLE) to the "
            "PEM bundle of the CA that signed it (the emulator prints its own)"
        )
    return f"TLS verification of {url} failed ({_reason(error)}); {trust}. Verification stays on"


def _unreachable_message(error: BaseException, settings: ConnectionSettings) -> str:
    url, setting = _endpoint(error, settings)
    reason = _reason(error)
    # A refused connection is not retried (pop_provider.core.retries); anything else was.
    if not (is_refused(error) or reason == "connection refused"):
        reason += ", also when retried"
    return (
        f"cannot reach {url} ({reason}): check {setting} and that the service is up and "
        "reachable from this machine"
    )


def _reason(error: BaseException) -> str:
    for link in links(error):
        text = str(link)
        if "certificate verify failed" in text:
            return "certificate verify failed" + text.split("certificate verify failed", 1)[1]
        match = _ERRNO.search(text)
        if match:
            return match["reason"].strip().lower()
    return _first_line(error)


# -- credentials ---------------------------------------------------------------------------------


def _credential_message(error: ClientAuthenticationError, settings: ConnectionSettings) -> str:
    text = str(error.message or error)
    tried = [
        f"  - {match['name']}: {_without_links(match['reason'])}"
        for line in text.splitlines()
        if (match := _CREDENTIAL_LINE.match(line))
    ]
    if tried:
        return (
            "no Azure credential is available; each source DefaultAzureCredential tried:\n"
            + "\n".join(tried)
            + f"\nSet {settings.setting('tenantId')}, {settings.setting('clientId')} and (as a "
            f"secret) {settings.setting('clientSecret')}, or the AZURE_* / ARM_* variables, or "
            "run `az login`"
        )
    who = f"client {settings.client_id} in tenant {settings.tenant_id}"
    entra = _AADSTS.search(_first_line(error))
    said = entra.group(0).rstrip("'") if entra else _first_line(error)
    reason = _without_links(said.removeprefix("Authentication failed: "))
    if settings.uses_federation:
        fix = (
            "Check the app's federated identity credential: its issuer, subject and audience "
            "(api://AzureADTokenExchange) must match the pipeline's token exactly"
        )
    else:
        fix = (
            f"Set the secret's current value ({_secret_fix(settings)}), and check "
            f"{settings.setting('tenantId')} and clientId"
        )
    return f"Azure sign-in failed for {who} with {settings.sign_in}: {reason}. {fix}"


def _secret_fix(settings: ConnectionSettings) -> str:
    """How to set the client secret where this run read it."""
    key = settings.setting("clientSecret")
    source = settings.client_secret_source
    if source and ":" not in source:  # an environment variable
        return f"the {source} variable, or `pulumi config set --secret {key} <secret>`"
    return f"`pulumi config set --secret {key} <secret>`, or AZURE_CLIENT_SECRET"


def _without_links(text: str) -> str:
    """Azure's reason without troubleshooting links and request ids, which do not say what to
    change (the ids are kept only in a real tenant's sign-in log)."""
    sentences = re.split(r"(?<=\.)\s+", text.strip())
    kept = [
        s
        for s in sentences
        if "http" not in s and not s.startswith(("Trace ID", "Correlation ID", "Timestamp"))
    ]
    return " ".join(kept).split(" Trace ID:")[0].strip().rstrip(".")


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "message", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
