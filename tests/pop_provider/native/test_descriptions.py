"""The reference text the schema carries: long descriptions whose examples Pulumi's codegen can
filter per language, and one description for every property the schema declares (no more).

What `codegen.FilterExamples` does to a description, for each SDK: it parses Markdown with
`{{% name %}}` / `{{% /name %}}` shortcodes that start at the first column, drops every fenced
block whose language is neither the SDK's nor `sh`, and drops an `{{% example %}}` left without
a fence. So the examples must be well-formed and complete, and anything fenced outside them
must be `sh`, or some SDK's docstring loses it."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest
import yaml

from pop_provider.native import descriptions
from pop_provider.native.schema import (
    CERTIFICATE_TOKEN,
    ENROLLMENT_GROUP_TOKEN,
    TARGET_TOKEN,
    TRUSTED_CA_TOKEN,
    package_schema,
)

LANGUAGES = ("typescript", "python", "go", "yaml")
LONG = {
    CERTIFICATE_TOKEN: descriptions.VERIFIED_CA_CERTIFICATE,
    TRUSTED_CA_TOKEN: descriptions.TRUSTED_CA,
    ENROLLMENT_GROUP_TOKEN: descriptions.ENROLLMENT_GROUP,
}

_SHORTCODE = re.compile(r"\{\{%\s*(/?)(\w+)\s*%\}\}")
_FENCE = re.compile(r"^```(\S*)\s*$")


def _blocks(text: str) -> list[tuple[str, str, list[str]]]:
    """(shortcode path, fence language, lines) of every fenced block, in order; fails on a
    shortcode that is indented, misnamed, misnested or unclosed, or a fence left open."""
    stack: list[str] = []
    blocks: list[tuple[str, str, list[str]]] = []
    fence: tuple[str, list[str]] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if fence is not None:
            if line.strip() == "```":
                blocks.append(("/".join(stack), fence[0], fence[1]))
                fence = None
            else:
                fence[1].append(line)
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = (opened.group(1), [])
            continue
        found = _SHORTCODE.search(line)
        if found is None:
            continue
        assert line == found.group(0), f"line {number}: a shortcode alone, at column 1: {line!r}"
        closing, name = found.groups()
        assert name in ("examples", "example"), f"line {number}: unknown shortcode {name!r}"
        if closing:
            assert stack and stack[-1] == name, f"line {number}: {line} closes nothing open"
            stack.pop()
        else:
            parent = {"examples": [], "example": ["examples"]}[name]
            assert stack == parent, f"line {number}: {line} inside {stack or 'nothing'}"
            stack.append(name)
    assert fence is None, "a fenced block is never closed"
    assert not stack, f"shortcodes left open: {stack}"
    return blocks


@pytest.mark.parametrize("token", sorted(LONG))
def test_long_description_has_one_example_per_language(token: str) -> None:
    text = LONG[token]
    assert text.count("{{% examples %}}") == 1
    blocks = _blocks(text)
    in_examples = [language for where, language, _ in blocks if where == "examples/example"]
    assert sorted(in_examples) == sorted(LANGUAGES), (
        f"{token}: examples fenced as {in_examples}; want one each of {LANGUAGES} "
        "(no .NET or Java: the package publishes no SDK for them)"
    )
    # FilterExamples keeps `sh` in every SDK and drops any other fence outside the example's own
    # language, so prose fences only shell commands.
    stray = [(where, language) for where, language, _ in blocks if where != "examples/example"]
    assert all(language == "sh" for _, language in stray), f"{token}: fenced {stray}"


@pytest.mark.parametrize("token", sorted(LONG))
def test_examples_are_short(token: str) -> None:
    for _, language, lines in _blocks(LONG[token]):
        # Go's are whole programs (package, imports, error checks), as pulumi-command's are.
        limit = 40 if language == "go" else 22
        assert len(lines) <= limit, f"{token}: the {language} example has {len(lines)} lines"


def _schema() -> dict[str, Any]:
    return package_schema("0.0.0")


def _inputs(schema: dict[str, Any]) -> dict[str, set[str]]:
    """Each resource's and CaTarget's input names, by token."""
    names = {
        token: set(resource["inputProperties"]) for token, resource in schema["resources"].items()
    }
    names[TARGET_TOKEN] = set(schema["types"][TARGET_TOKEN]["properties"])
    return names


def _snippet(token: str, language: str) -> str:
    (lines,) = [
        lines
        for where, fence, lines in _blocks(LONG[token])
        if where == "examples/example" and fence == language
    ]
    return "\n".join(lines)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.mark.parametrize("token", sorted(LONG))
def test_yaml_example_uses_the_schema(token: str) -> None:
    program = yaml.safe_load(_snippet(token, "yaml"))
    inputs = _inputs(_schema())
    (resource,) = [r for r in program["resources"].values() if r["type"] == token]
    assert set(resource["properties"]) <= inputs[token]
    for target in resource["properties"].get("targets", []):
        assert set(target) <= inputs[TARGET_TOKEN]
    outputs = set(_schema()["resources"][token]["properties"])
    for expression in program["outputs"].values():
        assert expression.split(".", 1)[1].rstrip("}") in outputs


@pytest.mark.parametrize("token", sorted(LONG))
def test_python_example_uses_the_sdk_names(token: str) -> None:
    """`pulumi_pop`'s names: snake_case keyword arguments of the resource and of CaTargetArgs."""
    tree = ast.parse(_snippet(token, "python"))
    inputs = _inputs(_schema())
    # An example may declare the resources it builds on (an EnrollmentGroup's CA).
    kinds = {t.rsplit(":", 1)[1]: t for t in inputs if t != TARGET_TOKEN}
    kinds["CaTargetArgs"] = TARGET_TOKEN
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "pop":
                kind = kinds[node.func.attr]
                called.add(kind)
                names = {_camel(str(keyword.arg)) for keyword in node.keywords}
                assert names <= inputs[kind], f"{node.func.attr}: {names - inputs[kind]}"
    assert token in called


