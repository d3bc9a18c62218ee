"""DPS device API errors: the service's error body (dps_service/exceptions.py), device-side codes.

401002 "CA certificate not found." is what a device whose chain reaches no verified CA that a
group references gets [issue: Azure/azure-iot-sdk-c#1900; rwatjen/AzureIoTDPSCertificates#3],
over HTTP as 401 with ``trackingId`` and ``timestampUtc`` [issue: Azure/iotedge#2739]. What a
class below does not cite is **[guess]**.
"""

from __future__ import annotations

from azure_iot_emulator.dps_service.exceptions import DpsServiceError


class CaCertificateNotFound(DpsServiceError):
    """401 401002 "CA certificate not found." [issue]: no link-by-link chain from the leaf to a
    Verified certificate of the DPS that an enrollment group references (at or below it). A
    2019 HTTPS answer read ``{"errorCode":401002,...,"message":"Invalid certificate"}`` [issue:
    microsoft/vscode-iot-workbench#590]; the project's issue requires this text."""

    status = 401
    code = 401002

    def __init__(self) -> None:
        super().__init__("CA certificate not found.")


class NoClientCertificate(DpsServiceError):
    """401 401002 when the TLS handshake carried no client certificate (and no Authorization
    header: X.509 is the only attestation emulated) [guess: code and wording]."""

    status = 401
    code = 401002

    def __init__(self) -> None:
        super().__init__(
            "The request carries no client certificate: an X.509 device sends its leaf and "
            "intermediate certificates in the TLS handshake."
        )


class RegistrationIdMismatch(DpsServiceError):
    """401 401002 when the leaf's subject CN is not the registration id: for X.509 the CN *is*
    the registration id [doc: concepts-x509-attestation.md]; the refusal's code and wording
    [guess]."""

    status = 401
    code = 401002

    def __init__(self, common_name: str, registration_id: str) -> None:
        super().__init__(
            f"The certificate's common name '{common_name}' is not the registration id "
            f"'{registration_id}'."
        )


class UnknownIdScope(DpsServiceError):
    """404 for an id scope that names no DPS [guess: code and wording]."""

    status = 404
    code = 404001

    def __init__(self, id_scope: str) -> None:
        super().__init__(f"No provisioning service has the id scope '{id_scope}'.")


class OperationNotFound(DpsServiceError):
    """404 for an operation id that is not the registration's latest [guess: code, wording]."""

    status = 404
    code = 404203

    def __init__(self, operation_id: str) -> None:
        super().__init__(f"Operation {operation_id} not found.")


class InvalidRegistration(DpsServiceError):
    """400 400004 for a body the service refuses (not JSON, another registration id) [guess]."""

    status = 400
    code = 400004


class CustomAllocationNotEmulated(DpsServiceError):
    """400 for a group with the ``custom`` allocation policy: the emulator calls no webhook
    (README "Knowingly different") [guess: Azure would call the Azure Function]."""

    status = 400
    code = 400208

    def __init__(self, group_id: str) -> None:
        super().__init__(
            f"Enrollment group {group_id} uses custom allocation, which the emulator does not "
            "run: use hashed, geoLatency or static."
        )


class NoLinkedHub(DpsServiceError):
    """400 when neither the group nor the DPS names a linked hub to assign to [guess]."""

    status = 400
    code = 400207

    def __init__(self, group_id: str) -> None:
        super().__init__(
            f"Enrollment group {group_id} has no IoT hub to assign to: link a hub to the "
            "provisioning service."
        )
