"""IoT Hub certificates through Microsoft's own client, azure-mgmt-iothub."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from pop_provider.remote import (
    CertificateNotFound,
    EtagConflict,
    ProofRejected,
    RemoteCertificate,
    RemoteError,
)
from pop_provider.target import Target


def _azure_message(error: HttpResponseError) -> str:
    """Azure's own words (code and message), without the SDK's request dump."""
    detail = getattr(error, "error", None)
    code = getattr(detail, "code", None)
    message = getattr(detail, "message", None) or error.message or str(error)
    return f"{message} (code {code})" if code else str(message)


class HubCertificates:
    """The `Microsoft.Devices/IotHubs/{hub}/certificates` collection of one hub."""

    def __init__(self, client: Any, target: Target) -> None:
        self._operations = client.certificates
        self._models = client.certificates.models
        self._target = target

    def _from_model(self, model: Any) -> RemoteCertificate:
        props = model.properties
        return RemoteCertificate(
            name=model.name,
            arm_id=model.id or self._target.certificate_id(model.name),
            etag=model.etag,
            thumbprint=(props.thumbprint or "").upper(),
            subject=props.subject or "",
            expiry=props.expiry,
            is_verified=bool(props.is_verified),
        )

    def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        """One SDK call with its errors mapped to what the provider acts on."""
        group, hub = self._target.resource_group, self._target.name
        try:
            return getattr(self._operations, operation)(group, hub, *args, **kwargs)
        except ResourceNotFoundError as error:
            raise CertificateNotFound(_azure_message(error)) from None
        except HttpResponseError as error:
            if error.status_code == 412:
                raise EtagConflict(_azure_message(error)) from None
            if operation == "verify" and error.status_code == 400:
                raise ProofRejected(_azure_message(error)) from None
            raise RemoteError(
                f"{operation} on {self._target.name} failed with HTTP {error.status_code}: "
                f"{_azure_message(error)}"
            ) from None

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
        return self._from_model(self._call("create_or_update", name, body, if_match=etag))

    def generate_verification_code(self, name: str, etag: str) -> tuple[str, str]:
        answer = self._call("generate_verification_code", name, if_match=etag)
        return str(answer.properties.verification_code), str(answer.etag)

    def verify(self, name: str, etag: str, proof_pem: str) -> RemoteCertificate:
        body = self._models.CertificateVerificationDescription(certificate=proof_pem)
        return self._from_model(
            self._call("verify", name, if_match=etag, certificate_verification_body=body)
        )

    def delete(self, name: str, etag: str) -> None:
        try:
            self._call("delete", name, if_match=etag)
        except CertificateNotFound:
            return
