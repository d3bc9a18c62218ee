"""Paths of the DPS service API's enrollment groups, served on a DPS's data-plane port.

The routes are the spec's [spec: DeviceProvisioningServices/service/routes.tsp]; operationIds
``EnrollmentGroup_<verb>`` as the generated clients name them (azure-iot-deviceprovisioning
``build_enrollment_group_<verb>_request``). Individual enrollments and registration states
(``/enrollments``, ``/registrations``) are not served.
"""

from __future__ import annotations

from azure_iot_emulator.dps_service.responses import EnrollmentGroupResponses
from azure_iot_emulator.routing import Route, param

GROUPS = "/enrollmentGroups"
GROUP = f"{GROUPS}/{param('enrollmentGroupId')}"


def routes(responses: EnrollmentGroupResponses) -> list[Route]:
    """Query first: ``/enrollmentGroups/query`` is not a group's id."""
    return [
        Route("POST", f"{GROUPS}/query", "EnrollmentGroup_Query", responses.query),
        Route("POST", GROUPS, "EnrollmentGroup_RunBulkOperation", responses.bulk),
        Route("GET", GROUP, "EnrollmentGroup_Get", responses.get),
        Route("PUT", GROUP, "EnrollmentGroup_CreateOrUpdate", responses.create_or_update),
        Route("DELETE", GROUP, "EnrollmentGroup_Delete", responses.delete),
        Route(
            "POST",
            f"{GROUP}/attestationmechanism",
            "EnrollmentGroup_GetAttestationMechanism",
            responses.attestation_mechanism,
        ),
    ]
