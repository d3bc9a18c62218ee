#!/usr/bin/env bash
# Makes this clone ready to run, and the test suite hermetic: .venv from the pinned requirements
# (reinstalled only when they change), the pinned Pulumi CLI and its language hosts, and every
# cache a test reads: the wheelhouse, npm's and Go's caches, the policy pack's virtualenv, the
# Azure CLI, Azurite and actionlint. After it the suite needs no network but loopback: a test
# whose cache is missing says so in one line instead of fetching. Idempotent, and a few seconds
# when warm (each step checks its stamp); every cache lives outside the repo.
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

# The wheels every `pip install` of the tests takes (tools/wheelhouse.py), then the caches each
# installer fills; each step is a no-op when its cache is warm.
wheelhouse=$(.venv/bin/python tools/wheelhouse.py)
tools/language-caches.sh >/dev/null
POP_WHEELHOUSE=$wheelhouse tools/policy-venv.sh >/dev/null
POP_WHEELHOUSE=$wheelhouse tools/azure-cli.sh >/dev/null
tools/azurite.sh >/dev/null
tools/actionlint.sh >/dev/null
