#!/usr/bin/env bash
# Assembles the root filesystem of the Barman Cloud plugin's sidecar image (the container
# the plugin adds to every PostgreSQL pod that archives to an object store) from this
# machine's Debian packages: python3, barman-cli-cloud and the Azure Blob SDK with every
# package they depend on, unpacked with dpkg -x (no maintainer scripts run), and the
# plugin's manager (tools/barman-cloud/build.sh) as /manager, its entrypoint.
#   controlplane/images/barman-sidecar.sh MANAGER
# Prints the folder and barman's version (`DIR VERSION`); cached per package set and binary.
set -euo pipefail
manager="${1:?usage: barman-sidecar.sh MANAGER (the path tools/barman-cloud/build.sh prints)}"
if [[ ! -x "$manager" ]]; then
  echo "barman sidecar image: $manager is not an executable" >&2
  exit 1
fi
if [[ ! -x /bin/busybox ]]; then
  echo "barman sidecar image: /bin/busybox is missing (apt-get install busybox-static)" >&2
  exit 1
fi
# Upstream's image is a Python virtualenv on distroless; Debian's packages stand in for it.
roots=(python3 barman-cli-cloud python3-azure-storage)
# The whole closure: without a base image underneath, nothing can be assumed present.
mapfile -t packages < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "${roots[@]}" 2>/dev/null | grep '^\w' | sort -u)
uris="$(apt-get download --print-uris "${packages[@]}" 2>/dev/null || true)"
if [[ ${#packages[@]} -lt ${#roots[@]} || "$(wc -l <<<"$uris")" -ne ${#packages[@]} ]]; then
  echo "barman sidecar image: apt cannot download ${roots[*]} and their dependencies (run apt-get update; bookworm has barman-cli-cloud 3.4.0)" >&2
  exit 1
fi
key="$( { awk '{print $2, $4}' <<<"$uris"; sha256sum "$manager" /bin/busybox "$0" | cut -c1-64; } | sha256sum | cut -c1-16)"
out="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/node-images/barman-sidecar-$key"
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9

# Runs a command of the image the way the kubelet will: uid 26, a read-only root, only the
# image's environment (its PATH, no HOME of this machine).
in_image() {
  unshare -m bash -c 'mount --bind "$2" "$2" && mount -o remount,bind,ro "$2" && exec env -i PATH=/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 "$1" --userspec=26:26 "${@:2}"' _ "$(command -v chroot)" "$@"
}

if [[ ! -d "$out/rootfs" ]]; then
  start=$(date +%s)
  tmp="$out.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp/debs" "$tmp/rootfs"
  root="$tmp/rootfs"
  if ! (cd "$tmp/debs" && apt-get download -qq "${packages[@]}" 2>"$tmp/download.err"); then
    echo "barman sidecar image: apt-get download failed: $(cat "$tmp/download.err")" >&2
    exit 1
  fi
  for deb in "$tmp/debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  rm -rf "$tmp/debs" "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/locale" "$root/usr/share/lintian"
  # python3-azure is all of azure-sdk-for-python (580 MB unpacked, 480 of it management
  # SDKs); barman imports azure.storage.blob, azure.identity and azure.core, nothing else.
  find "$root/usr/lib/python3/dist-packages/azure" -mindepth 1 -maxdepth 1 -type d -not -name core -not -name identity -not -name storage -not -name common -exec rm -rf {} +
  # ca-certificates' maintainer script would have made the bundle every TLS client reads
  # (OpenSSL's default path, and certifi as Debian patches it): Azure is reached over HTTPS.
  mkdir -p "$root/etc/ssl/certs"
  cat "$root"/usr/share/ca-certificates/mozilla/*.crt >"$root/etc/ssl/certs/ca-certificates.crt"
  # Debian's python3 packages compile their bytecode in their maintainer scripts; the
  # sidecar's root is read-only, so without it every barman run would recompile everything
  # it imports (boto3, the Azure SDK) in memory. Hash-checked, as image layers may lose mtimes.
  chroot "$root" /usr/bin/python3 -m compileall -q --invalidation-mode unchecked-hash /usr/lib/python3.11 /usr/lib/python3 >/dev/null 2>&1 || true
  [[ -e "$root/bin/sh" ]] || { mkdir -p "$root/bin" && cp /bin/busybox "$root/bin/busybox" && ln -s busybox "$root/bin/sh"; }
  cp "$manager" "$root/manager"
  chmod 0755 "$root/manager"
  # Mount points of the PostgreSQL pod's volumes, which the plugin gives its sidecar too.
  mkdir -p "$root/controller" "$root/plugins" "$root/run" "$root/var/lib/postgresql" "$root/tmp"
  chmod 1777 "$root/tmp"
  # HOME becomes /var/lib/postgresql, read-only like the rest: barman's cloud commands write
  # only under TMPDIR, which CloudNativePG sets to /controller/tmp and the sidecar inherits.
  printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:26:26:PostgreSQL:/var/lib/postgresql:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\npostgres:x:26:\n' >"$root/etc/group"
  if ! in_image "$root" /usr/bin/python3 -c 'import azure.storage.blob, boto3, psycopg2, barman.cloud_providers.azure_blob_storage; from azure.identity import DefaultAzureCredential, ManagedIdentityCredential' 2>"$tmp/import.err"; then
    echo "barman sidecar image: barman's cloud modules do not import in the image: $(cat "$tmp/import.err")" >&2
    exit 1
  fi
  rm -rf "$out" && mv "$tmp" "$out"
  echo "barman sidecar image: assembled in $(( $(date +%s) - start )) s ($(du -sh "$out/rootfs" | cut -f1))" >&2
fi
# `barman-cloud-wal-archive 3.4.0`: the check that the image runs barman at all.
version="$(in_image "$out/rootfs" /usr/bin/barman-cloud-wal-archive --version 2>&1 | awk '{print $NF}')"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+ ]]; then
  echo "barman sidecar image: barman-cloud-wal-archive --version does not run in $out/rootfs (got '$version')" >&2
  exit 1
fi
echo "$out/rootfs $version"
