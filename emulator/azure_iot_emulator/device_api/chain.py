"""Which certificate of a device's chain admits it: the chain rule and the order of operations.

Pure X.509 logic, no HTTP and no state [doc: MicrosoftDocs/azure-docs
``articles/iot-dps/concepts-x509-attestation.md``]:

- "the device must send the certificate chain from the leaf certificate to a certificate verified
  with proof-of-possession. Otherwise, authentication will fail": the chain is followed link by
  link (each certificate's signature verified by the next one's key) from the leaf; a certificate
  of the DPS may stand one step above the last one sent (devices do not send the root), never in
  the middle (a missing intermediate breaks the chain even when it is uploaded).
- the group "for the first intermediate certificate in the device's certificate chain" is looked
  up, "and so on up to the root"; the first certificate that a group references decides.
- A group references a certificate by name (``caReferences``, names of the DPS's certificates) or
  by content (``signingCertificates``). The referenced certificate must have a Verified
  certificate at or above it in the chain: an unverified intermediate under a verified root is
  enough [doc: same page, "If only the root is verified … send leaf → intermediates → root"]; a
  certificate above every verified one is not **[guess]**.

Individual enrollments (looked up first by Azure) are not emulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding


@dataclass(frozen=True)
class DpsCertificate:
    """A certificate uploaded on the DPS: its name, content and whether it is Verified."""

    name: str
    certificate: x509.Certificate
    verified: bool


@dataclass(frozen=True)
class Candidate:
    """An enrollment group as the rule needs it: its id, its document, its creation order."""

    group_id: str
    document: dict[str, Any]


def parse_chain(pems: list[str]) -> list[x509.Certificate]:
    """The client's chain, leaf first, parsed once at the edge (unparseable entries dropped)."""
    chain: list[x509.Certificate] = []
    for pem in pems:
        try:
            chain.append(x509.load_pem_x509_certificate(pem.encode("ascii")))
        except ValueError:
            continue
    return chain


def common_name(cert: x509.Certificate) -> str:
    """The subject's CN, or "" when it has none."""
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _same(a: x509.Certificate, b: x509.Certificate) -> bool:
    return a.public_bytes(Encoding.DER) == b.public_bytes(Encoding.DER)


def _issued(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` signed ``child`` (names match and the signature verifies)."""
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def certificate_path(
    chain: list[x509.Certificate], uploaded: list[DpsCertificate]
) -> list[x509.Certificate]:
    """The leaf and the certificates above it that the chain proves: the sent ones, link by link,
    then one uploaded certificate that issued the last of them (unless that one is self-signed)."""
    if not chain:
        return []
    path = [chain[0]]
    for cert in chain[1:]:
        if not _issued(path[-1], cert):
            break
        path.append(cert)
    top = path[-1]
    if not _issued(top, top):
        issuer = next((u.certificate for u in uploaded if _issued(top, u.certificate)), None)
        if issuer is not None:
            path.append(issuer)
    return path


def _is_verified(cert: x509.Certificate, uploaded: list[DpsCertificate]) -> bool:
    return any(u.verified and _same(u.certificate, cert) for u in uploaded)


def _references(group: Candidate, cert: x509.Certificate, uploaded: list[DpsCertificate]) -> bool:
    """Whether the group's attestation names ``cert`` (by certificate name or by content)."""
    x509_part = group.document.get("attestation", {}).get("x509") or {}
    names = {str(n).lower() for n in (x509_part.get("caReferences") or {}).values()}
    if any(u.name.lower() in names and _same(u.certificate, cert) for u in uploaded):
        return True
    for entry in (x509_part.get("signingCertificates") or {}).values():
        pem = entry.get("certificate") if isinstance(entry, dict) else None
        if isinstance(pem, str) and _same(x509.load_pem_x509_certificate(pem.encode()), cert):
            return True
    return False


def enrollment_for(
    chain: list[x509.Certificate], uploaded: list[DpsCertificate], groups: list[Candidate]
) -> Candidate | None:
    """The group that decides for this chain, or None (the device is refused with 401002).

    Going up from the first certificate above the leaf to the highest Verified one, the first
    certificate any group references decides; groups referencing the same certificate are taken
    in creation order **[guess]**."""
    path = certificate_path(chain, uploaded)
    verified = [i for i in range(1, len(path)) if _is_verified(path[i], uploaded)]
    if not verified:
        return None
    for cert in path[1 : max(verified) + 1]:
        for group in groups:
            if _references(group, cert, uploaded):
                return group
    return None
