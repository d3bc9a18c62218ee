"""Any exception a verb meets, as the one failure a person reads (pop_provider.failures).

Azure's answers are mapped where the call is made (pop_provider.core.azure_answers), knowing
the target. What reaches this module is either such a failure already, an outcome the lifecycle
could not resolve, or something with no answer from Azure's services: no token (bad or missing
credentials), no connection, an untrusted TLS certificate; or it is ours (an input that could
only be judged at apply time, a bug). `EXPLAINED` says, as data, which each becomes; the words
are pop_provider.core.messages'.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from pop_provider import failures
from pop_provider.core import messages
from pop_provider.core.connection import ConnectionSettings
from pop_provider.core.error_chain import links
from pop_provider.core.errors import InvalidInput
from pop_provider.core.invocation import current_command
from pop_provider.core.messages import FROM_SAVED_CONFIG, saved_config_message
from pop_provider.core.remote import CertificateNotFound, RemoteError, TargetMissing

__all__ = ["EXPLAINED", "Explained", "explain", "saved_config_message"]

_TLS_MARKERS = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "SSLError", "SSL:")


def explain(
    error: BaseException, settings: ConnectionSettings, verb: str, *, program_ran: bool = True
) -> Exception:
    """The failure to raise in place of `error` (itself, when it is one already).

    `program_ran` is False when the provider was configured without the program: a refresh or
    destroy then uses the configuration the last deployment recorded in the state, and a
    failure of settings must say so first, with the command that uses the program's."""
    row = next(row for row in EXPLAINED if row.matches(error, settings))
    failure = row.build(error, settings, verb)
    if (
        verb in FROM_SAVED_CONFIG
        and isinstance(failure, _SETTINGS_FAILURES)
        and not program_ran
        and not _run_program()
    ):
        return type(failure)(saved_config_message(str(failure), verb, current_command()))
    return failure


_SETTINGS_FAILURES = (
    failures.AuthenticationFailed,
    failures.EndpointUnreachable,
    failures.TlsVerificationFailed,
)


def _run_program() -> bool:
    return os.environ.get("PULUMI_RUN_PROGRAM", "").lower() in ("1", "true")


@dataclass(frozen=True)
class Explained:
    """Errors that are a `caught` and pass `when` (if given), and the failure they become."""

    caught: type[BaseException] | tuple[type[BaseException], ...]
    build: Callable[[BaseException, ConnectionSettings, str], Exception]
    when: Callable[[BaseException, ConnectionSettings], bool] | None = None

    def matches(self, error: BaseException, settings: ConnectionSettings) -> bool:
        """Whether this row describes `error`."""
        return isinstance(error, self.caught) and (self.when is None or self.when(error, settings))


def _is_tls_failure(error: BaseException, _settings: ConnectionSettings) -> bool:
    return any(marker in str(link) for link in links(error) for marker in _TLS_MARKERS)


def _is_connection_failure(error: BaseException, _settings: ConnectionSettings) -> bool:
    return any(
        isinstance(link, (ServiceRequestError, ServiceResponseError)) for link in links(error)
    )


def _signed_in(_error: BaseException, settings: ConnectionSettings) -> bool:
    return bool(settings.client_id)


def _itself(error: BaseException, _settings: ConnectionSettings, _verb: str) -> Exception:
    assert isinstance(error, Exception)  # a DeploymentError, by its row
    return error


def _kind(
    kind: type[failures.DeploymentError],
    words: Callable[[BaseException, ConnectionSettings], str],
) -> Callable[[BaseException, ConnectionSettings, str], Exception]:
    return lambda error, settings, _verb: kind(words(error, settings))


def _kind_in(
    kind: type[failures.DeploymentError], words: Callable[[str, BaseException], str]
) -> Callable[[BaseException, ConnectionSettings, str], Exception]:
    return lambda error, _settings, verb: kind(words(verb, error))


def _invalid_input(error: BaseException, _settings: ConnectionSettings) -> str:
    assert isinstance(error, InvalidInput)
    return messages.invalid_input(error)


def _credential_failed(error: BaseException, settings: ConnectionSettings) -> str:
    assert isinstance(error, ClientAuthenticationError)
    return messages.credential_failed(error, settings)


def _internal(error: BaseException, _settings: ConnectionSettings, verb: str) -> Exception:
    return failures.InternalError.wrapping(verb, error)


# The first row that matches wins; the last matches everything (a bug of ours).
EXPLAINED: tuple[Explained, ...] = (
    Explained(
        failures.AccessDenied, _kind(failures.AccessDenied, messages.signed_in_as), _signed_in
    ),
    Explained(failures.DeploymentError, _itself),
    Explained(TargetMissing, _kind(failures.TargetNotFound, lambda error, _: str(error))),
    Explained(
        CertificateNotFound, _kind_in(failures.AzureRejected, messages.certificate_disappeared)
    ),
    Explained(RemoteError, _kind_in(failures.AzureRejected, messages.remote_refused)),
    Explained(InvalidInput, _kind(failures.InputError, _invalid_input)),
    Explained(
        BaseException, _kind(failures.TlsVerificationFailed, messages.tls_failed), _is_tls_failure
    ),
    # ARM's own 401s are mapped where the call is made; one that reaches here is the token
    # service's (azure-identity), with or without an HTTP answer attached.
    Explained(
        ClientAuthenticationError,
        _kind(failures.EndpointUnreachable, messages.unreachable),
        _is_connection_failure,
    ),
    Explained(ClientAuthenticationError, _kind(failures.AuthenticationFailed, _credential_failed)),
    Explained(
        (ServiceRequestError, ServiceResponseError),
        _kind(failures.EndpointUnreachable, messages.unreachable),
    ),
    Explained(HttpResponseError, _kind_in(failures.AzureRejected, messages.http_refused)),
    Explained(BaseException, _internal),
)
