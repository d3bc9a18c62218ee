#!/usr/bin/env bash
# Installs Azurite, Microsoft's Azure Storage emulator, pinned, from npm into a cache outside the
# repo, so the team-scale tests can run Pulumi's azblob:// backend on this machine. A warm cache
# makes this a no-op that starts neither node nor npm.
#
# Prints the path of the `azurite-blob` binary (the only line on stdout); progress goes to stderr.
# `--check`: print it if installed, else one line saying so, exit 1; never fetches.
set -euo pipefail

version=3.37.0
cache_root=${POP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pop-provider}
prefix="$cache_root/azurite/$version"
binary="$prefix/node_modules/.bin/azurite-blob"
stamp="$prefix/.complete"

# The stamp is written last, so a half-finished install (killed npm) is never taken as done.
if [[ -x "$binary" && "$(cat "$stamp" 2>/dev/null)" == "azurite@$version" ]]; then
  echo "$binary"
  exit 0
fi
if [[ ${1:-} == --check ]]; then
  echo "azurite: azurite $version is not installed ($prefix): run \`make bootstrap\`" >&2
  exit 1
fi

for tool in node npm; do
  command -v "$tool" >/dev/null || {
    echo "azurite: $tool is required (Node.js 20 or later, https://nodejs.org)" >&2
    exit 1
  }
done

echo "azurite: installing azurite@$version from npm into $prefix (first run: about a minute)" >&2
mkdir -p "$cache_root/azurite"
# Installed beside the final place and moved in at once: a concurrent run, or one killed half
# way, never leaves a partial tree where the stamp check looks.
staging=$(mktemp -d "$cache_root/azurite/.install.XXXXXX")
trap 'rm -rf "$staging"' EXIT
# Azurite's dependencies ask for node>=22 in their `engines` (EBADENGINE); it runs on Node 20.
npm install --prefix "$staging" --no-audit --no-fund --no-update-notifier --loglevel=error \
  --omit=dev "azurite@$version" >&2
[[ -x "$staging/node_modules/.bin/azurite-blob" ]] || {
  echo "azurite: npm finished but $staging/node_modules/.bin/azurite-blob is missing" >&2
  exit 1
}
echo "azurite@$version" > "$staging/.complete"
if [[ "$(cat "$stamp" 2>/dev/null)" != "azurite@$version" ]]; then
  rm -rf "$prefix"  # a partial tree from a killed run
  mv -T "$staging" "$prefix" 2>/dev/null || true  # another run made it first: keep theirs
fi
echo "azurite: done: $binary" >&2
echo "$binary"
