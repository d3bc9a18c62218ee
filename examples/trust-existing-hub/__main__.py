"""Trust a fleet's CA certificates on an IoT hub (and a DPS) that already exist, each Verified.

- `fleet-root`: proof of possession with a key the pipeline holds (a stack secret);
- `fleet-issuing` (when `keyVaultUrl` is set): proof of possession with a key that never leaves
  Azure Key Vault;
- `partner-ca`: a CA whose key you do not hold, Verified on upload (`mode="auto"`);
- `fleet-root-dps` (when `dpsId` is set): the root again, on the Device Provisioning Service.

Stack config (README.md here has the commands):
    hubId: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Devices/IotHubs/<hub>
    dpsId: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Devices/
        provisioningServices/<dps>
    rootCertificateFile: certs/root.pem     rootKey: (secret) the root's PEM private key
    partnerCertificateFile: certs/partner.pem
    keyVaultUrl: https://<vault>.vault.azure.net   keyVaultKeyName: <key>
    issuingCertificateFile: certs/issuing.pem
"""

import pulumi

from pop_provider import VerifiedCaCertificate, VerifiedCaCertificateArgs, read_pem

config = pulumi.Config()
hub_id = config.require("hubId")


def pem(key: str) -> str:
    """A certificate file named in the stack config, relative to this project (a missing one
    fails in one line naming it)."""
    return read_pem(config.require(key))


trusted = {
    "fleet-root": VerifiedCaCertificate(
        "fleet-root",
        VerifiedCaCertificateArgs(
            hub_id=hub_id,
            certificate_pem=pem("rootCertificateFile"),
            mode="proof",
            private_key_pem=config.require_secret("rootKey"),
        ),
    ),
    "partner-ca": VerifiedCaCertificate(
        "partner-ca",
        VerifiedCaCertificateArgs(
            hub_id=hub_id, certificate_pem=pem("partnerCertificateFile"), mode="auto"
        ),
    ),
}

if vault_url := config.get("keyVaultUrl"):
    trusted["fleet-issuing"] = VerifiedCaCertificate(
        "fleet-issuing",
        VerifiedCaCertificateArgs(
            hub_id=hub_id,
            certificate_pem=pem("issuingCertificateFile"),
            mode="proof",
            key_vault_url=vault_url,
            key_vault_key_name=config.require("keyVaultKeyName"),
        ),
    )

if dps_id := config.get("dpsId"):
    trusted["fleet-root-dps"] = VerifiedCaCertificate(
        "fleet-root-dps",
        VerifiedCaCertificateArgs(
            dps_id=dps_id,
            certificate_pem=pem("rootCertificateFile"),
            mode="proof",
            private_key_pem=config.require_secret("rootKey"),
        ),
    )

pulumi.export(
    "certificates",
    {
        name: {
            "certificate_name": cert.certificate_name,
            "thumbprint": cert.thumbprint,
            "is_verified": cert.is_verified,
            "not_after": cert.not_after,
        }
        for name, cert in trusted.items()
    },
)
