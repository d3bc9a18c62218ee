"""The chain rule and order of operations (device_api/chain.py), without HTTP: which group, if
any, decides for a chain [doc: concepts-x509-attestation.md]."""

from __future__ import annotations

from azure_iot_emulator.device_api.chain import (
    Candidate,
    DpsCertificate,
    certificate_path,
    enrollment_for,
)
from tests.pki import make_ca, make_intermediate_ca, make_leaf

ROOT = make_ca("rule-root")
INTER = make_intermediate_ca(ROOT, "rule-inter")
LEAF = make_leaf(INTER, "rule-leaf")


def on(name: str) -> Candidate:
    return Candidate(name, {"attestation": {"x509": {"caReferences": {"primary": name}}}})


def uploaded(**verified: bool) -> list[DpsCertificate]:
    certs = {"root": ROOT, "inter": INTER}
    return [DpsCertificate(n, certs[n].certificate, v) for n, v in verified.items()]


def test_the_root_one_step_above_the_chain_completes_it():
    path = certificate_path([LEAF.certificate, INTER.certificate], uploaded(root=True))
    assert path == [LEAF.certificate, INTER.certificate, ROOT.certificate]


def test_a_missing_intermediate_is_not_filled_in_from_the_uploads():
    chain = [LEAF.certificate]
    assert enrollment_for(chain, uploaded(root=True, inter=False), [on("root")]) is None
    # The intermediate itself, verified and one step above, admits its own group.
    assert enrollment_for(chain, uploaded(inter=True), [on("inter")]) == on("inter")


def test_a_broken_link_ends_the_chain():
    stranger = make_ca("stranger")
    chain = [LEAF.certificate, stranger.certificate, ROOT.certificate]
    assert certificate_path(chain, []) == [LEAF.certificate]


def test_an_unverified_intermediate_under_a_verified_root_decides_first():
    chain = [LEAF.certificate, INTER.certificate, ROOT.certificate]
    groups = [on("root"), on("inter")]
    assert enrollment_for(chain, uploaded(root=True, inter=False), groups) == on("inter")


def test_a_group_above_every_verified_certificate_does_not_admit():
    chain = [LEAF.certificate, INTER.certificate, ROOT.certificate]
    assert enrollment_for(chain, uploaded(inter=True, root=False), [on("root")]) is None


def test_signing_certificates_match_by_content():
    group = Candidate(
        "by-content",
        {
            "attestation": {
                "x509": {"signingCertificates": {"primary": {"certificate": INTER.certificate_pem}}}
            }
        },
    )
    chain = [LEAF.certificate, INTER.certificate]
    assert enrollment_for(chain, uploaded(root=True), [group]) == group
