"""The certificates collection of one target, whichever client serves it: each verb is one SDK
call through `call_azure` (its error answer mapped), its answer read into a RemoteCertificate,
and the run's listing (pop_provider.core.remote.RunListing) kept current.

What differs between IoT Hub and DPS is only the client, the names of two operations and how
each call takes its arguments; a subclass says that and nothing else.
"""

from __future__ import annotations

import builtins
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from pop_provider.core.azure_calls import call_azure, certificate_from_model
from pop_provider.core.remote import CertificateNotFound, RemoteCertificate, RunListing
from pop_provider.core.target import Target

# The properties by which a hub's answer says that Azure Device Registry (ADR) synced the
# certificate: `policyResourceId` in api 2025-08-01-preview, `certificateAuthorityResourceId`
# from 2026-10-01-preview [spec: bicep-types-az generated/iothub/microsoft.devices/
# {2025-08-01-preview,2026-10-01-preview}/types.md]; Microsoft's own ADR tests read it as
# `PolicyResourceId` [code: Azure/azure-iot-cli-extension, ADR tests `find_hub_cert_by_policy`],
# so keys compare case-insensitively. DPS certificates have no such property up to 2026-11-01
# [spec]; reading it there is harmless.
DEVICE_REGISTRY_PROPERTIES = ("certificateauthorityresourceid", "policyresourceid")


def device_registry_id(properties: Any) -> str | None:
    """The ADR id a certificate's `properties` carry, whichever client read them.

    Neither SDK models the property: azure-mgmt-iothub 4.0.0 (msrest) keeps unknown keys in
    `additional_properties`; azure-mgmt-iothubprovisioningservices 2.1.0 (azure-core models)
    keeps the whole JSON object, readable as a Mapping [sdk, both checked in this venv]."""
    unknown = getattr(properties, "additional_properties", None)
    raw = unknown if isinstance(unknown, Mapping) else properties
    if not isinstance(raw, Mapping):
        return None
    found = {str(key).lower(): value for key, value in raw.items()}
    for key in DEVICE_REGISTRY_PROPERTIES:
        if isinstance(found.get(key), str) and found[key]:
            return str(found[key])
    return None


class CertificateCollection(ABC):
    """The shared flow of CertificateApi (pop_provider.core.remote) over one SDK client."""

    # The client's names of the operations that differ (messages and error mapping read them).
    LIST: ClassVar[str]
    VERIFY: ClassVar[str]

    def __init__(self, operations: Any, target: Target, listing: RunListing | None) -> None:
        self._operations = operations
        self._target = target
        self._listing = listing or RunListing()

    @property
    def _where(self) -> tuple[str, str]:
        """The resource group and name of the hub or DPS, as every operation takes them."""
        return self._target.resource_group, self._target.name

    # -- what a subclass says: one SDK call per operation, in its client's argument order ---------

    @abstractmethod
    def _get(self, name: str) -> Any: ...

    @abstractmethod
    def _create_or_update(
        self, name: str, certificate_pem: str, verified: bool, etag: str | None
    ) -> Any: ...

    @abstractmethod
    def _generate_verification_code(self, name: str, etag: str) -> Any: ...

    @abstractmethod
    def _verify(self, name: str, etag: str, proof_pem: str) -> Any: ...

    @abstractmethod
    def _delete(self, name: str, etag: str) -> Any: ...

    @abstractmethod
    def _list(self) -> Any: ...

    # -- the flow --------------------------------------------------------------------------------

    def _call(self, operation: str, call: Any) -> Any:
        return call_azure(self._target, operation, call, verifying=operation == self.VERIFY)

    def _certificate(self, model: Any) -> RemoteCertificate:
        read = certificate_from_model(model, self._target)
        managed_by = device_registry_id(model.properties)
        return replace(read, managed_by=managed_by) if managed_by else read

    def get(self, name: str) -> RemoteCertificate:
        """Current state and etag; raises CertificateNotFound."""
        return self._certificate(self._call("get", lambda: self._get(name)))

    def upload(
        self, name: str, certificate_pem: str, *, verified: bool, etag: str | None
    ) -> RemoteCertificate:
        """Create (etag None) or replace (etag given); raises EtagConflict."""
        answer = self._call(
            "create_or_update",
            lambda: self._create_or_update(name, certificate_pem, verified, etag),
        )
        uploaded = self._certificate(answer)
        self._listing.remember(uploaded)
        return uploaded

    def generate_verification_code(self, name: str, etag: str) -> tuple[str, str]:
        """A new verification code and the certificate's new etag."""
        answer = self._call(
            "generate_verification_code", lambda: self._generate_verification_code(name, etag)
        )
        self._listing.retag(name, str(answer.etag))
        return str(answer.properties.verification_code), str(answer.etag)

    def verify(self, name: str, etag: str, proof_pem: str) -> RemoteCertificate:
        """Submit the proof; raises ProofRejected when Azure does not accept it."""
        verified = self._certificate(
            self._call(self.VERIFY, lambda: self._verify(name, etag, proof_pem))
        )
        self._listing.remember(verified)
        return verified

    def delete(self, name: str, etag: str) -> None:
        """Delete with the current etag; a missing certificate is not an error."""
        with contextlib.suppress(CertificateNotFound):
            self._call("delete", lambda: self._delete(name, etag))
        self._listing.forget(name)

    def list(self) -> list[RemoteCertificate]:
        """Every certificate of the target, as of this run's first listing."""
        return self._listing.get(self._fetch_all)

    def claim(self, thumbprint: str, name: str) -> str | None:
        """Reserve this CA on the target for `name`, unless another certificate holds it."""
        return self._listing.claim(thumbprint, name, self._fetch_all)

    def _fetch_all(self) -> builtins.list[RemoteCertificate]:
        answer = self._call(self.LIST, self._list)
        return [self._certificate(model) for model in answer.value or []]
