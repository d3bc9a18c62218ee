"""IoT Hub certificates through Microsoft's own client, azure-mgmt-iothub."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from azure.core.exceptions import HttpResponseError

from pop_provider.core import messages
from pop_provider.core.azure_answers import error_code
from pop_provider.core.azure_calls import RETRY_ON_METHODS
from pop_provider.core.certificate_collection import CertificateCollection
from pop_provider.core.remote import RunListing
from pop_provider.core.target import Target
from pop_provider.failures import AzureRejected

_RETRIES = {"retry_on_methods": RETRY_ON_METHODS}

# Reads (list, get) ask for the api-version that names a certificate's Azure Device Registry
# link (`certificateAuthorityResourceId`, added in 2026-10-01-preview [spec: IoTHub models.tsp;
# bicep-types-az .../2026-10-01-preview/types.md]; azure-mgmt-iothub 5.0.0b5's default [sdk]).
# No stable version defines the property [spec], and whether the service returns it on
# 2023-06-30 is not documented [guess: not]; without it a synced certificate would look like one
# uploaded by hand, which pop would offer to adopt. The answer's shape is 2023-06-30's plus
# that property and `systemData`, which the 4.0.0 models keep aside (additional_properties).
# Writes stay on the client's 2023-06-30. Should ARM retire 2026-10-01-preview, reads fall back
# to 2025-08-01-preview, the first that names the link (`policyResourceId`); with both refused,
# reads stop with one line rather than go on blind to ADR's certificates.
READ_API_VERSIONS = ("2026-10-01-preview", "2025-08-01-preview")
# ARM's codes for an api-version it does not serve for a type [issue: Azure/azure-cli#28843,
# azure-quickstart-templates#12630 (NoRegisteredProviderFound); InvalidResourceType and
# InvalidApiVersionParameter are ARM's other two answers to an unknown version [guess]].
_VERSION_REFUSED = {
    "noregisteredproviderfound",
    "invalidresourcetype",
    "invalidapiversionparameter",
}


def _refuses_version(error: HttpResponseError) -> bool:
    code = error_code(error) or ""
    return error.status_code == 400 and code.lower() in _VERSION_REFUSED


class HubCertificates(CertificateCollection):
    """The `Microsoft.Devices/IotHubs/{hub}/certificates` collection of one hub.

    Every operation takes the group and hub first; the etag goes in `if_match`."""

    LIST = "list_by_iot_hub"
    VERIFY = "verify"

    def __init__(self, client: Any, target: Target, listing: RunListing | None = None) -> None:
        super().__init__(client.certificates, target, listing)
        self._models = client.certificates.models
        # The read versions this hub's ARM has not refused yet: a refused one is not asked again
        # by this collection (one extra call per hub and run once a version is retired).
        self._read_versions = list(READ_API_VERSIONS)

    def _read(self, call: Callable[..., Any]) -> Any:
        """`call(api_version=..., **retries)` on the newest read version ARM still serves."""
        while versions := list(self._read_versions):  # a copy: reads run in parallel
            try:
                return call(api_version=versions[0], **_RETRIES)
            except HttpResponseError as error:
                if not _refuses_version(error):
                    raise
                with contextlib.suppress(ValueError):  # another read may have dropped it
                    self._read_versions.remove(versions[0])
        raise AzureRejected(messages.read_versions_retired(self._target, READ_API_VERSIONS))

    def _get(self, name: str) -> Any:
        return self._read(lambda **kw: self._operations.get(*self._where, name, **kw))

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
        return self._read(lambda **kw: self._operations.list_by_iot_hub(*self._where, **kw))
