"""DPS certificates, driven only through azure-mgmt-iothubprovisioningservices' IotDpsClient."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceModifiedError, ResourceNotFoundError
from azure.mgmt.iothubprovisioningservices import IotDpsClient
from azure.mgmt.iothubprovisioningservices.models import (
    CertificateProperties,
    CertificateResponse,
    IotDpsPropertiesDescription,
    IotDpsSkuInfo,
    ProvisioningServiceDescription,
    VerificationCodeRequest,
)
from cryptography.hazmat.primitives import serialization

from azure_iot_emulator.testing import EmulatorInfo, client_kwargs, management_credential

IF_NOT_MODIFIED = MatchConditions.IfNotModified


def body_of(exc: Any) -> Any:
    """The JSON body of a failed call's response."""
    assert exc.response is not None
    return exc.response.json()


def upload(
    client: IotDpsClient,
    rg: str,
    dps: str,
    name: str,
    content: bytes,
    etag: str | None = None,
    verified: bool | None = None,
) -> Any:
    body = CertificateResponse(
        properties=CertificateProperties(certificate=content, is_verified=verified)
    )
    kwargs: dict[str, Any] = {"etag": etag, "match_condition": IF_NOT_MODIFIED} if etag else {}
    return client.dps_certificate.create_or_update(rg, dps, name, body, **kwargs)


def raw(pipeline: Any, obj: Any, headers: Any) -> Any:
    return pipeline


def test_lifecycle_with_the_dps_sdk(dps_client, rg, dps, cert_name, certs) -> None:
    ca = certs.ca()
    put = upload(dps_client, rg, dps, cert_name, ca.pem.encode())
    assert put.properties.certificate is None  # content is never returned, except by gvc [rec]
    assert put.type == "Microsoft.Devices/provisioningServices/Certificates"
    assert put.properties.thumbprint == hashlib.sha1(ca.der).hexdigest().upper()
    assert put.properties.expiry == ca.cert.not_valid_after_utc
    got = dps_client.dps_certificate.get(cert_name, rg, dps)
    assert got.properties.certificate is None and got.etag == put.etag
    listed = {c.name: c for c in dps_client.dps_certificate.list(rg, dps).value}
    assert listed[cert_name].properties.certificate is None
    nonce = dps_client.dps_certificate.generate_verification_code(
        cert_name,
        rg,
        dps,
        etag=put.etag,
        match_condition=IF_NOT_MODIFIED,
        certificate_name1="ignored",
        certificate_raw_bytes=b"\x01\x02",
        certificate_is_verified=False,
        certificate_purpose="clientAuthentication",
        certificate_has_private_key=False,
        certificate_nonce="ignored",
    )
    # Only generateVerificationCode echoes the content (the SDK decodes its base64 layer).
    assert nonce.properties.certificate == ca.pem.encode()
    code = nonce.properties.verification_code
    leaf = certs.verification(code, ca)
    verified = dps_client.dps_certificate.verify_certificate(
        cert_name,
        rg,
        dps,
        VerificationCodeRequest(certificate=leaf.public_bytes(serialization.Encoding.PEM).decode()),
        etag=nonce.etag,
        match_condition=IF_NOT_MODIFIED,
        certificate_nonce="ignored",
    )
    assert verified.properties.is_verified is True and verified.properties.certificate is None
    assert len({put.etag, nonce.etag, verified.etag}) == 3
    dps_client.dps_certificate.delete(
        rg,
        dps,
        cert_name,
        etag=verified.etag,
        match_condition=IF_NOT_MODIFIED,
        certificate_name1="x",
    )
    with pytest.raises(ResourceNotFoundError):
        dps_client.dps_certificate.get(cert_name, rg, dps)


def test_put_answers_200_for_create_and_update(dps_client, rg, dps, cert_name, certs) -> None:
    body = CertificateResponse(
        properties=CertificateProperties(certificate=certs.ca().pem.encode())
    )
    first = dps_client.dps_certificate.create_or_update(rg, dps, cert_name, body, cls=raw)
    assert first.http_response.status_code == 200
    etag = first.http_response.json()["etag"]
    second = dps_client.dps_certificate.create_or_update(
        rg, dps, cert_name, body, etag=etag, match_condition=IF_NOT_MODIFIED, cls=raw
    )
    assert second.http_response.status_code == 200
    assert second.http_response.json()["etag"] != etag


