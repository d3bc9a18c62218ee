"""The hosts' reading of the plugin manifests packages carry, without the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import Mock

from pulumi.runtime.proto import language_pb2

from devtools.language_hosts.common import package_from_plugin_json
from devtools.language_hosts.nodejs import NodejsLanguageHost


def test_a_manifest_names_a_resource_plugin_only_when_it_says_so() -> None:
    assert package_from_plugin_json({"name": "tiny"}) is None
    package = package_from_plugin_json(
        {"resource": True, "name": "tiny", "version": "v1.2.3", "server": "https://example.invalid"}
    )
    assert package is not None
    assert (package.kind, package.name, package.version, package.server) == (
        "resource",
        "tiny",
        "v1.2.3",
        "https://example.invalid",
    )


def test_an_unreleased_sdk_placeholder_is_no_version() -> None:
    package = package_from_plugin_json({"resource": True, "name": "tiny", "version": "${VERSION}"})
    assert package is not None and package.version == ""


def test_the_nodejs_host_reads_package_json_and_plugin_json_in_node_modules(tmp_path: Path) -> None:
    def install(folder: str, manifest: dict[str, object], plugin: dict[str, object] | None = None):
        path = tmp_path / "node_modules" / folder
        path.mkdir(parents=True)
        (path / "package.json").write_text(json.dumps(manifest))
        if plugin is not None:
            (path / "pulumi-plugin.json").write_text(json.dumps(plugin))

    install(
        "@pulumi/tiny",
        {"name": "@pulumi/tiny", "version": "0.1.0", "pulumi": {"resource": True, "name": "tiny"}},
    )
    install(
        "other",
        {"name": "other", "version": "2.0.0"},
        {"resource": True, "name": "other", "version": "2.0.0"},
    )
    install("left-pad", {"name": "left-pad", "version": "1.3.0"})

    host = NodejsLanguageHost("", None)
    info = language_pb2.ProgramInfo(root_directory=str(tmp_path), program_directory=str(tmp_path))
    found = host.required_packages(info, Mock())
    assert sorted((package.name, package.version) for package in found) == [
        ("other", "2.0.0"),
        ("tiny", "0.1.0"),
    ]
