"""The SDKs, generated from the schema the plugin serves, with Pulumi's own generators
(tools/pulumi-codegen), packaged as each language's users install them: the npm tarball, the
Python wheel and sdist, and the Go module committed under sdk/ (Go users fetch the tag)."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

from devtools.release import go_module
from devtools.release.errors import ReleaseError
from devtools.release.steps import REPO, offline_pip_env, progress, run
from pop_provider.native import distribution

GO_SDK = REPO / "sdk"
PACKAGE_README = REPO / "devtools" / "release" / "PACKAGE_README.md"
# Go offline, from the module cache `make bootstrap` warmed, with no toolchain switch.
# The checksum database is not asked: the module cache holds what it verified on download.
GO_OFFLINE = {
    "GOPROXY": "off",
    "GOSUMDB": "off",
    "GOFLAGS": "-mod=mod",
    "GOTOOLCHAIN": "local",
    "GOWORK": "off",
}
NPM_OFFLINE = {
    "npm_config_offline": "true",
    "npm_config_audit": "false",
    "npm_config_fund": "false",
}


def generate(codegen: Path, schema: Path, language: str, out: Path) -> Path:
    run(
        f"generating the {language} SDK",
        [codegen, "-language", language, "-schema", schema, "-out", out],
    )
    return out


def npm_package(codegen: Path, schema: Path, toolchain: Path, work: Path, out: Path) -> Path:
    """Compile the TypeScript SDK against the pinned toolchain and `npm pack` what Pulumi's
    packages publish: the compiled bin/ with package.json, the README and the licence."""
    progress("building the npm package")
    sdk = generate(codegen, schema, "nodejs", work / "nodejs")
    (sdk / "node_modules").symlink_to(toolchain / "node_modules", target_is_directory=True)
    run(
        "compiling the TypeScript SDK",
        ["node", toolchain / "node_modules/typescript/bin/tsc"],
        cwd=sdk,
    )
    bin_dir = sdk / "bin"
    shutil.copy2(sdk / "package.json", bin_dir / "package.json")
    shutil.copy2(PACKAGE_README, bin_dir / "README.md")
    shutil.copy2(REPO / "LICENSE", bin_dir / "LICENSE")
    packed = run(
        "npm pack",
        ["npm", "pack", "--pack-destination", out, "--silent"],
        cwd=bin_dir,
        env=NPM_OFFLINE,
    )
    return out / packed.strip().splitlines()[-1]


def python_package(
    codegen: Path, schema: Path, wheelhouse: Path, work: Path, out: Path, *, mtime: int
) -> list[Path]:
    """The Python SDK's wheel and sdist (`pip install pulumi-pop`: the native face), dated
    `mtime` inside, so a rebuild of the same commit gives the same bytes."""
    progress("building the Python SDK")
    sdk = generate(codegen, schema, "python", work / "python")
    shutil.copy2(PACKAGE_README, sdk / "README.md")
    shutil.copy2(REPO / "LICENSE", sdk / "LICENSE")
    for path in [sdk, *sdk.rglob("*")]:
        os.utime(path, (mtime, mtime))
    before = set(out.iterdir())
    run(
        "building the Python SDK",
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, sdk],
        env={**offline_pip_env(wheelhouse), "SOURCE_DATE_EPOCH": str(mtime)},
    )
    return sorted(set(out.iterdir()) - before)


def go_tree(codegen: Path, schema: Path, work: Path) -> Path:
    """The Go SDK's module tree as it is committed under sdk/: the generated packages, and a
    go.mod on the pinned Pulumi Go SDK, tidied offline."""
    tree = work / "go-sdk"
    generate(codegen, schema, "go", tree / "go")
    pulumi_version = (REPO / "PULUMI_VERSION").read_text().strip().lstrip("v")
    (tree / "go.mod").write_text(
        f"module {distribution.GO_MODULE}\n\ngo 1.24\n\n"
        f"require github.com/pulumi/pulumi/sdk/v3 v{pulumi_version}\n"
    )
    run("tidying the Go SDK's go.mod (offline)", ["go", "mod", "tidy"], cwd=tree, env=GO_OFFLINE)
    run("building the Go SDK", ["go", "build", "./..."], cwd=tree, env=GO_OFFLINE)
    return tree


def differences(generated: Path, committed: Path) -> list[str]:
    """Files that differ between two trees, by relative path."""

    def files(root: Path) -> dict[str, bytes]:
        if not root.is_dir():
            return {}
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }

    ours, theirs = files(generated), files(committed)
    return sorted(
        name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name)
    )


def write_go_sdk(tree: Path) -> None:
    """Replace sdk/ with the generated tree (`make sdk`)."""
    if GO_SDK.exists():
        shutil.rmtree(GO_SDK)
    shutil.copytree(tree, GO_SDK)


def check_go_sdk(tree: Path) -> None:
    """The release publishes the Go SDK the tag holds: sdk/ must be what the schema generates."""
    changed = differences(tree, GO_SDK)
    if changed:
        listed = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
        raise ReleaseError(
            f"sdk/ is not what the schema generates ({listed}): run `make sdk`, commit sdk/ "
            "and examples/go/go.sum, then release"
        )


def go_proxy(out: Path, version: str, commit_time: datetime) -> Path:
    """sdk/ as a GOPROXY folder in the release: a mirror serves it to Go users as it stands."""
    return go_module.write_module_proxy(GO_SDK, version, out / "goproxy", commit_time=commit_time)
