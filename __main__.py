"""Trust the CA certificates the stack config lists, each Verified (pop_provider.stack_config)."""

from pathlib import Path

import pulumi

from pop_provider import TrustedCa, VerifiedCaCertificate
from pop_provider.stack_config import CONFIG_KEY, CertificateEntry, parse_entries


def declare(entry: CertificateEntry) -> dict[str, VerifiedCaCertificate]:
    """One certificate, or one per target (named `<entry>-<target>`) for an entry with targets."""
    if entry.targets is None:
        return {entry.name: VerifiedCaCertificate(entry.name, entry.args)}
    everywhere = TrustedCa(entry.name, entry.trusted_ca_args())
    return {f"{entry.name}-{label}": cert for label, cert in everywhere.certificates.items()}


config = pulumi.Config()
entries = parse_entries(config.require_object(CONFIG_KEY), Path.cwd(), config.require_secret)
trusted = {name: cert for entry in entries for name, cert in declare(entry).items()}

pulumi.export(
    "certificates",
    {
        name: {
            "arm_id": cert.arm_id,
            "certificate_name": cert.certificate_name,
            "subject": cert.subject,
            "thumbprint": cert.thumbprint,
            "not_after": cert.not_after,
            "is_verified": cert.is_verified,
            "days_until_expiry": cert.days_until_expiry,
            "verification_code": cert.verification_code,
        }
        for name, cert in trusted.items()
    },
)
