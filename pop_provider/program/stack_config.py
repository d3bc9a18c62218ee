"""The config-driven program's stack config (`pop_provider.trust_from_stack_config`, this repo's
`__main__.py`): which certificates to trust, where, and how. The key is `<project>:certificates`,
under the name of the project that runs the program (`pop-provider` for this repo's):

    pop-provider:certificates:
      - name: fleet-root                 # the Pulumi resource name
        hubId: /subscriptions/.../providers/Microsoft.Devices/IotHubs/my-hub
        # or dpsId, or resourceGroupName with hubName or dpsName (subscriptionId: <guid>)
        mode: proof                      # or auto, or offline
        certificateFile: certs/root.pem  # or certificatePem: "-----BEGIN CERTIFICATE-----..."
        privateKeyFile: certs/root.key   # or privateKeySecret: <config key set with --secret>
        privateKeyPasswordSecret: rootKeyPassword   # optional, a config key set with --secret
        # or a key in Key Vault: keyVaultUrl, keyVaultKeyName (, keyVaultKeyVersion)
        # offline mode, second run: proofCertificateFile (or proofCertificatePem)
        certificateName: fleet-root      # optional; generated otherwise
        expiryWarningDays: 30            # optional; warn in `up` this close to expiry
      - name: fleet-root-everywhere      # one CA on many hubs and DPS: `targets` instead of a hub
        targets:
          - hubId: /subscriptions/.../IotHubs/hub-west    # each: hubId, dpsId, or the names,
          - resourceGroupName: rg-east                    #   and optionally certificateName
            dpsName: dps-east                             #   and name (the child's label)
        certificateFile: certs/root.pem
        privateKeyFile: certs/root.key

DPS enrollment groups go in a list of their own, `<project>:enrollmentGroups`
(pop_provider.program.group_config).

Secrets never sit in this list: a key comes from a file or from a config key of its own that was
set with `pulumi config set --secret`, so `pulumi config` never shows it in clear (a key set
without `--secret` is one warning under its resource, naming the config key).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pulumi

from pop_provider.core import declaration as declared
from pop_provider.core.declaration import StackConfig
from pop_provider.core.expiry import DEFAULT_EXPIRY_WARNING_DAYS
from pop_provider.dynamic.resource import VerifiedCaCertificateArgs
from pop_provider.dynamic.trust import CaTarget, TrustedCaArgs
from pop_provider.failures import ProgramError
from pop_provider.program.pem_files import PemFileError, read_certificate_file, read_key_file

CONFIG_KEY = "certificates"
# The key of an entry that names its resource, in every list of the stack config.
ENTRY_NAME = "name"
EntryT = TypeVar("EntryT")

_CERTIFICATE = declared.VERIFIED_CA_CERTIFICATE
# An entry's keys: its resource name, each input in its stack-config forms, and `targets`.
_TARGETS = declared.TARGETS.camel
_ALLOWED = {
    ENTRY_NAME,
    _TARGETS,
    *(key for prop in _CERTIFICATE.inputs() for key in prop.stack_config_keys()),
}
# A target's keys, as CaTarget's fields.
_TARGET_KEYS = {
    prop.camel: prop.name for prop in (*declared.CA_TARGET_FIELDS, declared.TARGET_LABEL)
}


class StackConfigError(ProgramError):
    """The stack config cannot describe a certificate; the message names the entry and key.

    A `pulumi.RunError`: Pulumi's Python host prints it as the message alone, without the
    program's traceback (which would say nothing the message does not).
    """


@dataclass(frozen=True)
class CertificateEntry:
    """One entry of the list, resolved into resource arguments."""

    name: str
    args: VerifiedCaCertificateArgs
    # Set when the entry trusts its CA on several hubs or DPS (a TrustedCa); `args` then holds
    # everything but the target.
    targets: list[CaTarget] | None = None

    def trusted_ca_args(self) -> TrustedCaArgs:
        """The entry as a TrustedCa's arguments (an entry with `targets`)."""
        shared = {prop.name: getattr(self.args, prop.name) for prop in declared.TRUSTED_CA_SHARED}
        return TrustedCaArgs(targets=list(self.targets or []), **shared)


def parse_entries(
    raw: Any, base_dir: Path, secret: Callable[[str], pulumi.Output[str]]
) -> list[CertificateEntry]:
    """Entries from the config value; `secret(key)` reads a secret config key."""
    return parse_list(
        raw,
        CONFIG_KEY,
        "certificates",
        lambda index, item: _parse_entry(index, item, base_dir, secret),
        lambda entry: entry.name,
    )


