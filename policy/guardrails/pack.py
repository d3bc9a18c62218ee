"""The pack as Pulumi's policy SDK (`pulumi-policy`) serves it: each rule becomes a resource or
stack policy over the resources `resources` recognises."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

# The SDK is installed in the pack's own virtualenv only (its protobuf pin differs from the
# provider's), so type checkers in the provider's virtualenv do not see it.
from pulumi_policy import (  # type: ignore[import-not-found,unused-ignore]
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy import policy as sdk_policy  # type: ignore[import-not-found,unused-ignore]
from pulumi_policy.proxy import UnknownValueError  # type: ignore[import-not-found,unused-ignore]

from .resources import UNKNOWN, CaDeclaration, GroupDeclaration, declaration, group_declaration
from .rules import MANDATORY, RULES, Context, Rule
from .stacks import Stack

PACK_NAME = "pop-guardrails"

# The stack as the engine's ConfigureStack described it (see `keep_what_the_sdk_drops`).
_ENGINE_STACK: list[Stack] = []


def plain_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    """The SDK's property proxy as a plain dict: UNKNOWN where reading a value would raise
    (not known during preview); the dynamic provider's own `__provider` left out."""
    inputs: dict[str, Any] = {}
    for key in props:
        if key.startswith("__"):
            continue
        try:
            inputs[key] = props[key]
        except UnknownValueError:
            inputs[key] = UNKNOWN
    return inputs


def _declaration(resource: Any) -> CaDeclaration | None:
    return declaration(
        resource.resource_type, resource.name, plain_inputs(resource.props), resource.urn
    )


def _stack() -> Stack:
    """The stack with its secret config keys when the engine's ConfigureStack reached the pack;
    else as the host's environment describes it (without them)."""
    return _ENGINE_STACK[0] if _ENGINE_STACK else Stack.from_environment(os.environ)


def _context(args: Any, protected: bool = False) -> Context:
    return Context(
        stack=_stack(),
        config=dict(args.get_config() or {}),
        now=datetime.now(UTC),
        protected=protected,
    )


def _resource_policy(rule: Rule) -> Any:
    check = rule.check
    assert check is not None

    def validate(args: Any, report_violation: Any) -> None:
        ca = _declaration(args)
        if ca is None:
            return
        for message in check(ca, _context(args, protected=bool(args.opts.protect))):
            report_violation(message)

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_level(rule),
        config_schema=_schema(rule),
    )


def _stack_policy(rule: Rule) -> Any:
    check_stack = rule.check_stack
    assert check_stack is not None

    def validate(args: Any, report_violation: Any) -> None:
        cas = [ca for resource in args.resources if (ca := _declaration(resource)) is not None]
        for ca, message in check_stack(cas, _context(args)):
            report_violation(message, ca.urn or None)

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_level(rule),
        config_schema=_schema(rule),
    )


def _group_policy(rule: Rule) -> Any:
    check_groups = rule.check_groups
    assert check_groups is not None

    def validate(args: Any, report_violation: Any) -> None:
        cas = [ca for resource in args.resources if (ca := _declaration(resource)) is not None]
        groups = [
            group
            for resource in args.resources
            if (group := _group_declaration(resource)) is not None
        ]
        for group, message in check_groups(cas, groups, _context(args)):
            report_violation(message, group.urn or None)

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_level(rule),
        config_schema=_schema(rule),
    )


def _group_declaration(resource: Any) -> GroupDeclaration | None:
    return group_declaration(
        resource.resource_type, resource.name, plain_inputs(resource.props), resource.urn
    )


def _level(rule: Rule) -> Any:
    return EnforcementLevel.MANDATORY if rule.level == MANDATORY else EnforcementLevel.ADVISORY


def _schema(rule: Rule) -> Any:
    properties = {name: dict(spec) for name, spec in rule.config_schema.items()}
    return PolicyConfigSchema(properties=properties) if properties else None


def keep_what_the_sdk_drops() -> None:
    """Read two things pulumi-policy 1.21 drops, on its servicer's Analyzer calls, before it
    handles them: the list of secret config keys in the engine's ConfigureStack (it keeps only
    the tags), and the production stack in Configure, so a rule that holds in production only is
    advisory elsewhere (the SDK has one level per policy and run). With an SDK that has no such
    servicer, the pack runs as the SDK serves it and ca-key-secret judges nothing."""
    servicer = getattr(sdk_policy, "_PolicyAnalyzerServicer", None)
    if servicer is None or getattr(servicer, "_pop_guardrails", False):
        return
    configure_stack, configure = servicer.ConfigureStack, servicer.Configure

    def configure_stack_keeping_secret_keys(self: Any, request: Any, context: Any) -> Any:
        _ENGINE_STACK[:] = [
            Stack(
                request.stack,
                dict(request.config),
                frozenset(request.config_secret_keys),
                request.project,
            )
        ]
        return configure_stack(self, request, context)

    def configure_by_stack(self: Any, request: Any, context: Any) -> Any:
        for rule in RULES:
            if not rule.advisory_outside_production or rule.name not in request.policyConfig:
                continue
            given = request.policyConfig[rule.name]
            settings = json_format.MessageToDict(given.properties)
            production = Context(_stack(), settings, datetime.now(UTC)).production
            if given.enforcementLevel == analyzer_pb2.MANDATORY and not production:
                given.enforcementLevel = analyzer_pb2.ADVISORY
        return configure(self, request, context)

    servicer.ConfigureStack = configure_stack_keeping_secret_keys
    servicer.Configure = configure_by_stack
    servicer._pop_guardrails = True


def serve() -> None:
    """Serve the pack to the engine (prints its port, returns when the run ends)."""
    keep_what_the_sdk_drops()
    PolicyPack(
        name=PACK_NAME,
        policies=[
            _resource_policy(rule)
            if rule.check is not None
            else _stack_policy(rule)
            if rule.check_stack is not None
            else _group_policy(rule)
            for rule in RULES
        ],
        enforcement_level=EnforcementLevel.ADVISORY,
    )
