#!/usr/bin/env bash
# Builds the pinned actionlint from the Go module proxy into a cache outside the repo, so the
# example GitHub workflows are linted offline by the checker users run. A warm cache makes this a
# no-op.
#
# Prints the actionlint binary's path (the only line on stdout); progress goes to stderr.
# `--check`: print it if built, else one line saying so, exit 1; never fetches.
set -euo pipefail

version=v1.7.12
cache_root=${POP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pop-provider}
bin_dir="$cache_root/actionlint/$version"
binary="$bin_dir/actionlint"

# Asking the binary its version, not only whether it exists, also catches one cut short by a
# killed copy: it would not run, and is built again.
if [[ "$("$binary" -version 2>/dev/null | head -n 1)" != "$version" ]]; then
  if [[ ${1:-} == --check ]]; then
    echo "actionlint.sh: actionlint $version is not built ($binary): run \`make bootstrap\`" >&2
    exit 1
  fi
  echo "actionlint.sh: building actionlint $version into $bin_dir (first run: ~20 s)" >&2
  mkdir -p "$bin_dir"
  GOBIN=$bin_dir go install "github.com/rhysd/actionlint/cmd/actionlint@$version" >&2
fi
echo "$binary"
