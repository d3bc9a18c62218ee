"""The text of every failure a person meets when a verb fails: one line saying what is wrong,
where, and the fix.

Which failure an error becomes is decided elsewhere, as data: Azure's answers in
pop_provider.core.azure_answers, everything else in pop_provider.core.explain. Only the words
live here, so that wording stays consistent (the same role hint, the same "run `pulumi up` again
later") and a change of wording is one file.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from pop_provider.core.error_chain import is_refused, links
from pop_provider.core.ownership import Holder, HolderKind

# Only types: the modules that raise these failures import this one.
if TYPE_CHECKING:
    from azure.core.exceptions import ClientAuthenticationError

    from pop_provider.core.azure_answers import Answer
    from pop_provider.core.connection import ConnectionSettings
    from pop_provider.core.errors import InvalidInput
    from pop_provider.core.federation import FederatedSource
    from pop_provider.core.inputs import DesiredCertificate
    from pop_provider.core.invocation import PulumiCommand
    from pop_provider.core.target import Target

# -- Azure's answers (pop_provider.core.azure_answers) -------------------------------------------

ROLE_HINT = (
    "assign the principal a role with this action at that scope or above: the least-privilege "
    "role 'IoT CA certificate verifier' (docs/guides/credentials.md#the-least-privilege-role), "
    "or Contributor"
)
# ARM's AuthorizationFailed message names the principal, the action and the scope.
_DENIED = re.compile(
    r"client '(?P<client>[^']*)'(?: with object id '(?P<object>[^']*)')?.*?"
    r"action '(?P<action>[^']*)' over scope '(?P<scope>[^']*)'",
    re.DOTALL,
)
_LATER = (
    "run `pulumi up` again later (it resumes where this run stopped), or lower the "
    "parallelism (`pulumi up --parallel 4`)"
)
_DOING = {
    "get": "reading a certificate of",
    "create_or_update": "uploading a certificate to",
    "generate_verification_code": "generating a verification code on",
    "verify": "verifying a certificate on",
    "verify_certificate": "verifying a certificate on",
    "delete": "deleting a certificate from",
    "list_by_iot_hub": "listing the certificates of",
    "list": "listing the certificates of",
    "enrollment_group_get": "reading an enrollment group of",
    "enrollment_group_create": "creating an enrollment group on",
    "enrollment_group_update": "updating an enrollment group on",
    "enrollment_group_delete": "deleting an enrollment group from",
    "dps_get": "reading",
    "list_keys_for_key_name": "reading a shared-access key of",
}


def doing(operation: str) -> str:
    """What an SDK operation does, as the middle of "while <doing> <target>"."""
    return _DOING.get(operation, f"calling {operation} on")


def azure_said(answer: Answer) -> str:
    """Azure's words alone: an outcome the lifecycle acts on, seen by a person only when the
    lifecycle cannot act on it (pop_provider.core.explain then adds the verb)."""
    return answer.said


def missing_parent(answer: Answer) -> str:
    """The hub, DPS or resource group holding the certificate does not exist."""
    target, said = answer.target, answer.said
    if answer.code == "resourcegroupnotfound":
        return (
            f"resource group '{target.resource_group}' does not exist in subscription "
            f"{target.subscription_id}: check resource_group_name (or the group in the "
            f"{target.kind_label}'s ARM id) and the subscription; Azure said: {said}"
        )
    return (
        f"{target.description} does not exist: check the {target.kind_label}'s name, resource "
        f"group and subscription (its ARM id, or the name inputs), or create it first; "
        f"Azure said: {said}"
    )


def subscription_not_found(answer: Answer) -> str:
    """The subscription does not exist, or the principal has no role in it."""
    target = answer.target
    return (
        f"subscription {target.subscription_id} was not found, or the principal has no role "
        f"in it: check the subscription of {target.label} (its ARM id, or the "
        f"subscriptionId setting) and the principal's role assignments; Azure said: {answer.said}"
    )


def access_denied(answer: Answer) -> str:
    """ARM's 403, with the principal, the action and the scope when ARM names them."""
    match = _DENIED.search(answer.said)
    if match is None:
        return (
            f"access denied while {doing(answer.operation)} {answer.target.description}: "
            f"{answer.said}; {ROLE_HINT}"
        )
    principal = match["client"]
    if match["object"] and match["object"] != principal:
        principal += f" (object id {match['object']})"
    return (
        f"access denied: principal {principal} may not perform '{match['action']}' on scope "
        f"'{match['scope']}'; {ROLE_HINT}"
    )


