"""The rules: for each, its name, default level, what it reads in the pack's config, and the
one-line violations it finds (`<rule>: '<resource>' <what is wrong>; fix: <what to do>`).

A rule sees each CA certificate as `CaDeclaration` (either face, inputs in the program's own
spelling) and returns its violations; `pack` reports them. A rule never quotes an input's value
(keys arrive as plain text), only the certificate's public facts: key type, hash, dates,
fingerprint. A value the engine does not know yet (preview) is judged when it is known, at `up`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509

from .certificates import (
    DEFAULT_MINIMUM_RSA_BITS,
    days_left,
    read_certificate,
    sha256_fingerprint,
    weak_key,
    weak_signature,
)
from .resources import CaDeclaration, GroupDeclaration
from .stacks import DEFAULT_PRODUCTION_STACKS, PRODUCTION_SCHEMA, Stack

ADVISORY = "advisory"
MANDATORY = "mandatory"

DEFAULT_WARN_WITHIN_DAYS = 90
DEFAULT_MINIMUM_DAYS = 30


@dataclass(frozen=True)
class Context:
    """What a rule knows besides the declaration: the stack, its own config, the time, and
    whether the resource is protected."""

    stack: Stack
    config: Mapping[str, Any]
    now: datetime
    protected: bool = False

    def setting(self, name: str, default: Any) -> Any:
        """The rule's config value `name`, or `default` when the config does not set it."""
        value = self.config.get(name)
        return default if value is None else value

    @property
    def production(self) -> bool:
        """Whether the stack is production by this rule's pattern or by its own flag."""
        return self.stack.is_production(self.setting("productionStacks", DEFAULT_PRODUCTION_STACKS))

    @property
    def why_production(self) -> str:
        """How a message names the stack and why it is production."""
        return self.stack.why_production(
            self.setting("productionStacks", DEFAULT_PRODUCTION_STACKS)
        )


ResourceCheck = Callable[[CaDeclaration, Context], Iterable[str]]
# A stack rule names the declaration each violation is about.
StackCheck = Callable[[Sequence[CaDeclaration], Context], Iterable[tuple[CaDeclaration, str]]]
# A rule over enrollment groups sees the stack's CAs and groups; it names the group.
GroupCheck = Callable[
    [Sequence[CaDeclaration], Sequence[GroupDeclaration], Context],
    Iterable[tuple[GroupDeclaration, str]],
]


@dataclass(frozen=True)
class Rule:
    """A rule of the pack; exactly one of `check` (each certificate), `check_stack` (all of
    the stack's certificates at once) and `check_groups` (the stack's enrollment groups beside
    its certificates) is set."""

    name: str
    description: str
    level: str
    config_schema: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    check: ResourceCheck | None = None
    check_stack: StackCheck | None = None
    check_groups: GroupCheck | None = None
    # Mandatory in production stacks only: advisory in the others (a level set lower in the
    # pack's config holds everywhere).
    advisory_outside_production: bool = False


def _certificate(ca: CaDeclaration) -> x509.Certificate | None:
    text = ca.text("certificate_pem")
    return read_certificate(text) if text else None


def _key_vault_fix(ca: CaDeclaration) -> str:
    return (
        f"a Key Vault key ({ca.field('key_vault_url')}, {ca.field('key_vault_key_name')}) "
        "or an offline proof (mode 'offline')"
    )


def no_self_attested_ca(ca: CaDeclaration, context: Context) -> Iterator[str]:
    """A production CA Verified on upload (mode 'auto')."""
    if context.production and ca.text("mode") == "auto":
        yield (
            f"no-self-attested-ca: '{ca.name}' is Verified on upload (mode 'auto') in "
            f"{context.why_production}, so Azure takes its possession of the CA key on trust; "
            f"fix: prove possession with mode 'proof' and {_key_vault_fix(ca)}"
        )


def ca_key_not_in_stack_config(ca: CaDeclaration, context: Context) -> Iterator[str]:
    """A production CA proved with a key given to the program (set or not known yet)."""
    if context.production and ca.given("private_key_pem"):
        key = ca.field("private_key_pem")
        yield (
            f"ca-key-not-in-stack-config: '{ca.name}' proves possession with {key} in "
            f"{context.why_production}, so the CA key lives in stack config; fix: remove {key} "
            f"and use {_key_vault_fix(ca)}"
        )


