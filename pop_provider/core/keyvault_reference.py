"""A Key Vault key reference, syntax-checked without the Key Vault SDK or a call to the vault.

The provider's check validates these inputs before any call to Azure, and the program never
needs the SDK, so this stays apart from the signer that talks to the vault.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from pop_provider.core.errors import InvalidInput

VAULT_URL = "key_vault_url"
KEY_NAME = "key_vault_key_name"
KEY_VERSION = "key_vault_key_version"

# Key Vault object names and versions [doc: "Azure Key Vault keys, secrets and certificates"].
_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")
_VERSION = re.compile(r"^[0-9A-Za-z]{1,64}$")


def validate_key_reference(
    vault_url: str, key_name: str, key_version: str | None
) -> tuple[str, str, str | None]:
    """Syntax-check a key reference without calling the vault (the provider's check does this
    before any call to Azure); returns the normalised (vault_url, key_name, key_version)."""
    url = _check_vault_url(vault_url)
    if not isinstance(key_name, str) or not _NAME.match(key_name):
        raise InvalidInput(KEY_NAME, "must be a Key Vault key name: 1-127 letters, digits or '-'")
    if key_version is not None and (
        not isinstance(key_version, str) or not _VERSION.match(key_version)
    ):
        raise InvalidInput(
            KEY_VERSION, "must be a Key Vault key version (letters and digits), or unset"
        )
    return url, key_name, key_version or None


def _check_vault_url(vault_url: str) -> str:
    """`https://<host>[:port]`, the form azure-keyvault-keys parses key ids against."""
    if not isinstance(vault_url, str) or not vault_url.strip():
        raise InvalidInput(
            VAULT_URL, "is empty; give the vault's URL, https://<name>.vault.azure.net"
        )
    parsed = urlparse(vault_url.strip())
    if parsed.scheme != "https" or not parsed.hostname:
        raise InvalidInput(
            VAULT_URL, f"'{vault_url}' is not an https URL; use https://<name>.vault.azure.net"
        )
    if parsed.username or parsed.password or parsed.query or parsed.fragment:
        raise InvalidInput(VAULT_URL, "must not carry credentials, a query or a fragment")
    if parsed.path not in ("", "/"):
        raise InvalidInput(
            VAULT_URL,
            f"'{vault_url}' has a path; a vault URL is just https://<name>.vault.azure.net",
        )
    return f"https://{parsed.netloc}"
