"""`make release`: every artifact of one version in dist/release/v<version>/, built here as on
every release runner; `make sdk`: the committed Go SDK (sdk/) and examples/go/go.sum, from the
schema. A failure is one line on stderr and exit status 1.

    python -m devtools.release [--dist DIR]   # make release
    python -m devtools.release sdk            # make sdk
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from devtools.release import go_module, plugin_bundle, sdks
from devtools.release.archives import write_checksums
from devtools.release.errors import ReleaseError
from devtools.release.steps import (
    REPO,
    npm_toolchain,
    offline_pip_env,
    progress,
    run,
    toolchain_bin,
    wheelhouse,
)
from pop_provider.native import distribution
from pop_provider.native.schema import schema_json

EXAMPLE_GO_MOD = REPO / "examples" / "go" / "go.mod"
EXAMPLE_GO_SUM = REPO / "examples" / "go" / "go.sum"
EXAMPLE_PACKAGE_JSON = REPO / "examples" / "typescript" / "package.json"
EXAMPLE_YAML = REPO / "examples" / "yaml" / "Pulumi.yaml"
_YAML_VERSION = re.compile(r"(?m)^(\s+version:) (\S+)$")


def version() -> str:
    """The one place the version is stated: pyproject.toml."""
    return str(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"])


def commit_time() -> int:
    """The commit's time (seconds): every archive's date, so a rebuild gives the same bytes."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return int(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return 315532800  # 1980-01-01, the earliest date a zip can hold: not a checkout


def check_repository() -> None:
    """On a release runner, the SDKs must fetch plugins from the repository releasing them."""
    running = os.environ.get("GITHUB_REPOSITORY")
    if (
        os.environ.get("GITHUB_ACTIONS") == "true"
        and running
        and running != distribution.GITHUB_REPOSITORY
    ):
        raise ReleaseError(
            f"this release runs in {running} but its SDKs would fetch the plugin from "
            f"{distribution.GITHUB_REPOSITORY}: set GITHUB_REPOSITORY in "
            "pop_provider/native/distribution.py"
        )


def generated_schema(work: Path, release_version: str) -> Path:
    schema = work / "schema.json"
    schema.write_text(schema_json(release_version) + "\n")
    return schema


def served_schema(codegen_bin: Path, plugin: Path, work: Path) -> str:
    """The schema the bundled plugin serves, as the CLI reads it: proof the bundle starts."""
    home = work / "pulumi-home"
    return run(
        "starting the bundled plugin (pulumi package get-schema)",
        [codegen_bin / "pulumi", "package", "get-schema", plugin],
        cwd=work,
        env={"PULUMI_HOME": str(home), "PULUMI_SKIP_UPDATE_CHECK": "true"},
    )


def provider_wheel(house: Path, work: Path) -> Path:
    out = work / "wheel"
    run(
        "building the provider's wheel",
        [sys.executable, "-m", "build", "--wheel", "--outdir", out, REPO],
        env=offline_pip_env(house),
    )
    (wheel,) = out.glob("pop_provider-*.whl")
    return wheel


def release(dist: Path) -> Path:
    check_repository()
    release_version = version()
    mtime = commit_time()
    out = dist / f"v{release_version}"
    house, bin_dir, toolchain = wheelhouse(), toolchain_bin(), npm_toolchain()
    codegen = bin_dir / "pulumi-codegen"
    with tempfile.TemporaryDirectory(prefix="pop-release-") as scratch:
        work = Path(scratch)
        schema = generated_schema(work, release_version)
        progress("checking sdk/ against the schema")
        sdks.check_go_sdk(sdks.go_tree(codegen, schema, work))
        stale = examples_pinned(release_version)
        if stale:
            raise ReleaseError(
                f"{', '.join(stale)} not pinned to v{release_version} and sdk/: run `make sdk` "
                "and commit"
            )
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        shutil.copy2(schema, out / "schema.json")

        wheel = provider_wheel(house, work)
        bundle = plugin_bundle.build(wheel, house, work / "bundle", mtime=mtime)
        served = json.loads(served_schema(bin_dir, bundle / plugin_bundle.NAME, work))
        if served != json.loads(schema.read_text()):
            raise ReleaseError(
                "the bundled plugin serves another schema than this checkout's: "
                "rebuild from a clean checkout (`git status`)"
            )
        plugin_bundle.package(bundle, out, release_version, mtime=mtime)

        sdks.npm_package(codegen, schema, toolchain, work, out)
        sdks.python_package(codegen, schema, house, work, out, mtime=mtime)
        sdks.go_proxy(out, release_version, datetime.fromtimestamp(mtime, UTC))
    write_checksums(out)
    return out


