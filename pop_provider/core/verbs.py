"""The provider verbs, engine-neutral: what check, diff, create, read, update and delete do for a
certificate, on property dicts named as the core names them (pop_provider.core.inputs).

Both faces call this and only translate: the dynamic face (pop_provider.dynamic.provider) to
Pulumi's dynamic-provider types, the native face (pop_provider.native) to property names in
camelCase and the gRPC provider protocol. So a rule, a message or an ARM call is written once.

Call budget on the happy path: create is 1 ARM call in auto mode (PUT verified) and 3 in proof
mode (PUT, generateVerificationCode, verify); a no-change `up` makes none (diff is local) beyond
the refresh's reads, if the project refreshes (`refresh: always`); read is 1 GET; delete is a GET
for the current etag and a DELETE.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from pulumi.runtime.rpc import UNKNOWN

from pop_provider.core import certificates, inputs
from pop_provider.core.connection import ConnectionSettings
from pop_provider.core.errors import InvalidInput
from pop_provider.core.inputs import DesiredCertificate, Mode
from pop_provider.core.lifecycle import CertificateLifecycle, Outcome
from pop_provider.core.ownership import Declaration, Declarations
from pop_provider.core.remote import CertificateNotFound, RemoteCertificate
from pop_provider.core.runtime import Runtime, settings_from
from pop_provider.core.target import Target, TargetKind, parse_target_id
from pop_provider.failures import InputError

# Output property names (the inputs' names are in pop_provider.core.inputs).
ARM_ID = "arm_id"
SUBJECT = "subject"
THUMBPRINT = "thumbprint"
NOT_AFTER = "not_after"
IS_VERIFIED = "is_verified"
CODE = "verification_code"
# Outputs that are absent from the state read as unknown in a preview, and the engine drops
# null outputs: "no code outstanding" is stored as this, and read back as None.
NO_CODE = ""
# Recorded by versions before 0.3 and dropped from the state at the next update or refresh.
STALE_DAYS_UNTIL_EXPIRY = "days_until_expiry"


@dataclass(frozen=True)
class Failure:
    """One input check failed: the property (or "" when the reason names it) and the reason."""

    property: str
    reason: str


@dataclass
class Checked:
    """The checked inputs (with what check derives) and every failure found."""

    inputs: dict[str, Any]
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class Diff:
    changes: bool
    replaces: tuple[str, ...] = ()
    delete_before_replace: bool = False


@dataclass(frozen=True)
class Read:
    """A certificate as found: `id` "" when it is gone; `inputs` what a program declares for
    it (for an import: the target, the certificate and its name)."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]


_Verb = TypeVar("_Verb", bound=Callable[..., Any])


