"""The proof-of-possession flow: call budget, resumption after a crash, no orphans."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from pop_provider.core.inputs import DesiredCertificate, Mode
from pop_provider.core.lifecycle import CertificateLifecycle
from pop_provider.core.ownership import Declaration, Declarations
from pop_provider.core.remote import EtagConflict, RemoteError
from pop_provider.core.signers import LocalKeySigner
from pop_provider.core.target import TargetKind, make_target
from pop_provider.failures import AlreadyTrusted, NameConflict, ProofOfPossessionFailed
from tests.pki import make_ca
from tests.pop_provider.fakes import FakeCertificates

TARGET = make_target(TargetKind.IOT_HUB, "00000000-0000-0000-0000-0000000000a1", "rg", "hub-one")


def desired(mode: Mode = Mode.PROOF, name: str = "root-1234abcd", ca=None) -> DesiredCertificate:
    ca = ca or make_ca("lifecycle root")
    signer = LocalKeySigner.from_pem(ca.private_key_pem, None) if mode is Mode.PROOF else None
    return DesiredCertificate(TARGET, ca.certificate, name, True, mode, signer)


def test_proof_mode_is_three_calls_and_ends_verified() -> None:
    api = FakeCertificates()
    remote = CertificateLifecycle(api).create(desired()).remote
    assert api.calls == ["list", "upload", "generate_verification_code", "verify"]
    assert remote.is_verified


def test_auto_mode_is_one_call() -> None:
    api = FakeCertificates()
    remote = CertificateLifecycle(api).create(desired(Mode.AUTO)).remote
    assert api.calls == ["list", "upload"]
    assert remote.is_verified


def test_a_create_interrupted_after_upload_is_resumed() -> None:
    api = FakeCertificates()
    want = desired()
    api.fail["generate_verification_code"] = [KeyboardInterrupt()]  # the process dies here
    with pytest.raises(KeyboardInterrupt):
        CertificateLifecycle(api).create(want)
    assert want.certificate_name in api.store  # left behind by the crash

    api.next_run()
    remote = CertificateLifecycle(api).create(want).remote  # the next `pulumi up`
    assert remote.is_verified
    assert api.calls == ["list", "upload", "get", "generate_verification_code", "verify"]


def test_a_name_holding_someone_elses_certificate_is_not_taken_over() -> None:
    api = FakeCertificates()
    other = desired(ca=make_ca("someone else"))
    CertificateLifecycle(api).create(other)
    with pytest.raises(NameConflict, match="different certificate"):
        CertificateLifecycle(api).create(desired(name=other.certificate_name))
    assert api.store[other.certificate_name].remote.thumbprint == other.thumbprint


def test_a_rejected_proof_removes_the_upload() -> None:
    from pop_provider.core.remote import ProofRejected

    api = FakeCertificates()
    api.fail["verify"] = [ProofRejected("Proof-Of-Possession failed (code 400053)")]
    with pytest.raises(ProofOfPossessionFailed, match="removed"):
        CertificateLifecycle(api).create(desired())
    assert api.store == {}


def test_an_unexpected_failure_after_upload_also_removes_it() -> None:
    api = FakeCertificates()
    api.fail["verify"] = [RemoteError("HTTP 503 after retries")]
    with pytest.raises(RemoteError):
        CertificateLifecycle(api).create(desired())
    assert api.store == {}


def test_delete_rereads_a_stale_etag_and_tolerates_a_missing_certificate() -> None:
    api = FakeCertificates()
    want = desired()
    CertificateLifecycle(api).create(want)
    api.fail["delete"] = [EtagConflict("Invalid ETag supplied")]
    CertificateLifecycle(api).delete(want.certificate_name)
    assert api.store == {}
    api.calls.clear()
    CertificateLifecycle(api).delete(want.certificate_name)
    assert api.calls == []  # gone from the run's listing: no call at all


def test_ensure_verified_reproves_an_unverified_certificate() -> None:
    api = FakeCertificates()
    want = desired()
    CertificateLifecycle(api).create(want)
    stored = api.store[want.certificate_name]
    api.upload(want.certificate_name, want.certificate_pem, verified=False, etag=stored.remote.etag)
    api.calls.clear()
    remote = CertificateLifecycle(api).ensure_verified(want).remote
    assert remote.is_verified
    assert api.calls == ["get", "generate_verification_code", "verify"]


def test_ensure_verified_recreates_a_deleted_certificate() -> None:
    api = FakeCertificates()
    want = desired(Mode.AUTO)
    remote = CertificateLifecycle(api).ensure_verified(want).remote
    assert remote.is_verified
    assert api.calls == ["get", "list", "upload"]


def test_offline_mode_uploads_and_hands_out_a_code() -> None:
    api = FakeCertificates()
    outcome = CertificateLifecycle(api).create(desired(Mode.OFFLINE))
    assert api.calls == ["list", "upload", "generate_verification_code"]
    assert not outcome.remote.is_verified
    assert outcome.verification_code


def test_offline_proof_signed_for_the_code_verifies() -> None:
    from dataclasses import replace

    from pop_provider.core.proof import build_proof_certificate

    ca = make_ca("offline root")
    api = FakeCertificates()
    first = CertificateLifecycle(api).create(desired(Mode.OFFLINE, ca=ca))
    assert first.verification_code
    signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
    proof = build_proof_certificate(ca.certificate, signer, first.verification_code)
    second = CertificateLifecycle(api).ensure_verified(
        replace(desired(Mode.OFFLINE, ca=ca), proof=proof)
    )
    assert second.remote.is_verified


def test_a_stale_offline_proof_fails_and_shows_the_new_code() -> None:
    from dataclasses import replace

    from pop_provider.core.lifecycle import StaleProof
    from pop_provider.core.proof import build_proof_certificate

    ca = make_ca("offline root")
    api = FakeCertificates()
    CertificateLifecycle(api).create(desired(Mode.OFFLINE, ca=ca))
    signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
    stale = build_proof_certificate(ca.certificate, signer, "0" * 48)
    with pytest.raises(StaleProof) as raised:
        CertificateLifecycle(api).ensure_verified(
            replace(desired(Mode.OFFLINE, ca=ca), proof=stale)
        )
    new_code = raised.value.code
    assert new_code in str(raised.value)
    assert api.store[desired(Mode.OFFLINE, ca=ca).certificate_name].code == new_code


def test_a_verify_applied_but_unanswered_counts_as_verified() -> None:
    api = FakeCertificates(lost_answer={"verify"})
    outcome = CertificateLifecycle(api).create(desired())
    assert outcome.remote.is_verified
    assert api.calls == ["list", "upload", "generate_verification_code", "verify", "get"]


def test_a_code_applied_but_unanswered_is_asked_for_again() -> None:
    api = FakeCertificates(lost_answer={"generate_verification_code"})
    outcome = CertificateLifecycle(api).create(desired())
    assert outcome.remote.is_verified
    assert api.calls == [
        "list",
        "upload",
        "generate_verification_code",
        "get",
        "generate_verification_code",
        "verify",
    ]


def test_the_same_ca_under_another_name_is_refused_naming_it_and_how_to_adopt_it() -> None:
    api = FakeCertificates()
    theirs = desired()
    CertificateLifecycle(api).create(theirs)
    (their_name,) = api.store
    mine = DesiredCertificate(**{**theirs.__dict__, "certificate_name": "mine-1234abcd"})
    with pytest.raises(AlreadyTrusted) as raised:
        CertificateLifecycle(api).create(mine)
    message = str(raised.value)
    assert f"as certificate '{their_name}'" in message
    assert f"set certificate_name to '{their_name}'" in message
    assert list(api.store) == [their_name]  # nothing uploaded
    adopted = CertificateLifecycle(api).create(theirs)  # the same name: ours to manage
    assert adopted.remote.name == their_name and adopted.remote.is_verified


def test_creates_of_one_ca_racing_in_one_run_upload_it_once_and_name_the_holder() -> None:
    """The engine runs creates concurrently (`--parallel`): the check for a second copy and the
    reservation are one step, so only one of eight creates uploads the CA."""
    api = FakeCertificates()
    declared = Declarations()
    ca = make_ca("raced root")
    wants = [
        replace(desired(Mode.AUTO, f"root{n}-1234abcd", ca), owner=f"root{n}") for n in range(8)
    ]
    for want in wants:
        declared.add(
            Declaration(
                want.owner, TARGET.arm_id, TARGET.label, want.thumbprint, want.certificate_name
            )
        )
    start = threading.Barrier(len(wants))

    def create(want: DesiredCertificate) -> str:
        start.wait()
        try:
            CertificateLifecycle(api, declared).create(want)
        except AlreadyTrusted as refused:
            return str(refused)
        return "created"

    with ThreadPoolExecutor(max_workers=len(wants)) as pool:
        results = list(pool.map(create, wants))
    assert results.count("created") == 1
    assert api.calls.count("upload") == 1 and api.calls.count("list") == 1
    (held,) = api.store
    owner = held.split("-")[0]
    for refusal in (result for result in results if result != "created"):
        assert f"as certificate '{held}', which resource '{owner}' of this stack declares" in (
            refusal
        )
        assert f"Keep one of the two declarations ('{owner}' or 'root" in refusal


def test_a_delete_leaves_a_certificate_another_resource_of_the_run_declares() -> None:
    api = FakeCertificates()
    want = desired()
    CertificateLifecycle(api).create(want)
    declared = Declarations()
    declared.add(  # the resource that took the name over, checked in this run
        Declaration("new-owner", TARGET.arm_id, TARGET.label, "00", want.certificate_name)
    )
    lifecycle = CertificateLifecycle(api, declared)
    assert not lifecycle.delete(want.certificate_name, target_id=TARGET.arm_id, owner="old")
    assert want.certificate_name in api.store
    assert lifecycle.delete(want.certificate_name, target_id=TARGET.arm_id, owner="new-owner")
    assert api.store == {}


def test_a_ca_held_by_another_stack_is_left_to_it_and_never_advised_deleted() -> None:
    api = FakeCertificates()
    theirs = replace(desired(Mode.AUTO), owner="root", scope="proj/other")
    CertificateLifecycle(api).create(theirs)
    mine = replace(theirs, certificate_name="root-99999999", scope="proj/mine")
    with pytest.raises(AlreadyTrusted) as raised:
        CertificateLifecycle(api).create(mine)
    message = str(raised.value)
    assert "not uploaded by this stack (another stack, the portal or the az CLI)" in message
    assert "If another stack manages it, leave it there and remove this declaration" in message
    assert "delete it from the hub" not in message