@pytest.mark.parametrize("token", sorted(LONG))
def test_go_and_typescript_examples_use_the_schema(token: str) -> None:
    inputs = _inputs(_schema())
    name = token.rsplit(":", 1)[1]
    go = _snippet(token, "go")
    # The inputs of every resource the example declares (an EnrollmentGroup's CA too).
    declared = {t for t in inputs if f"pop.New{t.rsplit(':', 1)[1]}(ctx, " in go}
    known = set().union(*(inputs[t] for t in declared | {token, TARGET_TOKEN}))
    assert f"pop.New{name}(ctx, " in go and f"&pop.{name}Args{{" in go
    fields = set(re.findall(r"^\s+([A-Z]\w*):", go, re.MULTILINE))
    assert {field[0].lower() + field[1:] for field in fields} <= known, fields
    typescript = _snippet(token, "typescript")
    assert f"new pop.{name}(" in typescript
    assert '"@pop-provider/pop"' in typescript
    keys = set(re.findall(r"(?:^\s+|\{ |, )(\w+):", typescript, re.MULTILINE))
    assert keys <= known, keys - known


# EnrollmentGroup's `dpsId`, `armId`, ... name a DPS and a group, not a certificate's target:
# described its own way, consistently within itself.
_OWN_WORDS = {ENROLLMENT_GROUP_TOKEN: "EnrollmentGroup."}


def _described(schema: dict[str, Any]) -> dict[str, str]:
    """Every property the schema declares and its description, config ones as `config:<name>`
    (a name several resources share must be described the same way in each, but for the
    resources of _OWN_WORDS, whose names carry its prefix)."""
    texts: dict[str, str] = {}

    def add(name: str, spec: dict[str, Any]) -> None:
        text = str(spec.get("description", ""))
        assert texts.setdefault(name, text) == text, f"{name} is described two ways"

    for token, resource in schema["resources"].items():
        for name, spec in {**resource["inputProperties"], **resource["properties"]}.items():
            add(_OWN_WORDS.get(token, "") + name, spec)
    for name, spec in schema["types"][TARGET_TOKEN]["properties"].items():
        add(name, spec)
    for name, spec in {
        **schema["config"]["variables"],
        **schema["provider"].get("inputProperties", {}),
    }.items():
        add(f"config:{name}", spec)
    return texts


def test_every_schema_property_has_a_description() -> None:
    undescribed = sorted(name for name, text in _described(_schema()).items() if not text)
    assert not undescribed, f"no description for {undescribed}"
    assert set(descriptions.CONFIG) == set(_schema()["config"]["variables"])


def test_config_descriptions_name_their_environment_variables() -> None:
    """Every provider setting falls back to at least one environment variable, named."""
    for name, text in descriptions.CONFIG.items():
        assert re.search(r"`[A-Z][A-Z_]+`", text), f"{name}: which variable?"


def test_descriptions_survive_every_generator() -> None:
    """Plain text for every SDK's comment syntax: no `*/` (ends a JSDoc comment), no triple
    quote (ends a Python docstring); short property descriptions on one paragraph."""
    texts = [*LONG.values(), descriptions.CA_TARGET, descriptions.PACKAGE]
    properties = _described(_schema())
    for text in [*texts, *properties.values()]:
        assert "*/" not in text and '"""' not in text
    for name, text in properties.items():
        assert "\n" not in text and text.strip() == text, name
        sentences = re.findall(r"[.!?](?:\s|$)", text.replace("e.g.", "eg"))
        assert 1 <= len(sentences) <= 3, f"{name}: one to three sentences"
    assert "\n" not in descriptions.CA_TARGET and "\n" not in descriptions.PACKAGE
