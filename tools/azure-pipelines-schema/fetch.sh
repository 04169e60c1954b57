#!/usr/bin/env bash
# Puts the Azure Pipelines YAML schema (service-schema.json of Microsoft's Azure Pipelines
# VS Code extension, microsoft/azure-pipelines-vscode) into the cache once per version and
# prints its path, for checking the definition `landlord init --ci azure` writes against it
# by hand (docs/ci-pipelines.md): no registry the test machines reach serves the file, so CI
# does not. The schema is never committed.
#
# Sources, first that exists: LANDLORD_AZURE_PIPELINES_SCHEMA (a copy of the file), the
# shared folder beside the repository (../shared/schemas/azure-pipelines/service-schema.json,
# laid there like ../shared/crds), else a download of the pinned commit. Whichever it is, its
# sha256 must be the pinned one. No package registry serves this file (checked 2026-12-07:
# not in the npm packages azure-pipelines-language-server/-service, and the Go module proxy
# refuses github.com/microsoft/azure-pipelines-vscode, which is no Go module).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="v1.261.1"   # the schema's own "$comment"; tag v1.261.1 of the extension
commit="9e40e814abd20917f273dd587497086f0476a563"
sha256="f00a9630f6550204148634d9a13f634b5750a225559886effe09a751482f0459"
out="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/azure-pipelines-schema/$version"
mkdir -p "$out"
exec 9>"$out.lock"
flock 9
file="$out/service-schema.json"
if [[ ! -s "$file" ]]; then
  shared="$(realpath -m "$here/../../../shared/schemas/azure-pipelines/service-schema.json")"
  url="https://raw.githubusercontent.com/microsoft/azure-pipelines-vscode/$commit/service-schema.json"
  if [[ -n "${LANDLORD_AZURE_PIPELINES_SCHEMA:-}" ]]; then
    cp "$LANDLORD_AZURE_PIPELINES_SCHEMA" "$file.tmp"
  elif [[ -f "$shared" ]]; then
    cp "$shared" "$file.tmp"
  elif ! curl -fsSL --max-time 120 -o "$file.tmp" "$url"; then
    rm -f "$file.tmp"
    echo "azure-pipelines-schema: could not download $url; put that file (service-schema.json of microsoft/azure-pipelines-vscode at $commit, tag $version) at $shared, or set LANDLORD_AZURE_PIPELINES_SCHEMA to its path" >&2
    exit 1
  fi
  if ! echo "$sha256  $file.tmp" | sha256sum --check --status; then
    echo "azure-pipelines-schema: the file is not service-schema.json $version (sha256 $(sha256sum "$file.tmp" | cut -c1-64), expected $sha256)" >&2
    rm -f "$file.tmp"
    exit 1
  fi
  mv "$file.tmp" "$file"
fi
echo "$file"