def _reported(verb: str) -> Callable[[_Verb], _Verb]:
    """Whatever a verb raises reaches the user as one failure that says what to do
    (pop_provider.core.explain), never as a chain of Python exceptions."""

    def decorate(method: _Verb) -> _Verb:
        @functools.wraps(method)
        def wrapper(self: CertificateVerbs, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception as error:
                # Imported on the first failure: it pulls in azure-core, which a program
                # (that imports the faces for their types) never needs.
                from pop_provider.core.explain import explain

                settings = self.settings_for_errors()
                raise explain(error, settings, verb, program_ran=self._program_ran) from None

        return wrapper  # type: ignore[return-value]

    return decorate


class CertificateVerbs:
    """The verbs for `VerifiedCaCertificate`, for one provider process (thread-safe).

    `declared` is what the resources of this deployment declare (a provider process serves
    one deployment): filled by check, read by create (who holds a CA) and delete (what another
    resource owns).
    """

    def __init__(self, declared: Declarations, namespace: str = "azure-native") -> None:
        self._declared = declared
        # Where the face's users set azure-native's settings (connection.load_settings).
        self._namespace = namespace
        self._runtime: Runtime | None = None
        self._lock = threading.Lock()
        # Set by the first check: the program runs, so the config is the program's, not the
        # one a refresh or destroy without the program reads from the state.
        self._program_ran = False

    def configure(self, config: Callable[[str], Any] | None) -> None:
        """Connection settings from the provider's config (never stored) and the environment."""
        runtime = Runtime(settings_from(config, self._namespace))
        with self._lock:
            self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        with self._lock:
            if self._runtime is None:  # an engine that never called configure
                self._runtime = Runtime(settings_from(None, self._namespace))
            return self._runtime

    def settings_for_errors(self) -> ConnectionSettings:
        """The settings an error message refers to (defaults, if even they failed to load)."""
        if self._runtime is not None:
            return self._runtime.settings
        return ConnectionSettings(namespace=self._namespace)

    @_reported("check")
    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        self._program_ran = True
        result = _check(olds or {}, news, self.runtime.settings.default_subscription_id)
        if not result.failures:
            result.failures.extend(_claim(self._declared, result.inputs))
        return result

    @_reported("diff")
    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        return _diff(olds, news)

    @_reported("create")
    def create(self, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        desired = self._desired(props)
        outcome = self._lifecycle(desired).create(desired)
        return outcome.remote.arm_id, _outputs(props, desired, outcome)

    @_reported("read")
    def read(self, id_: str, props: Mapping[str, Any]) -> Read:
        """The certificate as Azure reports it; with no recorded properties (an import), the
        inputs that declare it too."""
        target, name = _recorded_location(id_, props)
        api = self.runtime.clients.certificates(target)
        try:
            # A refresh reads the target's list, once per target per run, not a GET per
            # certificate (what bounds a fleet's refresh is ARM's read throttle); an import
            # reads the one certificate, with its PEM.
            remote = _listed(api.list(), name) if props else api.get(name)
        except CertificateNotFound:
            remote = None
        if remote is None:
            return Read(id="", outputs={}, inputs={})  # gone: refresh removes it from the state
        outs = {**props, **_remote_outputs(remote)}
        outs.pop(STALE_DAYS_UNTIL_EXPIRY, None)
        if remote.is_verified:
            outs[CODE] = NO_CODE  # a code outstanding for an offline proof is spent
        declared = {k: v for k, v in props.items() if k in _DECLARED_INPUTS}
        if not props:
            declared = _imported_inputs(target, remote)
            outs.update(declared)
            outs.update(
                {inputs.TARGET_ID: target.arm_id, inputs.NAME_GENERATED: False, CODE: NO_CODE}
            )
        return Read(id=remote.arm_id or id_, outputs=outs, inputs=declared)

    @_reported("update")
    def update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        desired = self._desired(news)
        outcome = self._lifecycle(desired).ensure_verified(desired)
        return _outputs(news, desired, outcome)

    @_reported("delete")
    def delete(self, id_: str, props: Mapping[str, Any]) -> None:
        target, name = _recorded_location(id_, props)
        lifecycle = CertificateLifecycle(self.runtime.clients.certificates(target), self._declared)
        # A certificate that another resource of this run declares (it took the name over) is
        # left to that resource: only this resource's record goes.
        lifecycle.delete(
            name, target_id=target.arm_id, owner=str(props.get(inputs.NAME_PREFIX) or "")
        )

    def _desired(self, props: Mapping[str, Any]) -> DesiredCertificate:
        """Typed inputs; a Key Vault key is fetched and matched here, before any ARM call."""
        runtime = self.runtime
        try:
            return inputs.desired_certificate(
                props,
                runtime.settings.default_subscription_id,
                key_vault=runtime.key_vault_signer,
            )
        except InvalidInput as error:
            raise InputError(f"{error.field}: {error.reason}") from None

    def _lifecycle(self, desired: DesiredCertificate) -> CertificateLifecycle:
        return CertificateLifecycle(
            self.runtime.clients.certificates(desired.target), self._declared
        )


# The inputs a program declares (the rest of the state is what check derives and Azure reports).
_DECLARED_INPUTS = frozenset(
    {
        *inputs.TARGET_INPUTS,
        inputs.CERTIFICATE_PEM,
        inputs.CERTIFICATE_NAME,
        inputs.MODE,
        *inputs.SIGNER_INPUTS,
        inputs.PROOF_CERTIFICATE_PEM,
    }
)


def _imported_inputs(target: Target, remote: RemoteCertificate) -> dict[str, Any]:
    """What a program declares for a certificate it adopts: its target, the certificate Azure
    holds (as PEM) and its name, in offline mode: the one mode that needs no key and never
    self-attests. The user adds the key (or Key Vault key) and `mode: proof` to let `up` prove
    possession again by itself; neither changes anything on Azure."""
    declared: dict[str, Any] = {
        (inputs.HUB_ID if target.kind is TargetKind.IOT_HUB else inputs.DPS_ID): target.arm_id,
        inputs.CERTIFICATE_NAME: remote.name,
        inputs.MODE: Mode.OFFLINE.value,
    }
    if remote.certificate_pem:
        try:
            parsed = certificates.parse_certificate(remote.certificate_pem)
            declared[inputs.CERTIFICATE_PEM] = certificates.certificate_pem(parsed)
        except InvalidInput:
            declared[inputs.CERTIFICATE_PEM] = remote.certificate_pem
    return declared


def _listed(listing: list[RemoteCertificate], name: str) -> RemoteCertificate | None:
    return next((cert for cert in listing if cert.name.lower() == name.lower()), None)


def _recorded_location(id_: str, props: Mapping[str, Any]) -> tuple[Target, str]:
    """Target and name of a certificate in the state (the id is its ARM id)."""
    target_id, _, name = id_.rpartition("/certificates/")
    return (
        parse_target_id(str(props.get(inputs.TARGET_ID) or target_id)),
        str(props.get(inputs.CERTIFICATE_NAME) or name),
    )


def _claim(declared: Declarations, checked: Mapping[str, Any]) -> list[Failure]:
    """Record this resource's claim (CA and certificate name on its target); a failure naming
    both resources when another resource of this deployment claims the same. Any face's
    programs meet this, Python's also in the program itself (pop_provider.dynamic.declarations)."""
    target_id, name = checked.get(inputs.TARGET_ID), checked.get(inputs.CERTIFICATE_NAME)
    owner, thumbprint = checked.get(inputs.NAME_PREFIX), checked.get(THUMBPRINT)
    if not all(
        isinstance(v, str) and v and not inputs.is_unknown(v)
        for v in (target_id, owner, thumbprint)
    ):
        return []
    declaration = Declaration(
        owner=str(owner),
        target_id=str(target_id),
        target_label=parse_target_id(str(target_id)).label,
        thumbprint=str(thumbprint),
        certificate_name=None if inputs.is_unknown(name) or not name else str(name),
    )
    conflict = declared.add(declaration)
    return [] if conflict is None else [Failure("", conflict.message)]


# -- check ---------------------------------------------------------------------------------------


def _check(
    olds: Mapping[str, Any], news: Mapping[str, Any], default_subscription: str | None
) -> Checked:
    """Validate every input, collecting all failures, and settle the certificate name."""
    checked = dict(news)
    failures: list[Failure] = []

    def attempt(step: Callable[[], Any], *depends_on: str) -> Any:
        if any(inputs.is_unknown(news.get(key)) for key in depends_on):
            return None
        try:
            return step()
        except InvalidInput as error:
            failures.append(_failure(error))
            return None

    now = datetime.now(UTC)
    checked.pop(inputs.TARGET_ID, None)
    target = attempt(
        lambda: inputs.resolve_target(news, default_subscription), *inputs.TARGET_INPUTS
    )
    if target is not None:
        checked[inputs.TARGET_ID] = target.arm_id
    elif any(inputs.is_unknown(news.get(key)) for key in inputs.TARGET_INPUTS):
        checked[inputs.TARGET_ID] = UNKNOWN

    certificate = attempt(lambda: inputs.parse_ca_certificate(news, now), inputs.CERTIFICATE_PEM)
    if certificate is not None:
        checked.update(_local_outputs(certificate))
    mode = attempt(lambda: inputs.parse_mode(news), inputs.MODE)
    signer = None
    if mode is not None:
        checked[inputs.MODE] = mode.value
        signer = attempt(lambda: inputs.parse_signer(news, mode), *inputs.SIGNER_INPUTS)
        attempt(
            lambda: inputs.parse_proof_certificate(news, mode, certificate),
            inputs.PROOF_CERTIFICATE_PEM,
            inputs.CERTIFICATE_PEM,
        )
    if (
        signer is not None
        and certificate is not None
        and not inputs.same_public_key(signer, certificate)
    ):
        failures.append(_failure(inputs.key_mismatch(inputs.PRIVATE_KEY_PEM)))
    name = attempt(lambda: inputs.parse_certificate_name(news), inputs.CERTIFICATE_NAME)
    if name is not None:
        checked[inputs.NAME_GENERATED] = False
    elif not failures and not inputs.is_unknown(news.get(inputs.CERTIFICATE_NAME)):
        # Only once everything checked: a name left unknown beside a failure would make a
        # non-preview run (`up --skip-preview`) stop at "unexpected unknown property value"
        # instead of printing the failure.
        checked[inputs.CERTIFICATE_NAME] = _generated_name(olds, checked, certificate)
        checked[inputs.NAME_GENERATED] = True
    return Checked(checked, failures)


def _local_outputs(certificate: Any) -> dict[str, Any]:
    """What Azure will report about this certificate, known from the certificate itself: a
    preview of a replacement then shows `thumbprint: OLD => NEW`, subject and expiry."""
    return {
        THUMBPRINT: certificates.thumbprint(certificate),
        SUBJECT: certificates.common_name(certificate),
        NOT_AFTER: certificates.not_after(certificate).astimezone(UTC).isoformat(),
    }


def _failure(error: InvalidInput) -> Failure:
    """The engine prints a failing property's value beside the reason, and it does not reliably
    mask secrets there (a key read from a file was printed in clear). A certificate may also
    hold a pasted private key. So failures of these properties name the property in the reason
    and leave the engine nothing to print."""
    if error.field in (inputs.CERTIFICATE_PEM, *inputs.SECRET_INPUTS):
        return Failure("", f"{error.field}: {error.reason}")
    return Failure(error.field, error.reason)


def _generated_name(olds: Mapping[str, Any], checked: Mapping[str, Any], certificate: Any) -> str:
    """The name for this certificate on this hub (see inputs.generate_certificate_name); while
    the certificate or the hub is not known yet (preview), the recorded name or unknown."""
    target_id = checked.get(inputs.TARGET_ID)
    previous = olds.get(inputs.CERTIFICATE_NAME)
    kept = str(previous) if previous and olds.get(inputs.NAME_GENERATED) else None
    if certificate is None or not isinstance(target_id, str) or inputs.is_unknown(target_id):
        return kept or UNKNOWN
    # The recorded inputs carry the thumbprint check derived (parsed again only for old states).
    recorded = olds.get(THUMBPRINT) or _thumbprint_of(olds) if kept else None
    if kept and _same_target(olds, checked) and recorded == checked.get(THUMBPRINT):
        # The same CA on the same target keeps its name, also when the resource is renamed
        # (with an alias): a new name would replace, deleting the certificate before its copy.
        return kept
    return inputs.generate_certificate_name(
        str(checked.get(inputs.NAME_PREFIX) or "ca"),
        str(checked.get(inputs.NAME_SCOPE) or ""),
        target_id,
        certificates.thumbprint(certificate),
    )


def _same_target(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    first, second = a.get(inputs.TARGET_ID), b.get(inputs.TARGET_ID)
    if inputs.is_unknown(second):
        return True
    return isinstance(first, str) and isinstance(second, str) and first.lower() == second.lower()


def _thumbprint_of(props: Mapping[str, Any]) -> str | None:
    try:
        return certificates.thumbprint(
            certificates.parse_certificate(str(props.get(inputs.CERTIFICATE_PEM) or ""))
        )
    except InvalidInput:
        return None


# -- diff ----------------------------------------------------------------------------------------


def _diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
    """olds: the recorded outputs (refreshed, if the user ran refresh); news: checked inputs."""
    replaces: list[str] = []
    if not _same_target(olds, news):
        replaces.append(inputs.TARGET_ID)
    if news.get(inputs.CERTIFICATE_NAME) != olds.get(inputs.CERTIFICATE_NAME):
        replaces.append(inputs.CERTIFICATE_NAME)
    new_pem = news.get(inputs.CERTIFICATE_PEM)
    if inputs.is_unknown(new_pem) or _thumbprint_of(news) != olds.get(THUMBPRINT):
        replaces.append(inputs.CERTIFICATE_PEM)
    if replaces:
        # On the same hub the old certificate must go first when the name stays (one slot) or
        # only the name changes (a hub trusts a CA once); a new certificate under a new name is
        # created and verified before the old one is deleted, so trust never lapses.
        same_hub = inputs.TARGET_ID not in replaces
        only_one_changes = (inputs.CERTIFICATE_NAME in replaces) != (
            inputs.CERTIFICATE_PEM in replaces
        )
        first_delete = same_hub and only_one_changes
        return Diff(changes=True, replaces=tuple(replaces), delete_before_replace=first_delete)
    if olds.get(IS_VERIFIED):
        return Diff(changes=False)
    awaiting_offline_proof = (
        news.get(inputs.MODE) == Mode.OFFLINE.value
        and not news.get(inputs.PROOF_CERTIFICATE_PEM)
        and olds.get(CODE)
    )
    # Unverified: drifted (update proves possession again) or, offline, a proof to submit; an
    # offline certificate with a code out and no proof yet waits for the operator.
    return Diff(changes=not awaiting_offline_proof)


# -- outputs -------------------------------------------------------------------------------------


def _remote_outputs(remote: RemoteCertificate) -> dict[str, Any]:
    """What Azure reports. (Days until expiry are counted by the program on every run, from
    the certificate it holds: a count stored here would go stale between runs.)"""
    expiry = remote.expiry.astimezone(UTC) if remote.expiry else None
    outputs: dict[str, Any] = {
        ARM_ID: remote.arm_id,
        SUBJECT: remote.subject,
        THUMBPRINT: remote.thumbprint,
        IS_VERIFIED: remote.is_verified,
    }
    if expiry is not None:
        outputs[NOT_AFTER] = expiry.isoformat()
    return outputs


def _outputs(
    props: Mapping[str, Any], desired: DesiredCertificate, outcome: Outcome
) -> dict[str, Any]:
    """Every output, always: an update that returned fewer would wipe the rest (pulumi#7809).
    The key and its password are inputs only; they never become outputs."""
    outs = {
        key: value
        for key, value in props.items()
        if key not in (*inputs.SECRET_INPUTS, STALE_DAYS_UNTIL_EXPIRY)
    }
    outs.update(
        {
            inputs.TARGET_ID: desired.target.arm_id,
            inputs.MODE: desired.mode.value,
            inputs.CERTIFICATE_NAME: desired.certificate_name,
            inputs.NAME_GENERATED: desired.name_generated,
            CODE: NO_CODE if outcome.remote.is_verified else outcome.verification_code or NO_CODE,
        }
    )
    outs.update(_remote_outputs(outcome.remote))
    return outs
