"""The proof-of-possession flow: call budget, resumption after a crash or a lost answer, no orphans.

Against the emulator's hub, through the provider's own clients (azure-mgmt-iothub, azure-core's
retries): the calls counted are the requests the emulator logged, and a crash is a real process
killed while its request is held.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import pytest
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import CertificateDescription, CertificateProperties

from azure_iot_emulator.testing import (
    AdminClient,
    EmulatorInfo,
    client_kwargs,
    management_credential,
)
from pop_provider.core import connection
from pop_provider.core.azure_clients import ClientFactory
from pop_provider.core.connection import ConnectionSettings, load_settings
from pop_provider.core.declaration import Mode
from pop_provider.core.inputs import DesiredCertificate
from pop_provider.core.lifecycle import CertificateLifecycle
from pop_provider.core.ownership import Declaration, Declarations
from pop_provider.core.remote import CertificateApi, RemoteCertificate
from pop_provider.core.signers import LocalKeySigner
from pop_provider.core.target import Target, TargetKind, make_target
from pop_provider.failures import AlreadyTrusted, NameConflict, ProofOfPossessionFailed, Throttled
from tests.conftest import azure_environment
from tests.pki import CertifiedKey, make_ca

# The emulator's operation ids, by the CertificateApi method that calls them.
CALLS = {
    "Certificates_ListByIotHub": "list",
    "Certificates_CreateOrUpdate": "upload",
    "Certificates_Get": "get",
    "Certificates_GenerateVerificationCode": "generate_verification_code",
    "Certificates_Verify": "verify",
    "Certificates_Delete": "delete",
}


@dataclass
class Hub:
    """The emulator's first hub as one `pulumi up` of the provider reaches it: its settings, its
    certificates API (one listing per run), and the emulator's request log and admin API."""

    info: EmulatorInfo
    admin: AdminClient
    settings: ConnectionSettings
    target: Target
    api: CertificateApi

    def next_run(self) -> None:
        """A new `pulumi up`: new clients (a fresh listing), and no calls recorded yet."""
        self.api = ClientFactory(self.settings).certificates(self.target)
        self.admin.clear_requests()

    def lifecycle(self, declarations: Declarations | None = None) -> CertificateLifecycle:
        return CertificateLifecycle(self.api, declarations)

    def desired(
        self, mode: Mode = Mode.PROOF, name: str = "root-1234abcd", ca: CertifiedKey | None = None
    ) -> DesiredCertificate:
        ca = ca or make_ca("lifecycle root")
        signer = LocalKeySigner.from_pem(ca.private_key_pem, None) if mode is Mode.PROOF else None
        return DesiredCertificate(self.target, ca.certificate, name, True, mode, signer)

    def calls(self) -> list[str]:
        """The certificate calls the emulator answered (or dropped), in order."""
        return [CALLS[e["operation"]] for e in self.admin.requests() if e["operation"] in CALLS]

    def answers(self) -> list[tuple[str, int | str | None]]:
        """Each certificate call and its status; "lost" where the answer never reached us."""
        return [
            (CALLS[e["operation"]], "lost" if e["dropped"] else e["status"])
            for e in self.admin.requests()
            if e["operation"] in CALLS
        ]

    def holds(self) -> dict[str, RemoteCertificate]:
        """What the hub holds now (read by another client: this run's listing stays as it is)."""
        api = ClientFactory(self.settings).certificates(self.target)
        return {cert.name: cert for cert in api.list()}

    def other_client(self) -> IotHubClient:
        """Someone else's client on the same hub (a portal user, another pipeline)."""
        return IotHubClient(
            management_credential(self.info), self.info.subscription_id, **client_kwargs(self.info)
        )


@pytest.fixture
def hub(emulator: EmulatorInfo) -> Hub:
    settings = load_settings(environ=azure_environment(emulator))
    target = make_target(
        TargetKind.IOT_HUB, emulator.subscription_id, emulator.resource_group, emulator.iot_hubs[0]
    )
    return Hub(
        emulator,
        AdminClient(emulator),
        settings,
        target,
        ClientFactory(settings).certificates(target),
    )


