#!/usr/bin/env bash
# Builds the test control plane binary once per source hash and prints its path.
# The binary lives outside the repository so clean clones on the same machine reuse it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
k8s_version="$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' "$here/go.mod")"
hash="$(cd "$here" && cat go.mod go.sum *.go | sha256sum | cut -c1-16)"
cache="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/controlplane/$hash"
bin="$cache/controlplane"
mkdir -p "$cache"
# Concurrent callers (parallel test runs) wait for one build instead of each starting one.
exec 9>"$cache.lock"
flock 9
if [[ ! -x "$bin" ]]; then
  go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  if [[ ! -x "$go_bin" ]]; then
    echo "controlplane: no Go toolchain (looked for go on PATH and /usr/local/go/bin/go); install Go 1.26+" >&2
    exit 1
  fi
  echo "controlplane: building $k8s_version components (first build takes about 30 minutes on 2 cores)..." >&2
  minor="$(echo "$k8s_version" | cut -d. -f2)"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  start=$(date +%s)
  (cd "$here" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath -ldflags "$ldflags" -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  echo "controlplane: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$bin"