def token_refused(answer: Answer) -> str:
    """ARM's own 401: the token came from elsewhere than the subscription's tenant."""
    return (
        f"Azure Resource Manager refused the token while {doing(answer.operation)} "
        f"{answer.target.description}: {answer.said}; check the tenantId setting and "
        "pop:authorityHost (the token must come from the tenant of the subscription)"
    )


def certificate_limit(answer: Answer) -> str:
    """The target holds as many CA certificates as its tier allows."""
    target = answer.target
    return (
        f"{target.description} already holds as many CA certificates as it may: {answer.said}; "
        f"delete certificates it no longer needs from the {target.kind_label}, or trust this "
        "CA on another one"
    )


def throttled(answer: Answer) -> str:
    """429 or 5xx past azure-core's retries."""
    from pop_provider.core.connection import RETRIES  # connection imports this module

    return (
        f"Azure answered HTTP {answer.status} while {doing(answer.operation)} "
        f"{answer.target.description}, still after {RETRIES} retries: {answer.said}; {_LATER}"
    )


def rejected(answer: Answer) -> str:
    """Any other answer that ends the operation: Azure's own words."""
    return (
        f"Azure refused {doing(answer.operation)} {answer.target.description} "
        f"(HTTP {answer.status}): {answer.said}"
    )


def retry_after_too_long(status: int, wait: float, left: float, budget: float) -> str:
    """Azure asked to wait past the operation's time budget (pop_provider.core.retries)."""
    return (
        f"Azure answered HTTP {status} and asked to wait {wait:.0f} s (Retry-After), "
        f"longer than the {max(left, 0):.0f} s left of this operation's {budget} s budget"
    )


def budget_spent(why: str, target: Target, operation: str) -> str:
    """`why` (retry_after_too_long's words), with the operation, the target and the way out."""
    return f"{why}, while {doing(operation)} {target.description}; {_LATER}"


# -- connection settings and federated tokens (pop_provider.core.connection, .federation) --------


def unknown_cloud(namespace: str, environment: str, clouds: list[str]) -> str:
    """An `environment` setting that names no cloud."""
    return (
        f"{namespace}:environment '{environment}' is not a cloud this provider knows; "
        f"use one of {', '.join(sorted(clouds))}, or set pop:armEndpoint and "
        "pop:authorityHost"
    )


def no_federated_token(namespace: str) -> str:
    """ARM_USE_OIDC is on, and no setting gives a token."""
    return (
        f"ARM_USE_OIDC ({namespace}:useOidc) is on but there is no federated token: set "
        "ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH, or ARM_OIDC_REQUEST_TOKEN with "
        "ARM_OIDC_REQUEST_URL (GitHub Actions provides ACTIONS_ID_TOKEN_REQUEST_TOKEN and "
        "_URL when the job has `permissions: id-token: write`)"
    )


def federation_needs_identity(source: FederatedSource, settings: ConnectionSettings) -> str:
    """A federated token without the tenant and client id it is exchanged for."""
    return (
        f"a federated token ({source.kind} from {source.setting}) needs the identity's "
        "tenant and client id: set ARM_TENANT_ID and ARM_CLIENT_ID (or AZURE_*, or "
        f"{settings.setting('tenantId')} and {settings.setting('clientId')})"
    )


def token_file_unreadable(source: FederatedSource, path: object, reason: str | None) -> str:
    """The pipeline's token file cannot be read."""
    return (
        f"{source.setting}: cannot read the federated token file {path} "
        f"({reason}); check the path and that the pipeline wrote it"
    )


