#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow checker) from its own Go module at the pinned
# version, once per version, and prints its path. test/init/ci-templates.test.ts runs it on
# the workflow `landlord init --ci github` writes. The command lives in the module itself
# (cmd/actionlint), so no module of ours is needed.
#
# The version is the newest the Go module proxy served on 2026-12-07
# (`go list -m -versions github.com/rhysd/actionlint`). LANDLORD_ACTIONLINT_BIN names a ready
# binary instead (no build).
set -euo pipefail
if [[ -n "${LANDLORD_ACTIONLINT_BIN:-}" ]]; then
  if [[ ! -x "$LANDLORD_ACTIONLINT_BIN" ]]; then
    echo "actionlint: LANDLORD_ACTIONLINT_BIN=$LANDLORD_ACTIONLINT_BIN is not an executable file" >&2
    exit 1
  fi
  echo "$LANDLORD_ACTIONLINT_BIN"
  exit 0
fi
version="${LANDLORD_ACTIONLINT_VERSION:-1.7.12}"
go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if [[ ! -x "$go_bin" ]]; then
  echo "actionlint: no Go toolchain (looked for go on PATH and /usr/local/go/bin/go); install Go 1.24+" >&2
  exit 1
fi
out="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/actionlint/$version"
mkdir -p "$(dirname "$out")"
# Parallel test workers wait for one build instead of each starting one.
exec 9>"$out.lock"
flock 9
module="github.com/rhysd/actionlint"
if [[ ! -x "$out/actionlint" ]]; then
  src="$(GOFLAGS=-mod=mod "$go_bin" mod download -json "$module@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$src" || ! -d "$src" ]]; then
    echo "actionlint: the Go module proxy did not serve $module@v$version (try: $go_bin mod download -json $module@v$version)" >&2
    exit 1
  fi
  echo "actionlint: building $version (11 to 35 s the first time on 2 cores)..." >&2
  start=$(date +%s)
  mkdir -p "$out"
  # Built inside the module, its version is "(devel)" unless stamped: `actionlint -version` then names the pin.
  (cd "$src" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_bin" build -trimpath \
    -ldflags "-s -w -X $module.version=v$version" -o "$out/actionlint.tmp" ./cmd/actionlint)
  mv "$out/actionlint.tmp" "$out/actionlint"
  echo "actionlint: built in $(( $(date +%s) - start )) s" >&2
fi
echo "$out/actionlint"
