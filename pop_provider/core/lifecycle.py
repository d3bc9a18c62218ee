"""The proof-of-possession flow over a target's certificates API, resumable and leak-free.

Upload, code, proof, verify: each step carries the etag of the previous one. A create that dies
half way is resumed by the next `pulumi up` (the certificate is found by name and thumbprint);
a verification that fails removes what was uploaded, so nothing is orphaned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pop_provider.core import certificates, messages, proof
from pop_provider.core.declaration import Mode
from pop_provider.core.inputs import DesiredCertificate
from pop_provider.core.ownership import Declarations, holder_of
from pop_provider.core.remote import (
    CertificateApi,
    CertificateNotFound,
    EtagConflict,
    ProofRejected,
    RemoteCertificate,
)
from pop_provider.failures import AlreadyTrusted, NameConflict, ProofOfPossessionFailed

# A delete that meets a changed etag re-reads and tries again, this many times.
_DELETE_ATTEMPTS = 3


class StaleProof(ProofOfPossessionFailed):
    """An offline-signed proof was for an old code; carries the new code to sign."""

    def __init__(self, certificate_name: str, code: str, reason: str) -> None:
        super().__init__(messages.stale_proof(certificate_name, code, reason))
        self.code = code


@dataclass(frozen=True)
class Outcome:
    """Where a certificate stands after a verb, and the code awaiting an offline proof."""

    remote: RemoteCertificate
    verification_code: str | None = None


class CertificateLifecycle:
    """Create, re-verify and delete one certificate on one target."""

    def __init__(self, api: CertificateApi, declarations: Declarations | None = None) -> None:
        self._api = api
        # What the other resources of this run declare: who holds a certificate, and which
        # certificates a delete must leave to another owner.
        self._declarations = declarations or Declarations()

    def create(self, desired: DesiredCertificate) -> Outcome:
        """1 call in auto mode, 3 in proof mode, 2 in offline mode (upload, code), plus one list
        of the target per run; resumes a certificate a crashed run uploaded."""
        auto = desired.mode is Mode.AUTO
        self._refuse_a_second_copy(desired)
        try:
            uploaded = self._api.upload(
                desired.certificate_name, desired.certificate_pem, verified=auto, etag=None
            )
        except EtagConflict:
            uploaded = self._adopt_own(desired)
        if uploaded.is_verified:
            return Outcome(uploaded)
        if auto:
            return self._mark_verified(desired, uploaded)
        if desired.mode is Mode.OFFLINE:
            return self._await_offline_proof(desired, uploaded)
        return Outcome(self._prove_or_remove(desired, uploaded))

    def ensure_verified(self, desired: DesiredCertificate) -> Outcome:
        """Bring a certificate that drifted (unverified, or deleted) back to Verified; in
        offline mode, submit the operator's proof."""
        try:
            current = self._api.get(desired.certificate_name)
        except CertificateNotFound:
            return self.create(desired)
        if current.managed_by:
            raise NameConflict(messages.device_registry_took_name(desired, current.managed_by))
        if current.thumbprint != desired.thumbprint:
            raise NameConflict(messages.name_holds_another(desired, current.thumbprint))
        if current.is_verified:
            return Outcome(current)
        if desired.mode is Mode.AUTO:
            return self._mark_verified(desired, current)
        if desired.mode is Mode.OFFLINE:
            return self._submit_offline_proof(desired, current)
        return Outcome(self._prove(desired, current))

    def delete(self, name: str, *, target_id: str = "", owner: str = "") -> bool:
        """Delete with the current etag; gone already is success; a racing change is retried.

        A certificate that another resource of this run declares (it adopted the name) is left
        to that resource, and one that Azure Device Registry now manages under the name is left
        to ADR: False, nothing deleted."""
        if owner and self._declarations.owner_of(target_id, name, besides=owner):
            return False
        return self._delete(name)

    def _delete(self, name: str) -> bool:
        """The first attempt takes the etag from the run's listing of the target (one list per
        target, not a GET per certificate: what a fleet's destroy spends its read budget on; a
        name the listing lacks is gone, as a refresh reads it); a stale etag (412) is read again
        with a GET. False when the name holds a certificate Azure Device Registry manages."""
        listed = {cert.name.lower(): cert for cert in self._api.list()}.get(name.lower())
        if listed is None:
            return True
        for attempt in range(_DELETE_ATTEMPTS):
            try:
                current = listed if attempt == 0 else self._api.get(name)
            except CertificateNotFound:
                return True
            if current.managed_by:
                return False
            try:
                self._api.delete(name, current.etag)
                return True
            except EtagConflict:
                if attempt == _DELETE_ATTEMPTS - 1:
                    raise
        return True  # unreachable: the last attempt returns or raises

    # -- steps ---------------------------------------------------------------------------------

    def _refuse_a_second_copy(self, desired: DesiredCertificate) -> None:
        """A hub trusts a CA once: the same certificate under another name has another owner
        (a resource of this run, another stack, a portal upload), and a second copy would make
        two owners of one CA. The check and the reservation are one step, so creates of one CA
        racing in this run cannot both upload it."""
        thumbprint, name = desired.thumbprint, desired.certificate_name
        holder = self._api.claim(thumbprint, name)
        if holder is None:
            return
        target_id = desired.target.arm_id
        # The run's listing (already fetched by the claim) says whether ADR manages the holder.
        listed = next((c for c in self._api.list() if c.name.lower() == holder.lower()), None)
        held = holder_of(
            holder,
            target_id=target_id,
            thumbprint=thumbprint,
            scope=desired.scope,
            declared_by=self._declarations.owner_of(target_id, holder, besides=desired.owner),
            managed_by=listed.managed_by if listed else None,
        )
        raise AlreadyTrusted(messages.already_trusted(desired, thumbprint, held))

    def _adopt_own(self, desired: DesiredCertificate) -> RemoteCertificate:
        """The name is taken: carry on only if it holds our certificate (a crashed create)."""
        existing = self._api.get(desired.certificate_name)
        if existing.managed_by:
            raise NameConflict(messages.device_registry_took_name(desired, existing.managed_by))
        if existing.thumbprint != desired.thumbprint:
            raise NameConflict(messages.name_taken(desired, existing.thumbprint))
        return existing

    def _mark_verified(self, desired: DesiredCertificate, current: RemoteCertificate) -> Outcome:
        """Auto mode on an existing, unverified certificate: set isVerified (with its etag)."""
        return Outcome(
            self._api.upload(
                desired.certificate_name, desired.certificate_pem, verified=True, etag=current.etag
            )
        )

    def _await_offline_proof(
        self, desired: DesiredCertificate, uploaded: RemoteCertificate
    ) -> Outcome:
        """Offline mode, first run: a code for the operator to sign; the certificate waits."""
        code, etag = self._generate_code(desired, uploaded.etag)
        return Outcome(replace(uploaded, etag=etag), verification_code=code)

    def _submit_offline_proof(
        self, desired: DesiredCertificate, current: RemoteCertificate
    ) -> Outcome:
        """Offline mode, second run: verify the operator's proof, or hand out a fresh code."""
        if desired.proof is None:
            return self._await_offline_proof(desired, current)
        proof_pem = certificates.certificate_pem(desired.proof)
        try:
            return Outcome(self._api.verify(desired.certificate_name, current.etag, proof_pem))
        except ProofRejected as error:
            refreshed = self._api.get(desired.certificate_name)
            code, _ = self._api.generate_verification_code(desired.certificate_name, refreshed.etag)
            raise StaleProof(desired.certificate_name, code, str(error)) from None

    def _prove(self, desired: DesiredCertificate, uploaded: RemoteCertificate) -> RemoteCertificate:
        assert desired.signer is not None, "checked: proof mode always has a signer"
        code, etag = self._generate_code(desired, uploaded.etag)
        proof_pem = proof.proof_certificate_pem(desired.certificate, desired.signer, code)
        try:
            return self._api.verify(desired.certificate_name, etag, proof_pem)
        except EtagConflict:
            # A retried verify whose first attempt was applied (the answer was lost) meets a
            # new etag: what counts is whether the certificate is now verified.
            current = self._api.get(desired.certificate_name)
            if current.is_verified and current.thumbprint == desired.thumbprint:
                return current
            raise

    def _generate_code(self, desired: DesiredCertificate, etag: str) -> tuple[str, str]:
        """A verification code; if the etag moved (a retried request that was applied, whose
        code we never saw), read the current etag and ask again."""
        try:
            return self._api.generate_verification_code(desired.certificate_name, etag)
        except EtagConflict:
            current = self._api.get(desired.certificate_name)
            return self._api.generate_verification_code(desired.certificate_name, current.etag)

    def _prove_or_remove(
        self, desired: DesiredCertificate, uploaded: RemoteCertificate
    ) -> RemoteCertificate:
        try:
            return self._prove(desired, uploaded)
        except ProofRejected as error:
            removed = self._remove_after_failure(desired)
            raise ProofOfPossessionFailed(
                messages.proof_rejected(desired, error, removed)
            ) from None
        except Exception:
            # Anything else (throttling beyond the retry budget, a crash of the service): remove
            # the upload too; if even that fails, the next `up` resumes from the certificate.
            self._remove_after_failure(desired)
            raise

    def _remove_after_failure(self, desired: DesiredCertificate) -> str:
        """Best effort, and says how it went: the original failure is the one to report, and if
        this delete fails too the next `pulumi up` finds the certificate by name and thumbprint
        and carries on."""
        try:
            self._delete(desired.certificate_name)
        except Exception:
            return messages.upload_left(desired.certificate_name)
        return messages.upload_removed(desired.certificate_name)
