"""Which config key holds a CA key in clear, and the one line both faces print about it."""

from __future__ import annotations

import json
from collections.abc import Callable

from pop_provider.core.key_secrecy import clear_config_key, clear_key_warning
from tests.pki import make_ca

KEY = make_ca("key secrecy").private_key_pem


def secret_among(*keys: str) -> Callable[[str], bool]:
    return lambda key: key in keys


def test_the_config_key_holding_the_value_in_clear_is_named_as_the_cli_takes_it() -> None:
    config = {"fleet:hubId": "/subscriptions/s/x", "fleet:caKey": KEY, "team:rootKey": KEY}
    assert clear_config_key(KEY, config, secret_among(), "fleet") == "caKey"
    # Outside the project's namespace, the CLI needs the namespace too.
    assert clear_config_key(KEY, config, secret_among("fleet:caKey"), "fleet") == "team:rootKey"


def test_a_secret_config_key_or_no_config_key_is_no_finding() -> None:
    assert clear_config_key(KEY, {"fleet:caKey": KEY}, secret_among("fleet:caKey"), "fleet") is None
    assert clear_config_key(KEY, {"fleet:other": "x"}, secret_among(), "fleet") is None
    assert clear_config_key("", {"fleet:empty": ""}, secret_among(), "fleet") is None


def test_a_key_inside_a_structured_config_value_is_found() -> None:
    config = {"fleet:keys": json.dumps({"roots": [{"pem": KEY}]})}
    assert clear_config_key(KEY, config, secret_among(), "fleet") == "keys"


def test_the_warning_names_the_property_the_config_key_and_the_fix_without_the_key() -> None:
    known = clear_key_warning(
        "private_key_pem", config_key="caKey", read_as_secret='config.require_secret("caKey")'
    )
    assert known == (
        "private_key_pem comes from config key 'caKey', which is not a secret: the CA key sits in "
        "clear in the stack's config and in its history; fix: `pulumi config set --secret caKey "
        '< root.key` and read it with `config.require_secret("caKey")` (or use a Key Vault key: '
        "key_vault_url, key_vault_key_name)"
    )
    unknown = clear_key_warning("private_key_password")
    assert unknown.startswith("private_key_password is not a secret: if it comes from stack config")
    assert "fix: `pulumi config set --secret <key>` and pass it as a secret" in unknown
    assert "\n" not in known + unknown
