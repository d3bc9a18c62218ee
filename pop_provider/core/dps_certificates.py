"""Device Provisioning Service certificates through azure-mgmt-iothubprovisioningservices.

DPS's contract differs from the hub's: certificate content travels as bytes (base64 on the
wire) and is never returned by GET, so drift is judged by thumbprint; the etag goes in the
client's `etag`/`match_condition` arguments; argument order differs per operation.
"""

from __future__ import annotations

import builtins
import contextlib
from typing import Any

from azure.core import MatchConditions

from pop_provider.core.azure_calls import RETRY_ON_METHODS, call_azure, certificate_from_model
from pop_provider.core.remote import CertificateNotFound, RemoteCertificate, RunListing
from pop_provider.core.target import Target


class DpsCertificates:
    """The `Microsoft.Devices/provisioningServices/{dps}/certificates` collection of one DPS."""

    def __init__(self, client: Any, target: Target, listing: RunListing | None = None) -> None:
        from azure.mgmt.iothubprovisioningservices import models

        self._operations = client.dps_certificate
        self._models = models
        self._target = target
        self._listing = listing or RunListing()

    def _from_model(self, model: Any) -> RemoteCertificate:
        return certificate_from_model(model, self._target)

    def _call(self, operation: str, call: Any) -> Any:
        return call_azure(
            self._target,
            operation,
            call,
            verifying=operation == "verify_certificate",
        )

    @staticmethod
    def _guard(etag: str | None) -> dict[str, Any]:
        """If-Match for a write (none for a create), and retries that cover POST (see
        RETRY_ON_METHODS)."""
        guard: dict[str, Any] = {"retry_on_methods": RETRY_ON_METHODS}
        if etag:
            guard.update(etag=etag, match_condition=MatchConditions.IfNotModified)
        return guard

    def get(self, name: str) -> RemoteCertificate:
        group, dps = self._target.resource_group, self._target.name
        return self._from_model(
            self._call(
                "get",
                lambda: self._operations.get(name, group, dps, retry_on_methods=RETRY_ON_METHODS),
            )
        )

    def upload(
        self, name: str, certificate_pem: str, *, verified: bool, etag: str | None
    ) -> RemoteCertificate:
        group, dps = self._target.resource_group, self._target.name
        body = self._models.CertificateResponse(
            properties=self._models.CertificateProperties(
                certificate=certificate_pem.encode(), is_verified=verified
            )
        )
        guard = self._guard(etag)
        answer = self._call(
            "create_or_update",
            lambda: self._operations.create_or_update(group, dps, name, body, **guard),
        )
        uploaded = self._from_model(answer)
        self._listing.remember(uploaded)
        return uploaded

    def generate_verification_code(self, name: str, etag: str) -> tuple[str, str]:
        group, dps = self._target.resource_group, self._target.name
        answer = self._call(
            "generate_verification_code",
            lambda: self._operations.generate_verification_code(
                name, group, dps, **self._guard(etag)
            ),
        )
        self._listing.retag(name, str(answer.etag))
        return str(answer.properties.verification_code), str(answer.etag)

    def verify(self, name: str, etag: str, proof_pem: str) -> RemoteCertificate:
        group, dps = self._target.resource_group, self._target.name
        request = self._models.VerificationCodeRequest(certificate=proof_pem)
        answer = self._call(
            "verify_certificate",
            lambda: self._operations.verify_certificate(
                name, group, dps, request, **self._guard(etag)
            ),
        )
        verified = self._from_model(answer)
        self._listing.remember(verified)
        return verified

    def delete(self, name: str, etag: str) -> None:
        group, dps = self._target.resource_group, self._target.name
        with contextlib.suppress(CertificateNotFound):
            self._call(
                "delete",
                lambda: self._operations.delete(group, dps, name, **self._guard(etag)),
            )
        self._listing.forget(name)

    def list(self) -> list[RemoteCertificate]:
        return self._listing.get(self._fetch_all)

    def claim(self, thumbprint: str, name: str) -> str | None:
        return self._listing.claim(thumbprint, name, self._fetch_all)

    def _fetch_all(self) -> builtins.list[RemoteCertificate]:
        group, dps = self._target.resource_group, self._target.name
        answer = self._call(
            "list",
            lambda: self._operations.list(group, dps, retry_on_methods=RETRY_ON_METHODS),
        )
        return [self._from_model(model) for model in answer.value or []]
