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

Secrets never sit in this list: a key comes from a file or from a config key of its own that was
set with `pulumi config set --secret`, so `pulumi config` never shows it in clear (a key set
without `--secret` is one warning under its resource, naming the config key).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from pop_provider.core.expiry import DEFAULT_EXPIRY_WARNING_DAYS
from pop_provider.dynamic.resource import VerifiedCaCertificateArgs
from pop_provider.dynamic.trust import CaTarget, TrustedCaArgs
from pop_provider.program.pem_files import PemFileError, read_certificate_file, read_key_file

CONFIG_KEY = "certificates"

_ALLOWED = {
    "name",
    "hubId",
    "resourceGroupName",
    "hubName",
    "subscriptionId",
    "mode",
    "certificateFile",
    "certificatePem",
    "privateKeyFile",
    "privateKeySecret",
    "privateKeyPasswordSecret",
    "certificateName",
    "dpsId",
    "dpsName",
    "keyVaultUrl",
    "keyVaultKeyName",
    "keyVaultKeyVersion",
    "proofCertificateFile",
    "proofCertificatePem",
    "expiryWarningDays",
    "targets",
}
_TARGET_KEYS = {
    "hubId": "hub_id",
    "dpsId": "dps_id",
    "resourceGroupName": "resource_group_name",
    "hubName": "hub_name",
    "dpsName": "dps_name",
    "subscriptionId": "subscription_id",
    "certificateName": "certificate_name",
    "name": "name",
}


class StackConfigError(pulumi.RunError, ValueError):
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
        a = self.args
        return TrustedCaArgs(
            certificate_pem=a.certificate_pem,
            targets=list(self.targets or []),
            mode=a.mode,
            private_key_pem=a.private_key_pem,
            private_key_password=a.private_key_password,
            key_vault_url=a.key_vault_url,
            key_vault_key_name=a.key_vault_key_name,
            key_vault_key_version=a.key_vault_key_version,
            expiry_warning_days=a.expiry_warning_days,
        )


def parse_entries(
    raw: Any, base_dir: Path, secret: Callable[[str], pulumi.Output[str]]
) -> list[CertificateEntry]:
    """Entries from the config value; `secret(key)` reads a secret config key."""
    if not isinstance(raw, list) or not raw:
        raise StackConfigError(
            f"config '{CONFIG_KEY}' must be a non-empty list of certificates (see README.md)"
        )
    entries, names = [], set()
    for index, item in enumerate(raw):
        entry = _parse_entry(index, item, base_dir, secret)
        if entry.name in names:
            raise StackConfigError(f"{CONFIG_KEY}[{index}]: the name '{entry.name}' is used twice")
        names.add(entry.name)
        entries.append(entry)
    return entries


def _parse_entry(
    index: int, item: Any, base_dir: Path, secret: Callable[[str], pulumi.Output[str]]
) -> CertificateEntry:
    where = f"{CONFIG_KEY}[{index}]"
    if not isinstance(item, Mapping):
        raise StackConfigError(f"{where} must be an object")
    unknown = sorted(set(item) - _ALLOWED)
    if unknown:
        raise StackConfigError(f"{where}: unknown keys {unknown}; allowed: {sorted(_ALLOWED)}")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise StackConfigError(f"{where}: 'name' (the resource name) is required")
    where = f"{where} ({name})"

    def one_of(file_key: str, other_key: str, what: str, *, required: bool) -> Any:
        if file_key in item and other_key in item:
            raise StackConfigError(
                f"{where}: give {file_key} or {other_key} for the {what}, not both"
            )
        if file_key in item:
            path = base_dir / str(item[file_key])
            what = f"{where}: {file_key} '{item[file_key]}'"
            read = read_key_file if file_key == "privateKeyFile" else read_certificate_file
            try:
                return read(path, what)
            except PemFileError as error:
                raise StackConfigError(str(error)) from None
        if other_key in item:
            return item[other_key]
        if required:
            raise StackConfigError(f"{where}: the {what} is required ({file_key} or {other_key})")
        return None

    certificate = one_of("certificateFile", "certificatePem", "certificate", required=True)
    key = one_of("privateKeyFile", "privateKeySecret", "private key", required=False)
    if key is not None and "privateKeySecret" in item:
        key = secret(str(item["privateKeySecret"]))
    elif key is not None:
        key = pulumi.Output.secret(key)
    proof = one_of("proofCertificateFile", "proofCertificatePem", "proof", required=False)
    warning_days = item.get("expiryWarningDays", DEFAULT_EXPIRY_WARNING_DAYS)
    if warning_days is not None and (not isinstance(warning_days, int) or warning_days < 0):
        raise StackConfigError(f"{where}: expiryWarningDays must be a whole number of days")
    targets = _targets(where, item)
    password_key = item.get("privateKeyPasswordSecret")
    password = secret(str(password_key)) if password_key else None
    return CertificateEntry(
        name=name,
        args=VerifiedCaCertificateArgs(
            certificate_pem=certificate,
            hub_id=item.get("hubId"),
            dps_id=item.get("dpsId"),
            resource_group_name=item.get("resourceGroupName"),
            hub_name=item.get("hubName"),
            dps_name=item.get("dpsName"),
            subscription_id=item.get("subscriptionId"),
            mode=item.get("mode"),
            private_key_pem=key,
            private_key_password=password,
            key_vault_url=item.get("keyVaultUrl"),
            key_vault_key_name=item.get("keyVaultKeyName"),
            key_vault_key_version=item.get("keyVaultKeyVersion"),
            proof_certificate_pem=proof,
            certificate_name=item.get("certificateName"),
            expiry_warning_days=warning_days,
        ),
        targets=targets,
    )


def _targets(where: str, item: Mapping[str, Any]) -> list[CaTarget] | None:
    """The entry's `targets`, each a hub or DPS; none of the single-target keys beside them."""
    if "targets" not in item:
        return None
    single = sorted(set(item) & (set(_TARGET_KEYS) - {"name"}))
    if single:
        raise StackConfigError(
            f"{where}: give `targets` or {single}, not both (the keys go inside each target)"
        )
    raw = item["targets"]
    if not isinstance(raw, list) or not raw:
        raise StackConfigError(f"{where}: `targets` must be a non-empty list of hubs and DPS")
    targets = []
    for index, target in enumerate(raw):
        at = f"{where}.targets[{index}]"
        if not isinstance(target, Mapping):
            raise StackConfigError(f"{at} must be an object")
        unknown = sorted(set(target) - set(_TARGET_KEYS))
        if unknown:
            raise StackConfigError(f"{at}: unknown keys {unknown}; allowed: {sorted(_TARGET_KEYS)}")
        targets.append(CaTarget(**{_TARGET_KEYS[key]: value for key, value in target.items()}))
    return targets