def token_file_empty(source: FederatedSource, path: object) -> str:
    """The pipeline's token file holds nothing."""
    return f"{source.setting}: the federated token file {path} is empty"


def token_request_failed(source: FederatedSource, origin: str, error: BaseException) -> str:
    """No answer from the pipeline's token service."""
    return (
        f"{source.setting}: the OIDC token request to {origin} failed ({error}); "
        "check the URL, and that the job may request tokens (GitHub: `permissions: "
        "id-token: write`)"
    )


def token_request_refused(source: FederatedSource, origin: str, status: int) -> str:
    """The pipeline's token service answered, but not with 200."""
    return (
        f"{source.setting}: the OIDC token service at {origin} answered HTTP {status}; "
        "check the request token (ARM_OIDC_REQUEST_TOKEN) and that the job may request "
        "tokens (GitHub: `permissions: id-token: write`)"
    )


def token_answer_empty(source: FederatedSource, origin: str) -> str:
    """The pipeline's token service answered 200 without a token."""
    return (
        f"{source.setting}: the OIDC token service at {origin} answered without a "
        "token (no JSON `value`)"
    )


# -- everything else a verb meets (pop_provider.core.explain) ------------------------------------

_HOST_PORT = re.compile(r"host='(?P<host>[^']+)', port=(?P<port>\d+)")
_ERRNO = re.compile(r"\[Errno -?\d+\] (?P<reason>[^'\")]+)")
_AADSTS = re.compile(r"AADSTS\d+: .*")
_CREDENTIAL_LINE = re.compile(r"^\t(?P<name>\w+): (?P<reason>.*)$")
# A refresh (read) or destroy (delete) that does not run the program configures the provider
# from the config saved in the state at the last update, not from the stack's current config.
FROM_SAVED_CONFIG = {"read": "refresh", "delete": "delete"}


def signed_in_as(denied: BaseException, settings: ConnectionSettings) -> str:
    """An access-denied message, with the identity this run signed in as."""
    return (
        f"{denied} (this run signed in as client {settings.client_id} of tenant "
        f"{settings.tenant_id or 'unknown'})"
    )


def certificate_disappeared(verb: str, error: BaseException) -> str:
    """A certificate the lifecycle had just seen is gone."""
    return (
        f"the certificate disappeared from Azure during {verb} ({error}); something else "
        "deletes it: find what, then run `pulumi up` again"
    )


def remote_refused(verb: str, error: BaseException) -> str:
    """An outcome (an etag conflict, a rejected proof) the lifecycle could not resolve."""
    return f"Azure refused the {verb}: {error}; run `pulumi refresh`, then `pulumi up` again"


def no_such_type(kind: str, token: str) -> str:
    """An engine asked the plugin for a type it does not have (a typo in a YAML `type:`)."""
    return f"the pop provider has no {kind} '{token}'"


def invalid_input(error: InvalidInput) -> str:
    """An input judged at apply time, named by its property."""
    return f"{error.field}: {error.reason}"


def http_refused(verb: str, error: BaseException) -> str:
    """An HTTP answer not made through pop_provider.core.azure_calls (Key Vault's, say)."""
    return f"Azure refused the {verb}: {first_line(error)}"


