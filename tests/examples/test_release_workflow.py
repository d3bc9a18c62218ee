""".github/workflows/release.yml, read the way GitHub reads it: linted by actionlint, and held to
what a release must not lose: OIDC instead of stored tokens, the tags it runs on, every platform
the plugin ships for, and `make release` as the only thing that builds.

Nothing here reaches GitHub, PyPI or npm; the tag check is the check job's own script, run here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import processes
from tests.caches import REPO, cached

WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
# Ways a long-lived registry token gets into a workflow; trusted publishing needs none of them.
FORBIDDEN = ("secrets.", "NODE_AUTH_TOKEN", "NPM_TOKEN", "PYPI_TOKEN", "password:")
# GitHub-hosted runner labels and the platform each runs on: PyInstaller builds the plugin for
# its runner's own OS and architecture, so a leg's os/arch must be its runner's.
RUNNERS = {
    "ubuntu-24.04": ("linux", "amd64"),
    "ubuntu-24.04-arm": ("linux", "arm64"),
    "macos-15-intel": ("darwin", "amd64"),
    "macos-26-intel": ("darwin", "amd64"),
    "macos-14": ("darwin", "arm64"),
    "macos-15": ("darwin", "arm64"),
    "macos-26": ("darwin", "arm64"),
    "windows-2022": ("windows", "amd64"),
    "windows-2025": ("windows", "amd64"),
    "windows-11-arm": ("windows", "arm64"),
}
PLATFORMS = {
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
}
RELEASE = "make release"
# A command that builds or packages something; only `make release` may run one, so what CI
# ships is what the README's command builds.
BUILDS = re.compile(
    r"\bmake\b|\bgo (build|install|run)\b|pyinstaller|-m build\b|\bpip wheel\b|\bnpm pack\b"
    r"|\bpulumi package\b|\btools/|\btar -?c|\bzip\b|setup\.py",
    re.IGNORECASE,
)


@cache
def workflow() -> dict[Any, Any]:
    """release.yml as PyYAML reads it, parsed once per run."""
    loaded = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(loaded, dict), f"{WORKFLOW} is not a YAML mapping"
    return loaded


def job(name: str) -> dict[str, Any]:
    """One job of release.yml; a missing one fails naming the three the release needs."""
    jobs = workflow()["jobs"]
    assert name in jobs, f"release.yml has no job `{name}`: the release is check, build, publish"
    found = jobs[name]
    assert isinstance(found, dict)
    return found


def commands(step: dict[str, Any]) -> list[str]:
    """The lines of a `run:` step that do something (not blank, not a comment)."""
    lines = (line.strip() for line in str(step.get("run", "")).splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def actionlint_verdict() -> subprocess.CompletedProcess[str]:
    """actionlint on release.yml, once per module; shellcheck and pyflakes off, as in
    test_github_workflows.py, so the verdict does not depend on what else is installed."""
    actionlint = cached("actionlint.sh")
    return processes.run(
        [str(actionlint), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", str(WORKFLOW)],
        timeout=120,
    )


def test_actionlint_passes_the_release_workflow_with_nothing_to_say(
    actionlint_verdict: subprocess.CompletedProcess[str],
) -> None:
    result = actionlint_verdict
    assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), (
        f"actionlint objects to release.yml; fix these lines:\n{result.stdout}{result.stderr}"
    )


def test_no_long_lived_token_in_the_release_workflow() -> None:
    text = WORKFLOW.read_text()
    found = [needle for needle in FORBIDDEN if needle in text]
    assert not found, (
        f"release.yml holds {found}: publish by trusted publishing (OIDC) and github.token, "
        "and drop the stored token"
    )


def test_runs_on_pushed_version_tags_only() -> None:
    doc = workflow()
    # YAML 1.1 (PyYAML) reads the bare key `on` as True.
    on = doc["on"] if "on" in doc else doc.get(True)
    assert on == {"push": {"tags": ["v*"]}}, (
        f'release.yml runs on {on!r}: make its trigger `on: push: tags: ["v*"]`, nothing else'
    )


def test_reads_only_and_publish_alone_widens_to_mint_an_oidc_token() -> None:
    assert workflow().get("permissions") == {"contents": "read"}, (
        "release.yml's top-level permissions must be `contents: read`; widen per job"
    )
    publish = job("publish").get("permissions", {})
    assert publish.get("id-token") == "write", (
        "the publish job needs `permissions: id-token: write`: PyPI and npm trusted publishing "
        "sign in with the run's OIDC token"
    )
    widened = [
        name
        for name, spec in workflow()["jobs"].items()
        if name != "publish" and spec.get("permissions")
    ]
    assert not widened, f"jobs {widened} widen permissions: only publish writes; drop theirs"


def test_build_matrix_covers_every_platform_the_plugin_ships_for() -> None:
    build = job("build")
    assert build.get("runs-on") == "${{ matrix.runner }}", (
        "the build job must run on `${{ matrix.runner }}`: one runner per platform"
    )
    legs = build.get("strategy", {}).get("matrix", {}).get("include", [])
    for leg in legs:
        runs = RUNNERS.get(leg.get("runner"))
        assert runs == (leg.get("os"), leg.get("arch")), (
            f"build leg {leg}: runner {leg.get('runner')!r} runs {runs or 'an unknown platform'}; "
            "set os/arch to the runner's own (PyInstaller builds for it), or add the label to "
            "RUNNERS"
        )
    missing = PLATFORMS - {(leg.get("os"), leg.get("arch")) for leg in legs}
    assert not missing, (
        f"the build matrix lacks {sorted(missing)}: add a GitHub-hosted runner leg for each"
    )


def test_make_release_is_the_only_build_and_every_leg_runs_it() -> None:
    jobs = workflow()["jobs"]
    for name, spec in jobs.items():
        for step in spec.get("steps", []):
            for line in commands(step):
                allowed = name == "build" and line == RELEASE
                assert allowed or not BUILDS.search(line), (
                    f"job {name} runs `{line}`: build only with `{RELEASE}` in the build job "
                    "(move the rest into the Makefile's release target), so CI ships what the "
                    "README's command builds"
                )
    runs = [commands(step) for step in job("build").get("steps", []) if "run" in step]
    assert [RELEASE] in runs, f"the build job must have a step `run: {RELEASE}`"


def version_check(tag: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """The check job's version step, as GitHub runs a bash step, on this checkout and `tag`;
    with what it wrote to GITHUB_OUTPUT."""
    (step,) = [step for step in job("check")["steps"] if step.get("id") == "version"]
    script = tmp_path / "check.sh"
    script.write_text(step["run"])
    output = tmp_path / "github-output"
    output.write_text("")
    # python3 is this suite's 3.11, the one tomllib needs (GitHub's ubuntu-24.04 has 3.12).
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = {**os.environ, "PATH": path, "GITHUB_REF_NAME": tag, "GITHUB_OUTPUT": str(output)}
    result = processes.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=REPO,
        env=env,
        timeout=60,
    )
    return result, output.read_text()


def test_check_job_passes_the_pyproject_version_tag_and_fails_another_in_one_line(
    tmp_path: Path,
) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    good, written = version_check(f"v{version}", tmp_path)
    assert (good.returncode, written) == (0, f"version={version}\n"), (
        f"the check job fails tag v{version}, which matches pyproject.toml; fix its version "
        f"step:\n{good.stdout}{good.stderr}"
    )
    bad, written = version_check(f"v{version}.1", tmp_path)
    lines = (bad.stdout + bad.stderr).strip().splitlines()
    assert bad.returncode != 0 and written == "", (
        f"the check job passes tag v{version}.1 against pyproject.toml's {version}: it must fail"
    )
    wanted = re.compile(rf"v{re.escape(version)}(?![.\d])")  # v0.2.0, not v0.2.0.1
    assert len(lines) == 1 and f"v{version}.1" in lines[0] and wanted.search(lines[0]), (
        f"the check job must fail in one line naming the tag and v{version}; it said {lines}"
    )
