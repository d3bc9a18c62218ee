"""The dynamic face's provider of `VerifiedCaCertificate`: the core's certificate verbs
(pop_provider.core.verbs) behind Pulumi's dynamic-provider types
(pop_provider.dynamic.verbs_provider)."""

from __future__ import annotations

from pop_provider.core.ownership import Declarations
from pop_provider.core.verbs import CertificateVerbs
from pop_provider.dynamic.verbs_provider import VerbsProvider

# What the resources of this deployment declare (the provider process serves one deployment).
_DECLARED = Declarations()


class VerifiedCaCertificateProvider(VerbsProvider[CertificateVerbs]):
    """Uploads a CA certificate to an IoT hub and keeps it Verified."""

    def new_verbs(self) -> CertificateVerbs:
        return CertificateVerbs(_DECLARED)


def declared() -> Declarations:
    """What this deployment's certificates declare: the enrollment groups' provider reads it
    (a reference to a declared certificate needs no lookup on the DPS)."""
    return _DECLARED