def saved_config_message(failure: str, verb: str, command: PulumiCommand | None) -> str:
    """`failure`, led by the configuration it used and ended by the whole command that uses
    the program's instead (the user's own command, with the program run)."""
    if command is not None and command.runs_program:
        return failure
    if command is None:
        ran, way_out = f"this {FROM_SAVED_CONFIG[verb]}", "pulumi up --refresh --run-program"
    elif command.subcommand in ("refresh", "destroy"):
        ran, way_out = f"`{command}`", f"pulumi {command.subcommand} --run-program"
    else:
        doing_it = " (its refresh)" if verb == "read" else ""
        ran, way_out = f"`{command}`{doing_it}", "pulumi up --refresh --run-program"
    return (
        f"{ran} used the configuration recorded by the last deployment, not the program's "
        f"current config: {failure}. If the config changed since (a rotated secret, an "
        f"endpoint), run `{way_out}` to use the program's (or set PULUMI_RUN_PROGRAM=true)"
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


def tls_failed(error: BaseException, settings: ConnectionSettings) -> str:
    """The endpoint's certificate is not trusted: which endpoint, and the bundle to set."""
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


def unreachable(error: BaseException, settings: ConnectionSettings) -> str:
    """No connection: which endpoint, why, and the setting that names it."""
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
    return first_line(error)


def credential_failed(error: ClientAuthenticationError, settings: ConnectionSettings) -> str:
    """No token: each source DefaultAzureCredential tried, or Entra's reason for the one
    configured, with the setting to correct."""
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
    entra = _AADSTS.search(first_line(error))
    said = entra.group(0).rstrip("'") if entra else first_line(error)
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


def first_line(error: BaseException) -> str:
    """The first line of an SDK error's message: what it says before its request dump."""
    text = str(getattr(error, "message", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# -- the certificate's lifecycle (pop_provider.core.lifecycle) -----------------------------------


def stale_proof(certificate_name: str, code: str, reason: str) -> str:
    return (
        f"the proof certificate for '{certificate_name}' was not accepted ({reason}): the "
        f"verification code changed since it was signed (a new code was generated or the "
        f"certificate re-uploaded). Sign this new verification code with the CA's key and "
        f"set it as proof_certificate_pem: {code}"
    )


def name_holds_another(desired: DesiredCertificate, thumbprint: str) -> str:
    return (
        f"certificate '{desired.certificate_name}' on {desired.target.label} now holds "
        f"a different certificate (thumbprint {thumbprint}, expected "
        f"{desired.thumbprint}); run `pulumi refresh` so the next `pulumi up` replaces it"
    )


def name_taken(desired: DesiredCertificate, thumbprint: str) -> str:
    return (
        f"a different certificate (thumbprint {thumbprint}) already uses the name "
        f"'{desired.certificate_name}' on {desired.target.label}; choose another "
        "certificate_name or leave it unset to get a generated one"
    )


def already_trusted(desired: DesiredCertificate, thumbprint: str, held: Holder) -> str:
    return (
        f"{desired.target.label} already trusts this CA (thumbprint {thumbprint}) as "
        f"certificate '{held.name}', {held.description}; a target trusts a CA once and one "
        f"resource owns it. {_how_to_resolve(held, desired.owner)}"
    )


def device_registry_import(name: str, target_label: str, managed_by: str) -> str:
    """An import of a certificate that Azure Device Registry manages: refused, never adopted."""
    return (
        f"certificate '{name}' on {target_label} is managed by Azure Device Registry (synced "
        f"from {managed_by}), which keeps it in sync; pop never adopts, changes or deletes "
        "such a certificate: leave it out of `pulumi import` (the bulk query in "
        "docs/guides/import.md skips it)"
    )


def device_registry_left(name: str, target_label: str) -> str:
    """A delete that found the recorded name holding a certificate ADR manages."""
    return (
        f"certificate '{name}' on {target_label} is now managed by Azure Device Registry, so "
        "it was left in place and only this resource's record was removed; nothing to do"
    )


def read_versions_retired(target: Target, versions: tuple[str, ...]) -> str:
    """ARM refused every api-version pop reads a hub's certificates with."""
    return (
        f"{target.label} refused every api-version pop reads its certificates with "
        f"({', '.join(versions)}): ARM has retired them; upgrade pop-provider to a release that "
        "reads a current one (pop will not read on an older version, which cannot tell Azure "
        "Device Registry's certificates from yours); nothing was changed"
    )


def device_registry_took_name(desired: DesiredCertificate, managed_by: str) -> str:
    """The declared name holds a certificate that Azure Device Registry manages."""
    return (
        f"certificate '{desired.certificate_name}' on {desired.target.label} is managed by "
        f"Azure Device Registry (synced from {managed_by}), and pop never adopts, changes or "
        "deletes such a certificate: give this resource another certificate_name (or leave it "
        "unset to get a generated one), or remove it if that certificate already trusts its CA"
    )


def proof_rejected(desired: DesiredCertificate, error: BaseException, removed: str) -> str:
    return (
        f"Azure rejected the proof of possession for '{desired.certificate_name}' on "
        f"{desired.target.label}: {error}; {removed}. Check that the signing key is the "
        "key of this certificate and that nothing else generated a new verification code "
        "meanwhile, then run `pulumi up` again"
    )


def upload_left(certificate_name: str) -> str:
    return (
        f"the uploaded certificate '{certificate_name}' could not be removed and "
        "stays unverified on the hub until the next `pulumi up` resumes or removes it"
    )


def upload_removed(certificate_name: str) -> str:
    return f"the uploaded certificate '{certificate_name}' was removed"


def _how_to_resolve(held: Holder, owner: str) -> str:
    """The fix for a CA held under another name; never advice that deletes a trusted CA."""
    me = f"'{owner}'" if owner else "this resource"
    if held.kind is HolderKind.DEVICE_REGISTRY:
        return (
            f"Azure Device Registry keeps '{held.name}' in sync and pop never adopts, changes "
            f"or deletes it: the devices of this CA are already trusted there, so remove {me} "
            "from this target (declare the CA only where Azure Device Registry does not)"
        )
    if held.kind is HolderKind.DECLARED:
        return f"Keep one of the two declarations ('{held.resource}' or {me})"
    if held.kind is HolderKind.LEFT_BEHIND:
        old = held.resource
        return (
            f"If you renamed '{old}' to {me}, declare the old name as an alias "
            f"(aliases=[pulumi.Alias(name='{old}')]) and the certificate stays as it is; or "
            f"move it: set certificate_name to '{held.name}' (certificateName in the stack "
            f"config) on {me}, and this run keeps the certificate when it removes '{old}'"
        )
    return (
        "If another stack manages it, leave it there and remove this declaration (two owners: "
        "a destroy of either would delete it for both); if it was uploaded by hand, adopt it: "
        f"set certificate_name to '{held.name}' (certificateName in the stack config) and run "
        "`pulumi up`"
    )


# -- enrollment groups (pop_provider.core.enrollment) --------------------------------------------

DPS_DATA_ROLE_HINT = (
    "assign the principal the role 'Device Provisioning Service Data Contributor' (or one with "
    "the data actions Microsoft.Devices/provisioningServices/enrollmentGroups/read, write and "
    "delete) on the DPS or above, or set pop:dpsSharedAccessPolicy to use a shared-access "
    "policy's key instead"
)


def group_exists(group_id: str, target: Target, arm_id: str) -> str:
    """A create found the group id taken: never taken over."""
    return (
        f"enrollment group '{group_id}' already exists on {target.description} and this "
        f"resource did not create it: adopt it with `pulumi import pop:index:EnrollmentGroup "
        f"<name> {arm_id}`, or choose another enrollment_group_id"
    )


def group_claimed(group_id: str, target: Target, first: str, second: str) -> str:
    """Two resources of one deployment declare the same group id on one DPS."""
    return (
        f"resources '{first}' and '{second}' both declare enrollment group '{group_id}' on "
        f"{target.label}: one resource owns a group id on a DPS; remove one of the two or give "
        "it another enrollment_group_id"
    )


def group_changed(group_id: str, target: Target, now: str) -> str:
    """412 to If-Match: someone else wrote the group since this run read it."""
    return (
        f"enrollment group '{group_id}' on {target.label} changed out of band since the last "
        f"refresh (the DPS answered 412 to its recorded etag; {now}): run `pulumi up --refresh` "
        "to set it back to what the program declares"
    )


def group_now(group: dict[str, object] | None) -> str:
    """What a re-read found, for group_changed."""
    if group is None:
        return "it is gone now"
    return f"it holds etag {group.get('etag')}, last written {group.get('lastUpdatedDateTimeUtc')}"


def reference_missing(field: str, name: str, target: Target, listed: list[str]) -> str:
    """A referenced certificate that no resource declares and the DPS does not hold."""
    held = ", ".join(sorted(listed)) or "none"
    return (
        f"{field} '{name}' names no CA certificate of {target.label} (it holds: {held}) and no "
        "VerifiedCaCertificate of this program declares it there: pass the certificate's "
        "certificate_name, e.g. rootCa.certificateName"
    )


def reference_unverified(field: str, name: str, target: Target) -> str:
    """A referenced certificate that the DPS holds but not Verified, and nobody declares."""
    return (
        f"{field} '{name}' is a CA certificate of {target.label} that is not Verified, and no "
        "VerifiedCaCertificate of this program declares it there: devices chained to it would "
        "be refused; declare it with a VerifiedCaCertificate and pass its certificate_name"
    )


def hubs_not_linked(hubs: list[str], target: Target, linked: list[str]) -> str:
    """iot_hubs names hubs that are not linked to the DPS."""
    known = ", ".join(sorted(linked)) or "none"
    return (
        f"iot_hubs names {', '.join(hubs)}, not linked to {target.label} (linked: {known}): "
        "link the hub to the DPS (its iotHubs property) or give the host name of a linked hub"
    )


def dps_no_service_host(target: Target) -> str:
    """The DPS resource reports no service API host (not provisioned yet)."""
    return (
        f"{target.description} reports no serviceOperationsHostName: wait until the DPS is "
        "provisioned (its state Active) and run `pulumi up` again"
    )


def dps_service_denied(answer: Answer) -> str:
    """The DPS service API's 403: no data role."""
    return (
        f"the DPS service API denied access while {doing(answer.operation)} "
        f"{answer.target.label}: {answer.said}; {DPS_DATA_ROLE_HINT}"
    )


def dps_service_token_refused(answer: Answer) -> str:
    """The DPS service API's 401: IoT Hub answers 401, not 403, to a token whose principal
    holds no data role [issue: Azure/azure-iot-sdk-csharp#3344], and DPS may do the same
    [guess], so the role comes first; then the token's audience and tenant."""
    return (
        f"the DPS service API refused the credential while {doing(answer.operation)} "
        f"{answer.target.label}: {answer.said}; {DPS_DATA_ROLE_HINT}; if it has the role, "
        "check the tenantId setting (the token must be for https://azure-devices-provisioning"
        ".net, from the subscription's tenant)"
    )


def dps_policy_refused(answer: Answer, policy: str) -> str:
    """The DPS service API refused calls signed with pop:dpsSharedAccessPolicy's key."""
    return (
        f"the DPS service API refused the shared-access policy '{policy}' "
        f"(pop:dpsSharedAccessPolicy) while {doing(answer.operation)} {answer.target.label}: "
        f"{answer.said}; name a policy of that DPS with the right EnrollmentWrite (the default "
        "'provisioningserviceowner' has it), or unset pop:dpsSharedAccessPolicy to use the "
        "Microsoft Entra credential with a DPS data role"
    )


def dps_service_rejected(answer: Answer) -> str:
    """Any other refusal of the DPS service API: its own words."""
    return (
        f"the DPS service API refused {doing(answer.operation)} {answer.target.label} "
        f"(HTTP {answer.status}): {answer.said}; correct the EnrollmentGroup's inputs it names"
    )


def unknown_shared_access_policy(policy: str, target: Target, said: str) -> str:
    """pop:dpsSharedAccessPolicy names no policy of the DPS."""
    return (
        f"pop:dpsSharedAccessPolicy '{policy}' is not a shared-access policy of "
        f"{target.description}: {said}; set it to one of the DPS's policies (e.g. "
        "provisioningserviceowner) or unset it to use the Entra credential"
    )


def group_not_ca_bound(group_id: str, target: Target) -> str:
    """An import of a group whose attestation is not CA references."""
    return (
        f"enrollment group '{group_id}' on {target.label} does not reference CA certificates "
        "(its attestation is signing certificates, symmetric keys or TPM): EnrollmentGroup "
        "manages only groups bound to CA certificates by name; import another group"
    )
