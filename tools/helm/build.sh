#!/usr/bin/env bash
# Builds the pinned Helm CLI once per source hash and prints its path.
# LANDLORD_HELM_BIN names a ready binary instead (no build). The binary lives outside the
# repository so clean clones on the same machine reuse it.
set -euo pipefail
if [[ -n "${LANDLORD_HELM_BIN:-}" ]]; then
  if [[ ! -x "$LANDLORD_HELM_BIN" ]]; then
    echo "helm: LANDLORD_HELM_BIN=$LANDLORD_HELM_BIN is not an executable file" >&2
    exit 1
  fi
  echo "$LANDLORD_HELM_BIN"
  exit 0
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Written `require helm.sh/helm/v4 vX` or inside a require block.
helm_version="$(awk '$1=="helm.sh/helm/v4"{print $2; exit} $1=="require" && $2=="helm.sh/helm/v4"{print $3; exit}' "$here/go.mod")"
hash="$(cd "$here" && cat go.mod go.sum *.go | sha256sum | cut -c1-16)"
cache="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/helm/$hash"
bin="$cache/helm"
mkdir -p "$cache"
# Concurrent callers (parallel test runs) wait for one build instead of each starting one.
exec 9>"$cache.lock"
flock 9
if [[ ! -x "$bin" ]]; then
  go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  if [[ ! -x "$go_bin" ]]; then
    echo "helm: no Go toolchain (looked for go on PATH and /usr/local/go/bin/go); install Go 1.26+" >&2
    exit 1
  fi
  echo "helm: building $helm_version (first build takes several minutes on 2 cores)..." >&2
  # `helm version` reports the module version instead of the source default "v4.3".
  ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$helm_version -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
  start=$(date +%s)
  (cd "$here" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath -ldflags "$ldflags" -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  echo "helm: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$bin"
