"""A throw-away PKI for the demo: a root CA and an intermediate CA it signed, made on first use.

The keys are demo keys written under the gitignored .demo/ folder, never real CA keys. They are
kept across runs so that a second `make demo` finds the same certificates and changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

VALIDITY = timedelta(days=365)


@dataclass(frozen=True)
class DemoCa:
    """Paths of one CA's certificate and key, and the key's password if it is encrypted."""

    certificate: Path
    private_key: Path
    password: str | None


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pop-provider demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_certificate(
    subject: x509.Name,
    key: CertificateIssuerPrivateKeyTypes,
    issuer: x509.Name,
    issuer_key: CertificateIssuerPrivateKeyTypes,
    path_length: int,
) -> x509.Certificate:
    now = datetime.now(UTC)
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(
            issuer_key,
            hashes.SHA384()
            if isinstance(issuer_key, ec.EllipticCurvePrivateKey)
            else hashes.SHA256(),
        )
    )


def _write(ca: DemoCa, cert: x509.Certificate, key: CertificateIssuerPrivateKeyTypes) -> None:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(ca.password.encode())
        if ca.password
        else serialization.NoEncryption()
    )
    ca.private_key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    ca.private_key.chmod(0o600)
    ca.certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_demo_pki(directory: Path) -> tuple[DemoCa, DemoCa]:
    """(root, intermediate): an EC P-384 root and an RSA-2048 intermediate with an encrypted key."""
    directory.mkdir(parents=True, exist_ok=True)
    password_file = directory / "intermediate.password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(18))
        password_file.chmod(0o600)
    root = DemoCa(directory / "root.pem", directory / "root.key", None)
    intermediate = DemoCa(
        directory / "intermediate.pem", directory / "intermediate.key", password_file.read_text()
    )
    if all(
        path.exists() for ca in (root, intermediate) for path in (ca.certificate, ca.private_key)
    ):
        return root, intermediate

    root_key = ec.generate_private_key(ec.SECP384R1())
    root_name = _name("pop-provider demo root CA")
    root_cert = _ca_certificate(root_name, root_key, root_name, root_key, path_length=1)
    intermediate_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    intermediate_cert = _ca_certificate(
        _name("pop-provider demo intermediate CA"), intermediate_key, root_name, root_key, 0
    )
    _write(root, root_cert, root_key)
    _write(intermediate, intermediate_cert, intermediate_key)
    return root, intermediate


@dataclass(frozen=True)
class DemoDevice:
    """A device's credential: its chain as it sends it (leaf first) and its key, unencrypted."""

    chain: Path
    private_key: Path


def _leaf(
    common_name: str, issuer: x509.Name, issuer_key: CertificateIssuerPrivateKeyTypes
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )
    return certificate, key


def _write_device(
    directory: Path, name: str, chain: list[x509.Certificate], key: ec.EllipticCurvePrivateKey
) -> DemoDevice:
    device = DemoDevice(directory / f"{name}.chain.pem", directory / f"{name}.key")
    device.chain.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
    device.private_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    device.private_key.chmod(0o600)
    return device


def demo_device(intermediate: DemoCa, device_id: str, directory: Path) -> DemoDevice:
    """A device of the fleet: a leaf (CN = its registration id) signed by the intermediate,
    sent with the intermediate, as DPS's chain rule asks of a device."""
    issuer = x509.load_pem_x509_certificate(intermediate.certificate.read_bytes())
    password = intermediate.password.encode() if intermediate.password else None
    issuer_key = serialization.load_pem_private_key(intermediate.private_key.read_bytes(), password)
    assert isinstance(issuer_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    leaf, key = _leaf(device_id, issuer.subject, issuer_key)
    return _write_device(directory, device_id, [leaf, issuer], key)


def stranger_device(device_id: str, directory: Path) -> DemoDevice:
    """A device whose chain ends at a CA no hub or DPS trusts."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("a CA nobody trusts")
    ca = _ca_certificate(ca_name, ca_key, ca_name, ca_key, path_length=0)
    leaf, key = _leaf(device_id, ca_name, ca_key)
    return _write_device(directory, device_id, [leaf, ca], key)
