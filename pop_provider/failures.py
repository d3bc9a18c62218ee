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

import pulumi


class DeploymentError(Exception):
    """A failure with a message a person can act on; `str()` is the whole message."""


class ProgramError(pulumi.RunError, ValueError):
    """The Pulumi program or its stack config declares something that cannot be deployed.

    Raised while the program runs, before any call to Azure: a certificate or key file that is
    missing or not PEM, a stack config entry with a missing or unknown key, a TrustedCa with no
    targets, or two resources declaring the same certificate name on the same hub or DPS. The
    message names the file, key or resource and what to write instead; fix the program or the
    stack config (`pulumi config`) and run `pulumi up` again. As a `pulumi.RunError`, Pulumi
    prints the message alone, and as a `ValueError` a program may catch it like any bad value.
    """


class InputError(DeploymentError):
    """An input of the resource could not be accepted when the provider applied it.

    Most inputs are checked at preview; a value known only at apply time (an output of another
    resource, a secret) is checked when the provider receives it. Common causes: a certificate
    or key that is not PEM, a key that does not match the certificate, a malformed ARM id or
    Key Vault key id, an unknown mode, or a provider setting with a wrong value. The message
    names the input and the value expected; correct it in the program and run `pulumi up`.
    """


class AuthenticationFailed(DeploymentError):
    """No Azure token could be obtained, or Azure refused the one sent (HTTP 401).

    Common causes: no credential at all (no service principal settings, no `az login`), a
    client secret that expired or was rotated, a tenant id or client id that does not match
    the app registration, a federated identity credential whose issuer, subject or audience
    does not match the pipeline's token, or a token from another tenant than the
    subscription's. The message lists what was tried and the setting to correct
    (pop:tenantId, pop:clientId, pop:clientSecret, or the AZURE_* / ARM_* variables).
    """


class EndpointUnreachable(DeploymentError):
    """No connection could be made to the ARM, token or Key Vault endpoint.

    Common causes: a typo in pop:armEndpoint or pop:authorityHost, a local emulator that is
    not running, a proxy or firewall between this machine and Azure, or a DNS name that does
    not resolve. A refused connection fails at once; other network errors are retried first.
    Check the endpoint the message names, and that the service is up and reachable from here.
    """


class TlsVerificationFailed(DeploymentError):
    """The endpoint's TLS certificate is not trusted by the configured CA bundle.

    Common causes: a private cloud or an emulator whose certificate is signed by a CA the
    system does not trust, a TLS-inspecting proxy, or pop:caBundle pointing at the wrong
    bundle. Set pop:caBundle (or POP_CA_BUNDLE) to the PEM bundle of the CA that signed the
    endpoint's certificate. Verification is never turned off.
    """


class AccessDenied(DeploymentError):
    """Azure signed the principal in, but its roles do not allow the action (HTTP 403).

    Common causes: the service principal has no role on the hub, DPS or resource group, or a
    role that lacks one of the certificate actions (write, verify, delete), or the assignment
    was made moments ago and has not propagated yet. The message names the principal, the
    action and the scope; assign the least-privilege role 'IoT CA certificate verifier'
    (docs/guides/credentials.md#the-least-privilege-role), or Contributor, at that scope.
    """


class TargetNotFound(DeploymentError):
    """The hub, DPS, resource group or subscription does not exist where the input says.

    Common causes: a typo in the hub or DPS name, the wrong resource group, a subscription id
    of another subscription (or one the principal has no role in), or a hub that is not
    created yet. Check the target's ARM id or name inputs and the subscription, or create the
    target first (declare it in the same program and depend on it).
    """


class NameConflict(DeploymentError):
    """The certificate name on the target holds a different certificate than the one declared.

    Common causes: another stack, a script or the portal uploaded another certificate under
    this name, or replaced this resource's certificate out of band. Choose another
    certificate_name (or leave it unset to get a generated one); when the certificate was
    replaced out of band, run `pulumi refresh` so that the next `pulumi up` replaces it.
    """


