"""Device onboarding with the Python package: a root CA Verified on a Device Provisioning Service
by proof of possession, and the enrollment group that admits the devices chained to it.

Stack config: dpsId (the DPS's ARM id) and caKey (secret: the root's PEM key); the CA as ca.pem
beside this file. The group references the CA's certificate name, so it waits for the CA to be
Verified and the provider knows the name is one this program declares on that DPS.
"""

import pulumi

from pop_provider import (
    EnrollmentGroup,
    EnrollmentGroupArgs,
    VerifiedCaCertificate,
    VerifiedCaCertificateArgs,
    read_pem,
)

config = pulumi.Config()
root_ca = VerifiedCaCertificate(
    "rootCa",
    VerifiedCaCertificateArgs(
        dps_id=config.require("dpsId"),
        certificate_pem=read_pem("ca.pem"),
        private_key_pem=config.require_secret("caKey"),
    ),
)
fleet = EnrollmentGroup(
    "fleet",
    EnrollmentGroupArgs(
        dps_id=config.require("dpsId"),
        enrollment_group_id="fleet-2026",
        ca_reference_primary=root_ca.certificate_name,
        initial_twin_tags={"fleet": "2026"},
    ),
)
pulumi.export("certificateName", root_ca.certificate_name)
pulumi.export("etag", fleet.etag)
