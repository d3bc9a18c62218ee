"""A device that registers with DPS over HTTPS, its TLS client certificate chain as credential:
the emulator's device API tried by hand, by `make demo` and by the tests.

No Microsoft Python client speaks the DPS device API over HTTPS (azure-iot-device provisions over
MQTT only; ref §2.4), so this is the ~40-line client the REST docs describe [doc:
articles/iot-dps/how-to-control-access.md, curl with ``--cert/--key``]: ``requests`` with
``cert=(chain.pem, key.pem)``, the chain being the leaf and the intermediates the device sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

API_VERSION = "2021-10-01"


@dataclass
class HttpsDevice:
    """One device: where DPS is, its id scope, and its certificate files."""

    host: str  # deviceProvisioningHostName, as ARM reports it
    id_scope: str
    ca_bundle: str
    chain_file: Path  # leaf first, then the intermediates sent
    key_file: Path

    def _url(self, registration_id: str, tail: str) -> str:
        return f"https://{self.host}/{self.id_scope}/registrations/{registration_id}/{tail}"

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method,
            url,
            params={"api-version": API_VERSION},
            cert=(str(self.chain_file), str(self.key_file)),
            verify=self.ca_bundle,
            timeout=30,
            **kwargs,
        )

    def register(self, registration_id: str) -> requests.Response:
        """``PUT …/register``: 202 ``assigning`` or a refusal."""
        return self._call(
            "PUT",
            self._url(registration_id, "register"),
            json={"registrationId": registration_id},
            headers={"Content-Encoding": "utf-8"},
        )

    def poll(self, registration_id: str, operation_id: str) -> requests.Response:
        """``GET …/operations/{operationId}``."""
        return self._call("GET", self._url(registration_id, f"operations/{operation_id}"))

    def provision(self, registration_id: str, polls: int = 5) -> dict[str, Any]:
        """Register, then poll until the operation is no longer ``assigning`` (the emulator
        finishes by the first poll, so ``Retry-After`` is not slept on here)."""
        answer = self.register(registration_id)
        answer.raise_for_status()
        operation: dict[str, Any] = answer.json()
        for _ in range(polls):
            if operation["status"] != "assigning":
                break
            operation = self.poll(registration_id, operation["operationId"]).json()
        return operation
