#!/usr/bin/env bash
# Makes this clone ready to run: .venv from the pinned requirements (reinstalled only when they
# change) and the pinned Pulumi CLI (built only when the cache is cold). Idempotent; every cache
# (pip's, Go's, the CLI's) lives outside the repo.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
python=${PYTHON:-python3}

if [[ ! -x .venv/bin/python ]]; then
  echo "bootstrap: creating .venv" >&2
  "$python" -m venv .venv
fi
want=$(cat requirements.txt requirements-dev.txt pyproject.toml emulator/pyproject.toml | sha256sum | cut -c1-16)
stamp=.venv/.pop-provider-installed
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "bootstrap: installing Python requirements into .venv (first run: ~3 minutes)" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  # Both products, editable in compat mode: a .pth entry for the repo (which also makes devtools,
  # bench and tests importable here, and only here) and one for emulator/.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
    --config-settings editable_mode=compat -e . -e emulator
  echo "$want" > "$stamp"
fi
tools/build-pulumi.sh >/dev/null
