"""Device Provisioning Service certificates through azure-mgmt-iothubprovisioningservices.

DPS's contract differs from the hub's: certificate content travels as bytes (base64 on the
wire) and is never returned by GET, so drift is judged by thumbprint; the etag goes in the
client's `etag`/`match_condition` arguments; argument order differs per operation.
"""

from __future__ import annotations

from typing import Any

from azure.core import MatchConditions

from pop_provider.core.azure_calls import RETRY_ON_METHODS
from pop_provider.core.certificate_collection import CertificateCollection
from pop_provider.core.remote import RunListing
from pop_provider.core.target import Target


def _guard(etag: str | None) -> dict[str, Any]:
    """If-Match for a write (none for a create), and retries that cover POST (see
    RETRY_ON_METHODS)."""
    guard: dict[str, Any] = {"retry_on_methods": RETRY_ON_METHODS}
    if etag:
        guard.update(etag=etag, match_condition=MatchConditions.IfNotModified)
    return guard


class DpsCertificates(CertificateCollection):
    """The `Microsoft.Devices/provisioningServices/{dps}/certificates` collection of one DPS."""

    LIST = "list"
    VERIFY = "verify_certificate"

    def __init__(self, client: Any, target: Target, listing: RunListing | None = None) -> None:
        from azure.mgmt.iothubprovisioningservices import models

        super().__init__(client.dps_certificate, target, listing)
        self._models = models

    def _get(self, name: str) -> Any:
        return self._operations.get(name, *self._where, retry_on_methods=RETRY_ON_METHODS)

    def _create_or_update(
        self, name: str, certificate_pem: str, verified: bool, etag: str | None
    ) -> Any:
        body = self._models.CertificateResponse(
            properties=self._models.CertificateProperties(
                certificate=certificate_pem.encode(), is_verified=verified
            )
        )
        return self._operations.create_or_update(*self._where, name, body, **_guard(etag))

    def _generate_verification_code(self, name: str, etag: str) -> Any:
        return self._operations.generate_verification_code(name, *self._where, **_guard(etag))

    def _verify(self, name: str, etag: str, proof_pem: str) -> Any:
        request = self._models.VerificationCodeRequest(certificate=proof_pem)
        return self._operations.verify_certificate(name, *self._where, request, **_guard(etag))

    def _delete(self, name: str, etag: str) -> Any:
        return self._operations.delete(*self._where, name, **_guard(etag))

    def _list(self) -> Any:
        return self._operations.list(*self._where, retry_on_methods=RETRY_ON_METHODS)