def pin_examples(release_version: str) -> None:
    """The examples take the release route: examples/go requires the Go SDK at this version
    (go.mod, and go.sum's lines for sdk/ as `go` computes them), examples/typescript the npm
    package. Written here so that the version stays stated once, in pyproject.toml."""
    module = re.escape(distribution.GO_MODULE)
    go_mod = EXAMPLE_GO_MOD.read_text()
    EXAMPLE_GO_MOD.write_text(
        re.sub(rf"(?m)^(\s*{module}) v\S+", rf"\g<1> v{release_version}", go_mod)
    )
    kept = [
        line
        for line in EXAMPLE_GO_SUM.read_text().splitlines()
        if not re.match(rf"{module} ", line)
    ]
    ours = go_module.go_sum_lines(sdks.GO_SDK, release_version)
    at = next((i for i, line in enumerate(kept) if line > ours[0]), len(kept))
    EXAMPLE_GO_SUM.write_text("\n".join([*kept[:at], *ours, *kept[at:]]) + "\n")
    EXAMPLE_YAML.write_text(
        _YAML_VERSION.sub(rf"\g<1> {release_version}", EXAMPLE_YAML.read_text())
    )
    manifest = json.loads(EXAMPLE_PACKAGE_JSON.read_text())
    manifest["dependencies"][distribution.NPM_PACKAGE] = release_version
    EXAMPLE_PACKAGE_JSON.write_text(json.dumps(manifest, indent=2) + "\n")


def examples_pinned(release_version: str) -> list[str]:
    """The example files whose pins are not this version's (empty when all are)."""
    module = re.escape(distribution.GO_MODULE)
    stale = []
    if not re.search(
        rf"(?m)^\s*{module} v{re.escape(release_version)}$", EXAMPLE_GO_MOD.read_text()
    ):
        stale.append("examples/go/go.mod")
    have = EXAMPLE_GO_SUM.read_text().splitlines()
    if not all(line in have for line in go_module.go_sum_lines(sdks.GO_SDK, release_version)):
        stale.append("examples/go/go.sum")
    if [m.group(2) for m in _YAML_VERSION.finditer(EXAMPLE_YAML.read_text())] != [release_version]:
        stale.append("examples/yaml/Pulumi.yaml")
    manifest = json.loads(EXAMPLE_PACKAGE_JSON.read_text())
    if manifest["dependencies"].get(distribution.NPM_PACKAGE) != release_version:
        stale.append("examples/typescript/package.json")
    return stale


def write_sdk() -> None:
    """`make sdk`: sdk/ from the schema, and the examples pinned to it."""
    release_version = version()
    codegen = toolchain_bin() / "pulumi-codegen"
    with tempfile.TemporaryDirectory(prefix="pop-sdk-") as scratch:
        work = Path(scratch)
        sdks.write_go_sdk(sdks.go_tree(codegen, generated_schema(work, release_version), work))
    pin_examples(release_version)
    progress(f"wrote sdk/ and the examples' pins for v{release_version}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.release", description=__doc__)
    parser.add_argument("what", nargs="?", choices=["release", "sdk"], default="release")
    parser.add_argument("--dist", type=Path, default=REPO / "dist" / "release")
    args = parser.parse_args(argv)
    try:
        if args.what == "sdk":
            write_sdk()
        else:
            out = release(args.dist.resolve())
            progress(f"done: {out}")
            for path in sorted(out.iterdir()):
                size = (
                    sum(p.stat().st_size for p in path.rglob("*"))
                    if path.is_dir()
                    else path.stat().st_size
                )
                print(f"  {path.name}  {size / 1024:,.0f} KiB", file=sys.stderr)
    except ReleaseError as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
