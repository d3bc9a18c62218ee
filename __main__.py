"""Trust the CA certificates the stack config lists, each Verified (pop_provider.stack_config)."""

from pathlib import Path

import pulumi

from pop_provider import VerifiedCaCertificate
from pop_provider.stack_config import CONFIG_KEY, parse_entries

config = pulumi.Config()
entries = parse_entries(config.require_object(CONFIG_KEY), Path.cwd(), config.require_secret)

trusted = {entry.name: VerifiedCaCertificate(entry.name, entry.args) for entry in entries}

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
