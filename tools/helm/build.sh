#!/usr/bin/env bash
# Builds the pinned Helm CLI once per source hash and prints its path
# (tools/go-cached-build.sh keeps it outside the repository).
# LANDLORD_HELM_BIN names a ready binary instead (no build).
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
# `helm version` reports the module version instead of the source default "v4.3".
ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$helm_version -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
exec bash "$here/../go-cached-build.sh" helm "$here" "$ldflags" "$helm_version; the first build takes about 6 to 11 minutes on 2 cores"
