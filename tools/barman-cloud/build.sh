#!/usr/bin/env bash
# Builds the Barman Cloud plugin's manager (the plugin's operator side and, in the sidecar
# image, its instance side: one binary) from the plugin's own module at the pinned version,
# once per version, and prints its path, then the module's manifest.yaml (RBAC, Service,
# Deployment, read by the test setup). Like CloudNativePG's, it cannot join the control
# plane's multi-call binary: its commands live in internal packages (docs/adr/0022).
# About 5 minutes the first time on 2 cores (5 min 9 s here, after the CloudNativePG build).
set -euo pipefail
version="${LANDLORD_BARMAN_CLOUD_VERSION:-0.15.0}"
go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
out="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/barman-cloud/$version"
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
module="github.com/cloudnative-pg/plugin-barman-cloud"
src="$(GOFLAGS=-mod=mod "$go_bin" mod download -json "$module@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$src" || ! -d "$src" ]]; then
  echo "barman-cloud: the Go module proxy did not serve $module@v$version" >&2
  exit 1
fi
if [[ ! -x "$out/manager" ]]; then
  echo "barman-cloud: building the plugin's manager $version (about 5 minutes the first time on 2 cores)..." >&2
  start=$(date +%s)
  mkdir -p "$out"
  # The module names a newer patch release of Go than this machine may have; the local one builds it.
  (cd "$src" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath -ldflags "-s -w" -o "$out/manager.tmp" ./cmd/manager)
  mv "$out/manager.tmp" "$out/manager"
  echo "barman-cloud: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$out/manager"
echo "$src/manifest.yaml"
