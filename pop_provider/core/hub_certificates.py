"""IoT Hub certificates through Microsoft's own client, azure-mgmt-iothub."""

from __future__ import annotations

import builtins
import contextlib
from typing import Any

from pop_provider.core.azure_calls import RETRY_ON_METHODS, call_azure, certificate_from_model
from pop_provider.core.remote import CertificateNotFound, RemoteCertificate, RunListing
from pop_provider.core.target import Target


class HubCertificates:
    """The `Microsoft.Devices/IotHubs/{hub}/certificates` collection of one hub."""

    def __init__(self, client: Any, target: Target, listing: RunListing | None = None) -> None:
        self._operations = client.certificates
        self._models = client.certificates.models
        self._target = target
        self._listing = listing or RunListing()

    def _from_model(self, model: Any) -> RemoteCertificate:
        return certificate_from_model(model, self._target)

    def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        group, hub = self._target.resource_group, self._target.name
        method = getattr(self._operations, operation)
        return call_azure(
            self._target,
            operation,
            lambda: method(group, hub, *args, retry_on_methods=RETRY_ON_METHODS, **kwargs),
            verifying=operation == "verify",
        )

    def get(self, name: str) -> RemoteCertificate:
        return self._from_model(self._call("get", name))

    def upload(
        self, name: str, certificate_pem: str, *, verified: bool, etag: str | None
    ) -> RemoteCertificate:
        body = self._models.CertificateDescription(
            properties=self._models.CertificateProperties(
                certificate=certificate_pem, is_verified=verified
            )
        )
        uploaded = self._from_model(self._call("create_or_update", name, body, if_match=etag))
        self._listing.remember(uploaded)
        return uploaded

    def generate_verification_code(self, name: str, etag: str) -> tuple[str, str]:
        answer = self._call("generate_verification_code", name, if_match=etag)
        self._listing.retag(name, str(answer.etag))
        return str(answer.properties.verification_code), str(answer.etag)

    def verify(self, name: str, etag: str, proof_pem: str) -> RemoteCertificate:
        body = self._models.CertificateVerificationDescription(certificate=proof_pem)
        answer = self._call("verify", name, if_match=etag, certificate_verification_body=body)
        verified = self._from_model(answer)
        self._listing.remember(verified)
        return verified

    def delete(self, name: str, etag: str) -> None:
        with contextlib.suppress(CertificateNotFound):
            self._call("delete", name, if_match=etag)
        self._listing.forget(name)

    def list(self) -> list[RemoteCertificate]:
        return self._listing.get(self._fetch_all)

    def claim(self, thumbprint: str, name: str) -> str | None:
        return self._listing.claim(thumbprint, name, self._fetch_all)

    def _fetch_all(self) -> builtins.list[RemoteCertificate]:
        answer = self._call("list_by_iot_hub")
        return [self._from_model(model) for model in answer.value or []]
