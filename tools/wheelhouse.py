"""Fills the wheelhouse: every distribution pip installs for the installed-package tests (the
pinned and the lowest sets beside this checkout's wheels, the build backend of an isolated
`python -m build`) and for the virtualenvs of the policy pack and the Azure CLI, as wheels in one
folder outside the repo, so that those installs run with `pip install --no-index --find-links`.
What it serves is stated once, in tests/installed.py (`wheelhouse_sets`), which also names the
folder by a hash of it; a warm wheelhouse makes this a no-op that starts no pip.

Run by the repo's .venv interpreter (tools/bootstrap.sh does). Prints the wheelhouse's path (the
only line on stdout); progress goes to stderr. `--check`: print it if complete, else one line
naming what is missing, exit 1; never fetches.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.installed import wheelhouse_path, wheelhouse_sets  # noqa: E402

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]


def fill(target: Path) -> None:
    """Download every set into a staging folder beside `target`, turn any sdist into a wheel
    (an offline install builds nothing), stamp it, and move it into place at once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging.", dir=target.parent))
    try:
        work = staging / ".sets"
        work.mkdir()
        # The machine's own find-links folder is no source of this wheelhouse.
        env = {key: value for key, value in os.environ.items() if key != "PIP_FIND_LINKS"}
        for number, (name, (constraints, requirements)) in enumerate(wheelhouse_sets().items()):
            print(f"wheelhouse: downloading the {name} set", file=sys.stderr)
            constraints_file = work / f"{number}-constraints.txt"
            requirements_file = work / f"{number}-requirements.txt"
            constraints_file.write_text(constraints)
            requirements_file.write_text("\n".join(requirements) + "\n")
            subprocess.run(
                [*PIP, "download", "--dest", str(staging), "-c", str(constraints_file)]
                + ["-r", str(requirements_file)],
                check=True,
                env=env,
            )
        shutil.rmtree(work)
        for sdist in [*staging.glob("*.tar.gz"), *staging.glob("*.zip")]:
            print(f"wheelhouse: building a wheel of {sdist.name}", file=sys.stderr)
            subprocess.run(
                [*PIP, "wheel", "--no-deps", "--wheel-dir", str(staging), str(sdist)],
                check=True,
                env=env,
            )
            sdist.unlink()
        (staging / ".complete").write_text(target.name + "\n")
        try:
            staging.rename(target)
        except OSError:
            if not (target / ".complete").is_file():
                raise
            # Another run made it first: keep theirs.
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def main(argv: list[str]) -> int:
    target = wheelhouse_path()
    if not (target / ".complete").is_file():
        if argv[1:] == ["--check"]:
            print(
                f"wheelhouse: {target} (the wheels the installed-package tests install) is "
                "missing or incomplete: run `make bootstrap`",
                file=sys.stderr,
            )
            return 1
        print(f"wheelhouse: filling {target} (first run: about a minute)", file=sys.stderr)
        if target.exists():
            shutil.rmtree(target)  # a partial tree from a killed run
        fill(target)
        print(f"wheelhouse: done: {target}", file=sys.stderr)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
