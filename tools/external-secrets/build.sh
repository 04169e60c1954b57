#!/usr/bin/env bash
# Builds the External Secrets controller (tools/external-secrets/main.go over the
# external-secrets module go.mod pins) once per source hash and prints its path, then the
# module's Helm chart folder (deploy/charts/external-secrets), which the test setup renders for
# the controller's RBAC and Deployment (docs/adr/0031).
#
# Upstream's controller packages blank-import pkg/provider/register and pkg/generator/register,
# which link all 35 providers and every generator (2001 packages: the AWS, GCP, Oracle, IBM,
# Alibaba, Vault... SDKs). Go refuses -overlay for files in the module cache, so the module is
# copied out of the cache once per version and register file set, its two register.go
# replaced by ours (providers/ and generators/ here: Azure Key Vault and Kubernetes, no
# generator), and the build runs in a Go workspace of this module and that copy (919
# packages). The copy lives in the cache, never in the repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module=github.com/external-secrets/external-secrets
version="$(awk -v m="$module" '$1==m{print $2; exit} $1=="require" && $2==m{print $3; exit}' "$here/go.mod")"
go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if [[ ! -x "$go_bin" ]]; then
  echo "external-secrets: no Go toolchain (looked for go on PATH and /usr/local/go/bin/go); install Go 1.26+" >&2
  exit 1
fi
src="$(cd "$here" && GOFLAGS=-mod=mod GOTOOLCHAIN=local "$go_bin" mod download -json "$module@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$src" || ! -f "$src/pkg/provider/register/register.go" || ! -f "$src/pkg/generator/register/register.go" || ! -d "$src/deploy/charts/external-secrets" ]]; then
  echo "external-secrets: no pkg/provider/register, pkg/generator/register or deploy/charts/external-secrets in the module download of $module@$version; has its layout changed?" >&2
  exit 1
fi
cache="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/external-secrets"
mkdir -p "$cache"
subset="$(cat "$here/providers/register.go" "$here/generators/register.go" | sha256sum | cut -c1-12)"
tree="$cache/src-$version-$subset"
if [[ ! -d "$tree" ]]; then
  # Copied aside and renamed into place: a concurrent caller sees the whole tree or none.
  tmp="$(mktemp -d "$cache/.src-XXXXXX")"
  cp -r "$src/." "$tmp/"
  chmod -R u+w "$tmp"
  cp "$here/providers/register.go" "$tmp/pkg/provider/register/register.go"
  cp "$here/generators/register.go" "$tmp/pkg/generator/register/register.go"
  mv -T "$tmp" "$tree" 2>/dev/null || rm -rf "$tmp"
fi
# The workspace names this clone's folder, so it is written per call, not cached.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'go 1.26.0\n\nuse (\n\t%s\n\t%s\n)\n' "$here" "$tree" >"$work/go.work"
bin="$(GOWORK="$work/go.work" bash "$here/../go-cached-build.sh" external-secrets "$here" "-s -w" "$version with the Azure Key Vault and Kubernetes providers; the first build takes a few minutes on 2 cores")"
echo "$bin"
echo "$src/deploy/charts/external-secrets"
