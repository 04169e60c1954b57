#!/usr/bin/env bash
# Builds cert-manager's controller and HTTP-01 solver (one binary, tools/cert-manager/*.go
# over the cert-manager module go.mod pins) once per source hash and prints its path, then
# the module's Helm chart folder (deploy/charts/cert-manager), which the test setup renders
# for the controller's RBAC and Deployment (docs/adr/0029).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(awk '$1=="github.com/cert-manager/cert-manager"{print $2; exit} $1=="require" && $2=="github.com/cert-manager/cert-manager"{print $3; exit}' "$here/go.mod")"
# The solver image's default tag and the ACME client's user agent carry the version.
ldflags="-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$version"
bin="$(bash "$here/../go-cached-build.sh" cert-manager "$here" "$ldflags" "$version; the first build takes several minutes on 2 cores")"
go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
src="$(cd "$here" && GOFLAGS=-mod=mod "$go_bin" mod download -json "github.com/cert-manager/cert-manager@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$src" || ! -d "$src/deploy/charts/cert-manager" ]]; then
  echo "cert-manager: no chart in the module download of github.com/cert-manager/cert-manager@$version" >&2
  exit 1
fi
echo "$bin"
echo "$src/deploy/charts/cert-manager"