def test_proof_mode_is_three_calls_and_ends_verified(hub: Hub) -> None:
    remote = hub.lifecycle().create(hub.desired()).remote
    assert hub.calls() == ["list", "upload", "generate_verification_code", "verify"]
    assert remote.is_verified


def test_auto_mode_is_one_call(hub: Hub) -> None:
    remote = hub.lifecycle().create(hub.desired(Mode.AUTO)).remote
    assert hub.calls() == ["list", "upload"]
    assert remote.is_verified


def _create_in_this_process(settings: ConnectionSettings, want: DesiredCertificate) -> None:
    target = want.target
    CertificateLifecycle(ClientFactory(settings).certificates(target)).create(want)


def test_a_create_interrupted_after_upload_is_resumed(hub: Hub) -> None:
    want = hub.desired()
    hub.admin.hold("Certificates_GenerateVerificationCode")
    # A `pulumi up` whose provider process dies (SIGKILL) while asking for the code.
    crashed = multiprocessing.get_context("fork").Process(
        target=_create_in_this_process, args=(hub.settings, want)
    )
    crashed.start()
    try:
        hub.admin.wait_held(1)
    finally:
        crashed.kill()
        crashed.join()
    hub.admin.release(drop=True)
    left = hub.holds()[want.certificate_name]  # left behind by the crash
    assert not left.is_verified and left.thumbprint == want.thumbprint

    hub.next_run()
    remote = hub.lifecycle().create(want).remote  # the next `pulumi up`
    assert remote.is_verified
    assert hub.answers() == [
        ("list", 200),
        ("upload", 412),  # the name is taken: by our certificate, so it is adopted
        ("get", 200),
        ("generate_verification_code", 200),
        ("verify", 200),
    ]


def test_a_name_holding_someone_elses_certificate_is_not_taken_over(hub: Hub) -> None:
    other = hub.desired(ca=make_ca("someone else"))
    hub.lifecycle().create(other)
    with pytest.raises(NameConflict, match="different certificate"):
        hub.lifecycle().create(hub.desired(name=other.certificate_name))
    assert hub.holds()[other.certificate_name].thumbprint == other.thumbprint


def test_a_rejected_proof_removes_the_upload(hub: Hub) -> None:
    # The provider never sends a proof its own check refuses: the rejection is Azure's answer.
    hub.admin.script_failure(
        "Certificates_Verify", 400, code=400053, message="Proof-Of-Possession failed."
    )
    with pytest.raises(ProofOfPossessionFailed, match="removed"):
        hub.lifecycle().create(hub.desired())
    assert ("verify", 400) in hub.answers()
    assert hub.holds() == {}


def test_an_unexpected_failure_after_upload_also_removes_it(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "BACKOFF_FACTOR_S", 0.001)  # the retries, not their waits
    hub.next_run()  # clients built with that backoff
    hub.admin.script_failure("Certificates_Verify", 503, times=connection.RETRIES + 1)
    with pytest.raises(Throttled, match="HTTP 503 while verifying"):
        hub.lifecycle().create(hub.desired())
    assert hub.holds() == {}


def test_delete_rereads_a_stale_etag_and_tolerates_a_missing_certificate(hub: Hub) -> None:
    want = hub.desired()
    created = hub.lifecycle().create(want).remote
    # Someone else asks for a code: the etag this run's listing holds is stale now.
    hub.other_client().certificates.generate_verification_code(
        hub.target.resource_group, hub.target.name, want.certificate_name, created.etag
    )
    hub.admin.clear_requests()
    hub.lifecycle().delete(want.certificate_name)
    assert hub.answers() == [("delete", 412), ("get", 200), ("delete", 200)]
    assert hub.holds() == {}
    hub.admin.clear_requests()
    hub.lifecycle().delete(want.certificate_name)
    assert hub.calls() == []  # gone from the run's listing: no call at all