def ca_key_secret(ca: CaDeclaration, context: Context) -> Iterator[str]:
    """A CA key or its password that a stack config key holds in clear (set without --secret).

    The inputs cannot tell: both faces mark the key secret before the pack sees it, and the SDK
    unwraps secrets anyway. So the rule looks for the key's value among the stack's config
    values that are not secret (the engine sends both to the pack)."""
    for name, what, source in (
        ("private_key_pem", "the CA key", " < root.key"),
        ("private_key_password", "the CA key's password", ""),
    ):
        value = ca.text(name)
        config_key = context.stack.clear_config_key(value) if value else None
        if config_key:
            yield (
                f"ca-key-secret: '{ca.name}' takes {ca.field(name)} from config key "
                f"'{config_key}', which is not a secret: {what} sits in clear in the stack's "
                f"config and its history; fix: pulumi config set --secret {config_key}{source}, "
                f"or use {_key_vault_fix(ca)}"
            )


def strong_ca(ca: CaDeclaration, context: Context) -> Iterator[str]:
    """A CA on a weak key, and one signed with a broken hash: one line each."""
    certificate = _certificate(ca)
    if certificate is None:
        return
    bits = int(context.setting("minimumRsaBits", DEFAULT_MINIMUM_RSA_BITS))
    key = weak_key(certificate, bits)
    if key:
        yield (
            f"strong-ca: '{ca.name}' has {key}; fix: issue the CA with an RSA key of at least "
            f"{bits} bits or an EC key on P-256, P-384 or P-521"
        )
    digest = weak_signature(certificate)
    if digest:
        yield (
            f"strong-ca: '{ca.name}' is signed with {digest}, which collisions have broken; "
            "fix: reissue the CA signed with SHA-256 or stronger"
        )


def ca_expiry(ca: CaDeclaration, context: Context) -> Iterator[str]:
    """A CA that expires within the warning window (an expired one fails the provider's check)."""
    certificate = _certificate(ca)
    if certificate is None:
        return
    days = days_left(certificate, context.now)
    within = int(context.setting("warnWithinDays", DEFAULT_WARN_WITHIN_DAYS))
    if 0 <= days <= within:
        yield (
            f"ca-expiry: '{ca.name}' expires in {days} days "
            f"({certificate.not_valid_after_utc:%Y-%m-%d}); fix: rotate it before then: trust "
            f"its successor beside it on {ca.target}, then remove this one"
        )


def ca_minimum_validity(
    cas: Sequence[CaDeclaration], context: Context
) -> Iterator[tuple[CaDeclaration, str]]:
    """Each CA under the minimum validity with no longer-lived CA on the same target."""
    minimum = int(context.setting("minimumDays", DEFAULT_MINIMUM_DAYS))
    remaining = [
        (ca, days_left(certificate, context.now), certificate)
        for ca in cas
        if (certificate := _certificate(ca)) is not None
    ]
    for ca, days, certificate in remaining:
        if not 0 <= days < minimum:
            continue
        if any(
            other.target_key == ca.target_key and other_days >= minimum
            for other, other_days, _ in remaining
        ):
            continue
        yield (
            ca,
            (
                f"ca-minimum-validity: '{ca.name}' has {days} days of validity left (until "
                f"{certificate.not_valid_after_utc:%Y-%m-%d}), under the minimum of {minimum}, "
                f"and no successor is trusted beside it on {ca.target}; fix: declare a CA valid "
                f"for at least {minimum} days on {ca.target} in this stack, then remove this one"
            ),
        )


def group_references_proved_ca(
    cas: Sequence[CaDeclaration], groups: Sequence[GroupDeclaration], context: Context
) -> Iterator[tuple[GroupDeclaration, str]]:
    """A production enrollment group that lets in the devices of a CA not proved by possession:
    one this stack trusts with mode 'auto', or one it does not declare (the pack cannot see how
    that one was proved)."""
    if not context.production:
        return
    for group in groups:
        for reference in group.references:
            holders = [
                ca
                for ca in cas
                if (ca.text("certificate_name") or "").lower() == reference.lower()
                and ca.target.lower() == group.dps.lower()
            ]
            where = f"'{group.name}' on DPS '{group.dps}' references '{reference}'"
            if not holders:
                yield (
                    group,
                    f"group-references-proved-ca: {where}, a CA certificate this stack does not "
                    f"declare, in {context.why_production}: the pack cannot tell whether it was "
                    "proved by possession; fix: declare it here as a VerifiedCaCertificate "
                    "(mode 'proof' or 'offline') and pass its certificateName",
                )
            for ca in holders:
                if ca.text("mode") == "auto":
                    yield (
                        group,
                        f"group-references-proved-ca: {where}, which '{ca.name}' trusts on "
                        f"upload (mode 'auto') in {context.why_production}, so the group admits "
                        f"devices of a CA nobody proved to hold; fix: prove '{ca.name}' by "
                        "possession (mode 'proof' or 'offline') first",
                    )


