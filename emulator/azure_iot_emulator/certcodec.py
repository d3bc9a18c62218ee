"""Decode the ``certificate`` strings clients upload into X.509 objects, at the edge.

Accepted forms, each sent by a Microsoft client and accepted by the service (azure-rest-api-specs
iothub.json ``CertificateProperties.certificate``, and the recordings named here): PEM text [rec A],
base64 of the PEM file [rec B, az CLI], base64 of DER [PowerShell .cer]; a PEM chain yields its
first certificate [az CLI test]. DPS additionally gets the SDK's own base64 layer on top (``bytes``
field, azure-mgmt-iothubprovisioningservices 2.1.0), so for DPS base64 layers are peeled until PEM
or DER appears [guess: no source states the service's decoding order].
"""

from __future__ import annotations

import base64
import binascii
import functools
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization

PEM_MARKER = "-----BEGIN CERTIFICATE-----"
_BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/=\s]+$")


class CertificateDecodeError(ValueError):
    """The string is none of the accepted certificate encodings."""


def _from_pem(text: str) -> x509.Certificate:
    try:
        certificates = x509.load_pem_x509_certificates(text.encode("ascii", "strict"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CertificateDecodeError("PEM content is not a valid certificate") from exc
    return certificates[0]


def _b64decode(text: str) -> bytes:
    compact = "".join(text.split())
    if not compact or not _BASE64_TEXT.match(compact):
        raise CertificateDecodeError("content is neither PEM nor base64")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CertificateDecodeError("content is not valid base64") from exc


def _decode(text: str, layers_left: int) -> x509.Certificate:
    stripped = text.strip()
    if PEM_MARKER in stripped:
        return _from_pem(stripped)
    raw = _b64decode(stripped)
    if raw.lstrip().startswith(b"-----BEGIN"):
        return _from_pem(raw.decode("ascii", "replace"))
    try:
        return x509.load_der_x509_certificate(raw)
    except ValueError as exc:
        if layers_left > 0:
            try:
                inner = raw.decode("ascii")
            except UnicodeDecodeError:
                raise CertificateDecodeError("content is not a certificate") from exc
            return _decode(inner, layers_left - 1)
        raise CertificateDecodeError("content is not a DER certificate") from exc


@functools.lru_cache(maxsize=512)
def decode_certificate(text: str, extra_base64_layers: int = 0) -> x509.Certificate:
    """Parse an uploaded ``certificate`` string; ``extra_base64_layers`` > 0 for DPS.

    Cached because derived fields (subject, thumbprint, expiry) are recomputed from the stored
    string on every read instead of being stored twice.
    """
    if not text or not text.strip():
        raise CertificateDecodeError("certificate content is empty")
    return _decode(text, extra_base64_layers)


def stored_form(text: str) -> str:
    """The ``certificate`` string the service returns for an upload on every read after the PUT.

    PEM text comes back as bare base64 DER (no armour, no newlines) [rec A: azure-cli
    test_certificate_lifecycle.yaml at 094711c]; base64 text comes back verbatim [rec B: the same
    file at 4cd4702]. For a PEM chain, the first certificate's DER [guess].
    """
    if PEM_MARKER not in text:
        return text
    der = _from_pem(text.strip()).public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode("ascii")
