#!/usr/bin/env bash
# Builds Traefik, the real-node test cluster's ingress controller (docs/adr/0029), from its own
# module at the pinned version, once per version, and prints its path.
#
# 3.6.12, not 3.7: from 3.7 on Traefik's go.mod replaces github.com/abbot/go-http-auth with a
# 2026 commit of its fork that the module proxy refuses, and points at a nested module
# (dynamic/ext) that no proxy can serve; 3.6.12 builds from the proxy as it is.
set -euo pipefail
version="${LANDLORD_TRAEFIK_VERSION:-3.6.12}"
go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
out="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/traefik/$version"
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
module="github.com/traefik/traefik/v3"
if [[ ! -x "$out/traefik" ]]; then
  src="$(GOFLAGS=-mod=mod "$go_bin" mod download -json "$module@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$src" || ! -d "$src" ]]; then
    echo "traefik: the Go module proxy did not serve $module@v$version" >&2
    exit 1
  fi
  echo "traefik: building $version (the first build takes several minutes on 2 cores)..." >&2
  start=$(date +%s)
  mkdir -p "$out"
  (cd "$src" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath \
    -ldflags "-s -w -X $module/pkg/version.Version=v$version" -o "$out/traefik.tmp" ./cmd/traefik)
  mv "$out/traefik.tmp" "$out/traefik"
  echo "traefik: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$out/traefik"
