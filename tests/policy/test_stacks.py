"""Which stacks are production: by name (a pattern) or by their own config flag."""

from __future__ import annotations

import json

import pytest

from policy.guardrails.stacks import PRODUCTION_FLAG, Stack


@pytest.mark.parametrize("name", ["prod", "production", "prod-eu", "eu-prod", "app.production"])
def test_production_names(name: str) -> None:
    assert Stack(name, {}).is_production()


@pytest.mark.parametrize("name", ["dev", "preprod", "product", "reproduction", "staging", ""])
def test_other_names(name: str) -> None:
    assert not Stack(name, {}).is_production()


def test_the_stack_comes_from_the_environment_the_host_sets() -> None:
    stack = Stack.from_environment(
        {"PULUMI_STACK": "staging", "PULUMI_CONFIG": json.dumps({PRODUCTION_FLAG: "true"})}
    )
    assert stack == Stack("staging", {PRODUCTION_FLAG: "true"}) and stack.is_production()
    assert Stack.from_environment({}) == Stack("", {})
    assert Stack.from_environment({"PULUMI_CONFIG": "not json"}).config == {}


def test_a_config_key_holding_a_value_in_clear_is_named_as_the_cli_takes_it() -> None:
    config = {
        "fleet:caKey": "pem",
        "team:rootKey": "other",
        "fleet:keys": json.dumps({"roots": ["nested"]}),
    }
    stack = Stack("dev", config, frozenset({"fleet:secretOne"}), "fleet")
    assert stack.clear_config_key("pem") == "caKey"
    assert stack.clear_config_key("other") == "team:rootKey"  # another namespace: named in full
    assert stack.clear_config_key("nested") == "keys"
    assert stack.clear_config_key("absent") is None
    assert Stack("dev", config, frozenset({"fleet:caKey"}), "fleet").clear_config_key("pem") is None
    # The host's environment never says which keys are secret: nothing is judged from it.
    assert (
        Stack.from_environment({"PULUMI_CONFIG": json.dumps(config)}).clear_config_key("pem")
        is None
    )
