"""The dynamic face's EnrollmentGroup: its provider travels by reference, holding nothing, and
shares with the certificates' provider what the deployment declares."""

from __future__ import annotations

import pickle

from pop_provider.core.ownership import Declaration
from pop_provider.dynamic import provider as certificates
from pop_provider.dynamic.enrollment_provider import EnrollmentGroupProvider

DPS = (
    "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg/providers/"
    "Microsoft.Devices/provisioningServices/dps-one"
)


def test_the_provider_pickles_empty_and_by_reference() -> None:
    provider = EnrollmentGroupProvider()
    _ = provider.verbs  # built lazily: never part of the pickle
    data = pickle.dumps(provider)
    assert len(data) < 200
    assert b"EnrollmentGroupProvider" in data
    assert pickle.loads(data)._verbs is None


def test_a_certificate_the_program_declares_needs_no_lookup() -> None:
    certificates.declared().add(
        Declaration("rootCa", DPS, "DPS 'dps-one'", "AB", certificate_name="root-1")
    )
    checked = EnrollmentGroupProvider().check(
        {},
        {
            "dps_id": DPS,
            "enrollment_group_id": "fleet",
            "ca_reference_primary": "root-1",
            "name_prefix": "fleet",
        },
    )
    assert checked.failures == []
    assert checked.inputs["target_id"] == DPS


def test_a_program_importing_the_group_loads_no_azure_sdk() -> None:
    """The program only declares; the Azure SDKs load in the provider process, when called."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from pop_provider import EnrollmentGroup, EnrollmentGroupArgs\n"
        "print([m for m in sys.modules if m.startswith('azure')])\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "[]"
