#!/usr/bin/env bash
# Assembles the root filesystem of the PostgreSQL image the real test nodes run under
# CloudNativePG, from this machine's Debian packages (postgresql-15, busybox-static): the
# server's programs and libraries, the shared libraries they load, time zones, a shell for
# archive_command, and the postgres user (uid 26, as CloudNativePG's images have it).
# Prints the folder and the PostgreSQL version (`DIR VERSION`); cached per installed version.
set -euo pipefail
major="${1:-15}"
pg="/usr/lib/postgresql/$major"
if [[ ! -x "$pg/bin/postgres" ]]; then
  echo "postgres image: $pg/bin/postgres is missing (apt-get install postgresql-$major)" >&2
  exit 1
fi
if [[ ! -x /bin/busybox ]]; then
  echo "postgres image: /bin/busybox is missing (apt-get install busybox-static)" >&2
  exit 1
fi
version="$("$pg/bin/postgres" --version | awk '{print $3}')"
out="${LANDLORD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlord}/node-images/postgres-$version-$(sha256sum "$0" | cut -c1-12)"
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if [[ ! -d "$out/rootfs" ]]; then
  tmp="$out.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp/rootfs"
  root="$tmp/rootfs"
  copy() { # copies a path (file, folder or symlink) to the same place under the root
    mkdir -p "$root$(dirname "$1")"
    cp -a "$1" "$root$1"
  }
  copy "$pg"
  # No JIT: LLVM alone would double the image (PostgreSQL runs without it when the module is absent).
  rm -rf "$root$pg/lib/llvmjit"* "$root$pg/lib/bitcode"
  copy "/usr/share/postgresql/$major"
  copy /usr/share/zoneinfo
  # Shared libraries of every program and module, by their loaded names, resolved to files.
  find "$root$pg/bin" "$root$pg/lib" -type f \( -perm -u+x -o -name '*.so' \) -print0 |
    { xargs -0 ldd 2>/dev/null || true; } | awk '/=> \//{print $3} /^\s*\/lib/{print $1}' | sort -u |
    while read -r lib; do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  mkdir -p "$root/lib64" "$root/bin" "$root/etc" "$root/tmp" "$root/var/run/postgresql" "$root/controller"
  cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
  cp /bin/busybox "$root/bin/busybox"
  for tool in sh cat ls mkdir rm cp mv sleep env; do ln -s busybox "$root/bin/$tool"; done
  chmod 1777 "$root/tmp"
  chown 26:26 "$root/var/run/postgresql"
  printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:26:26:PostgreSQL:/var/lib/postgresql:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\npostgres:x:26:\n' >"$root/etc/group"
  rm -rf "$out" && mv "$tmp" "$out"
fi
echo "$out/rootfs $version"