class AlreadyTrusted(DeploymentError):
    """The target already trusts this CA under another certificate name.

    A target trusts a CA once and one resource owns it, so a second name for the same CA is
    refused before any upload. Common causes: another resource of this program or another
    stack declares the CA on the same hub or DPS, or the portal or a script uploaded it. The
    message names the holder and how to resolve it: remove one of the two declarations, or
    adopt the existing certificate (`pulumi import`).
    """


class EnrollmentGroupExists(DeploymentError):
    """The DPS already has an enrollment group with this id, which this resource did not create.

    One resource owns a group id on a DPS, so an existing group is never taken over by a
    create. Common causes: the group was made with the portal, the az CLI or another stack, or
    another resource of this program declares the same id on the same DPS. Adopt the group with
    `pulumi import pop:index:EnrollmentGroup <name> <DPS ARM id>/enrollmentGroups/<id>` (see
    docs/guides/enrollment-groups.md), or choose another enrollment_group_id.
    """


class ChangedOutOfBand(DeploymentError):
    """The enrollment group changed on the DPS after this run read it (HTTP 412 to If-Match).

    Every update and delete of a group carries the etag the state recorded, so a change made
    meanwhile by the portal, a script or another stack is never overwritten unseen. The message
    says what the DPS holds now. Run `pulumi up --refresh` (or `pulumi refresh`, then the
    command again): the refreshed state carries the new etag, and the group is set back to what
    the program declares.
    """


class CertificateLimitReached(DeploymentError):
    """The hub or DPS already holds as many CA certificates as its tier allows.

    Common causes: old or rotated CA certificates that were never deleted, or many stacks
    trusting their CAs on one shared hub. Delete certificates the target no longer needs, or
    trust this CA on another hub or DPS.
    """


class ProofOfPossessionFailed(DeploymentError):
    """Azure did not accept the proof of possession of the CA's private key.

    Common causes: the key does not belong to the certificate, the signer (a Key Vault key or
    an offline signer) signed with another key, or the verification code went stale because
    something else generated a new one meanwhile (in offline mode, a proof signed for an older
    code: the message shows the current one). The provider removes a certificate it uploaded
    and could not verify; the message says what was removed. Check that the key matches the
    certificate and run `pulumi up` again.
    """


class Throttled(DeploymentError):
    """Azure kept answering 429 (too many requests) or 5xx past the retry budget.

    Common causes: many certificates deployed at once against one hub or DPS, other tools
    calling the same subscription, or an Azure outage. Each operation is retried with Azure's
    Retry-After first. Run `pulumi up` again later (it resumes where it stopped), or lower the
    parallelism (`pulumi up --parallel 4`).
    """


class AzureRejected(DeploymentError):
    """Azure refused an operation for a reason no other kind describes.

    The message quotes Azure's own words and code, with the operation and the target. Common
    causes: a certificate Azure will not accept (expired, not a CA, an unsupported key), a
    certificate deleted by something else during the run, or a target in a state that refuses
    changes. Act on Azure's message; when the state looks stale, run `pulumi refresh`, then
    `pulumi up` again.
    """


class InternalError(DeploymentError):
    """A bug of pop-provider, not something the inputs or Azure did wrong.

    The message asks for a report and carries the Python frames that locate the bug. Please
    open an issue with the whole message, the provider version and the command that ran; no
    private key is ever part of it.
    """

    @classmethod
    def wrapping(cls, verb: str, error: BaseException) -> InternalError:
        frames = "".join(traceback.format_exception(error, limit=50)).rstrip()
        return cls(
            f"pop-provider failed unexpectedly in {verb} ({type(error).__name__}: {error}); "
            "this is a bug, please report it with these details:\n" + frames
        )


# The kinds a user may meet, in the order a troubleshooting guide shows them: the program first,
# then signing in and reaching Azure, then what Azure answers, then a bug of ours.
KINDS: tuple[type[Exception], ...] = (
    ProgramError,
    InputError,
    AuthenticationFailed,
    EndpointUnreachable,
    TlsVerificationFailed,
    AccessDenied,
    TargetNotFound,
    NameConflict,
    AlreadyTrusted,
    EnrollmentGroupExists,
    ChangedOutOfBand,
    CertificateLimitReached,
    ProofOfPossessionFailed,
    Throttled,
    AzureRejected,
    InternalError,
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
