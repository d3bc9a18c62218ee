"""IoT Hub certificates through Microsoft's own client, azure-mgmt-iothub."""

from __future__ import annotations

from typing import Any

from pop_provider.core.azure_calls import RETRY_ON_METHODS
from pop_provider.core.certificate_collection import CertificateCollection
from pop_provider.core.remote import RunListing
from pop_provider.core.target import Target

_RETRIES = {"retry_on_methods": RETRY_ON_METHODS}

# Reads (list, get) ask for the api-version that names a certificate's Azure Device Registry
# link (`certificateAuthorityResourceId`, added in 2026-10-01-preview [spec: IoTHub models.tsp;
# bicep-types-az .../2026-10-01-preview/types.md]; azure-mgmt-iothub 5.0.0b5's default [sdk]).
# No stable version defines the property [spec], and whether the service returns it on
# 2023-06-30 is not documented [guess: not]; without it a synced certificate would look like one
# uploaded by hand, which pop would offer to adopt. The answer's shape is 2023-06-30's plus
# that property and `systemData`, which the 4.0.0 models keep aside (additional_properties).
# Writes stay on the client's 2023-06-30.
READ_API_VERSION = "2026-10-01-preview"
_READS = {**_RETRIES, "api_version": READ_API_VERSION}


class HubCertificates(CertificateCollection):
    """The `Microsoft.Devices/IotHubs/{hub}/certificates` collection of one hub.

    Every operation takes the group and hub first; the etag goes in `if_match`."""

    LIST = "list_by_iot_hub"
    VERIFY = "verify"

    def __init__(self, client: Any, target: Target, listing: RunListing | None = None) -> None:
        super().__init__(client.certificates, target, listing)
        self._models = client.certificates.models

    def _get(self, name: str) -> Any:
        return self._operations.get(*self._where, name, **_READS)

    def _create_or_update(
        self, name: str, certificate_pem: str, verified: bool, etag: str | None
    ) -> Any:
        body = self._models.CertificateDescription(
            properties=self._models.CertificateProperties(
                certificate=certificate_pem, is_verified=verified
            )
        )
        return self._operations.create_or_update(
            *self._where, name, body, if_match=etag, **_RETRIES
        )

    def _generate_verification_code(self, name: str, etag: str) -> Any:
        return self._operations.generate_verification_code(
            *self._where, name, if_match=etag, **_RETRIES
        )

    def _verify(self, name: str, etag: str, proof_pem: str) -> Any:
        body = self._models.CertificateVerificationDescription(certificate=proof_pem)
        return self._operations.verify(
            *self._where, name, if_match=etag, certificate_verification_body=body, **_RETRIES
        )

    def _delete(self, name: str, etag: str) -> Any:
        return self._operations.delete(*self._where, name, if_match=etag, **_RETRIES)

    def _list(self) -> Any:
        return self._operations.list_by_iot_hub(*self._where, **_READS)
