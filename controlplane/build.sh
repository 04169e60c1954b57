#!/usr/bin/env bash
# Builds the test control plane binary once per source hash and prints its path
# (tools/go-cached-build.sh keeps it outside the repository).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
k8s_version="$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' "$here/go.mod")"
minor="$(echo "$k8s_version" | cut -d. -f2)"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
exec bash "$here/../tools/go-cached-build.sh" controlplane "$here" "$ldflags" "$k8s_version components; the first build takes 17 to 30 minutes on 2 cores"
