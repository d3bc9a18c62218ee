"""docs/ and the README: the committed reference pages and the troubleshooting guide are a fresh
render (of the schema, of the failure kinds), every relative link and anchor in the README,
docs/ and the examples' READMEs lands, every page has its front matter and is reachable from
the README or the overview, every property of the schema has its row, the README stays a front
door (200 lines at most), and the hand-written overview's example is the one examples/yaml
runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from devtools import docs
from pop_provider import failures
from pop_provider.native.schema import package_schema

SCHEMA = package_schema(docs.version())
PAGES = sorted(docs.DOCS.rglob("*.md"))
README = docs.REPO / "README.md"
# Every page a reader follows links through: the README, docs/, each example's README.
LINKED_PAGES = [README, *PAGES, *sorted(docs.REPO.glob("examples/*/README.md"))]
EXAMPLE_YAML = docs.REPO / "examples" / "yaml" / "Pulumi.yaml"
README_MAX_LINES = 200

_FENCE = re.compile(r"^ *```.*?^ *```", re.DOTALL | re.MULTILINE)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_HEADING_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ROW = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---\n(.*?)^---\n", re.DOTALL | re.MULTILINE)
_FRONT_MATTER_KEYS = ("title", "meta_desc", "layout")


def _code_free(text: str) -> str:
    """The page without code blocks: a heading or link inside a code sample is not one."""
    return _FENCE.sub("", _FRONT_MATTER.sub("", text))


def _prose(text: str) -> str:
    """The page without code, inline code included: what links are read from."""
    return _INLINE_CODE.sub("", _code_free(text))


def github_slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it from the heading's text (inline code keeps its
    text, a link its label, emphasis marks go): lowercase, every character but letters, digits,
    `_`, `-` and spaces dropped, each space a `-`."""
    text = _HEADING_LINK.sub(r"\1", heading).replace("`", "")
    text = re.sub(r"(\*\*|__|\*)", "", text)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    """The page's anchors; a repeated heading gets `-1`, `-2`, ... as on GitHub."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_code_free(page.read_text())):
        slug = github_slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _relative_links(page: Path) -> list[tuple[str, Path, str]]:
    """Each relative link of the page: as written, the path it resolves to, its anchor."""
    links = []
    for target in _LINK.findall(_prose(page.read_text())):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ... not ours to check
            continue
        path, _, anchor = target.partition("#")
        links.append((target, (page.parent / path).resolve() if path else page, anchor))
    return links


def _label(page: Path) -> str:
    return page.relative_to(docs.REPO).as_posix()


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


def test_troubleshooting_guide_is_a_fresh_render_of_the_failure_kinds() -> None:
    guide = docs.DOCS / docs.TROUBLESHOOTING
    assert guide.is_file(), f"docs/{docs.TROUBLESHOOTING} is missing: run `make docs`"
    assert guide.read_text() == docs.troubleshooting(failures.KINDS), (
        f"docs/{docs.TROUBLESHOOTING} differs from a fresh render of pop_provider.failures.KINDS: "
        "run `make docs` and commit docs/"
    )
    text = guide.read_text()
    for kind in failures.KINDS:
        assert f"\n## {kind.__name__}\n" in text, f"no entry for {kind.__name__}"


@pytest.mark.parametrize("page", LINKED_PAGES, ids=_label)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target, linked, anchor in _relative_links(page):
        if not linked.exists():
            broken.append(f"{target} (no file {linked.relative_to(docs.REPO)})")
        elif anchor and (linked.suffix != ".md" or anchor not in _anchors(linked)):
            broken.append(f"{target} (no heading #{anchor} in {linked.name})")
    assert not broken, f"{_label(page)}: broken links: {', '.join(broken)}"


def test_the_link_checker_knows_githubs_anchors() -> None:
    """The slugs GitHub gives the headings these docs link to."""
    assert github_slug("The Azure CLI (`az`)") == "the-azure-cli-az"
    assert github_slug("The port: picked once, kept by the state dir") == (
        "the-port-picked-once-kept-by-the-state-dir"
    )
    assert github_slug("Runners: the plugin from a mirror, or air-gapped") == (
        "runners-the-plugin-from-a-mirror-or-air-gapped"
    )
    assert github_slug("Fleet scale: ARM's throttle") == "fleet-scale-arms-throttle"


@pytest.mark.parametrize("page", PAGES, ids=_label)
def test_every_docs_page_has_registry_front_matter(page: Path) -> None:
    match = _FRONT_MATTER.match(page.read_text())
    assert match, f"{_label(page)} does not start with front matter (---, title, meta_desc, ---)"
    front = yaml.safe_load(match.group(1))
    assert isinstance(front, dict), f"{_label(page)}: front matter is not a YAML mapping"
    missing = [key for key in _FRONT_MATTER_KEYS if not front.get(key)]
    assert not missing, f"{_label(page)}: front matter lacks {', '.join(missing)}"


def test_every_docs_page_is_linked_from_the_readme_or_the_overview() -> None:
    overview = docs.DOCS / "_index.md"
    linked = {path for page in (README, overview) for _, path, _ in _relative_links(page)}
    orphans = [_label(page) for page in PAGES if page != overview and page not in linked]
    assert not orphans, (
        f"not linked from README.md or docs/_index.md: {', '.join(orphans)}; add a link"
    )


def test_readme_is_a_front_door_of_at_most_200_lines() -> None:
    lines = len(README.read_text().splitlines())
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines, more than {README_MAX_LINES}: move detail into a guide "
        "under docs/guides/ and link it"
    )


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
