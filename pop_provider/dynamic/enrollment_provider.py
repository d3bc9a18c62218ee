"""The dynamic face's provider of `EnrollmentGroup`: the core's group verbs
(pop_provider.core.enrollment.verbs) behind Pulumi's dynamic-provider types
(pop_provider.dynamic.verbs_provider)."""

from __future__ import annotations

from pop_provider.core.enrollment.claims import GroupClaims
from pop_provider.core.enrollment.verbs import EnrollmentGroupVerbs
from pop_provider.dynamic import provider as certificates
from pop_provider.dynamic.verbs_provider import VerbsProvider

# Which resource declares which group id on which DPS (the process serves one deployment).
_CLAIMS = GroupClaims()


class EnrollmentGroupProvider(VerbsProvider[EnrollmentGroupVerbs]):
    """Keeps a DPS enrollment group as the program declares it."""

    def new_verbs(self) -> EnrollmentGroupVerbs:
        return EnrollmentGroupVerbs(certificates.declared(), claims=_CLAIMS)