def test_stale_etag_maps_to_resource_modified(dps_client, rg, dps, cert_name, certs) -> None:
    created = upload(dps_client, rg, dps, cert_name, certs.ca().pem.encode())
    upload(dps_client, rg, dps, cert_name, certs.ca().pem.encode(), etag=created.etag)
    with pytest.raises(ResourceModifiedError) as info:
        dps_client.dps_certificate.generate_verification_code(
            cert_name, rg, dps, etag=created.etag, match_condition=IF_NOT_MODIFIED
        )
    assert body_of(info.value)["code"] == 412001


def test_az_cli_double_base64_and_der_forms(dps_client, rg, dps, cert_name, certs) -> None:
    ca = certs.ca()
    # az CLI passes base64(file).encode(); the SDK adds its own base64 layer on top.
    doubled = upload(dps_client, rg, dps, f"{cert_name}-pem", base64.b64encode(ca.pem.encode()))
    der = upload(dps_client, rg, dps, f"{cert_name}-der", ca.der)
    assert doubled.properties.thumbprint == der.properties.thumbprint
    assert doubled.properties.subject == der.properties.subject


def test_wrong_proof_is_rejected(dps_client, rg, dps, cert_name, certs, helpers) -> None:
    ca, other = certs.ca(), certs.ca()
    created = upload(dps_client, rg, dps, cert_name, ca.pem.encode())
    nonce = dps_client.dps_certificate.generate_verification_code(
        cert_name, rg, dps, etag=created.etag, match_condition=IF_NOT_MODIFIED
    )
    leaf = certs.verification(nonce.properties.verification_code, other)
    with pytest.raises(HttpResponseError) as info:
        dps_client.dps_certificate.verify_certificate(
            cert_name,
            rg,
            dps,
            VerificationCodeRequest(certificate=helpers.pem(leaf)),
            etag=nonce.etag,
            match_condition=IF_NOT_MODIFIED,
        )
    assert info.value.status_code == 400
    assert body_of(info.value)["code"] == 400053


def test_stable_api_version_2022_12_12(emulator: EmulatorInfo, rg, dps, cert_name, certs) -> None:
    client = IotDpsClient(
        management_credential(emulator),
        emulator.subscription_id,
        api_version="2022-12-12",
        **client_kwargs(emulator),
    )
    put = upload(client, rg, dps, cert_name, certs.ca().pem.encode())
    assert put.name == cert_name


def test_unknown_api_version_is_rejected(emulator: EmulatorInfo, rg, dps) -> None:
    client = IotDpsClient(
        management_credential(emulator),
        emulator.subscription_id,
        api_version="2099-01-01",
        **client_kwargs(emulator),
    )
    with pytest.raises(HttpResponseError) as info:
        client.dps_certificate.list(rg, dps)
    assert info.value.status_code == 400
    error = body_of(info.value)["error"]
    assert error["code"] == "NoRegisteredProviderFound"
    assert "'2099-01-01' for type 'provisioningServices/certificates'" in error["message"]


def test_limit_of_25_cas_per_dps(dps_client, rg, cert_name, certs) -> None:
    name = f"dps-limit-{cert_name}"  # its own DPS: the session's shared one holds others' CAs
    dps_client.iot_dps_resource.begin_create_or_update(
        rg,
        name,
        ProvisioningServiceDescription(
            location="westeurope",
            properties=IotDpsPropertiesDescription(),
            sku=IotDpsSkuInfo(name="S1", capacity=1),
        ),
    ).result()
    pem = certs.ca().pem.encode()
    for i in range(25):
        upload(dps_client, rg, name, f"ca-{i}", pem)
    with pytest.raises(HttpResponseError) as info:
        upload(dps_client, rg, name, "ca-25", pem)
    assert info.value.status_code == 400
    assert body_of(info.value)["code"] == 400110