def ca_protected_in_production(ca: CaDeclaration, context: Context) -> Iterator[str]:
    """A production CA a destroy or a deleted line would remove."""
    if context.production and not context.protected:
        yield (
            f"ca-protected-in-production: '{ca.name}' is not protected in "
            f"{context.why_production}: a destroy or a deleted line removes the CA from "
            f"{ca.target} and cuts off every device it issued; fix: set the resource option "
            "protect (protect: true)"
        )


def _fingerprints(values: Any) -> set[str]:
    if not isinstance(values, list):
        return set()
    return {str(value).replace(":", "").strip().upper() for value in values}


def ca_allowlist(ca: CaDeclaration, context: Context) -> Iterator[str]:
    """A CA whose fingerprint the team's list does not hold (no list: nothing)."""
    allowed = _fingerprints(context.setting("sha256Fingerprints", []))
    certificate = _certificate(ca)
    if not allowed or certificate is None:
        return
    fingerprint = sha256_fingerprint(certificate)
    if fingerprint not in allowed:
        yield (
            f"ca-allowlist: '{ca.name}' (SHA-256 {fingerprint}) is not a CA this team approved; "
            "fix: trust an approved CA, or add its fingerprint to ca-allowlist's "
            "sha256Fingerprints in the pack's config"
        )


RULES: tuple[Rule, ...] = (
    Rule(
        "no-self-attested-ca",
        "Production stacks prove possession of a CA's key: no CA Verified on upload (mode 'auto').",
        MANDATORY,
        PRODUCTION_SCHEMA,
        check=no_self_attested_ca,
    ),
    Rule(
        "ca-key-not-in-stack-config",
        "Production stacks keep CA keys out of stack config: a Key Vault key or an offline "
        "proof, never privateKeyPem / private_key_pem.",
        MANDATORY,
        PRODUCTION_SCHEMA,
        check=ca_key_not_in_stack_config,
    ),
    Rule(
        "ca-key-secret",
        "CA keys and their passwords in stack config are set with --secret: a key set in clear "
        "sits in Pulumi.<stack>.yaml and the stack's history.",
        MANDATORY,
        PRODUCTION_SCHEMA,
        check=ca_key_secret,
        advisory_outside_production=True,
    ),
    Rule(
        "strong-ca",
        "CAs have an RSA key of at least 2048 bits or an EC key on P-256, P-384 or P-521, "
        "and are not signed with SHA-1 (or MD5).",
        MANDATORY,
        {
            "minimumRsaBits": {
                "type": "integer",
                "minimum": 1024,
                "default": DEFAULT_MINIMUM_RSA_BITS,
                "description": "Smallest RSA key accepted, in bits",
            }
        },
        check=strong_ca,
    ),
    Rule(
        "ca-expiry",
        "Warns while a CA expires within warnWithinDays days, so its successor is trusted in time.",
        ADVISORY,
        {
            "warnWithinDays": {
                "type": "integer",
                "minimum": 0,
                "default": DEFAULT_WARN_WITHIN_DAYS,
                "description": "Warn when a CA expires within this many days",
            }
        },
        check=ca_expiry,
    ),
    Rule(
        "ca-minimum-validity",
        "Refuses a CA with less than minimumDays days of validity left, unless a successor "
        "valid for longer is trusted beside it on the same hub or DPS.",
        MANDATORY,
        {
            "minimumDays": {
                "type": "integer",
                "minimum": 0,
                "default": DEFAULT_MINIMUM_DAYS,
                "description": "Least validity, in days, a trusted CA may have left",
            }
        },
        check_stack=ca_minimum_validity,
    ),
    Rule(
        "group-references-proved-ca",
        "Production enrollment groups reference only CAs this stack proves by possession "
        "(mode 'proof' or 'offline'), never a self-attested one.",
        MANDATORY,
        PRODUCTION_SCHEMA,
        check_groups=group_references_proved_ca,
    ),
    Rule(
        "ca-protected-in-production",
        "Production CAs are protected (protect: true): deleting one cuts off every device "
        "it issued.",
        ADVISORY,
        PRODUCTION_SCHEMA,
        check=ca_protected_in_production,
    ),
    Rule(
        "ca-allowlist",
        "Only the CAs listed in sha256Fingerprints are trusted (no effect until the list is set).",
        ADVISORY,
        {
            "sha256Fingerprints": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "SHA-256 fingerprints of the approved CA certificates (hex, "
                "colons optional)",
            }
        },
        check=ca_allowlist,
    ),
)
