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