def test_ensure_verified_reproves_an_unverified_certificate(hub: Hub) -> None:
    want = hub.desired()
    created = hub.lifecycle().create(want).remote
    unverified = CertificateDescription(
        properties=CertificateProperties(certificate=want.certificate_pem, is_verified=False)
    )
    hub.other_client().certificates.create_or_update(
        hub.target.resource_group,
        hub.target.name,
        want.certificate_name,
        unverified,
        if_match=created.etag,
    )
    hub.next_run()
    remote = hub.lifecycle().ensure_verified(want).remote
    assert remote.is_verified
    assert hub.calls() == ["get", "generate_verification_code", "verify"]


def test_ensure_verified_recreates_a_deleted_certificate(hub: Hub) -> None:
    remote = hub.lifecycle().ensure_verified(hub.desired(Mode.AUTO)).remote
    assert remote.is_verified
    assert hub.answers() == [("get", 404), ("list", 200), ("upload", 200)]


def test_offline_mode_uploads_and_hands_out_a_code(hub: Hub) -> None:
    outcome = hub.lifecycle().create(hub.desired(Mode.OFFLINE))
    assert hub.calls() == ["list", "upload", "generate_verification_code"]
    assert not outcome.remote.is_verified
    assert outcome.verification_code


def test_offline_proof_signed_for_the_code_verifies(hub: Hub) -> None:
    from pop_provider.core.proof import build_proof_certificate

    ca = make_ca("offline root")
    first = hub.lifecycle().create(hub.desired(Mode.OFFLINE, ca=ca))
    assert first.verification_code
    signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
    proof = build_proof_certificate(ca.certificate, signer, first.verification_code)
    hub.next_run()
    second = hub.lifecycle().ensure_verified(replace(hub.desired(Mode.OFFLINE, ca=ca), proof=proof))
    assert second.remote.is_verified
    assert hub.holds()[first.remote.name].is_verified


def test_a_stale_offline_proof_fails_and_shows_the_new_code(hub: Hub) -> None:
    from pop_provider.core.lifecycle import StaleProof
    from pop_provider.core.proof import build_proof_certificate

    ca = make_ca("offline root")
    first = hub.lifecycle().create(hub.desired(Mode.OFFLINE, ca=ca))
    signer = LocalKeySigner.from_pem(ca.private_key_pem, None)
    stale = build_proof_certificate(ca.certificate, signer, "0" * 48)
    with pytest.raises(StaleProof) as raised:
        hub.lifecycle().ensure_verified(replace(hub.desired(Mode.OFFLINE, ca=ca), proof=stale))
    new_code = raised.value.code
    assert new_code in str(raised.value) and new_code != first.verification_code
    # The hub holds the new code: a proof signed for it verifies.
    proof = build_proof_certificate(ca.certificate, signer, new_code)
    hub.next_run()
    again = hub.lifecycle().ensure_verified(replace(hub.desired(Mode.OFFLINE, ca=ca), proof=proof))
    assert again.remote.is_verified


def test_a_verify_applied_but_unanswered_counts_as_verified(hub: Hub) -> None:
    hub.admin.drop_after_apply("Certificates_Verify")
    outcome = hub.lifecycle().create(hub.desired())
    assert outcome.remote.is_verified
    # azure-core retries the verify; the retry's etag is stale, and the lifecycle reads back.
    assert hub.answers() == [
        ("list", 200),
        ("upload", 200),
        ("generate_verification_code", 200),
        ("verify", "lost"),
        ("verify", 412),
        ("get", 200),
    ]


