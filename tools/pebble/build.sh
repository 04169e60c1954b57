#!/usr/bin/env bash
# Builds Pebble (Let's Encrypt's ACME test server) and pebble-challtestsrv (its companion DNS
# server, which answers every A query with one address) from Pebble's own module at the
# pinned version, once per version, and prints the two paths (pebble, then challtestsrv).
# The real-node test cluster runs both as host processes (docs/adr/0029). Both commands are
# in the module itself, so no module of ours is needed. Under a minute the first time.
set -euo pipefail
version="${LANDLORD_PEBBLE_VERSION:-2.10.3}"
go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
out="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/pebble/$version"
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
module="github.com/letsencrypt/pebble/v2"
if [[ ! -x "$out/pebble" || ! -x "$out/pebble-challtestsrv" ]]; then
  src="$(GOFLAGS=-mod=mod "$go_bin" mod download -json "$module@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$src" || ! -d "$src" ]]; then
    echo "pebble: the Go module proxy did not serve $module@v$version" >&2
    exit 1
  fi
  echo "pebble: building pebble and pebble-challtestsrv $version (under a minute the first time on 2 cores)..." >&2
  start=$(date +%s)
  mkdir -p "$out"
  for cmd in pebble pebble-challtestsrv; do
    (cd "$src" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath -ldflags "-s -w" -o "$out/$cmd.tmp" "./cmd/$cmd")
    mv "$out/$cmd.tmp" "$out/$cmd"
  done
  echo "pebble: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$out/pebble"
echo "$out/pebble-challtestsrv"
