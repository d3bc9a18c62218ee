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

codegen_dir="$repo/tools/pulumi-codegen"
# POP_NO_FETCH set (the test suite sets it): nothing is fetched; a cold cache is one line.
no_fetch() {
  [[ -z ${POP_NO_FETCH:-} ]] && return 0
  echo "build-pulumi: $1 is not in the cache ($cache_root): run \`make bootstrap\`" >&2
  exit 1
}
# The language hosts' versions (pulumi-yaml; npm's, for projects and tests) are in languages.env.
# shellcheck source=languages.env
source "$repo/tools/languages.env"

# The go.mod pins (the CLI's and our SDK generator's) must agree with PULUMI_VERSION: one version,
# stated once, checked everywhere.
for go_mod in "$module_dir/go.mod" "$codegen_dir/go.mod"; do
  for mod in pkg sdk; do
    if ! grep -qE "github.com/pulumi/pulumi/$mod/v3 v$version( // indirect)?\$" "$go_mod"; then
      echo "build-pulumi: ${go_mod#"$repo/"} does not pin $mod/v3 at v$version (PULUMI_VERSION)" >&2
      exit 1
    fi
  done
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
  no_fetch "the language host's virtualenv (pulumi==$sdk_version)"
  echo "build-pulumi: making the language host's virtualenv (pulumi==$sdk_version)" >&2
  rm -rf "$host_venv"
  "${PYTHON:-python3}" -m venv "$host_venv"
  "$host_venv/bin/python" -m pip install --quiet --disable-pip-version-check "pulumi==$sdk_version"
  echo "pulumi==$sdk_version" > "$host_stamp"
}

# As the official release builds Go programs (.goreleaser.yml): no cgo, pure-Go os/user, no gRPC
# tracing. Our SDK generator is built the same way, so it reuses the CLI's build cache.
go_build() {
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags osusergo,grpcnotrace "$@"
}
need_go() {
  command -v go >/dev/null && return 0
  echo "build-pulumi: Go is required (https://go.dev/dl)" >&2
  exit 1
}

# Pulumi YAML's language host, from its own module at its own pins (languages.env), built once
# per version.
yaml_prefix="$cache_root/pulumi-language-yaml/v$PULUMI_YAML_VERSION"
yaml_host="$yaml_prefix/bin/pulumi-language-yaml"
ensure_yaml_host() {
  local want="v$PULUMI_YAML_VERSION"
  [[ -x "$yaml_host" && "$(cat "$yaml_prefix/.complete" 2>/dev/null)" == "$want" ]] && return 0
  no_fetch "pulumi-language-yaml $want"
  need_go
  echo "build-pulumi: building pulumi-language-yaml $want (first run: ~1 minute)" >&2
  rm -f "$yaml_prefix/.complete"
  mkdir -p "$yaml_prefix"
  (cd "$yaml_prefix" && CGO_ENABLED=0 GOBIN="$yaml_prefix/bin" \
    go install -trimpath -ldflags "-s -w" \
    "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$want")
  echo "$want" > "$yaml_prefix/.complete"
}

# Our SDK generator (tools/pulumi-codegen), which the hosts' GeneratePackage runs: one build per
# content of its module, made atomically.
codegen_hash=$(cat "$codegen_dir"/{go.mod,go.sum,main.go} | sha256sum | cut -c1-12)
codegen="$prefix/codegen-$codegen_hash/pulumi-codegen"
ensure_codegen() {
  [[ -x "$codegen" ]] && return 0
  need_go
  echo "build-pulumi: building pulumi-codegen (first run, with the CLI's build cache: ~15 s)" >&2
  local staging
  staging=$(mktemp -d "$prefix/.codegen.XXXXXX")
  (cd "$codegen_dir" && go_build -ldflags "-s -w" -o "$staging/pulumi-codegen" .)
  mv -T "$staging" "$(dirname "$codegen")" 2>/dev/null || rm -rf "$staging"  # another run made it
}

# Our launchers and hosts are part of this repo, and clones at other commits share this cache: so
# each version of them gets a directory of its own, named by their content, holding them beside
# a hard link of the CLI (the CLI finds its language plugins beside itself) and links to the YAML
# host and the SDK generator. Made once, atomically.
launchers=("$repo"/tools/pulumi-language-{python,nodejs,go})
host_sources=("$repo/devtools/__init__.py" "$repo/devtools/language_host.py" \
  "$repo"/devtools/language_hosts/*.py)
host_hash=$( (echo "$sdk_version $PULUMI_YAML_VERSION $codegen"
  cat "${launchers[@]}" "${host_sources[@]}") | sha256sum | cut -c1-12)
run_dir="$prefix/run-$host_hash"
install_host() {
  [[ -x "$run_dir/bin/pulumi" ]] && return 0
  local staging
  staging=$(mktemp -d "$prefix/.run.XXXXXX")
  mkdir -p "$staging/bin" "$staging/lib/devtools/language_hosts"
  ln "$bin/pulumi" "$staging/bin/pulumi" 2>/dev/null || cp "$bin/pulumi" "$staging/bin/pulumi"
  install -m 0755 "$bin/pulumi-resource-pulumi-python" "$bin/pulumi-language-python-exec" \
    "${launchers[@]}" "$staging/bin/"
  ln -s "$yaml_host" "$staging/bin/pulumi-language-yaml"
  ln -s "$codegen" "$staging/bin/pulumi-codegen"
  install -m 0644 "$repo/devtools/language_host.py" "$staging/lib/"
  install -m 0644 "$repo/devtools/__init__.py" "$staging/lib/devtools/"
  install -m 0644 "$repo"/devtools/language_hosts/*.py "$staging/lib/devtools/language_hosts/"
  echo "v$version" > "$staging/PULUMI_VERSION"
  ln -s "../$(basename "$host_venv")" "$staging/host-venv"
  mv -T "$staging" "$run_dir" 2>/dev/null || rm -rf "$staging"  # another run made it first
}

# Everything beside the CLI: each piece is a no-op when its cache is warm.
install_languages() {
  ensure_host_venv
  ensure_yaml_host
  ensure_codegen
  install_host
}

# The stamp holds the version the build verified, so a warm run need not start the CLI.
if [[ -x "$bin/pulumi" && "$(cat "$stamp" 2>/dev/null)" == "v$version" ]]; then
  install_languages
  echo "$run_dir/bin"
  exit 0
fi

no_fetch "the Pulumi CLI v$version"
need_go
echo "build-pulumi: building the Pulumi CLI v$version from Go modules (first run: several minutes)" >&2
mkdir -p "$bin"
rm -f "$stamp"
cd "$module_dir"
# The version stamped in (the Automation API and the update check read it).
go_build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
  -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

# The dynamic-provider shim and the language host's exec script ship in the sdk/v3 module zip,
# not in the PyPI wheel; without the shim the engine would try to download a plugin.
sdk_dir=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$bin/"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$bin/"
[[ "$("$bin/pulumi" version)" == "v$version" ]] || { echo "build-pulumi: version stamp mismatch" >&2; exit 1; }
echo "v$version" > "$stamp"
# The official language hosts are Go modules the proxy does not serve (see README.md); ours run
# programs as they do.
install_languages
echo "build-pulumi: done: $run_dir/bin" >&2
echo "$run_dir/bin"