def test_a_code_applied_but_unanswered_is_asked_for_again(hub: Hub) -> None:
    hub.admin.drop_after_apply("Certificates_GenerateVerificationCode")
    outcome = hub.lifecycle().create(hub.desired())
    assert outcome.remote.is_verified
    assert hub.answers() == [
        ("list", 200),
        ("upload", 200),
        ("generate_verification_code", "lost"),
        ("generate_verification_code", 412),
        ("get", 200),
        ("generate_verification_code", 200),
        ("verify", 200),
    ]


def test_the_same_ca_under_another_name_is_refused_naming_it_and_how_to_adopt_it(
    hub: Hub,
) -> None:
    theirs = hub.desired()
    hub.lifecycle().create(theirs)
    (their_name,) = hub.holds()
    mine = replace(theirs, certificate_name="mine-1234abcd")
    with pytest.raises(AlreadyTrusted) as raised:
        hub.lifecycle().create(mine)
    message = str(raised.value)
    assert f"as certificate '{their_name}'" in message
    assert f"set certificate_name to '{their_name}'" in message
    assert list(hub.holds()) == [their_name]  # nothing uploaded
    adopted = hub.lifecycle().create(theirs)  # the same name: ours to manage
    assert adopted.remote.name == their_name and adopted.remote.is_verified


def test_creates_of_one_ca_racing_in_one_run_upload_it_once_and_name_the_holder(
    hub: Hub,
) -> None:
    """The engine runs creates concurrently (`--parallel`): the check for a second copy and the
    reservation are one step, so only one of eight creates uploads the CA."""
    declared = Declarations()
    ca = make_ca("raced root")
    wants = [
        replace(hub.desired(Mode.AUTO, f"root{n}-1234abcd", ca), owner=f"root{n}") for n in range(8)
    ]
    for want in wants:
        declared.add(
            Declaration(
                want.owner,
                hub.target.arm_id,
                hub.target.label,
                want.thumbprint,
                want.certificate_name,
            )
        )
    start = threading.Barrier(len(wants))

    def create(want: DesiredCertificate) -> str:
        start.wait()
        try:
            hub.lifecycle(declared).create(want)
        except AlreadyTrusted as refused:
            return str(refused)
        return "created"

    with ThreadPoolExecutor(max_workers=len(wants)) as pool:
        results = list(pool.map(create, wants))
    assert results.count("created") == 1
    calls = hub.calls()
    assert calls.count("upload") == 1 and calls.count("list") == 1
    (held,) = hub.holds()
    owner = held.split("-")[0]
    for refusal in (result for result in results if result != "created"):
        assert f"as certificate '{held}', which resource '{owner}' of this stack declares" in (
            refusal
        )
        assert f"Keep one of the two declarations ('{owner}' or 'root" in refusal


def test_a_delete_leaves_a_certificate_another_resource_of_the_run_declares(hub: Hub) -> None:
    want = hub.desired()
    hub.lifecycle().create(want)
    declared = Declarations()
    declared.add(  # the resource that took the name over, checked in this run
        Declaration("new-owner", hub.target.arm_id, hub.target.label, "00", want.certificate_name)
    )
    lifecycle = hub.lifecycle(declared)
    assert not lifecycle.delete(want.certificate_name, target_id=hub.target.arm_id, owner="old")
    assert want.certificate_name in hub.holds()
    assert lifecycle.delete(want.certificate_name, target_id=hub.target.arm_id, owner="new-owner")
    assert hub.holds() == {}


def test_a_ca_held_by_another_stack_is_left_to_it_and_never_advised_deleted(hub: Hub) -> None:
    theirs = replace(hub.desired(Mode.AUTO), owner="root", scope="proj/other")
    hub.lifecycle().create(theirs)
    mine = replace(theirs, certificate_name="root-99999999", scope="proj/mine")
    with pytest.raises(AlreadyTrusted) as raised:
        hub.lifecycle().create(mine)
    message = str(raised.value)
    assert "not uploaded by this stack (another stack, the portal or the az CLI)" in message
    assert "If another stack manages it, leave it there and remove this declaration" in message
    assert "delete it from the hub" not in message
