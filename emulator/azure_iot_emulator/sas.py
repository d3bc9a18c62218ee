"""Shared-access signatures, as IoT Hub and DPS check them: `SharedAccessSignature
sr=&sig=&se=&skn=`, `sig` the base64 HMAC-SHA256 (key base64-decoded) of `<sr>\\n<se>`, `sr` the
service's host (URL-encoded, optionally with `https://`) and an optional path prefix matched by
segment, `skn` the policy [doc: articles/iot-dps/how-to-control-access.md,
articles/iot-hub/authenticate-authorize-sas.md]. One check for both services; each turns a
refusal into its own 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable
from urllib.parse import quote_plus, unquote_plus

from azure_iot_emulator.dps.models import SasPolicy


class SasRefused(Exception):
    """The signature does not admit the request; `str()` is the reason a 401 carries."""


def signing_policy(
    token: str, policies: Iterable[SasPolicy], hosts: tuple[str, ...], path: str, service: str
) -> SasPolicy:
    """The policy whose key signed `token` for a request to `path` on `hosts`; `service`
    ("DPS", "hub") names the instance in a refusal."""
    fields = _fields(token)
    missing = [f for f in ("sr", "sig", "se", "skn") if not fields.get(f)]
    if missing:
        raise SasRefused(f"The SharedAccessSignature lacks {', '.join(missing)}.")
    raw_sr, se = fields["sr"], unquote_plus(fields["se"])
    try:
        expiry = int(se)
    except ValueError:
        raise SasRefused("The SharedAccessSignature's se is not a number.") from None
    if expiry < time.time():
        raise SasRefused("The SharedAccessSignature has expired.")
    resource = unquote_plus(raw_sr)
    if not _covers(resource, hosts, path):
        raise SasRefused(f"The SharedAccessSignature's sr '{resource}' is not this {service}.")
    key_name = unquote_plus(fields["skn"])
    policy = next((p for p in policies if p.key_name.lower() == key_name.lower()), None)
    if policy is None:
        raise SasRefused(f"The {service} has no shared access policy '{key_name}'.")
    try:
        sig = base64.b64decode(unquote_plus(fields["sig"]), validate=True)
    except ValueError:
        raise SasRefused("The SharedAccessSignature's sig is not base64.") from None
    # Signed over sr as sent; a client that sent it unencoded signed its encoded form.
    signed = {f"{raw_sr}\n{se}", f"{quote_plus(resource)}\n{se}"}
    for key in (policy.primary_key, policy.secondary_key):
        if any(hmac.compare_digest(signature(key, s), sig) for s in signed):
            return policy
    raise SasRefused("The SharedAccessSignature's signature does not match the key.")


def signature(key: str, signed: str) -> bytes:
    """HMAC-SHA256 of `signed` with the base64 `key`."""
    return hmac.new(base64.b64decode(key), signed.encode("utf-8"), hashlib.sha256).digest()


def _fields(token: str) -> dict[str, str]:
    """The raw (still URL-encoded) `k=v` fields of a SAS."""
    fields: dict[str, str] = {}
    for part in token.split("&"):
        name, sep, value = part.partition("=")
        if not sep:
            raise SasRefused("The SharedAccessSignature is malformed.")
        fields[name.strip().lower()] = value.strip()
    return fields


def _covers(resource: str, hosts: tuple[str, ...], path: str) -> bool:
    """Whether `sr` names this instance (and a segment prefix of the request path)."""
    text = resource.lower()
    for scheme in ("https://", "http://"):
        if text.startswith(scheme):
            text = text[len(scheme) :]
    host, _, prefix = text.partition("/")
    if host not in hosts:
        return False
    wanted = [s for s in prefix.split("/") if s]
    have = [s for s in path.lower().split("/") if s]
    return have[: len(wanted)] == wanted
