#!/usr/bin/env bash
# The policy pack's virtualenv (policy/requirements.txt), made once per content of that file in the
# cache outside the repo, atomically; prints its path (the only line on stdout). Tests point a copy
# of the pack at it; a user makes policy/venv instead (policy/README.md). With POP_WHEELHOUSE set
# (tools/bootstrap.sh sets it), pip installs from that folder alone. `--check`: print the path if
# the virtualenv is made, else one line saying so, exit 1; never fetches.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${POP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pop-provider}
python=${PYTHON:-python3}
hash=$( ("$python" --version; cat "$repo/policy/requirements.txt") | sha256sum | cut -c1-12)
venv="$cache_root/policy-venv-$hash"
if [[ ! -x "$venv/bin/python" ]]; then
  if [[ ${1:-} == --check ]]; then
    echo "policy-venv: the policy pack's virtualenv is not made ($venv): run \`make bootstrap\`" >&2
    exit 1
  fi
  from=()
  [[ -n ${POP_WHEELHOUSE:-} ]] && from=(--no-index --find-links "$POP_WHEELHOUSE")
  echo "policy-venv: installing policy/requirements.txt (first run: ~30 s)" >&2
  mkdir -p "$cache_root"
  staging=$(mktemp -d "$cache_root/.policy-venv.XXXXXX")
  "$python" -m venv "$staging"
  "$staging/bin/python" -m pip install --quiet --disable-pip-version-check "${from[@]}" \
    -r "$repo/policy/requirements.txt"
  # Only `python -m` is run from it, which a moved virtualenv still serves (its scripts' shebangs
  # would name the staging path).
  mv -T "$staging" "$venv" 2>/dev/null || rm -rf "$staging"  # another run made it first
fi
echo "$venv"
