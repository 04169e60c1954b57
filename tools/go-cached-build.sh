#!/usr/bin/env bash
# Builds a Go module's binary once per source hash and prints its path:
#   tools/go-cached-build.sh NAME MODULE_DIR LDFLAGS "what the first build costs"
# The hash covers go.mod, go.sum and the module's *.go files. The binary lives outside the
# repository (LANDLORD_CACHE_DIR, else ~/.cache/landlord) so clean clones on the same
# machine reuse it. Used by controlplane/build.sh, tools/helm/build.sh, tools/cert-manager/build.sh
# and tools/external-secrets/build.sh (which sets GOWORK: the build inherits the environment).
set -euo pipefail
name="$1" dir="$2" ldflags="$3" cost="$4"
hash="$(cd "$dir" && cat go.mod go.sum $(find . -name "*.go" -not -path "./images/*" | LC_ALL=C sort) | sha256sum | cut -c1-16)"
cache="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/$name/$hash"
bin="$cache/$name"
mkdir -p "$cache"
# Concurrent callers (parallel test runs) wait for one build instead of each starting one.
exec 9>"$cache.lock"
flock 9
if [[ ! -x "$bin" ]]; then
  go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  if [[ ! -x "$go_bin" ]]; then
    echo "$name: no Go toolchain (looked for go on PATH and /usr/local/go/bin/go); install Go 1.26+" >&2
    exit 1
  fi
  echo "$name: building ($cost)..." >&2
  start=$(date +%s)
  (cd "$dir" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath -ldflags "$ldflags" -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  echo "$name: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$bin"
