#!/usr/bin/env bash
# Builds Traefik, the real-node test cluster's ingress controller (docs/adr/0029), from its own
# module at the pinned version, once per version and trim, and prints its path.
#
# 3.6.12, not 3.7: from 3.7 on Traefik's go.mod replaces github.com/abbot/go-http-auth with a
# 2026 commit of its fork that the module proxy refuses, and points at a nested module
# (dynamic/ext) that no proxy can serve; 3.6.12 builds from the proxy as it is.
#
# Trimmed (docs/adr/0035): upstream's cmd/traefik links every ACME DNS provider of lego (about
# 150 cloud DNS SDKs) and the AWS ECS provider's EC2/ECS/SSM clients, 45% of the Go source it
# compiles (145 MB of 2495 packages; 80 MB of 1563 trimmed). The cluster uses neither:
# cert-manager orders certificates and Traefik only serves Ingresses. Go refuses -overlay for
# files in the module cache, so the module is copied out of it once per version and trim, the
# ACME provider's one call into lego's DNS registry replaced by an error, and pkg/provider/ecs
# replaced by ecs/ecs.go here. The copy lives in the cache, never in the repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${LANDLORD_TRAEFIK_VERSION:-3.6.12}"
go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
cache="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/traefik"
trim="$(cat "$here/build.sh" "$here/ecs/ecs.go" | sha256sum | cut -c1-12)"
out="$cache/$version-$trim"
mkdir -p "$cache"
exec 9>"$out.lock"
flock 9
module="github.com/traefik/traefik/v3"
if [[ ! -x "$out/traefik" ]]; then
  src="$(GOFLAGS=-mod=mod "$go_bin" mod download -json "$module@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$src" || ! -d "$src" ]]; then
    echo "traefik: the Go module proxy did not serve $module@v$version" >&2
    exit 1
  fi
  tree="$cache/src-$version-$trim"
  if [[ ! -d "$tree" ]]; then
    tmp="$(mktemp -d "$cache/.src-XXXXXX")"
    cp -r "$src/." "$tmp/"
    chmod -R u+w "$tmp"
    acme="$tmp/pkg/provider/acme/provider.go"
    sed -i -e '\#^\t"github.com/go-acme/lego/v4/providers/dns"$#d' \
      -e 's#dns\.NewDNSChallengeProviderByName(p\.DNSChallenge\.Provider)#nil, fmt.Errorf("this Traefik was built for Landlord'"'"'s test cluster without ACME DNS providers (asked for %q); use the HTTP or TLS challenge", p.DNSChallenge.Provider)#' "$acme"
    # A new Traefik version that moved either line must fail here, not link lego back in.
    if grep -q 'providers/dns"\|NewDNSChallengeProviderByName' "$acme" || ! grep -q 'without ACME DNS providers' "$acme"; then
      echo "traefik: $version's pkg/provider/acme/provider.go no longer matches the trim in $here/build.sh; update the two sed expressions" >&2
      rm -rf "$tmp"
      exit 1
    fi
    rm -f "$tmp"/pkg/provider/ecs/*.go
    cp "$here/ecs/ecs.go" "$tmp/pkg/provider/ecs/ecs.go"
    mv -T "$tmp" "$tree" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "traefik: building $version without lego's DNS providers and the ECS provider (about 8 CPU-minutes the first time)..." >&2
  start=$(date +%s)
  mkdir -p "$out"
  (cd "$tree" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath \
    -ldflags "-s -w -X $module/pkg/version.Version=v$version" -o "$out/traefik.tmp" ./cmd/traefik)
  mv "$out/traefik.tmp" "$out/traefik"
  echo "traefik: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$out/traefik"
