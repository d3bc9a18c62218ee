"""docs/: the committed reference pages are a fresh render of the schema, every link in them
lands, every property of the schema has its row, and the hand-written overview's example is the
one examples/yaml runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devtools import docs
from pop_provider.native.schema import package_schema

SCHEMA = package_schema(docs.version())
PAGES = sorted([*docs.DOCS.glob("*.md"), *docs.DOCS.glob("resources/*.md")])
EXAMPLE_YAML = docs.REPO / "examples" / "yaml" / "Pulumi.yaml"

_FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)
_ROW = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)


def _prose(text: str) -> str:
    """The page without code: a link or heading inside a code sample is not one."""
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def github_slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lowercase, punctuation but `-` dropped, spaces
    to `-`."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {github_slug(heading) for heading in _HEADING.findall(_prose(page.read_text()))}


def _section(text: str, title: str) -> str:
    """The text under `## {title}`, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)
    assert match, f"no `## {title}` section"
    return match.group(1)


def test_committed_docs_are_a_fresh_render() -> None:
    rendered = docs.render(SCHEMA)
    for path, text in rendered.items():
        committed = docs.DOCS / path
        assert committed.is_file(), f"docs/{path} is missing: run `make docs` and commit docs/"
        assert committed.read_text() == text, (
            f"docs/{path} differs from a fresh render of the schema: run `make docs` and commit "
            "docs/"
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(docs.DOCS).as_posix())
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in _LINK.findall(_prose(page.read_text())):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ... not ours to check
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.is_file():
            broken.append(f"{target} (no file {path})")
        elif anchor and anchor not in _anchors(linked):
            broken.append(f"{target} (no heading #{anchor} in {linked.name})")
    assert not broken, f"{page.relative_to(docs.REPO)}: broken links: {', '.join(broken)}"


@pytest.mark.parametrize("token", sorted(SCHEMA["resources"]))
def test_every_schema_property_has_its_row(token: str) -> None:
    resource = SCHEMA["resources"][token]
    page = docs.DOCS / "resources" / f"{docs.page_name(token)}.md"
    text = page.read_text()
    for title, key in (("Inputs", "inputProperties"), ("Outputs", "properties")):
        rows = set(_ROW.findall(_section(text, title)))
        missing = sorted(set(resource.get(key, {})) - rows)
        assert not missing, f"{page.name}, {title}: no row for {', '.join(missing)}"


def test_overview_example_is_the_yaml_example() -> None:
    """docs/_index.md is written by hand; its example must stay the one the suite runs."""
    overview = (docs.DOCS / "_index.md").read_text()
    shown = re.search(r"^```yaml\n(.*?)^```", overview, re.DOTALL | re.MULTILINE)
    assert shown, "docs/_index.md has no ```yaml example"
    program = EXAMPLE_YAML.read_text()
    resources = re.search(r"^resources:\n.*?(?=^\S)", program, re.DOTALL | re.MULTILINE)
    assert resources, f"{EXAMPLE_YAML} has no `resources:` block"
    assert shown.group(1) == resources.group(0), (
        "docs/_index.md's example differs from examples/yaml/Pulumi.yaml's `resources:`: copy it"
    )
