"""The failures a person meets at run time, each one message that says what, where and the fix.

Pulumi's Python dynamic-provider host reports an exception raised by a provider verb as
`traceback.format_exc()` (pulumi/dynamic/__main__.py, `_abort_with_traceback`), so the CLI would
print Python frames first and the message last. Two things keep the message first and alone:

- every verb raises one of these classes with `from None` (no chained "During handling of..."),
  so what the CLI prints is `pop_provider.failures.<Kind>: <message>`, the kind a label;
- `quiet_host_tracebacks()` sets `sys.tracebacklimit = 0` in the provider host process, Python's
  documented switch that makes a formatted exception its type and message only.

A failure that is a bug of ours (`InternalError`) carries its own traceback in the message text,
so a report still has the frames that locate it.
"""

from __future__ import annotations

import logging
import sys
import traceback


class DeploymentError(Exception):
    """A failure with a message a person can act on; `str()` is the whole message."""


class InputError(DeploymentError):
    """An input that check could not judge at preview (a value known only at apply time)."""


class TargetNotFound(DeploymentError):
    """The hub, DPS or resource group does not exist (or is in another subscription)."""


class AccessDenied(DeploymentError):
    """Azure authenticated the principal but its roles do not allow the action (HTTP 403)."""


class AuthenticationFailed(DeploymentError):
    """No token could be obtained, or Azure refused the one sent (HTTP 401)."""


class Throttled(DeploymentError):
    """Azure kept answering 429 or 5xx past the retry budget of one operation."""


class CertificateLimitReached(DeploymentError):
    """The hub or DPS already holds as many CA certificates as it may."""


class ProofOfPossessionFailed(DeploymentError):
    """Azure did not accept the proof of possession; the message says what was removed."""


class AlreadyTrusted(DeploymentError):
    """The target already trusts this CA under another name (another stack, or the portal)."""


class NameConflict(DeploymentError):
    """The certificate name holds a different certificate than the one declared."""


class EndpointUnreachable(DeploymentError):
    """No connection to the ARM, token or Key Vault endpoint."""


class TlsVerificationFailed(DeploymentError):
    """The endpoint's certificate is not trusted by the configured CA bundle."""


class AzureRejected(DeploymentError):
    """Any other answer of Azure that ends the operation; Azure's own words, where and what."""


class InternalError(DeploymentError):
    """A bug of ours: the message asks for a report and carries the frames that locate it."""

    @classmethod
    def wrapping(cls, verb: str, error: BaseException) -> InternalError:
        frames = "".join(traceback.format_exception(error, limit=50)).rstrip()
        return cls(
            f"pop-provider failed unexpectedly in {verb} ({type(error).__name__}: {error}); "
            "this is a bug, please report it with these details:\n" + frames
        )


def quiet_host_tracebacks() -> None:
    """In Pulumi's dynamic-provider host only: print exceptions as their message, not frames,
    and keep the Azure SDK's own warnings (a failed get_token, already in our message) out of
    the CLI's output, which shows the host's stderr.

    The host process is Pulumi's (`python -m pulumi.dynamic`) and runs only dynamic providers;
    a program or a test importing this package is left alone.
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if getattr(spec, "name", None) == "pulumi.dynamic.__main__":
        sys.tracebacklimit = 0
        azure = logging.getLogger("azure")
        if not azure.handlers:
            azure.addHandler(logging.NullHandler())
