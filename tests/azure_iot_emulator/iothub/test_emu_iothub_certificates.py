"""IoT Hub certificates, driven only through azure-mgmt-iothub's IotHubClient."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.iothub import IotHubClient
from azure.mgmt.iothub.models import (
    CertificateDescription,
    CertificateProperties,
    CertificateVerificationDescription,
)
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from azure_iot_emulator.testing import EmulatorInfo, client_kwargs, management_credential


def upload(
    client: IotHubClient,
    rg: str,
    hub: str,
    name: str,
    content: str,
    verified: bool | None = None,
    etag: str | None = None,
) -> Any:
    body = CertificateDescription(
        properties=CertificateProperties(certificate=content, is_verified=verified)
    )
    return client.certificates.create_or_update(rg, hub, name, body, if_match=etag)


def rp_error(exc: Any) -> dict[str, Any]:
    """The un-wrapped resource-provider error body."""
    assert exc.response is not None
    body: dict[str, Any] = exc.response.json()
    return body


body_of = rp_error


def test_create_get_list_shapes_and_derived_fields(
    hub_client, rg, hub, cert_name, certs, helpers
) -> None:
    ca = certs.ca(extra_rdns=True)
    created = upload(hub_client, rg, hub, cert_name, ca.pem)
    fetched = hub_client.certificates.get(rg, hub, cert_name)
    listed = {c.name: c for c in hub_client.certificates.list_by_iot_hub(rg, hub).value}
    # PEM text is echoed by the PUT only; every later read returns bare base64 DER [rec A].
    assert created.properties.certificate == ca.pem
    for description in (created, fetched, listed[cert_name]):
        props = description.properties
        assert props.subject == ca.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        assert props.thumbprint == hashlib.sha1(ca.der).hexdigest().upper()
        assert props.expiry == ca.cert.not_valid_after_utc
        assert props.is_verified is False
        if description is not created:
            assert props.certificate == helpers.b64(ca.der)
        assert description.type == "Microsoft.Devices/IotHubs/Certificates"
        assert description.id.endswith(
            f"/providers/Microsoft.Devices/IotHubs/{hub}/certificates/{cert_name}"
        )
        assert description.etag == created.etag


def test_raw_wire_dates_are_rfc1123_and_code_is_numeric(
    hub_client, rg, hub, cert_name, certs
) -> None:
    ca = certs.ca()
    upload(hub_client, rg, hub, cert_name, ca.pem)
    response = hub_client.certificates.get(
        rg, hub, cert_name, cls=lambda pipeline, obj, hdrs: pipeline
    )
    body = response.http_response.json()
    assert body["properties"]["expiry"].endswith(" GMT")
    assert "etag" not in {k.lower() for k in response.http_response.headers}
    with pytest.raises(HttpResponseError) as info:
        upload(hub_client, rg, hub, cert_name, ca.pem)  # existing name, no If-Match
    assert info.value.status_code == 412
    error = rp_error(info.value)
    assert error["code"] == 412001 and isinstance(error["code"], int)
    assert error["httpStatusCode"] == "PreconditionFailed"
    assert error["message"].startswith("Invalid ETag supplied.")
    assert error["message"].endswith("errorcode: IH412001.")


@pytest.mark.parametrize("encoding", ["pem", "base64-pem", "base64-der", "pem-chain"])
def test_accepted_encodings_are_echoed_verbatim(
    hub_client, rg, hub, cert_name, certs, helpers, encoding
) -> None:
    ca, other = certs.ca(), certs.ca()
    content = {
        "pem": ca.pem,
        "base64-pem": helpers.b64(ca.pem),
        "base64-der": helpers.b64(ca.der),
        "pem-chain": ca.pem + other.pem,
    }[encoding]
    created = upload(hub_client, rg, hub, cert_name, content)
    assert created.properties.certificate == content
    assert created.properties.thumbprint == hashlib.sha1(ca.der).hexdigest().upper()


@pytest.mark.parametrize("content", ["not a certificate", "", "QUJD"])
def test_garbage_content_is_rejected(hub_client, rg, hub, cert_name, content) -> None:
    with pytest.raises(HttpResponseError) as info:
        upload(hub_client, rg, hub, cert_name, content)
    assert info.value.status_code == 400
    assert rp_error(info.value)["code"] in (400004, 400005)


@pytest.mark.parametrize("name", ["has space", "x" * 65, "bad*char"])
def test_name_pattern_is_enforced_server_side(hub_client, rg, hub, certs, name) -> None:
    with pytest.raises(HttpResponseError) as info:
        upload(hub_client, rg, hub, name, certs.ca().pem)
    assert info.value.status_code == 400
    assert rp_error(info.value)["code"] == 400004


def test_name_pattern_accepts_dots_dashes_underscores(
    hub_client, rg, hub, cert_name, certs
) -> None:
    name = f"a.b-c_d.{cert_name}"
    assert upload(hub_client, rg, hub, name, certs.ca().pem).name == name


def test_update_requires_current_etag_and_each_change_makes_a_new_one(
    hub_client, rg, hub, cert_name, certs
) -> None:
    first = upload(hub_client, rg, hub, cert_name, certs.ca().pem)
    with pytest.raises(HttpResponseError) as info:
        upload(hub_client, rg, hub, cert_name, certs.ca().pem, etag="AAAAAAAAAAA=")
    assert info.value.status_code == 412
    second = upload(hub_client, rg, hub, cert_name, certs.ca().pem, etag=first.etag)
    third = upload(hub_client, rg, hub, cert_name, certs.ca().pem, etag=f'"{second.etag}"')
    fourth = upload(hub_client, rg, hub, cert_name, certs.ca().pem, etag=f'W/"{third.etag}"')
    fifth = upload(hub_client, rg, hub, cert_name, certs.ca().pem, etag="*")
    etags = [first.etag, second.etag, third.etag, fourth.etag, fifth.etag]
    assert len(set(etags)) == 5
    assert fifth.properties.created == first.properties.created


def test_upload_verified_needs_no_proof(hub_client, rg, hub, cert_name, certs) -> None:
    assert upload(
        hub_client, rg, hub, cert_name, certs.ca().pem, verified=True
    ).properties.is_verified


def test_delete_rules(hub_client, rg, hub, cert_name, certs) -> None:
    created = upload(hub_client, rg, hub, cert_name, certs.ca().pem)
    with pytest.raises(HttpResponseError) as info:
        hub_client.certificates.delete(rg, hub, cert_name, "AAAAAAAAAAA=")
    assert info.value.status_code == 412
    raw = hub_client.certificates.delete(
        rg, hub, cert_name, f'"{created.etag}"', cls=lambda pipeline, obj, hdrs: pipeline
    )
    assert raw.http_response.status_code == 200 and raw.http_response.body() == b""
    with pytest.raises(ResourceNotFoundError):
        hub_client.certificates.get(rg, hub, cert_name)
    again = hub_client.certificates.delete(
        rg, hub, cert_name, "*", cls=lambda pipeline, obj, hdrs: pipeline
    )
    assert again.http_response.status_code == 204


def test_get_missing_certificate_is_404_in_rp_shape(hub_client, rg, hub) -> None:
    with pytest.raises(ResourceNotFoundError) as info:
        hub_client.certificates.get(rg, hub, "does-not-exist")
    body = body_of(info.value)
    assert body["code"] == 404015 and body["httpStatusCode"] == "NotFound"
    assert body["message"].startswith("Certificate 'does-not-exist' not found. ")
    assert body["message"].endswith("errorcode: IH404015.")


@pytest.mark.parametrize(
    "kind,pss", [("p256", False), ("p384", False), ("p521", False), ("rsa", False), ("rsa", True)]
)
def test_proof_of_possession_succeeds(
    hub_client, rg, hub, cert_name, certs, helpers, kind, pss
) -> None:
    ca = certs.ca(kind=kind, pss=pss)
    created = upload(hub_client, rg, hub, cert_name, ca.pem)
    nonce = hub_client.certificates.generate_verification_code(rg, hub, cert_name, created.etag)
    code = nonce.properties.verification_code
    assert len(code) == 48 and code == code.upper()
    assert nonce.etag != created.etag and nonce.properties.is_verified is False
    assert nonce.properties.certificate == helpers.b64(ca.der)  # PEM uploads read back as DER
    leaf = certs.verification(code, ca, pss=pss, hash_algorithm=hashes.SHA384())
    verified = hub_client.certificates.verify(
        rg,
        hub,
        cert_name,
        nonce.etag,
        CertificateVerificationDescription(
            certificate=leaf.public_bytes(serialization.Encoding.PEM).decode()
        ),
    )
    assert verified.properties.is_verified is True
    assert verified.etag not in (created.etag, nonce.etag)
    assert hub_client.certificates.get(rg, hub, cert_name).properties.is_verified is True
    # The code was consumed: verifying again needs a new one.
    with pytest.raises(HttpResponseError) as info:
        _verify(hub_client, rg, hub, cert_name, verified.etag, leaf)
    assert info.value.status_code == 400


def _gvc(client: IotHubClient, rg: str, hub: str, name: str, etag: str) -> Any:
    return client.certificates.generate_verification_code(rg, hub, name, etag)


def _verify(client: IotHubClient, rg: str, hub: str, name: str, etag: str, cert: Any) -> Any:
    return client.certificates.verify(
        rg,
        hub,
        name,
        etag,
        CertificateVerificationDescription(
            certificate=cert.public_bytes(serialization.Encoding.PEM).decode()
        ),
    )


def test_proof_signed_by_another_key_fails_with_ih400053(
    hub_client, rg, hub, cert_name, certs
) -> None:
    ca = certs.ca(cn="Proof CA", extra_rdns=True)
    impostor = certs.ca(cn="Proof CA", extra_rdns=True)  # same subject, different key
    nonce = _gvc(
        hub_client, rg, hub, cert_name, upload(hub_client, rg, hub, cert_name, ca.pem).etag
    )
    leaf = certs.verification(nonce.properties.verification_code, impostor)
    with pytest.raises(HttpResponseError) as info:
        _verify(hub_client, rg, hub, cert_name, nonce.etag, leaf)
    error = rp_error(info.value)
    assert info.value.status_code == 400 and error["code"] == 400053
    assert error["message"].startswith(
        "Proof-Of-Possession failed. Issuer certificate 'CN=Proof CA, O=Emulator Tests' cannot be "
        "found in the certificate chain."
    )
    assert hub_client.certificates.get(rg, hub, cert_name).properties.is_verified is False


def test_proof_with_wrong_issuer_name_fails(hub_client, rg, hub, cert_name, certs) -> None:
    ca, other = certs.ca(), certs.ca()
    nonce = _gvc(
        hub_client, rg, hub, cert_name, upload(hub_client, rg, hub, cert_name, ca.pem).etag
    )
    leaf = certs.verification(nonce.properties.verification_code, ca, issuer=other.cert.subject)
    with pytest.raises(HttpResponseError) as info:
        _verify(hub_client, rg, hub, cert_name, nonce.etag, leaf)
    assert rp_error(info.value)["code"] == 400053


def test_proof_with_wrong_subject_fails(hub_client, rg, hub, cert_name, certs) -> None:
    ca = certs.ca()
    nonce = _gvc(
        hub_client, rg, hub, cert_name, upload(hub_client, rg, hub, cert_name, ca.pem).etag
    )
    leaf = certs.verification(nonce.properties.verification_code.lower(), ca)
    with pytest.raises(HttpResponseError) as info:
        _verify(hub_client, rg, hub, cert_name, nonce.etag, leaf)
    assert info.value.status_code == 400
    assert "does not match the current verification code" in rp_error(info.value)["message"]


def test_new_code_invalidates_the_old_one(hub_client, rg, hub, cert_name, certs) -> None:
    ca = certs.ca()
    first = _gvc(
        hub_client, rg, hub, cert_name, upload(hub_client, rg, hub, cert_name, ca.pem).etag
    )
    second = _gvc(hub_client, rg, hub, cert_name, first.etag)
    assert second.properties.verification_code != first.properties.verification_code
    stale = certs.verification(first.properties.verification_code, ca)
    with pytest.raises(HttpResponseError) as info:
        _verify(hub_client, rg, hub, cert_name, second.etag, stale)
    assert info.value.status_code == 400
    fresh = certs.verification(second.properties.verification_code, ca)
    assert _verify(hub_client, rg, hub, cert_name, second.etag, fresh).properties.is_verified


def test_verify_without_code_and_with_stale_etag(hub_client, rg, hub, cert_name, certs) -> None:
    ca = certs.ca()
    created = upload(hub_client, rg, hub, cert_name, ca.pem)
    leaf = certs.verification("0" * 48, ca)
    with pytest.raises(HttpResponseError) as info:
        _verify(hub_client, rg, hub, cert_name, created.etag, leaf)
    assert (
        info.value.status_code == 400 and "No verification code" in rp_error(info.value)["message"]
    )
    nonce = _gvc(hub_client, rg, hub, cert_name, created.etag)
    with pytest.raises(HttpResponseError) as info:
        _verify(
            hub_client,
            rg,
            hub,
            cert_name,
            created.etag,
            certs.verification(nonce.properties.verification_code, ca),
        )
    assert info.value.status_code == 412
    with pytest.raises(HttpResponseError) as info:
        _gvc(hub_client, rg, hub, cert_name, created.etag)
    assert info.value.status_code == 412


def test_verification_certificate_accepted_as_base64_der(
    hub_client, rg, hub, cert_name, certs, helpers
) -> None:
    ca = certs.ca(kind="rsa")
    nonce = _gvc(
        hub_client, rg, hub, cert_name, upload(hub_client, rg, hub, cert_name, ca.pem).etag
    )
    leaf = certs.verification(nonce.properties.verification_code, ca)
    verified = hub_client.certificates.verify(
        rg,
        hub,
        cert_name,
        nonce.etag,
        CertificateVerificationDescription(
            certificate=helpers.b64(leaf.public_bytes(serialization.Encoding.DER))
        ),
    )
    assert verified.properties.is_verified


def test_old_api_version_uses_the_flat_body(
    emulator: EmulatorInfo, rg, hub, cert_name, certs
) -> None:
    from azure.mgmt.iothub.v2019_03_22.models import CertificateBodyDescription

    old = IotHubClient(
        management_credential(emulator),
        emulator.subscription_id,
        api_version="2019-03-22",
        **client_kwargs(emulator),
    )
    ca = certs.ca()
    created = old.certificates.create_or_update(
        rg, hub, cert_name, CertificateBodyDescription(certificate=ca.pem)
    )
    assert created.properties.thumbprint == hashlib.sha1(ca.der).hexdigest().upper()


def test_concurrent_updates_with_one_etag_let_exactly_one_win(
    hub_client, rg, hub, cert_name, certs
) -> None:
    created = upload(hub_client, rg, hub, cert_name, certs.ca().pem)
    contents = [certs.ca().pem for _ in range(8)]
    outcomes: list[Any] = []
    barrier = threading.Barrier(len(contents))

    def worker(content: str) -> None:
        barrier.wait()
        try:
            outcomes.append(upload(hub_client, rg, hub, cert_name, content, etag=created.etag))
        except HttpResponseError as exc:
            outcomes.append(exc.status_code)

    threads = [threading.Thread(target=worker, args=(c,)) for c in contents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if not isinstance(o, int)]
    assert len(winners) == 1
    assert sorted(o for o in outcomes if isinstance(o, int)) == [412] * 7
    assert (
        hub_client.certificates.get(rg, hub, cert_name).properties.thumbprint
        == winners[0].properties.thumbprint
    )
