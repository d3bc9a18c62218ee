"""`make docs`: the Pulumi Registry's reference pages under docs/, rendered from the package
schema, so a property added to the schema is documented by the next render; and the
troubleshooting guide, rendered from the failure kinds' own docstrings, so a new kind or a
reworded cause reaches users without a second text to keep in step. `--check` fails (one line,
exit status 1) when the committed pages differ from a fresh render.

    python -m devtools.docs            # write docs/
    python -m devtools.docs --check    # CI: are the committed docs current?

docs/_index.md, docs/contributing.md and every guide but troubleshooting.md are written by hand.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pop_provider.failures import KINDS
from pop_provider.native.schema import package_schema

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"

Schema = Mapping[str, Any]

TROUBLESHOOTING = "guides/troubleshooting.md"

_REF = "#/types/"
# What `pulumi import` takes as a custom resource's id: not in the schema, so stated here; a new
# custom resource without an entry fails the render rather than get a guessed id. A component
# is never imported: its entry says what to do instead.
_IMPORT_ID = {
    "pop:index:VerifiedCaCertificate": "<certificate ARM id>",
    "pop:index:EnrollmentGroup": "<DPS ARM id>/enrollmentGroups/<enrollmentGroupId>",
}
_COMPONENT_IMPORT = {
    "pop:index:TrustedCa": "A component is not imported: import each "
    "[VerifiedCaCertificate](verified-ca-certificate.md) child instead, or set "
    "`certificateName` on a target to adopt a certificate that is already there.",
}
# A docs path in a docstring (`docs/guides/credentials.md#the-least-privilege-role`), made a link
# from the guides folder, so the link check sees it land.
_GUIDE_PATH = re.compile(r"(?<![\w/\[(])docs/guides/([a-z0-9-]+\.md(?:#[a-z0-9-]+)?)")
# What every failure has in common, said once above the kinds; the kinds say the rest.
_TROUBLESHOOTING_INTRO = [
    "Input mistakes (a wrong key, a leaf or expired certificate, a chain, a key pasted as the",
    "certificate, a mode typo, a password that does not decrypt) fail the resource's check, in",
    "`preview` and in `up --yes --skip-preview` alike, with zero calls to Azure. At run time,",
    "every failure is one message naming its kind, what is wrong, where, and what to do:",
    "",
    "```",
    "error: pop_provider.failures.TargetNotFound: IoT hub 'no-such-hub' (resource group "
    "'rg-fleet', subscription 0000…) does not exist: check the IoT hub's name, resource group "
    "and subscription (its ARM id, or the name inputs), or create it first; Azure said: …",
    "error: pop_provider.failures.AuthenticationFailed: Azure sign-in failed for client … in "
    "tenant … with the client secret from azure-native:clientSecret: AADSTS7000215: Invalid "
    "client secret provided …",
    "```",
    "",
    "The Python package's dynamic face prints the kind as `pop_provider.failures.<Kind>:`; the",
    "native provider `pop` prints the message alone. A failure half way leaves nothing behind,",
    "or is resumed by the next `up`.",
    "",
    "Retries: 429 (waiting as long as `Retry-After` says), 5xx and dropped connections are",
    "retried up to 10 times per call, one budget for every kind, within 120 s per call; a",
    "`Retry-After` longer than what is left fails the call at once instead of hanging the",
    "pipeline.",
    "",
    "No Python traceback: Pulumi's Python dynamic-provider host formats a provider's exception",
    "with `traceback.format_exc()`. In that host process only, pop-provider sets Python's",
    "documented `sys.tracebacklimit = 0`, so an exception prints as its type and message. This",
    "applies to every dynamic provider in the same program (they share the host process). A bug",
    "of ours (`InternalError`) still carries its frames in its message, for the report.",
    "",
    "The kinds, in the order you may meet them:",
    "",
]
# A front-matter value YAML would misread unquoted (`key: value` inside, or a leading indicator).
_NEEDS_QUOTES = re.compile(r":\s|\s#|^[-?:,\[\]{}#&*!|>'\"%@`]")


def version() -> str:
    """The one place the version is stated: pyproject.toml."""
    return str(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"])


def page_name(token: str) -> str:
    """`pop:index:VerifiedCaCertificate` -> `verified-ca-certificate` (the page's file stem)."""
    name = token.rsplit(":", 1)[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


def render(schema: Schema, kinds: Sequence[type[BaseException]] = KINDS) -> dict[str, str]:
    """Every generated page, by its path under docs/ (POSIX), each ending in one newline."""
    pages = {"installation-configuration.md": _installation_configuration(schema)}
    for token in sorted(schema["resources"]):
        pages[f"resources/{page_name(token)}.md"] = _resource_page(schema, token)
    pages[TROUBLESHOOTING] = troubleshooting(kinds)
    return pages


def stale(pages: Mapping[str, str], docs: Path = DOCS) -> list[str]:
    """The pages whose committed text (or absence) differs from `pages`, sorted."""
    return sorted(
        path
        for path, text in pages.items()
        if not (docs / path).is_file() or (docs / path).read_text() != text
    )


def write(pages: Mapping[str, str], docs: Path = DOCS) -> None:
    """Write `pages` under `docs`."""
    for path, text in pages.items():
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _page(front_matter: Mapping[str, str], body: list[str]) -> str:
    head = ["---", *(f"{key}: {_scalar(value)}" for key, value in front_matter.items()), "---", ""]
    return "\n".join(head + body).rstrip("\n") + "\n"


def _scalar(value: str) -> str:
    """A front-matter value, double-quoted (JSON's quoting is YAML's) only where needed."""
    return json.dumps(value) if _NEEDS_QUOTES.search(value) else value


def _cell(text: str) -> str:
    """A table cell: one line, and a `|` in the text does not end the cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _enum_table(members: list[Mapping[str, Any]]) -> list[str]:
    """An enum type's values, as a program writes them."""
    rows = [f"| `{m['value']}` | {m.get('description', '')} |" for m in members]
    return ["| Value | Description |", "| --- | --- |", *rows]


def _type_name(spec: Mapping[str, Any]) -> str:
    """A property's type as a reader says it; a schema type links to its section."""
    if spec.get("$ref") == "pulumi.json#/Any":  # Pulumi's built-in any, no section of ours
        return "any"
    if "$ref" in spec:
        name = spec["$ref"].removeprefix(_REF).rsplit(":", 1)[-1]
        return f"[{name}](#{name.lower()})"
    kind = spec.get("type", "any")
    if kind == "array":
        return f"list of {_type_name(spec['items'])}"
    if kind == "object" and "additionalProperties" in spec:
        return f"map of {_type_name(spec['additionalProperties'])}"
    return str(kind)


def _property_table(
    properties: Mapping[str, Any], required: set[str], required_header: str
) -> list[str]:
    """Required (or always set) properties first, then the rest, each group by name."""
    rows = [
        f"| Property | Type | {required_header} | Secret | Description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in sorted(properties, key=lambda name: (name not in required, name)):
        spec = properties[name]
        rows.append(
            f"| `{name}` | {_type_name(spec)} | {_yes(name in required)} "
            f"| {_yes(bool(spec.get('secret')))} | {_cell(spec.get('description', ''))} |"
        )
    return rows


def _referenced_types(schema: Schema, properties: Mapping[str, Any]) -> Iterator[str]:
    """The type tokens `properties` reference, directly or through other types."""
    seen: set[str] = set()

    def walk(spec: Any) -> Iterator[str]:
        if isinstance(spec, Mapping):
            ref = spec.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF):
                token = ref.removeprefix(_REF)
                if token not in seen:
                    seen.add(token)
                    yield token
                    yield from walk(schema["types"][token].get("properties", {}))
            for value in spec.values():
                yield from walk(value)

    yield from walk(properties)


def _resource_page(schema: Schema, token: str) -> str:
    resource = schema["resources"][token]
    name = token.rsplit(":", 1)[-1]
    description = resource.get("description", "")
    component = bool(resource.get("isComponent"))
    inputs = resource.get("inputProperties", {})
    outputs = resource.get("properties", {})
    kind = "component resource" if component else "custom resource"
    body = [
        description,
        "",
        f"Type token: `{token}` ({kind}).",
        "",
        "## Inputs",
        "",
        *_property_table(inputs, set(resource.get("requiredInputs", [])), "Required"),
        "",
        "## Outputs",
        "",
        *_property_table(outputs, set(resource.get("required", [])), "Always set"),
        "",
    ]
    types = sorted(set(_referenced_types(schema, {**inputs, **outputs})))
    if types:
        body += ["## Supporting Types", ""]
        for type_token in types:
            spec = schema["types"][type_token]
            body += [
                f"### {type_token.rsplit(':', 1)[-1]}",
                "",
                spec.get("description", ""),
                "",
                *(
                    _enum_table(spec["enum"])
                    if "enum" in spec
                    else _property_table(
                        spec.get("properties", {}), set(spec.get("required", [])), "Required"
                    )
                ),
                "",
            ]
    body += ["## Import", ""]
    if component:
        body.append(_COMPONENT_IMPORT[token])
    else:
        body += [
            f"An existing {name} is adopted into a stack by its id:",
            "",
            "```sh",
            f"pulumi import {token} <name> {_IMPORT_ID[token]}",
            "```",
        ]
    return _page(
        {"title": name, "meta_desc": f"{name} of pop-provider: {description}", "layout": "api"},
        body,
    )


def troubleshooting(kinds: Sequence[type[BaseException]]) -> str:
    """docs/guides/troubleshooting.md: one entry per failure kind, its heading the class name
    (what the CLI prints after `pop_provider.failures.`), its text the class's docstring: the
    first paragraph what happened, the rest the causes and the fix."""
    body = [*_TROUBLESHOOTING_INTRO]
    body += [f"- [{kind.__name__}](#{kind.__name__.lower()})" for kind in kinds]
    body.append("")
    for kind in kinds:
        doc = inspect.getdoc(kind)
        if not doc:
            raise ValueError(f"{kind.__module__}.{kind.__name__} has no docstring to render")
        what, _, rest = doc.partition("\n\n")
        body += [f"## {kind.__name__}", "", f"**{' '.join(what.split())}**", ""]
        for paragraph in rest.split("\n\n") if rest else []:
            body += [_GUIDE_PATH.sub(_guide_link, paragraph), ""]
    return _page(
        {
            "title": "Troubleshooting",
            "meta_desc": "Every failure pop-provider reports, what it means, its common causes "
            "and the fix.",
            "layout": "package",
        },
        body,
    )


def _guide_link(match: re.Match[str]) -> str:
    return f"[{match.group(0)}]({match.group(1)})"


def _installation_configuration(schema: Schema) -> str:
    language = schema["language"]
    npm = language["nodejs"]["packageName"]
    pypi = language["python"]["packageName"].replace("_", "-")
    go = language["go"]["importBasePath"]
    url = schema["pluginDownloadURL"]
    display = schema.get("displayName", schema["name"])
    body = [
        "## Installation",
        "",
        f"{display} ships as the resource plugin `{schema['name']}` and an SDK per language:",
        "",
        f"- **Node.js** (JavaScript/TypeScript): `npm install {npm}`",
        f"- **Python**: `pip install {pypi}`",
        f"- **Go**: `go get {go}`",
        "- **Pulumi YAML**: nothing to install; name the plugin in a resource's `options`.",
        "",
        f"Every SDK and Pulumi YAML carry `pluginDownloadURL` (`{url}`): the Pulumi CLI "
        "downloads the plugin from the project's GitHub releases on first use.",
        f"To install it ahead of time: `pulumi plugin install resource {schema['name']} "
        f"{schema['version']} --server {url}`.",
        "",
        "## Configuration",
        "",
        f"Set with `pulumi config set {schema['name']}:<option> <value>` "
        "(add `--secret` for a secret).",
        "",
        "| Option | Type | Secret | Description |",
        "| --- | --- | --- | --- |",
    ]
    variables = schema["config"]["variables"]
    for option in sorted(variables):
        spec = variables[option]
        body.append(
            f"| `{schema['name']}:{option}` | {_type_name(spec)} "
            f"| {_yes(bool(spec.get('secret')))} | {_cell(spec.get('description', ''))} |"
        )
    return _page(
        {
            "title": f"{display} Installation & Configuration",
            "meta_desc": f"How to install {display} and configure its options.",
            "layout": "package",
        },
        body,
    )


def main(argv: list[str] | None = None) -> int:
    """Write docs/, or with --check say which pages are stale (exit status 1)."""
    parser = argparse.ArgumentParser(prog="python -m devtools.docs", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail if docs/ differs from a fresh render"
    )
    args = parser.parse_args(argv)
    pages = render(package_schema(version()))
    if args.check:
        outdated = stale(pages)
        if outdated:
            names = ", ".join(f"docs/{path}" for path in outdated)
            print(f"docs out of date: {names}; run make docs and commit docs/", file=sys.stderr)
            return 1
        return 0
    write(pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