def parse_list(
    raw: Any,
    key: str,
    what: str,
    parse: Callable[[int, Any], EntryT],
    name_of: Callable[[EntryT], str],
) -> list[EntryT]:
    """A list of the stack config under `key`: each entry parsed, resource names unique."""
    if not isinstance(raw, list) or not raw:
        raise StackConfigError(
            f"config '{key}' must be a non-empty list of {what} (see docs/guides/stack-config.md)"
        )
    entries: list[EntryT] = []
    names: set[str] = set()
    for index, item in enumerate(raw):
        entry = parse(index, item)
        if name_of(entry) in names:
            raise StackConfigError(f"{key}[{index}]: the name '{name_of(entry)}' is used twice")
        names.add(name_of(entry))
        entries.append(entry)
    return entries


def _parse_entry(
    index: int, item: Any, base_dir: Path, secret: Callable[[str], pulumi.Output[str]]
) -> CertificateEntry:
    where = f"{CONFIG_KEY}[{index}]"
    name, item = named_entry(where, item, _ALLOWED)
    where = f"{where} ({name})"

    def one_of(file_key: str, other_key: str, what: str, *, required: bool, key: bool) -> Any:
        if file_key in item and other_key in item:
            raise StackConfigError(
                f"{where}: give {file_key} or {other_key} for the {what}, not both"
            )
        if file_key in item:
            path = base_dir / str(item[file_key])
            what = f"{where}: {file_key} '{item[file_key]}'"
            read = read_key_file if key else read_certificate_file
            try:
                return read(path, what)
            except PemFileError as error:
                raise StackConfigError(str(error)) from None
        if other_key in item:
            return item[other_key]
        if required:
            raise StackConfigError(f"{where}: the {what} is required ({file_key} or {other_key})")
        return None

    values: dict[str, Any] = {}
    for prop in _CERTIFICATE.inputs():
        keys = prop.stack_config_keys()
        what = prop.name.removesuffix("_pem").replace("_", " ")
        if prop.stack_config is StackConfig.VALUE:
            values[prop.name] = item.get(prop.camel)
        elif prop.stack_config is StackConfig.SECRET:
            values[prop.name] = secret(str(item[keys[0]])) if item.get(keys[0]) else None
        else:
            value = one_of(keys[0], keys[1], what, required=prop.required, key=prop.secret)
            if prop.secret and value is not None:
                value = (
                    secret(str(item[keys[1]])) if keys[1] in item else pulumi.Output.secret(value)
                )
            values[prop.name] = value
    warning_days = item.get(declared.EXPIRY_WARNING_DAYS.camel, DEFAULT_EXPIRY_WARNING_DAYS)
    if warning_days is not None and (not isinstance(warning_days, int) or warning_days < 0):
        raise StackConfigError(f"{where}: expiryWarningDays must be a whole number of days")
    values[declared.EXPIRY_WARNING_DAYS.name] = warning_days
    return CertificateEntry(
        name=name, args=VerifiedCaCertificateArgs(**values), targets=_targets(where, item)
    )


def refuse_unknown_keys(where: str, item: Mapping[str, Any], allowed: set[str]) -> None:
    """One line naming each unknown key, the allowed key it is closest to (a typo), and all."""
    unknown = sorted(set(item) - allowed)
    if unknown:
        named = [
            f"'{key}' (did you mean '{close[0]}'?)" if close else f"'{key}'"
            for key in unknown
            for close in [difflib.get_close_matches(key, allowed, n=1)]
        ]
        raise StackConfigError(
            f"{where}: unknown key {', '.join(named)}; allowed: {sorted(allowed)}"
        )


def named_entry(where: str, item: Any, allowed: set[str]) -> tuple[str, Mapping[str, Any]]:
    """An entry of a config list: an object of `allowed` keys, with its resource name."""
    if not isinstance(item, Mapping):
        raise StackConfigError(f"{where} must be an object")
    refuse_unknown_keys(where, item, allowed)
    name = item.get(ENTRY_NAME)
    if not isinstance(name, str) or not name:
        raise StackConfigError(f"{where}: '{ENTRY_NAME}' (the resource name) is required")
    return name, item


def _targets(where: str, item: Mapping[str, Any]) -> list[CaTarget] | None:
    """The entry's `targets`, each a hub or DPS; none of the single-target keys beside them."""
    if _TARGETS not in item:
        return None
    single = sorted(set(item) & (set(_TARGET_KEYS) - {ENTRY_NAME}))
    if single:
        raise StackConfigError(
            f"{where}: give `targets` or {single}, not both (the keys go inside each target)"
        )
    raw = item[_TARGETS]
    if not isinstance(raw, list) or not raw:
        raise StackConfigError(f"{where}: `targets` must be a non-empty list of hubs and DPS")
    targets = []
    for index, target in enumerate(raw):
        at = f"{where}.targets[{index}]"
        if not isinstance(target, Mapping):
            raise StackConfigError(f"{at} must be an object")
        refuse_unknown_keys(at, target, set(_TARGET_KEYS))
        targets.append(CaTarget(**{_TARGET_KEYS[key]: value for key, value in target.items()}))
    return targets
