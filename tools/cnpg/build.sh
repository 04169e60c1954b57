#!/usr/bin/env bash
# Builds CloudNativePG's manager (operator and instance manager in one static binary) from
# its own module at the pinned version, once per version, and prints its path. It cannot
# join the control plane's multi-call binary: its commands live in internal packages
# (docs/adr/0022). The module's release manifest (releases/cnpg-VERSION.yaml) is read from
# the same download by the test setup. About 4 to 6 minutes the first time on 2 cores.
set -euo pipefail
version="${LANDLORD_CNPG_VERSION:-1.28.0}"
go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
out="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/cnpg/$version"
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
src="$(GOFLAGS=-mod=mod "$go_bin" mod download -json "github.com/cloudnative-pg/cloudnative-pg@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$src" || ! -d "$src" ]]; then
  echo "cnpg: the Go module proxy did not serve github.com/cloudnative-pg/cloudnative-pg@v$version" >&2
  exit 1
fi
if [[ ! -x "$out/manager" ]]; then
  echo "cnpg: building the manager $version (about 4 to 6 minutes the first time on 2 cores)..." >&2
  start=$(date +%s)
  mkdir -p "$out"
  (cd "$src" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath \
    -ldflags "-s -w -X github.com/cloudnative-pg/cloudnative-pg/pkg/versions.buildVersion=$version" -o "$out/manager.tmp" ./cmd/manager)
  mv "$out/manager.tmp" "$out/manager"
  echo "cnpg: built in $(( $(date +%s) - start )) s" >&2
fi
# The binary, then the release manifest of the same version (RBAC, Deployment, webhooks).
echo "$out/manager"
echo "$src/releases/cnpg-$version.yaml"
