#!/usr/bin/env bash
# Builds the programs inside the real test nodes' images (pause, the example app, netcheck, CoreDNS)
# from the control plane's module, once per source hash, and prints the folder holding them.
# Static binaries: each image is its program alone. About a minute the first time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="$(dirname "$here")"
hash="$(cd "$module" && cat go.mod go.sum images/build.sh images/*/*.go dns/*.go | sha256sum | cut -c1-16)"
out="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/node-images/$hash"
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if [[ ! -x "$out/netcheck" ]]; then
  go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
  echo "node images: building pause, exampleapp, netcheck..." >&2
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  for p in pause exampleapp netcheck coredns; do
    (cd "$module" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath -ldflags "-s -w" -o "$out.tmp/$p" "./images/$p")
  done
  rm -rf "$out" && mv "$out.tmp" "$out"
fi
echo "$out"
