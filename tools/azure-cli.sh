#!/usr/bin/env bash
# Installs the Azure CLI (azure-cli from PyPI), pinned, into its own virtualenv in a cache outside
# the repo, so the suite can drive `az iot hub certificate` and `az iot dps certificate` against
# the emulator the way users do. A warm cache makes this a no-op that starts neither python nor pip.
#
# Prints the path of the `az` binary (the only line on stdout); progress goes to stderr. With
# POP_WHEELHOUSE set (tools/bootstrap.sh sets it), pip installs from that folder alone.
# `--check`: print it if installed, else one line saying so, exit 1; never fetches.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requirements="$repo/tools/azure-cli-requirements.txt"
version=$(sed -n 's/^azure-cli==\([0-9.]*\).*/\1/p' "$requirements")
[[ -n $version ]] || { echo "azure-cli.sh: $requirements pins no azure-cli==X" >&2; exit 1; }
cache_root=${POP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pop-provider}
prefix="$cache_root/azure-cli/$version"
venv="$prefix/venv"
binary="$venv/bin/az"
stamp="$prefix/.complete"

# The stamp is written last, so a half-finished install (killed pip) is never taken as done.
if [[ -x "$binary" && "$(cat "$stamp" 2>/dev/null)" == "azure-cli==$version" ]]; then
  echo "$binary"
  exit 0
fi
if [[ ${1:-} == --check ]]; then
  echo "azure-cli.sh: azure-cli $version is not installed ($venv): run \`make bootstrap\`" >&2
  exit 1
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null || {
  echo "azure-cli.sh: $python is required (Python 3.10 or later)" >&2
  exit 1
}

mkdir -p "$prefix"
# A virtualenv cannot be moved once made (its scripts name their interpreter by absolute path),
# so it is built in place; the lock keeps two runs from building it at once.
exec 9>"$prefix/.lock"
flock 9
if [[ -x "$binary" && "$(cat "$stamp" 2>/dev/null)" == "azure-cli==$version" ]]; then
  echo "$binary"  # another run finished it while we waited
  exit 0
fi

echo "azure-cli.sh: installing azure-cli==$version into $venv (first run: a few minutes)" >&2
rm -rf "$venv" "$stamp"  # a partial tree from a killed run
"$python" -m venv "$venv"
from=()
[[ -n ${POP_WHEELHOUSE:-} ]] && from=(--no-index --find-links "$POP_WHEELHOUSE")
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${from[@]}" \
  -r "$requirements" >&2
[[ -x "$binary" ]] || {
  echo "azure-cli.sh: pip finished but $binary is missing" >&2
  exit 1
}
echo "azure-cli==$version" >"$stamp"
echo "azure-cli.sh: done: $binary" >&2
echo "$binary"
