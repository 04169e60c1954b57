#!/usr/bin/env bash
# `terraform validate` of the modules and of a generated tenant workspace against the real
# azurerm provider, built from its Go module (the registry is out of reach here). The
# provider is built once into a filesystem mirror under ~/.cache/landlord/terraform-providers
# (measured here: 39 min on 2 cores while CI ran beside it), so this is not part of `.ci/run`.
# Usage: bash scripts/terraform-validate.sh   (after `npm run build`)
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-/usr/local/go/bin/go}
# The newest main-branch pseudo-version the Go proxy serves; its CHANGELOG names the release.
MODULE=github.com/hashicorp/terraform-provider-azurerm
PSEUDO=${AZURERM_PSEUDO_VERSION:-v1.44.1-0.20260824201233-fae580791926}
RELEASE=${AZURERM_RELEASE:-5.2.0}
MIRROR=${LANDLORD_TF_MIRROR:-$HOME/.cache/landlord/terraform-providers}
BIN="$MIRROR/registry.terraform.io/hashicorp/azurerm/$RELEASE/linux_amd64/terraform-provider-azurerm_v$RELEASE"

if [ ! -x "$BIN" ]; then
  echo "building azurerm $RELEASE ($MODULE@$PSEUDO): tens of minutes on 2 cores" >&2
  src=$("$GO" mod download -json "$MODULE@$PSEUDO" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  head -1 "$src/CHANGELOG.md" | grep -q "## $RELEASE " || { echo "the module's CHANGELOG does not start at $RELEASE: set AZURERM_RELEASE" >&2; exit 1; }
  mkdir -p "$(dirname "$BIN")"
  (cd "$src" && GOFLAGS=-mod=mod "$GO" build -o "$BIN.tmp" .)
  mv "$BIN.tmp" "$BIN"
fi

rc=$(mktemp); trap 'rm -f "$rc"' EXIT
cat > "$rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/hashicorp/azurerm"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/azurerm"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$rc" TF_IN_AUTOMATION=1

work=$(mktemp -d); trap 'rm -f "$rc"; rm -rf "$work"' EXIT
validate() { # DIR LABEL
  (cd "$1" && terraform init -backend=false -input=false -no-color >/dev/null && terraform validate -no-color) | sed "s|^|$2: |"
}
cp -r terraform "$work/terraform"
validate "$work/terraform/modules/customer-instance" "module customer-instance"
validate "$work/terraform/platform" "root platform"
validate "$work/terraform/tenant" "root tenant"
# Generated workspaces, one per tier, as `landlord onboard` writes them.
node dist/scripts/tenant-workspaces.js "$work/workspaces" "$work/terraform/modules/customer-instance"
for ws in "$work"/workspaces/*/; do validate "$ws" "workspace $(basename "$ws")"; done
