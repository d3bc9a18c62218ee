#!/usr/bin/env bash
# Builds the pinned Pulumi CLI from its published Go modules into a cache outside the repo and
# puts the scripts the release bundles beside it. The release binaries cannot be downloaded here,
# but the Go module proxy serves the CLI's source. A warm cache makes this a no-op.
#
# Prints the bin directory to run the CLI from (the only line on stdout); progress goes to stderr.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(tr -d '[:space:]' < "$repo/PULUMI_VERSION")
module_dir="$repo/tools/pulumi-cli"
cache_root=${POP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pop-provider}
prefix="$cache_root/pulumi/v$version"
bin="$prefix/bin"
stamp="$prefix/.complete"

# The go.mod pins must agree with PULUMI_VERSION: one version, stated once, checked everywhere.
for mod in pkg sdk; do
  if ! grep -qE "github.com/pulumi/pulumi/$mod/v3 v$version( // indirect)?\$" "$module_dir/go.mod"; then
    echo "build-pulumi: tools/pulumi-cli/go.mod does not pin $mod/v3 at v$version (PULUMI_VERSION)" >&2
    exit 1
  fi
done

# The SDK pinned in requirements.txt: PyPI's newest at or below the CLI (the CLI and PyPI publish
# different sets of releases; a CLI is never older than the SDK it runs).
sdk_version=$(sed -n 's/^pulumi==\([0-9.]*\).*/\1/p' "$repo/requirements.txt")
[[ -n $sdk_version ]] || { echo "build-pulumi: requirements.txt pins no pulumi==X" >&2; exit 1; }
host_venv="$prefix/host-venv-$sdk_version"
host_stamp="$host_venv/.complete"

# The language host's own interpreter: Pulumi's SDK (its gRPC stubs) at the pinned SDK version,
# so the host never imports anything from the project's virtualenv.
ensure_host_venv() {
  [[ "$(cat "$host_stamp" 2>/dev/null)" == "pulumi==$sdk_version" ]] && return 0
  echo "build-pulumi: making the language host's virtualenv (pulumi==$sdk_version)" >&2
  rm -rf "$host_venv"
  "${PYTHON:-python3}" -m venv "$host_venv"
  "$host_venv/bin/python" -m pip install --quiet --disable-pip-version-check "pulumi==$sdk_version"
  echo "pulumi==$sdk_version" > "$host_stamp"
}

# Our launcher and host are part of this repo, and clones at other commits share this cache: so
# each version of them gets a directory of its own, named by their content, holding them beside
# a hard link of the CLI (the CLI finds its Python plugin beside itself). Made once, atomically.
host_hash=$( (echo "$sdk_version"; cat "$repo/tools/pulumi-language-python" \
  "$repo/devtools/language_host.py") | sha256sum | cut -c1-12)
run_dir="$prefix/run-$host_hash"
install_host() {
  [[ -x "$run_dir/bin/pulumi" ]] && return 0
  local staging
  staging=$(mktemp -d "$prefix/.run.XXXXXX")
  mkdir "$staging/bin"
  ln "$bin/pulumi" "$staging/bin/pulumi" 2>/dev/null || cp "$bin/pulumi" "$staging/bin/pulumi"
  install -m 0755 "$bin/pulumi-resource-pulumi-python" "$bin/pulumi-language-python-exec" \
    "$repo/tools/pulumi-language-python" "$staging/bin/"
  install -m 0644 "$repo/devtools/language_host.py" "$staging/bin/"
  ln -s "../$(basename "$host_venv")" "$staging/host-venv"
  mv -T "$staging" "$run_dir" 2>/dev/null || rm -rf "$staging"  # another run made it first
}

# The stamp holds the version the build verified, so a warm run need not start the CLI.
if [[ -x "$bin/pulumi" && "$(cat "$stamp" 2>/dev/null)" == "v$version" ]]; then
  ensure_host_venv
  install_host
  echo "$run_dir/bin"
  exit 0
fi

command -v go >/dev/null || { echo "build-pulumi: Go is required (https://go.dev/dl)" >&2; exit 1; }
echo "build-pulumi: building the Pulumi CLI v$version from Go modules (first run: several minutes)" >&2
mkdir -p "$bin"
rm -f "$stamp"
cd "$module_dir"
# As the official release builds it (.goreleaser.yml): no cgo, pure-Go os/user, no gRPC tracing,
# the version stamped in (the Automation API and the update check read it).
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
  -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

# The dynamic-provider shim and the language host's exec script ship in the sdk/v3 module zip,
# not in the PyPI wheel; without the shim the engine would try to download a plugin.
sdk_dir=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$bin/"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$bin/"
[[ "$("$bin/pulumi" version)" == "v$version" ]] || { echo "build-pulumi: version stamp mismatch" >&2; exit 1; }
echo "v$version" > "$stamp"
# The Python language host is a Go module the proxy does not serve (see README.md); ours runs
# the program through the release's own exec script.
ensure_host_venv
install_host
echo "build-pulumi: done: $run_dir/bin" >&2
echo "$run_dir/bin"
