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

# npm's cache (outside the repo), warmed once per pinned set (tools/languages.env), so a
# TypeScript project's `pulumi install` finds @pulumi/pulumi, TypeScript and Node's types there.
# shellcheck source=languages.env
source tools/languages.env
if command -v npm >/dev/null; then
  npm_pins="@pulumi/pulumi@$PULUMI_NODEJS_VERSION typescript@$TYPESCRIPT_VERSION"
  npm_pins+=" @types/node@$TYPES_NODE_VERSION"
  npm_warm="${POP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pop-provider}/npm-warm"
  if [[ "$(cat "$npm_warm/.complete" 2>/dev/null)" != "$npm_pins" ]]; then
    echo "bootstrap: fetching $npm_pins into npm's cache" >&2
    rm -rf "$npm_warm" && mkdir -p "$npm_warm"
    # shellcheck disable=SC2086 # one word per package
    (cd "$npm_warm" && npm install --silent --no-audit --no-fund --no-save $npm_pins >/dev/null)
    echo "$npm_pins" > "$npm_warm/.complete"
  fi
else
  echo "bootstrap: npm not found: TypeScript projects will not run (https://nodejs.org)" >&2
fi
